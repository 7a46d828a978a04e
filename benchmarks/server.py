"""Floor server benchmark: 2,000 delegates over loopback, against a bare websockets server.

Run ``.venv/bin/python benchmarks/server.py`` (or ``make bench-server``); a few
minutes. Not a test: the figures depend on the machine. It measures

* **fan-out**: per delivery, the time from a command being sent to the receipt
  of its (last) event at each of 2,000 connected delegates, held by two client
  processes of 1,000 connections each; the chair and 30 delegations in this
  process change the queue (requests, the chair giving the floor and striking
  requests), one command every ``--interval`` seconds;
* **accepted**: the time from sending a command to its ``accepted`` (the
  command is committed with fsync first), with no audience and with 2,000;
* **memory per idle connection**: the server's RSS growth / connections;
* **rebuild**: opening a database of 50,000 events and folding it into a
  ``Floor`` (what a restart does).

The same clients then connect to a bare websockets server that broadcasts, to
every connection, each frame the chair sends it: the very frames the floor
server sent, same sizes, same pacing, but no floor, no disk, no JSON models.
That is the machine's own limit.

The clients are not the websockets client, which was the bottleneck: here it
takes about 48 µs of CPU to receive one 2.5 KB frame, so 2,000 of them need
about 95 ms per event on a machine of two cores, where the server needs about
37 ms to send it. Each client process runs instead a minimal asyncio protocol
(RFC 6455 handshake, the server's unmasked frames parsed by their header,
pings answered, the event's ``seq`` found with a regular expression; about
29 µs a frame) and stamps each frame with the system-wide monotonic clock,
which the coordinating process shares. The coordinating process runs at a
raised priority (when it may), so that its own wait for a core stays out of
the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import gc
import json
import multiprocessing
import os
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CLIENT_PROCESSES = 2
COMMITS: list[float] = []  # in the floor server process: the time of each commit
TICKS: list[float] = []  # in the floor server process: the time of each heartbeat round
TICK_SLICES: list[float] = []  # ... and of each slice of it (how long the event loop is held)
TICK_CPU: list[float] = []  # ... and the CPU time of each slice (what a loaded machine does not inflate)
SEQ = re.compile(rb'"seq":(\d+)')


# --- servers (each in its own process) ------------------------------------------------------------


async def serve_floor(db: Path, heartbeat: float = 0.0) -> None:
    import server.heartbeat
    from server.app import Limits, ServerConfig, serve, settle_memory
    from server.store import FloorStore
    from vccsched.loading import DEFAULT_MEETING_DIR

    # Time each commit (with its fsync) for the report.
    append = FloorStore.append

    def timed_append(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return append(self, *args, **kwargs)
        finally:
            COMMITS.append(time.perf_counter() - started)

    FloorStore.append = timed_append  # type: ignore[method-assign]

    # Time each heartbeat round; with --heartbeat, tick that often even while events flow
    # (a real server ticks only connections that heard nothing for 5 s: the worst case).
    tick, write = server.heartbeat.tick, server.heartbeat.broadcast

    async def timed_tick(shell):
        started = time.perf_counter()
        try:
            return await tick(shell)
        finally:
            TICKS.append(time.perf_counter() - started)

    def timed_write(sockets, text):
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return write(sockets, text)
        finally:
            TICK_SLICES.append(time.perf_counter() - started)
            TICK_CPU.append((time.thread_time() - cpu, len(sockets)))

    server.heartbeat.tick, server.heartbeat.broadcast = timed_tick, timed_write
    if heartbeat:
        server.heartbeat.TICK_EVEN_WHEN_BUSY = True

    # 2,000 connections share 73 delegations; the load generator sends faster than a person.
    # 2,000 listeners from one address, opened in batches: the door's per-address cap and the
    # delegations' rate would otherwise (rightly) stop a load generator.
    limits = Limits(
        per_delegation=100, rate_burst=100_000, rate_per_second=100_000.0,
        moderator_burst=100_000, moderator_per_second=100_000.0,
        pending_max=4096, pending_per_address=4096,
    )
    config = ServerConfig(
        meeting_dir=DEFAULT_MEETING_DIR, db_path=db, port=0, limits=limits,
        heartbeat_seconds=heartbeat or server.heartbeat.HEARTBEAT_SECONDS,
    )  # fmt: skip
    async with serve(config) as running:
        settle_memory()  # as 'vccsched server run' does
        await _announce_and_wait(running.port)


async def serve_bare() -> None:
    """Broadcast every message of a ``/chair`` connection to every other connection; nothing else."""
    from websockets.asyncio.server import broadcast, serve
    from websockets.exceptions import ConnectionClosed

    audience: set = set()

    async def handler(ws) -> None:
        if ws.request.path == "/chair":
            async for message in ws:
                broadcast(audience, message)
                await ws.send("ok")
            return
        audience.add(ws)
        try:
            async for _ in ws:
                pass
        except ConnectionClosed:
            pass  # the clients hang up without a closing handshake
        finally:
            audience.discard(ws)

    async with serve(handler, "127.0.0.1", 0, compression=None, max_size=64 * 1024) as server:
        await _announce_and_wait(next(iter(server.sockets)).getsockname()[1])


async def _announce_and_wait(port: int) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    pauses: list[tuple[int, float]] = []
    started: list[float] = []

    def watch(phase: str, info: dict) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        elif started:
            pauses.append((info["generation"], time.perf_counter() - started.pop()))

    gc.callbacks.append(watch)
    print(port, flush=True)
    await stop.wait()
    # The collector's pauses of the event loop, for the report.
    print(json.dumps({"gc_max": max((t for _, t in pauses), default=0.0), "commits": COMMITS, "ticks": TICKS, "tick_slices": TICK_SLICES, "tick_cpu": TICK_CPU}))


def start_server(role: str, *args: str) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen(
        [sys.executable, __file__, role, *args], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert process.stdout is not None
    return process, int(process.stdout.readline())


def stop_server(process: subprocess.Popen, out: dict) -> None:
    """SIGTERM; the server reports its garbage collector's pauses as it stops."""
    process.terminate()
    try:
        stdout, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, _ = process.communicate()
    for line in stdout.splitlines():
        if line.startswith("{"):
            out.update(json.loads(line))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


# --- the light client (1,000 per process) -----------------------------------------------------------


def _frame(text: str, opcode: int = 1) -> bytes:
    """A client frame: FIN, opcode, the mask bit with a zero key (the payload is unchanged)."""
    payload = text.encode() if isinstance(text, str) else text
    n = len(payload)
    if n < 126:
        header = bytes([0x80 | opcode, 0x80 | n])
    elif n < 65536:
        header = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        header = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
    return header + b"\0\0\0\0" + payload


class LightClient(asyncio.Protocol):
    """One delegate's connection: handshake, hello, then stamp every event frame received."""

    def __init__(self, host: str, port: int, path: str, hello: str | None, frames_before_ready: int, sink: list) -> None:
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        self.hello = hello
        self.waiting_for = frames_before_ready
        self.sink = sink  # (seq, time) of every event, shared by the process's clients
        self.buffer = bytearray()
        self.open = False
        self.ready = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.closed = False

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc) -> None:
        self.closed = True
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("closed before ready"))

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        buffer = self.buffer
        buffer += data
        if not self.open:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buffer.startswith(b"HTTP/1.1 101"):
                self.ready.set_exception(ConnectionError(bytes(buffer[:end]).decode(errors="replace")))
                self.transport.close()
                return
            del buffer[: end + 4]
            self.open = True
            if self.hello is not None:
                self.transport.write(_frame(self.hello))
            if self.waiting_for == 0:
                self.ready.set_result(None)
        while len(buffer) >= 2:
            opcode, length, start = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length, start = int.from_bytes(buffer[2:4], "big"), 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length, start = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < start + length:
                return
            payload = bytes(buffer[start : start + length])
            del buffer[: start + length]
            if opcode == 1:
                if payload.startswith(b'{"type":"event"'):
                    self.sink.append((int(SEQ.search(payload).group(1)), now))
                elif self.waiting_for > 0:
                    self.waiting_for -= 1
                    if self.waiting_for == 0:
                        self.ready.set_result(None)
            elif opcode == 9:
                self.transport.write(_frame(payload, opcode=10))
            elif opcode == 8:
                self.transport.close()


async def client_main(pipe) -> None:
    loop = asyncio.get_running_loop()
    clients: list[LightClient] = []
    sink: list[tuple[int, float]] = []
    while True:
        order, *args = await loop.run_in_executor(None, pipe.recv)
        if order == "connect":
            port, path, hellos, frames_before_ready = args
            started = time.monotonic()
            pending = list(hellos)
            while pending:  # 100 handshakes at a time
                batch, pending = pending[:100], pending[100:]
                made = await asyncio.gather(
                    *(
                        loop.create_connection(
                            lambda h=hello: LightClient("127.0.0.1", port, path, h, frames_before_ready, sink),
                            "127.0.0.1",
                            port,
                        )
                        for hello in batch
                    )
                )
                batch_clients = [protocol for _, protocol in made]
                await asyncio.gather(*(c.ready for c in batch_clients))
                clients.extend(batch_clients)
            sink.clear()
            pipe.send(("connected", len(clients), time.monotonic() - started))
        elif order == "report":
            pipe.send(("report", list(sink), sum(c.closed for c in clients)))
            sink.clear()
        elif order == "close":
            for c in clients:
                if c.transport is not None:
                    c.transport.close()
            clients.clear()
            await asyncio.sleep(0.2)
            pipe.send(("closed",))
        elif order == "quit":
            return


def client_process(pipe) -> None:
    os.setpriority(os.PRIO_PROCESS, 0, 0)  # not the coordinator's raised priority
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
    asyncio.run(client_main(pipe))


class ClientProcesses:
    def __init__(self, count: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes = []
        self.processes = []
        for _ in range(count):
            ours, theirs = context.Pipe()
            process = context.Process(target=client_process, args=(theirs,), daemon=True)
            process.start()
            self.pipes.append(ours)
            self.processes.append(process)

    async def ask(self, *orders: tuple) -> list:
        for pipe, order in zip(self.pipes, orders):
            pipe.send(order)
        loop = asyncio.get_running_loop()
        return await asyncio.gather(*(loop.run_in_executor(None, pipe.recv) for pipe in self.pipes))

    def cpu_seconds(self) -> float:
        return sum(cpu_seconds(p.pid) for p in self.processes)

    async def quit(self) -> None:
        for pipe in self.pipes:
            pipe.send(("quit",))
        for process in self.processes:
            process.join(5)


# --- measuring ------------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def deliveries(reports: list, sent_at: dict[int, float]) -> tuple[list[float], int, dict[int, list[float]]]:
    """Per delivery, receipt of a command's last event minus when the command was sent; how many
    were received; and the deliveries by command (its last seq)."""
    times: list[float] = []
    by_command: dict[int, list[float]] = {seq: [] for seq in sent_at}
    for _, events, _ in reports:
        for seq, at in events:
            if seq in sent_at:
                times.append(at - sent_at[seq])
                by_command[seq].append(at - sent_at[seq])
    return times, len(times), by_command


class Chair:
    """The chair and the requesting delegations (websockets clients in this process).

    A reader task per connection stamps replies as they arrive and keeps the
    event frames the chair's connection receives (replayed to the bare server).
    """

    def __init__(self, url: str, tokens: dict[str, str], delegates: list[str]) -> None:
        self.url = url
        self.tokens = tokens
        self.delegates = delegates
        self.ws: dict = {}
        self.readers: list[asyncio.Task] = []
        self.pending: dict[str, asyncio.Future] = {}
        self.frames: list[str] = []  # every event frame, as the chair's connection received it
        self.queue: set[str] = set()  # the waiting list as the chair last saw it
        self.n = 0

    async def __aenter__(self):
        from websockets.asyncio.client import connect

        from vccsched.floor.protocol import PROTOCOL_VERSION

        for who in ["VC", *self.delegates]:
            ws = await connect(self.url, max_size=None, compression=None)
            await ws.send(json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "token": self.tokens[who]}))
            await ws.recv()  # welcome
            await ws.recv()  # snapshot
            self.ws[who] = ws
            self.readers.append(asyncio.create_task(self._read(who, ws)))
        return self

    async def __aexit__(self, *exc) -> None:
        for task in self.readers:
            task.cancel()
        for ws in self.ws.values():
            await ws.close()

    async def _read(self, who: str, ws) -> None:
        async for message in ws:
            if message.startswith('{"type":"event"'):
                if who == "VC":
                    self.frames.append(message)
                    if '"view":{' in message:
                        view = json.loads(message)["view"]
                        self.queue = {r["delegation"] for r in view["queue"]}
                continue
            future = self.pending.pop(who, None)
            if future is not None:
                future.set_result((time.monotonic(), json.loads(message)))

    async def send(self, who: str, command: dict) -> tuple[float, float, dict]:
        """Send and wait for the reply; returns (sent at, replied at, reply)."""
        self.n += 1
        command = {**command, "id": f"{who}-{self.n}"}
        future = asyncio.get_running_loop().create_future()
        self.pending[who] = future
        sent = time.monotonic()
        await self.ws[who].send(json.dumps({"type": "command", "command": command}))
        received, reply = await future
        return sent, received, reply

    def next_command(self, rng: random.Random) -> tuple[str, dict]:
        """Delegates ask; the chair gives the floor to the first or strikes a request."""
        waiting = self.queue
        roll = rng.random()
        if waiting and roll < 0.2:
            return "VC", {"type": "next_speaker"}
        idle = [d for d in self.delegates if d not in waiting]
        if waiting and (roll < 0.45 or not idle):
            return "VC", {"type": "remove_request", "delegation": rng.choice(sorted(waiting))}
        return rng.choice(idle), {"type": "request_floor"}


async def run_commands(chair: Chair, count: int, interval: float, seed: int) -> tuple[dict[int, float], list[float]]:
    """``count`` accepted commands, one every ``interval`` s; returns (sent at by last seq, accepted times)."""
    rng = random.Random(seed)
    sent_at: dict[int, float] = {}
    accepted: list[float] = []
    next_at = time.monotonic()
    while len(accepted) < count:
        who, command = chair.next_command(rng)
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        next_at += interval
        sent, received, reply = await chair.send(who, command)
        if reply["type"] == "accepted":
            accepted.append(received - sent)
            sent_at[reply["seqs"][-1]] = sent
        await asyncio.sleep(0)  # let the chair's reader see the events
    return sent_at, accepted


async def bench_floor(clients: ClientProcesses, args, tokens: dict[str, str], db: Path) -> dict:
    from vccsched.floor.protocol import PROTOCOL_VERSION

    process, port = start_server("serve-floor", str(db), str(args.heartbeat))
    url = f"ws://127.0.0.1:{port}/ws"
    out: dict = {}
    try:
        audience = [d for d in tokens if d not in ("VC",)]
        delegates = [d for d in tokens if d not in ("VC", "SG", "DSG", "BR", "TSB", "BDT")][:30]
        async with Chair(url, tokens, delegates) as chair:
            _, _, reply = await chair.send("VC", {"type": "open_item", "item": 3})
            assert reply["type"] == "accepted", reply
            # Accepted with no audience (the 31 senders only): the floor, the commit with fsync, the reply.
            _, quiet = await run_commands(chair, args.quiet_commands, 0.0, seed=1)
            out["accepted_quiet"] = quiet
            await asyncio.sleep(0.5)
            rss_before = rss_kib(process.pid)
            per_process = args.clients // CLIENT_PROCESSES
            orders = []
            for p in range(CLIENT_PROCESSES):
                names = [audience[(p * per_process + i) % len(audience)] for i in range(per_process)]
                hellos = [json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "token": tokens[n]}) for n in names]
                orders.append(("connect", port, "/ws", hellos, 2))  # ready after the welcome and the snapshot
            connected = await clients.ask(*orders)
            out["connect_seconds"] = max(c[2] for c in connected)
            await asyncio.sleep(1.0)
            rss_after = rss_kib(process.pid)
            out["kib_per_connection"] = (rss_after - rss_before) / args.clients
            out["rss"] = (rss_before, rss_after)
            chair.frames.clear()
            cpu, client_cpu = cpu_seconds(process.pid), clients.cpu_seconds()
            sent_at, loaded = await run_commands(chair, args.commands, args.interval, seed=2)
            await asyncio.sleep(1.0)
            out["cpu_per_command"] = (cpu_seconds(process.pid) - cpu) / len(sent_at)
            out["client_cpu_per_command"] = (clients.cpu_seconds() - client_cpu) / len(sent_at)
            reports = await clients.ask(*[("report",)] * CLIENT_PROCESSES)
            out["accepted_loaded"] = loaded
            out["fanout"], out["received"], out["by_command"] = deliveries(reports, sent_at)
            out["expected"] = len(sent_at) * args.clients
            out["dropped_connections"] = sum(r[2] for r in reports)
            out["frames"] = list(chair.frames)
            await clients.ask(*[("close",)] * CLIENT_PROCESSES)
    finally:
        stop_server(process, out)
    return out


async def bench_bare(clients: ClientProcesses, args, frames: list[str]) -> dict:
    """The same clients, the same frames, the same pacing, a server that only broadcasts."""
    from websockets.asyncio.client import connect

    process, port = start_server("serve-bare")
    out: dict = {}
    try:
        async with connect(f"ws://127.0.0.1:{port}/chair", compression=None) as chair:
            await asyncio.sleep(0.3)
            rss_before = rss_kib(process.pid)
            per_process = args.clients // CLIENT_PROCESSES
            connected = await clients.ask(*[("connect", port, "/ws", ["{}"] * per_process, 0)] * CLIENT_PROCESSES)
            out["connect_seconds"] = max(c[2] for c in connected)
            await asyncio.sleep(1.0)
            out["kib_per_connection"] = (rss_kib(process.pid) - rss_before) / args.clients
            # The floor sent one or two event frames per command; send the frames of a command together.
            by_command: list[list[str]] = []
            for text in frames:
                if by_command and '"view":null' in by_command[-1][-1]:
                    by_command[-1].append(text)
                else:
                    by_command.append([text])
            sent_at: dict[int, float] = {}
            cpu, client_cpu = cpu_seconds(process.pid), clients.cpu_seconds()
            next_at = time.monotonic()
            for group in by_command:
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                next_at += args.interval
                sent = time.monotonic()
                for text in group:
                    await chair.send(text)
                for _ in group:
                    await chair.recv()
                sent_at[int(SEQ.search(group[-1].encode()).group(1))] = sent
            await asyncio.sleep(1.0)
            out["cpu_per_command"] = (cpu_seconds(process.pid) - cpu) / len(sent_at)
            out["client_cpu_per_command"] = (clients.cpu_seconds() - client_cpu) / len(sent_at)
            reports = await clients.ask(*[("report",)] * CLIENT_PROCESSES)
            out["fanout"], out["received"], out["by_command"] = deliveries(reports, sent_at)
            out["expected"] = len(sent_at) * args.clients
            out["dropped_connections"] = sum(r[2] for r in reports)
            await clients.ask(*[("close",)] * CLIENT_PROCESSES)
    finally:
        stop_server(process, out)
    return out


def bench_rebuild(events_wanted: int, folder: Path) -> dict:
    """Write a database of ``events_wanted`` events (without fsync, to be quick), then time a restart's work."""
    from server.app import rebuild_floor
    from server.store import FloorStore
    from vccsched.floor.engine import Floor
    from vccsched.floor.state import FloorSetup
    from vccsched.loading import DEFAULT_MEETING_DIR, load_meeting
    from vccsched.meeting_files import meeting_file_texts

    data = load_meeting(DEFAULT_MEETING_DIR)
    setup = FloorSetup.from_meeting(data)
    path = folder / "rebuild.db"
    store = FloorStore.create(path, data.meeting.id, meeting_file_texts(DEFAULT_MEETING_DIR))
    store._db.execute("PRAGMA synchronous=OFF")  # generating only; the server always runs FULL
    floor = Floor(setup)
    rng = random.Random(5)
    now = data.meeting.dates[0]
    import datetime as dt

    from vccsched.floor.simulation import plausible_commands

    clock = dt.datetime.combine(now, dt.time(12, 0), tzinfo=data.meeting.zone)
    stream = plausible_commands(setup, rng)
    actor, command = next(stream)
    started = time.perf_counter()
    while floor.seq < events_wanted:
        clock += dt.timedelta(seconds=rng.randint(1, 20))
        answer = floor.handle_raw(actor, command, clock)
        if answer.accepted:
            store.append(actor, clock, command, answer.events)
        actor, command = stream.send(floor.state.current_item is not None)
    store.close()
    written = time.perf_counter() - started
    gc.collect()
    # What the server does on start: open the database, read the events, fold them.
    started, cpu = time.perf_counter(), time.process_time()
    store = FloorStore.open(path)
    rebuilt = rebuild_floor(setup, store)
    total, total_cpu = time.perf_counter() - started, time.process_time() - cpu
    assert rebuilt.state == floor.state
    store.close()
    # The two steps timed apart, the collector paused as rebuild_floor pauses it.
    store = FloorStore.open(path)
    gc.disable()
    try:
        started = time.perf_counter()
        events = store.events()
        loaded = time.perf_counter() - started
        Floor(setup, events=events)
        folded = time.perf_counter() - started - loaded
    finally:
        gc.enable()
        store.close()
    return {"events": len(events), "load": loaded, "fold": folded, "total": total, "cpu": total_cpu,
            "written": written}


def merge(rounds: list[dict]) -> dict:
    """One result from several rounds: deliveries pooled, costs averaged, worst pauses kept."""
    merged: dict = {}
    for key in ("fanout", "accepted_quiet", "accepted_loaded", "frames"):
        if key in rounds[0]:
            merged[key] = [x for r in rounds for x in r[key]]
    for key in ("received", "expected", "dropped_connections"):
        merged[key] = sum(r[key] for r in rounds)
    for key in ("cpu_per_command", "client_cpu_per_command", "kib_per_connection"):
        merged[key] = statistics.mean(r[key] for r in rounds)
    for key in ("connect_seconds", "gc_max"):
        merged[key] = max(r.get(key, 0.0) for r in rounds)
    merged["commits"] = [t for r in rounds for t in r.get("commits", [])]
    merged["ticks"] = [t for r in rounds for t in r.get("ticks", [])]
    merged["tick_slices"] = [t for r in rounds for t in r.get("tick_slices", [])]
    merged["tick_cpu"] = [t for r in rounds for t in r.get("tick_cpu", [])]
    merged["rss"] = rounds[0].get("rss")
    merged["by_command"] = {(n, seq): times for n, r in enumerate(rounds) for seq, times in r["by_command"].items()}
    return merged


def report(args, floor: dict, bare: dict, rebuild: dict) -> None:
    f, b = floor["fanout"], bare["fanout"]
    rows = []

    def row(what, value, target, ok):
        rows.append(f"| {what} | {value} | {target} | {'yes' if ok else '**no**'} |")

    p99_f, p99_b = pct(f, 99), pct(b, 99)
    row(
        f"fan-out to {args.clients} clients, p50 / p95 / p99 ms (floor)",
        f"{ms(pct(f, 50))} / {ms(pct(f, 95))} / {ms(p99_f)}",
        "p99 ≤ 1.5 × bare and ≤ 100",
        # 100 ms only "where the bare server allows it": not when the bare one is over 100 ms itself.
        p99_f <= 1.5 * p99_b and (p99_f <= 0.100 or p99_b > 0.100),
    )
    rows.append(
        f"| fan-out, bare websockets server, p50 / p95 / p99 ms | {ms(pct(b, 50))} / {ms(pct(b, 95))} / {ms(p99_b)} "
        f"| (the machine's limit) | |"
    )
    rows.append(f"| fan-out p99 floor / bare | {p99_f / p99_b:.2f} | ≤ 1.5 | {'yes' if p99_f <= 1.5 * p99_b else '**no**'} |")
    rows.append(
        f"| server CPU per command, ms (floor; bare) | {ms(floor['cpu_per_command'])}; {ms(bare['cpu_per_command'])} "
        f"| (cost of the fan-out) | |"
    )
    commits = floor["commits"]
    rows.append(
        f"| commit with fsync in the floor server, p50 / p99 / max ms | {ms(pct(commits, 50))} / "
        f"{ms(pct(commits, 99))} / {ms(max(commits))} | | |"
    )
    ticks = floor.get("ticks") or []
    if ticks:
        slices = floor["tick_slices"]
        rows.append(
            f"| heartbeat round (one tick to every connection), p50 / max ms, {len(ticks)} rounds; "
            f"longest slice of {len(slices) // max(1, len(ticks))} | "
            f"{ms(pct(ticks, 50))} / {ms(max(ticks))}; {ms(max(slices))} "
            + (f"| (--heartbeat {args.heartbeat:g}: even while events flow) | |" if args.heartbeat
               else "| (every 5 s, only after 5 s without events) | |")
        )
        cpu, written = sum(c for c, _ in floor["tick_cpu"]), sum(n for _, n in floor["tick_cpu"])
        rows.append(
            f"| heartbeat CPU per tick written, µs; per round at {args.clients}, ms | "
            f"{cpu / max(1, written) * 1e6:.1f}; {cpu / max(1, written) * args.clients * 1000:.1f} | | |"
        )
    rows.append(
        f"| longest garbage collection in the server, ms (floor; bare) | {ms(floor.get('gc_max', 0))}; "
        f"{ms(bare.get('gc_max', 0))} | | |"
    )
    rows.append(
        f"| both client processes' CPU per command, ms (floor; bare) | {ms(floor['client_cpu_per_command'])}; "
        f"{ms(bare['client_cpu_per_command'])} | | |"
    )
    rows.append(
        f"| deliveries received (floor; bare) | {floor['received']}/{floor['expected']}; {bare['received']}/{bare['expected']} "
        f"| all | {'yes' if floor['received'] == floor['expected'] else '**no**'} |"
    )
    q, a = floor["accepted_quiet"], floor["accepted_loaded"]
    row("accepted, no audience, p50 / p99 ms", f"{ms(pct(q, 50))} / {ms(pct(q, 99))}", "p99 ≤ 10", pct(q, 99) <= 0.010)
    row(f"accepted, {args.clients} clients, p50 / p99 ms", f"{ms(pct(a, 50))} / {ms(pct(a, 99))}", "p99 ≤ 10", pct(a, 99) <= 0.010)
    row(
        "memory per idle connection, KiB (floor; bare)",
        f"{floor['kib_per_connection']:.1f}; {bare['kib_per_connection']:.1f}",
        "≤ 50",
        floor["kib_per_connection"] <= 50,
    )
    row(
        f"rebuild from {rebuild['events']} events, s (CPU; timed apart: load + fold)",
        f"{rebuild['total']:.2f} ({rebuild['cpu']:.2f}; {rebuild['load']:.2f} + {rebuild['fold']:.2f})",
        "≤ 2",
        rebuild["total"] <= 2,
    )
    sizes = [len(t.encode()) for t in floor["frames"]]
    print(
        f"\n{args.rounds} rounds of {args.commands} commands, one every {args.interval * 1000:.0f} ms, "
        f"{len(sizes)} event frames of {min(sizes)}-{max(sizes)} bytes (mean {statistics.mean(sizes):.0f}); "
        f"connecting {args.clients}: floor {floor['connect_seconds']:.1f} s, bare {bare['connect_seconds']:.1f} s; "
        f"connections dropped: floor {floor['dropped_connections']}, bare {bare['dropped_connections']}; "
        f"floor server RSS {floor['rss'][0] / 1024:.0f} -> {floor['rss'][1] / 1024:.0f} MiB\n"
    )
    print(f"load average (1 min) before and after: {args.load_before:.2f}, {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print("| measure | figure | target | met |\n|---|---|---|---|")
    print("\n".join(rows))


async def main(args) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < args.clients + 200:
        sys.exit(f"the file descriptor limit ({hard}) is too low for {args.clients} connections")
    args.load_before = os.getloadavg()[0]
    with contextlib.suppress(OSError):
        # This process only sends commands and stamps replies: ahead of the servers and the
        # clients in the CPU's queue, its own waiting for a core stays out of the figures.
        os.setpriority(os.PRIO_PROCESS, 0, -10)
    with tempfile.TemporaryDirectory(prefix="vccsched-bench-") as tmp:
        folder = Path(tmp)
        print(f"rebuild: writing {args.rebuild_events} events ...", file=sys.stderr, flush=True)
        rebuild = bench_rebuild(args.rebuild_events, folder)
        from server.tokens import issue_tokens

        clients = ClientProcesses(CLIENT_PROCESSES)
        floors, bares = [], []
        try:
            # Floor and bare in turns, so that whatever else the machine does falls on both alike.
            for round_ in range(1, args.rounds + 1):
                db = folder / f"floor-{round_}.db"
                tokens = issue_tokens(db)
                print(f"round {round_}: floor server, {args.clients} clients ...", file=sys.stderr, flush=True)
                floors.append(await bench_floor(clients, args, tokens, db))
                print(f"round {round_}: bare server, {args.clients} clients ...", file=sys.stderr, flush=True)
                bares.append(await bench_bare(clients, args, floors[-1]["frames"]))
        finally:
            await clients.quit()
        floor, bare = merge(floors), merge(bares)
    report(args, floor, bare, rebuild)
    if args.dump:
        lines = ["phase,round,command,seq,min_ms,p50_ms,max_ms"]
        for phase, result in (("floor", floor), ("bare", bare)):
            for n, ((round_, seq), times) in enumerate(sorted(result["by_command"].items())):
                lines.append(f"{phase},{round_},{n},{seq},{ms(min(times))},{ms(pct(times, 50))},{ms(max(times))}")
        Path(args.dump).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("serve-"):
        os.setpriority(os.PRIO_PROCESS, 0, 0)  # not the coordinator's raised priority
    if len(sys.argv) > 1 and sys.argv[1] == "serve-floor":
        asyncio.run(serve_floor(Path(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 0.0))
    elif len(sys.argv) > 1 and sys.argv[1] == "serve-bare":
        asyncio.run(serve_bare())
    else:
        parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
        parser.add_argument("--clients", type=int, default=2000, help="connected delegates (two processes)")
        parser.add_argument("--rounds", type=int, default=2, help="floor then bare, this many times")
        parser.add_argument("--commands", type=int, default=120, help="commands measured under load, a round")
        parser.add_argument("--quiet-commands", type=int, default=150, help="commands with no audience, a round")
        parser.add_argument("--interval", type=float, default=0.25, help="seconds between commands")
        parser.add_argument("--rebuild-events", type=int, default=50_000)
        parser.add_argument("--dump", help="CSV file for the fan-out of each command (to look for stalls)")
        parser.add_argument(
            "--heartbeat", type=float, default=0.0,
            help="tick every connection this often (seconds) even while events flow: the heartbeat's worst case",
        )  # fmt: skip
        asyncio.run(main(parser.parse_args()))
