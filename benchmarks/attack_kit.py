"""The attacks' tools: a real server process, honest clients that join and act, attackers
from 127.0.0.2 and up; shared by ``tests/test_server_abuse.py`` (scaled down) and
``benchmarks/attacks.py`` (full scale)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import json
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

from serverproc import ServerProcess, get, start_server_process
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from server.tokens import issue_tokens
from vccsched.floor.protocol import PROTOCOL_VERSION

JOIN_AND_ACT = 2.0  # seconds: the chair and a delegation join and act within this, always
MEMORY_GROWTH = 64  # MB
PROBE_EVERY = 0.3  # seconds between two rounds of honest probes


# --- the server in its own process --------------------------------------------------------


@dataclasses.dataclass
class Target:
    """A running server process, the tokens of every delegation, and what it said on stderr."""

    process: ServerProcess
    db_path: Path
    tokens: dict[str, str]
    stderr: list[str]

    @property
    def pid(self) -> int:
        return self.process.process.pid

    @property
    def ws_url(self) -> str:
        return self.process.ws_url

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError(f"no VmRSS for {self.pid}: has the server exited?")

    def stderr_bytes(self) -> int:
        return sum(len(line.encode()) for line in self.stderr)


def _drain(stream, into: list[str]) -> None:
    # The server's stderr must be read, or a chatty server blocks on a full pipe.
    for line in stream:
        into.append(line)


@contextlib.asynccontextmanager
async def server(tmp_path: Path, *args: str, db_path: Path | None = None, tokens: dict | None = None, open_files: int | None = None):
    db_path = db_path or tmp_path / "floor.db"
    if tokens is None:
        tokens = issue_tokens(db_path)
    process = await asyncio.to_thread(start_server_process, db_path, *args, open_files=open_files)
    stderr: list[str] = []
    threading.Thread(target=_drain, args=(process.process.stderr, stderr), daemon=True).start()
    threading.Thread(target=_drain, args=(process.process.stdout, []), daemon=True).start()
    try:
        yield Target(process, db_path, tokens, stderr)
    finally:
        if process.process.poll() is None:
            process.kill()


def stored(db_path: Path) -> tuple[Counter, int, int]:
    """What the log holds: commands per actor, the number of events, the last seq."""
    with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)) as db:
        actors = Counter(dict(db.execute("SELECT actor, COUNT(*) FROM commands GROUP BY actor").fetchall()))
        events, last = db.execute("SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM events").fetchone()
    return actors, events, last


# --- the protocol, bare ---------------------------------------------------------------------


def hello(token: str | None) -> str:
    return json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "last_seq": None, "token": token})


def command(type_: str, id_: str, **fields) -> str:
    return json.dumps({"type": "command", "command": {"type": type_, "id": id_, **fields}})


async def reply_to(ws, command_id: str) -> dict:
    """Read until the answer to ``command_id``; an ``error`` (e.g. server_full) fails."""
    while True:
        message = json.loads(await ws.recv())
        if message["type"] in ("accepted", "refusal") and message.get("command_id") == command_id:
            return message
        assert message["type"] != "error", message


async def join_and_act(target: Target, delegation: str, type_: str, id_: str, **fields) -> tuple[float, dict]:
    """Connect from 127.0.0.1, say hello, send one command: (seconds to its answer, the answer)."""
    start = time.monotonic()
    ws = None
    try:
        async with asyncio.timeout(JOIN_AND_ACT):
            ws = await connect(target.ws_url, open_timeout=None, close_timeout=0.5, max_size=None)
            await ws.send(hello(target.tokens[delegation]))
            welcome = json.loads(await ws.recv())
            assert welcome["type"] == "welcome", f"{delegation} was not welcomed: {welcome}"
            await ws.send(command(type_, id_, **fields))
            answer = await reply_to(ws, id_)
    except TimeoutError:
        raise AssertionError(f"{delegation} could not join and get an answer within {JOIN_AND_ACT} s") from None
    except (OSError, ConnectionClosed, InvalidHandshake) as exc:
        raise AssertionError(f"{delegation} could not join: {exc!r}") from None
    finally:
        if ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 1)
    return time.monotonic() - start, answer


class Honest:
    """The chair and the United States, joining and acting again and again from 127.0.0.1.

    The chair sets the speaking time (accepted on an open item), the United States asks
    for the floor and withdraws in turn; ``accepted`` counts what each got accepted, which
    is all the log may gain from them.
    """

    def __init__(self, target: Target) -> None:
        self.target = target
        self.latencies: list[float] = []
        self.accepted: Counter = Counter()
        self.rounds = 0
        self._n = itertools.count(1)
        self._usa_waiting = False

    async def round(self) -> None:
        n = next(self._n)
        usa = ("withdraw" if self._usa_waiting else "request_floor", f"usa-h{n}")
        (vc_time, vc), (usa_time, us) = await asyncio.gather(
            join_and_act(self.target, "VC", "set_speaking_time", f"vc-h{n}", seconds=60 + n % 120),
            join_and_act(self.target, "USA", *usa),
        )
        assert vc["type"] == "accepted", vc
        assert us["type"] == "accepted", us
        self._usa_waiting = not self._usa_waiting
        self.accepted["VC"] += 1
        self.accepted["USA"] += 1
        self.latencies += [vc_time, usa_time]
        self.rounds += 1

    async def keep_going(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.round()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), PROBE_EVERY)


@dataclasses.dataclass
class Outcome:
    honest: Honest
    rss_before: float
    rss_peak: float
    seconds: float


async def under_attack(
    target: Target, attack: Callable[[], Awaitable[None]], *, limit: float = 30.0, min_rounds: int = 3
) -> Outcome:
    """Run ``attack`` while the honest clients join and act and the server's memory is watched;
    the floor must have an open item (the chair's and the delegation's commands need one)."""
    honest = Honest(target)
    await honest.round()  # warm: the server's first connections cost it what later ones reuse
    before = target.rss_mb()
    peak = before
    stop = asyncio.Event()

    async def watch_memory() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, target.rss_mb())
            await asyncio.sleep(0.1)

    watcher = asyncio.create_task(watch_memory())
    prober = asyncio.create_task(honest.keep_going(stop))
    start = time.monotonic()
    try:
        async with asyncio.timeout(limit):
            await attack()
            if prober.done():
                prober.result()  # an honest client failed during the attack
    finally:
        seconds = time.monotonic() - start
        stop.set()
        await asyncio.wait_for(asyncio.gather(watcher, prober, return_exceptions=True), 10)
    prober.result()
    peak = max(peak, target.rss_mb())
    # The first round was before the attack.
    assert honest.rounds - 1 >= min_rounds, f"only {honest.rounds - 1} honest round(s) during the attack"
    assert max(honest.latencies) < JOIN_AND_ACT
    assert peak - before < MEMORY_GROWTH, f"the server grew from {before:.0f} to {peak:.0f} MB"
    return Outcome(honest, before, peak, seconds)


async def open_item(target: Target) -> None:
    _, answer = await join_and_act(target, "VC", "open_item", "vc-open", item=3)
    assert answer["type"] == "accepted", answer


async def health(target: Target) -> dict:
    """``/healthz`` as a monitor on this machine reads it (with the attendance)."""
    try:
        status, _, body = await get(target.process.http_url + "/healthz")
    except (TimeoutError, OSError) as exc:
        raise AssertionError(f"the server did not answer /healthz: {exc!r}") from None
    assert status == 200, body
    return json.loads(body)


def attacker_address(n: int) -> str:
    return f"127.0.0.{2 + n}"


def large_plan(size: int = 60_000) -> dict:
    """A plan of ``size`` bytes of JSON made of many small objects (what costs a parser most)."""
    sessions = []
    plan = {"meeting": "C21/VCC-1", "timezone": "Europe/Zurich", "days": [{"date": "2021-06-08", "sessions": sessions}], "solver": {}}
    n = 0
    while len(json.dumps(plan)) < size - 100:
        n += 1
        sessions.append({"s": f"{n}"})
    return plan



async def one_command(target: Target, delegation: str, type_: str, id_: str, **fields) -> dict:
    _, answer = await join_and_act(target, delegation, type_, id_, **fields)
    return answer



async def snapshot(target: Target) -> dict:
    """The floor as a fresh client (Switzerland) receives it."""
    async with asyncio.timeout(5):
        async with connect(target.ws_url, close_timeout=0.5, max_size=None) as ws:
            await ws.send(hello(target.tokens["CHE"]))
            welcome = json.loads(await ws.recv())
            state = json.loads(await ws.recv())
            assert state["type"] == "snapshot", state
            return {"seq": welcome["seq"], "state": state["state"]}



async def http_get_from(address: str, target: Target, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """A GET from ``address``: (status, body)."""
    host, port = "127.0.0.1", target.process.port
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    async with asyncio.timeout(5):
        reader, writer = await asyncio.open_connection(host, port, local_addr=(address, 0))
        try:
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
            response = await reader.read()
        finally:
            writer.close()
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode()


