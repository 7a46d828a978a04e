"""Re-planning benchmark: C21/VCC-1 re-planned at the end of each day with random overruns.

Run ``.venv/bin/python benchmarks/replan.py [--seeds N]`` (or ``make bench``). For
each seed the floor follows the published plan day by day, every item running
over or under at random (the chair stops at 15:00 with the item in hand left
open); five minutes after each day's session the secretariat re-plans what is
left (:func:`vccsched.planner.replan.plan_remaining`) and publishes it on the
floor (``publish_plan``), and the next day follows it. Prints one row per seed,
then the wall-clock time per re-plan (target: at most 1 s) and the proof status.
A re-plan that does not fit is timed too (the explanation, with its deferral
candidates, is its answer); the meeting then goes on with the last plan. Wall-clock
and CPU seconds are both shown: on a busy machine the CPU time is the steadier
figure. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time

from vccsched.errors import PlanningError
from vccsched.floor.published import canonical
from vccsched.floor.simulation import floor_for, run_day
from vccsched.loading import load_meeting
from vccsched.planner import SolveReport, plan_meeting
from vccsched.planner.replan import plan_remaining
from vccsched.progress import measure_progress, published_history

#: Minutes an item runs over (negative: under), drawn for each item.
OVERRUNS = (-10, -5, 0, 0, 0, 5, 10, 15, 30, 45)
TARGET_SECONDS = 1.0


def one_meeting(data, first_plan, seed: int) -> list[dict]:
    rng = random.Random(seed)
    floor = floor_for(data)
    current = first_plan
    answer = floor.handle_raw("SG", {"type": "publish_plan", "id": "plan-1", "plan": canonical(current)}, dt.datetime(2021, 6, 7, 18, tzinfo=data.meeting.zone))
    assert answer.refusal is None, answer.refusal
    rows = []
    for day in data.meeting.dates:
        if not current.items:
            break
        end = run_day(floor, current, day, data, lambda n: rng.choice(OVERRUNS))
        now = max(end, data.meeting.session_bounds(day)[1]) + dt.timedelta(minutes=5)
        progress = measure_progress(floor.state, data.meeting, now, current, history=published_history(floor.events))
        report = SolveReport()
        started, cpu = time.perf_counter(), time.process_time()
        try:
            result = plan_remaining(current, progress, now, data, report=report)
        except PlanningError as error:
            rows.append(
                {
                    "day": day,
                    "seconds": time.perf_counter() - started,
                    "cpu": time.process_time() - cpu,
                    "status": "DOES NOT FIT",
                    "message": error.message,
                }
            )
            continue
        seconds = time.perf_counter() - started
        rows.append(
            {
                "day": day,
                "seconds": seconds,
                "cpu": time.process_time() - cpu,
                "status": result.plan.solver.status,
                "moved": len(result.moved),
                "left": len(result.plan.items),
                "days": len(result.plan.days),
            }
        )
        current = result.plan
        answer = floor.handle_raw(
            "SG", {"type": "publish_plan", "id": f"plan-{day}", "plan": canonical(current)}, now
        )
        assert answer.refusal is None, answer.refusal
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10, help="meetings to simulate (default 10)")
    args = parser.parse_args()
    data = load_meeting()
    first = plan_meeting(data)
    print(f"C21/VCC-1: {len(first.items)} items over {len(first.days)} days; overruns drawn from {OVERRUNS} min")
    print()
    print("| seed | re-plans | optimal | does not fit | items moved (per re-plan) | slowest s |")
    print("| --: | --: | --: | --: | --- | --: |")
    every = []
    for seed in range(1, args.seeds + 1):
        rows = one_meeting(data, first, seed)
        every += rows
        fitted = [r for r in rows if "moved" in r]
        print(
            f"| {seed} | {len(rows)} | {sum(r['status'] == 'OPTIMAL' for r in rows)} "
            f"| {sum(r['status'] == 'DOES NOT FIT' for r in rows)} "
            f"| {', '.join(str(r['moved']) for r in fitted) or '-'} | {max(r['seconds'] for r in rows):.3f} |",
            flush=True,
        )
    print()
    for label, rows in (
        ("re-plans that fit", [r for r in every if r["status"] != "DOES NOT FIT"]),
        ("re-plans that do not fit (explanation and deferral candidates)", [r for r in every if r["status"] == "DOES NOT FIT"]),
    ):
        if not rows:
            continue
        times = sorted(r["seconds"] for r in rows)
        cpu = sorted(r["cpu"] for r in rows)
        statuses = {s: sum(r["status"] == s for r in rows) for s in sorted({r["status"] for r in rows})}
        print(
            f"{len(rows)} {label}: wall-clock median {statistics.median(times):.3f} s, "
            f"p95 {times[int(0.95 * (len(times) - 1))]:.3f} s, max {times[-1]:.3f} s "
            f"(target <= {TARGET_SECONDS:.0f} s: {'met' if times[-1] <= TARGET_SECONDS else 'MISSED'}); "
            f"CPU max {cpu[-1]:.3f} s; " + ", ".join(f"{k} {v}" for k, v in statuses.items())
        )
    misfit = next((r for r in every if r["status"] == "DOES NOT FIT"), None)
    if misfit is not None:
        print(f"e.g. {misfit['day']}: {misfit['message']}")


if __name__ == "__main__":
    main()
