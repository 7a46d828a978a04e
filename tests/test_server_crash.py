"""Crash: a server process killed with SIGKILL at random moments under load, then restarted.

Each round starts ``vccsched server run`` on the same database, lets the chair
and six delegations send commands as fast as the server answers, and kills the
server (SIGKILL: no chance to flush or close) at a random moment. Then, with
the process dead:

* ``PRAGMA integrity_check`` says ok;
* the events are numbered 1..N without a gap, and every stored command has all
  its events (consecutive seqs, each naming the command's actor and id): none
  is half applied;
* every command a client saw ``accepted`` is stored with exactly those seqs
  (commands lost: must be 0);
* the floor rebuilt from the events equals a replay of the stored commands;
* the record's hash chain holds: one link per stored command, each recomputed
  (``vccsched.floor.chain.verify``), the last one the head.

On the restart, clients send again the commands that were in flight when the
server died (same id, as the protocol asks): one that was stored is answered
``repeated`` with its seqs, one that was not is decided afresh. The restarted
server's snapshot is the floor rebuilt from the database. At the end,
``vccsched floor export`` piped to ``vccsched floor replay`` prints the state the
server had. ``SOAK_ROUNDS=100`` (``make soak``) runs a hundred rounds.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import random
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import run_cli
from live_server import ServerProcess, issue_tokens, start_server_process
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from server.store import FloorStore, read_floor_log
from vccsched.floor import chain
from vccsched.floor.engine import Floor
from vccsched.floor.events import event_adapter
from vccsched.floor.protocol import PROTOCOL_VERSION
from vccsched.floor.replay import replay
from vccsched.floor.state import FloorSetup
from vccsched.floor.view import floor_summary
from vccsched.loading import DEFAULT_MEETING_DIR, load_meeting

ROUNDS = int(os.environ.get("SOAK_ROUNDS", "10"))
SEED = int(os.environ.get("SOAK_SEED", "7"))
DELEGATES = ("USA", "CHN", "FRA", "GBR", "PSE", "SM-R1")
ITEMS = 76


@dataclass
class Ledger:
    """What the clients were told, across rounds."""

    accepted: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    #: delegation -> the command it sent and got no answer to (the server died).
    in_flight: dict[str, dict] = field(default_factory=dict)
    sent: int = 0
    connections: int = 0
    resent_stored: int = 0
    resent_new: int = 0


def chair_script(rng: random.Random, round_: int, items: itertools.count):
    """Open an item, move the floor along, close it; again with the next item."""
    for n in itertools.count(1):
        cycle = n % 8
        if cycle == 1:
            yield {"type": "open_item", "item": next(items) % ITEMS + 1}
        elif cycle == 7:
            yield {"type": "close_item"}
        else:
            yield rng.choice(
                [{"type": "next_speaker"}] * 3
                + [{"type": "set_speaking_time", "seconds": 120}, {"type": "close_list"}, {"type": "reopen_list"},
                   {"type": "pause_clock"}, {"type": "resume_clock"},
                   {"type": "record_conclusion", "conclusion": f"Noted (round {round_})."}]
            )


def delegate_script(rng: random.Random):
    """Ask for the floor, then withdraw, end one's speech or ask again."""
    while True:
        kind = rng.choice(["speech", "speech", "point_of_order", "right_of_reply"])
        yield {"type": "request_floor", "kind": kind}
        yield {"type": rng.choice(["withdraw", "end_speech", "request_floor"])}


async def reply_to(ws, command_id: str) -> dict:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message["type"] in ("accepted", "refusal", "error"):
            assert message.get("command_id") == command_id, message
            return message


async def drive(
    url: str, token: str, delegation: str, script, round_: int, ledger: Ledger, stored: dict,
    ready: asyncio.Event, go: asyncio.Event,
) -> None:
    """One client: resend what was in flight, then send the script's commands until the server dies."""
    with contextlib.suppress(ConnectionClosed, OSError, asyncio.TimeoutError):
        async with connect(url, open_timeout=5, close_timeout=0.5) as ws:
            await ws.send(json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "token": token}))
            welcome = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert welcome["type"] == "welcome" and welcome["delegation"] == delegation
            ledger.connections += 1
            lost = ledger.in_flight.pop(delegation, None)
            if lost is not None:
                await ws.send(json.dumps({"type": "command", "command": lost}))
                reply = await reply_to(ws, lost["id"])
                key = (delegation, lost["id"])
                if key in stored:  # stored before the crash: the same answer, nothing twice
                    assert (reply["type"], reply["seqs"], reply["repeated"]) == ("accepted", stored[key], True)
                    ledger.accepted[key] = reply["seqs"]
                    ledger.resent_stored += 1
                else:
                    assert reply["type"] == "refusal" or reply["repeated"] is False, reply
                    if reply["type"] == "accepted":
                        ledger.accepted[key] = reply["seqs"]
                    ledger.resent_new += 1
            ready.set()
            await asyncio.wait_for(go.wait(), 60)
            for n in itertools.count(1):
                command = {**next(script), "id": f"{delegation}-r{round_}-{n}"}
                while True:
                    ledger.in_flight[delegation] = command
                    ledger.sent += 1
                    await ws.send(json.dumps({"type": "command", "command": command}))
                    reply = await reply_to(ws, command["id"])
                    del ledger.in_flight[delegation]
                    if reply.get("code") != "rate_limited":
                        break
                    await asyncio.sleep(0.2)  # then the same command again, with the same id
                if reply["type"] == "accepted":
                    assert reply["repeated"] is False
                    ledger.accepted[(delegation, command["id"])] = reply["seqs"]


def check_database(db_path: Path, setup: FloorSetup, ledger: Ledger) -> tuple[int, dict]:
    """Everything the crash must not have broken; returns (last seq, the stored (actor, id) -> seqs)."""
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        seqs = [s for (s,) in db.execute("SELECT seq FROM events ORDER BY seq")]
        assert seqs == list(range(1, len(seqs) + 1)), "a gap in the sequence"
        commands = db.execute("SELECT n, actor, command_id, first_seq, last_seq FROM commands ORDER BY n").fetchall()
        events = db.execute("SELECT seq, command_n, event FROM events ORDER BY seq").fetchall()
    by_command: dict[int, list[tuple[int, dict]]] = {}
    for seq, n, text in events:
        by_command.setdefault(n, []).append((seq, json.loads(text)))
    stored: dict[tuple[str, str], list[int]] = {}
    expected_first = 1
    for n, actor, command_id, first, last in commands:
        assert first == expected_first, f"command {n} starts at {first}, not {expected_first}"
        own = by_command.pop(n, [])
        assert [s for s, _ in own] == list(range(first, last + 1)), f"command {n} ({command_id}) half applied"
        assert all((e["actor"], e["command_id"]) == (actor, command_id) for _, e in own)
        stored[(actor, command_id)] = list(range(first, last + 1))
        expected_first = last + 1
    assert by_command == {}, "events of no command"
    assert expected_first == len(seqs) + 1
    lost = {key: s for key, s in ledger.accepted.items() if stored.get(key) != s}
    assert lost == {}, f"accepted but not stored as acknowledged: {lost}"
    # The floor rebuilt from the events is the floor a replay of the stored commands gives.
    replayed = replay(read_floor_log(db_path).lines, setup)
    assert replayed.refusals == [] and replayed.state == stored_floor(db_path, setup).state
    check_chain(db_path, len(commands))
    return len(seqs), stored


def check_chain(db_path: Path, commands: int) -> None:
    """Every stored command has its link, and the chain recomputes to the stored head."""
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        links = db.execute("SELECT COUNT(*) FROM chain").fetchone()[0]
    assert links == commands, f"{commands} commands but {links} links: a link written apart from its command"
    store = FloorStore.open(db_path)
    try:
        report = chain.verify(store.chain_entries(), store.genesis)
        assert report.broken is None, report.broken.message()
        assert report.count == commands and report.head == store.head
    finally:
        store._db.close()


def stored_floor(db_path: Path, setup: FloorSetup) -> Floor:
    """The floor as the server rebuilds it on start, read without writing to the database."""
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        rows = db.execute("SELECT event FROM events ORDER BY seq").fetchall()
    return Floor(setup, events=[event_adapter.validate_json(text) for (text,) in rows])


async def snapshot_of(server: ServerProcess, token: str) -> dict:
    async with connect(server.ws_url, open_timeout=5) as ws:
        await ws.send(json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "token": token}))
        welcome = json.loads(await asyncio.wait_for(ws.recv(), 10))
        snapshot = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert snapshot["type"] == "snapshot" and snapshot["seq"] == welcome["seq"]
        return snapshot


@pytest.mark.slow
async def test_sigkill_under_load_loses_no_acknowledged_command(tmp_path):
    rng = random.Random(SEED)
    db_path = tmp_path / "floor.db"
    tokens = issue_tokens(db_path)
    setup = FloorSetup.from_meeting(load_meeting(DEFAULT_MEETING_DIR))
    ledger = Ledger()
    items = itertools.count()
    stored: dict = {}
    restarts = 0.0
    started = time.monotonic()
    server = await asyncio.to_thread(start_server_process, db_path)
    for round_ in range(1, ROUNDS + 1):
        go = asyncio.Event()
        scripts = [("VC", chair_script(random.Random(rng.random()), round_, items))]
        scripts += [(d, delegate_script(random.Random(rng.random()))) for d in DELEGATES]
        readies = [asyncio.Event() for _ in scripts]
        clients = [
            asyncio.create_task(drive(server.ws_url, tokens[d], d, script, round_, ledger, stored, ready, go))
            for (d, script), ready in zip(scripts, readies)
        ]
        # Every client connected, and the commands in flight at the last kill sent again.
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 10)
        go.set()
        await asyncio.sleep(rng.uniform(0.05, 0.5))
        server.kill()
        await asyncio.wait_for(asyncio.gather(*clients), 10)
        errors = server.process.stderr.read() if server.process.stderr else ""
        assert "Traceback" not in errors, errors
        # Restart at once (it takes a second), and check the dead server's database meanwhile.
        restart_began = time.monotonic()
        restarting = asyncio.create_task(asyncio.to_thread(start_server_process, db_path))
        seq, stored = check_database(db_path, setup, ledger)
        server = await restarting
        restarts += time.monotonic() - restart_began
        snapshot = await snapshot_of(server, tokens["CHE"])
        assert snapshot["seq"] == seq
        assert snapshot["state"] == json.loads(stored_floor(db_path, setup).state.model_dump_json())
    # The last restart gets no load: stop it and check the whole log with the command line tools.
    assert server.terminate() == 0
    seq, stored = check_database(db_path, setup, ledger)
    log = tmp_path / "log.jsonl"
    exported = run_cli("floor", "export", "--db", str(db_path), "--out", str(log))
    assert exported.returncode == 0, exported.stderr
    replayed = run_cli("floor", "replay", str(log))
    assert replayed.returncode == 0 and replayed.stderr == "", replayed.stderr
    verified = run_cli("floor", "verify", "--log", str(log), "--head", json.loads(log.read_text().splitlines()[0])["head"])
    assert verified.returncode == 0 and "the record ends at head" in verified.stdout, verified.stdout
    rebuilt = stored_floor(db_path, setup)
    assert json.loads(replayed.stdout) == floor_summary(rebuilt.state, rebuilt.state.last_at)
    elapsed = time.monotonic() - started
    print(
        f"\nsoak: {ROUNDS} rounds (seed {SEED}), {ledger.sent} commands sent, {len(ledger.accepted)} accepted, "
        f"0 lost, {seq} events, {ledger.resent_stored} in flight at a kill and found stored, "
        f"{ledger.resent_new} in flight and not stored; {elapsed:.1f} s ({elapsed / ROUNDS:.2f} s a round, "
        f"of which {restarts / ROUNDS:.2f} s restarting 'vccsched server run')"
    )
    assert ledger.connections == ROUNDS * (1 + len(DELEGATES))
    assert len(ledger.accepted) >= 10 * ROUNDS  # the load was real
