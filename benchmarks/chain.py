"""The record's hash chain: how long ``floor verify`` takes on a long meeting, and what the
chain adds to storing a command.

Run ``.venv/bin/python benchmarks/chain.py`` (about a minute). Not a test: the figures
depend on the machine. It writes a database of ``--commands`` commands (50,000 by default,
a long meeting's worth and more; without fsync, to be quick), then measures

* **verify**: ``vccsched floor verify --db`` as a user runs it (a new process: start-up,
  reading every row, recomputing every link), and the same on the exported log
  (``--log``); the target is under 2 s for 50,000 commands;
* **append**: ``FloorStore.append`` with ``synchronous=FULL`` (as the server runs it) of
  ``--appends`` commands, p50 / p99, and of that the link alone (canonical JSON, SHA-256,
  the two digests), against the ``accepted`` p99 target of 10 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.store import FloorStore  # noqa: E402
from vccsched.meeting_files import meeting_file_texts  # noqa: E402
from vccsched.floor import chain  # noqa: E402
from vccsched.floor.engine import Floor  # noqa: E402
from vccsched.floor.simulation import plausible_commands  # noqa: E402
from vccsched.floor.state import FloorSetup  # noqa: E402
from vccsched.loading import DEFAULT_MEETING_DIR, load_meeting  # noqa: E402


def write(path: Path, wanted: int, *, fsync: bool, timings: list[float] | None = None,
          link_timings: list[float] | None = None) -> FloorStore:
    data = load_meeting(DEFAULT_MEETING_DIR)
    setup = FloorSetup.from_meeting(data)
    store = FloorStore.create(path, data.meeting.id, meeting_file_texts(DEFAULT_MEETING_DIR))
    if not fsync:
        store._db.execute("PRAGMA synchronous=OFF")  # generating only; the server always runs FULL
    floor = Floor(setup)
    clock = dt.datetime.combine(data.meeting.dates[0], dt.time(12, 0), tzinfo=data.meeting.zone)
    stream = plausible_commands(setup, random.Random(5))
    actor, command = next(stream)
    stored = 0
    while stored < wanted:
        clock += dt.timedelta(seconds=3)
        answer = floor.handle_raw(actor, command, clock)
        if answer.accepted:
            if link_timings is not None:
                events = [e.model_dump(mode="json") for e in answer.events]
                began = time.perf_counter()
                store._link(stored + 1, actor, clock.isoformat(), command, events)
                link_timings.append(time.perf_counter() - began)
            began = time.perf_counter()
            store.append(actor, clock, command, answer.events)
            if timings is not None:
                timings.append(time.perf_counter() - began)
            stored += 1
        actor, command = stream.send(floor.state.current_item is not None)
    return store


def run(*args: str) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of ``vccsched ARGS`` in a new process. Both: on a
    machine shared with other work, the wall time is mostly waiting for a core."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "vccsched", *args], capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert result.returncode == 0, result.stdout + result.stderr
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def best(*args: str) -> tuple[float, float]:
    runs = [run(*args) for _ in range(3)]
    return min(w for w, _ in runs), min(c for _, c in runs)


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=50_000)
    parser.add_argument("--appends", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "floor.db"
        began = time.perf_counter()
        store = write(db, args.commands, fsync=False)
        events = store._db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        store.close()
        print(f"wrote {args.commands} commands ({events} events) in {time.perf_counter() - began:.1f} s",
              file=sys.stderr)
        # In this process: reading the rows and recomputing the links, without start-up.
        store = FloorStore.open(db)
        began = time.perf_counter()
        report = chain.verify(store.chain_entries(), store.genesis)
        in_process = time.perf_counter() - began
        assert report.broken is None and report.count == args.commands
        store.close()
        verify_db = best("floor", "verify", "--db", str(db))
        log = Path(folder) / "log.jsonl"
        run("floor", "export", "--db", str(db), "--out", str(log))
        verify_log = best("floor", "verify", "--log", str(log))
        startup = best("--version")

        # With and without the chain, in alternating rounds: the disk's fsync time varies
        # from minute to minute, and it is most of an append.
        timings: list[float] = []
        links: list[float] = []
        baseline: list[float] = []
        rounds = 4
        for round_ in range(rounds):
            write(Path(folder) / f"append{round_}.db", args.appends // rounds, fsync=True,
                  timings=timings, link_timings=links).close()
            original = FloorStore._link
            FloorStore._link = lambda self, n, *rest: ("0" * 64, ("SELECT ?", (n,)))  # type: ignore[method-assign]
            try:
                write(Path(folder) / f"plain{round_}.db", args.appends // rounds, fsync=True, timings=baseline).close()
            finally:
                FloorStore._link = original  # type: ignore[method-assign]

    ms = 1000
    load = os.getloadavg()[0]
    rows = [
        (f"`floor verify --db`, {args.commands:,} commands ({events:,} events), s: wall (CPU)",
         f"{verify_db[0]:.2f} ({verify_db[1]:.2f}); start-up {startup[0]:.2f} ({startup[1]:.2f}); "
         f"read + recompute in process {in_process:.2f}",
         "under 2 s: " + ("met" if verify_db[0] < 2 else f"met in CPU time ({verify_db[1]:.2f} s), not in wall time on this loaded machine" if verify_db[1] < 2 else "NOT met")),
        ("`floor verify --log` of its export, s: wall (CPU)", f"{verify_log[0]:.2f} ({verify_log[1]:.2f})",
         "under 2 s: " + ("met" if verify_log[0] < 2 else f"met in CPU time ({verify_log[1]:.2f} s), not in wall time on this loaded machine" if verify_log[1] < 2 else "NOT met")),
        (f"append with fsync, {args.appends:,} commands, p50 / p99, ms",
         f"{percentile(timings, 50) * ms:.2f} / {percentile(timings, 99) * ms:.2f}",
         "within the `accepted` p99 of 10 ms: " + ("met" if percentile(timings, 99) * ms < 10 else "NOT met")),
        ("the same appends without the chain (alternating rounds), p50 / p99, ms",
         f"{percentile(baseline, 50) * ms:.2f} / {percentile(baseline, 99) * ms:.2f}", ""),
        ("the link alone (canonical JSON, SHA-256, digests), p50 / p99, ms",
         f"{percentile(links, 50) * ms:.3f} / {percentile(links, 99) * ms:.3f}", ""),
    ]
    print(f"load average during the run: {load:.1f} on {os.cpu_count()} cores")
    print("| what | figure | target |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
