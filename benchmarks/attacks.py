"""The attacks of issue 18 at their full scale, against ``vccsched server run`` over loopback.

Run ``.venv/bin/python benchmarks/attacks.py`` (about two minutes; ``--only public,toggles``
for some). Not a test (``tests/test_server_abuse.py`` is, scaled down): the figures depend
on the machine. Each attack runs in a process of its own, from 127.0.0.2 and up (all of
127.0.0.0/8 is loopback on Linux), bounded in count and time; meanwhile this process has
the chair (VC) and the United States join from 127.0.0.1, say hello and send a command,
every half second, and reads the server's memory from ``/proc/<pid>/status``. Printed per
attack: what the server did, the honest clients' join-and-act time (max), the server's
RSS before / at its peak, and what was accepted; then a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import multiprocessing
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from attack_kit import (  # noqa: E402 (the suite's tools: the same server, the same clients)
    Target,
    health,
    hello,
    command,
    join_and_act,
    large_plan,
    server,
    stored,
)
from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import ConnectionClosed, InvalidHandshake  # noqa: E402

FAILURES = (OSError, ConnectionClosed, InvalidHandshake, TimeoutError)


def address(n: int) -> str:
    """127.0.0.2, 127.0.0.3, ... 127.0.1.0, ...: attacker n's own address."""
    n += 2
    return f"127.0.{n // 256}.{n % 256}"


# --- the attacks, each run in a process of its own -------------------------------------------------


async def anonymous_viewers(url: str, tokens: dict, stats: Counter, *, addresses: int = 250, per_address: int = 20,
                            open_seconds: float = 3.0, hold_seconds: float = 6.0) -> None:
    """Row 1: 5,000 /ws/public connections opened in 3 s, each saying hello with no token, held."""
    total = addresses * per_address
    start = time.monotonic()
    end = start + open_seconds + hold_seconds

    async def viewer(i: int) -> None:
        await asyncio.sleep(open_seconds * i / total)
        try:
            async with connect(url + "/public", local_addr=(address(i % addresses), 0), open_timeout=10, close_timeout=0.2) as ws:
                await ws.send(hello(None))
                first = json.loads(await asyncio.wait_for(ws.recv(), 10))
                stats[first.get("code", first["type"])] += 1
                if first["type"] == "welcome":
                    await asyncio.sleep(max(0.0, end - time.monotonic()))  # held (the server counts them)
        except FAILURES as exc:
            stats[f"failed: {type(exc).__name__}"] += 1

    await asyncio.gather(*(viewer(i) for i in range(total)))
    stats["attempted"] = total


async def delegation_flood(url: str, token: str, frames, stats: Counter, *, connections: int = 5, per_connection: int = 20,
                           total: int, seconds: float, first_address: int = 0) -> None:
    """A delegation sends ``total`` frames in ``seconds`` over ``connections`` connections, each
    re-opened every ``per_connection`` messages; every answer is counted by its code."""
    start = time.monotonic()
    deadline = start + seconds
    interval = seconds * connections / total
    counter = itertools.count()

    async def one(k: int) -> None:
        while time.monotonic() < deadline and stats["sent"] < total:
            try:
                async with connect(url, local_addr=(address(first_address + k), 0), open_timeout=5, close_timeout=0.2) as ws:
                    await ws.send(hello(token))
                    first = json.loads(await asyncio.wait_for(ws.recv(), 5))
                    if first["type"] != "welcome":
                        stats[f"hello refused: {first.get('code')}"] += 1
                        await asyncio.sleep(0.01)  # and again: a flooder does not wait
                        continue
                    stats["welcome"] += 1

                    async def read() -> None:
                        async for text in ws:
                            message = json.loads(text)
                            if message["type"] in ("accepted", "refusal"):
                                stats[message.get("code", message["type"])] += 1
                                if message["type"] == "accepted":
                                    stats["accepted at"] = time.monotonic() - start
                            elif message["type"] == "error":
                                stats[f"closed: {message['code']}"] += 1

                    reader = asyncio.create_task(read())
                    try:
                        for _ in range(per_connection):
                            if time.monotonic() >= deadline or stats["sent"] >= total:
                                break
                            await ws.send(frames(next(counter)))
                            stats["sent"] += 1
                            await asyncio.sleep(interval)
                        await asyncio.sleep(0.2)  # the last answers
                    finally:
                        reader.cancel()
                        with contextlib.suppress(BaseException):
                            await reader
            except FAILURES:
                stats["connection lost"] += 1
                await asyncio.sleep(0.01)

    await asyncio.gather(*(one(k) for k in range(connections)))
    stats["seconds"] = round(time.monotonic() - start, 1)


async def large_plans(url: str, tokens: dict, stats: Counter) -> None:
    """Row 2: an observer sends a 60 KB publish_plan 2,600 times in 10 s over 5 connections
    re-opened every 20 messages."""
    plan = large_plan()
    await delegation_flood(
        url, tokens["GBR"], lambda n: command("publish_plan", f"gbr-plan-{n}", plan=plan), stats, total=2600, seconds=10
    )


async def toggles(url: str, tokens: dict, stats: Counter) -> None:
    """Row 3: Canada toggles request_floor / withdraw 17,000 times in 10 s over 5 connections
    re-opened every 20 messages."""
    await delegation_flood(
        url, tokens["CAN"], lambda n: command("withdraw" if n % 2 else "request_floor", f"can-{n}"), stats,
        total=17_000, seconds=10,
    )


async def idlers(url: str, tokens: dict, stats: Counter, *, addresses: int = 50, per_address: int = 30,
                 seconds: float = 10.0) -> None:
    """Row 5: 1,500 WebSockets that never say hello, re-opened as soon as they are closed."""
    deadline = time.monotonic() + seconds

    async def idler(i: int) -> None:
        await asyncio.sleep(i / 1000)
        while time.monotonic() < deadline:
            try:
                async with connect(url, local_addr=(address(i % addresses), 0), open_timeout=5, close_timeout=0.1) as ws:
                    stats["opened"] += 1
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(ws.wait_closed(), max(0.01, deadline - time.monotonic()))
                        stats["closed by the server"] += 1
            except FAILURES:
                stats["refused"] += 1
                await asyncio.sleep(0.05)

    await asyncio.gather(*(idler(i) for i in range(addresses * per_address)))
    stats["idle connections"] = addresses * per_address


async def meeting_files(url: str, tokens: dict, stats: Counter, *, requests: int = 2000) -> None:
    """Row 6: the meeting's files, its page data and health, asked by anyone (no token, a bad
    one, a delegation's, one in the URL), 2,000 times from 10 addresses."""
    http = url.replace("ws://", "").rsplit("/", 1)[0]
    host, port = http.split(":")
    asks = [
        ("/meeting-files.json", ""),
        ("/meeting-files.json", "Authorization: Bearer not-a-token\r\n"),
        ("/meeting-files.json", f"Authorization: Bearer {tokens['USA']}\r\n"),
        (f"/meeting-files.json?token={tokens['VC']}", ""),
        ("/meeting.json", ""),
        ("/healthz", ""),
    ]

    async def ask(i: int) -> None:
        path, headers = asks[i % len(asks)]
        reader, writer = await asyncio.open_connection(host, int(port), local_addr=(address(i % 10), 0))
        try:
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {http}\r\nConnection: close\r\n{headers}\r\n".encode())
            response = await asyncio.wait_for(reader.read(), 10)
        finally:
            writer.close()
        head, _, body = response.partition(b"\r\n\r\n")
        stats[f"{path.split('?')[0]}{' ?token' if '?' in path else ''}{' (bearer)' if headers else ''}: {int(head.split()[1])}"] += 1
        for secret in (b"voting_rights", b"depends on arrears", b"EXAMPLE registration roster"):
            if secret in body:
                stats[f"LEAKED {secret.decode()}"] += 1

    for start in range(0, requests, 50):
        await asyncio.gather(*(ask(i) for i in range(start, min(requests, start + 50))), return_exceptions=False)


ATTACKS = {
    "public": (anonymous_viewers, "5,000 anonymous `/ws/public` connections (250 addresses) opened in 3 s, held 6 s; `--public`, default budget", ("--public",), None),
    "plans": (large_plans, "an observer sends a 60 KB `publish_plan` 2,600 times in 10 s, 5 connections re-opened every 20 messages", (), None),
    "toggles": (toggles, "a Council Member toggles request/withdraw 17,000 times in 10 s, 5 connections re-opened every 20 messages", (), None),
    "idle": (idlers, "1,500 WebSockets (50 addresses) that never say hello, re-opened when closed, 10 s; open-file limit 1,024", (), 1024),
    "files": (meeting_files, "2,000 GETs of `/meeting-files.json` (no token, a bad one, a delegation's, one in the URL), `/meeting.json`, `/healthz`", (), None),
}


def _attack_process(name: str, url: str, tokens: dict, queue) -> None:
    stats: Counter = Counter()
    try:
        asyncio.run(ATTACKS[name][0](url, tokens, stats))
    except BaseException as exc:  # noqa: BLE001 (reported, not raised, so that the others run)
        stats[f"attack failed: {exc!r}"[:120]] += 1
    queue.put(dict(stats))


# --- the honest side, in this process --------------------------------------------------------------


class Probe:
    """VC and USA join and act every half second; their times and any failure."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.times: list[float] = []
        self.failures: list[str] = []
        self.accepted: Counter = Counter()
        self._n = itertools.count(1)
        self._waiting = False

    async def round(self) -> None:
        n = next(self._n)
        asks = [
            ("VC", "set_speaking_time", f"vc-b{n}", {"seconds": 60 + n % 100}),
            ("USA", "withdraw" if self._waiting else "request_floor", f"usa-b{n}", {}),
        ]
        results = await asyncio.gather(
            *(join_and_act(self.target, who, type_, id_, **fields) for who, type_, id_, fields in asks), return_exceptions=True
        )
        for (who, *_), result in zip(asks, results):
            if isinstance(result, BaseException):
                self.failures.append(f"{who}: {result}")
            else:
                seconds, answer = result
                self.times.append(seconds)
                if answer["type"] == "accepted":
                    self.accepted[who] += 1
                    if who == "USA":
                        self._waiting = not self._waiting
                else:
                    self.failures.append(f"{who}: {answer.get('code')}")

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.round()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)


async def run_attack(name: str, workdir: Path) -> dict:
    attack, description, args, open_files = ATTACKS[name]
    folder = workdir / name
    folder.mkdir()
    async with server(folder, *args, open_files=open_files) as target:
        _, opened = await join_and_act(target, "VC", "open_item", "vc-open", item=3)
        assert opened["type"] == "accepted", opened
        probe = Probe(target)
        await probe.round()
        probe.times.clear()
        before_log, _, _ = stored(target.db_path)
        stderr_before = target.stderr_bytes()
        rss_before = peak = target.rss_mb()
        most_waiting = most_public = 0
        stop = asyncio.Event()

        async def watch() -> None:
            nonlocal peak, most_waiting, most_public
            while not stop.is_set():
                peak = max(peak, target.rss_mb())
                with contextlib.suppress(AssertionError):
                    found = await health(target)
                    most_waiting = max(most_waiting, found["not_greeted"])
                    most_public = max(most_public, found["public"])
                await asyncio.sleep(0.2)

        context = multiprocessing.get_context("spawn")
        queue = context.Queue()
        process = context.Process(target=_attack_process, args=(name, target.ws_url, target.tokens, queue), daemon=True)
        watcher = asyncio.create_task(watch())
        prober = asyncio.create_task(probe.run(stop))
        started = time.monotonic()
        process.start()
        try:
            stats = await asyncio.wait_for(asyncio.to_thread(queue.get, True, 120), 125)
        finally:
            process.join(10)
            if process.is_alive():
                process.kill()
            stop.set()
            await asyncio.wait_for(asyncio.gather(watcher, prober, return_exceptions=True), 20)
        seconds = time.monotonic() - started
        after_log, events, last = stored(target.db_path)
        gained = after_log - before_log - probe.accepted
        return {
            "attack": name,
            "description": description,
            "seconds": round(seconds, 1),
            "stats": stats,
            "honest rounds": len(probe.times) // 2,
            "honest max": round(max(probe.times, default=float("nan")), 3),
            "honest failures": probe.failures[:5],
            "rss before": round(rss_before),
            "rss peak": round(max(peak, target.rss_mb())),
            "stored from attackers": dict(gained),
            "log consistent": events == last,
            "most waiting for hello": most_waiting,
            "most public": most_public,
            "stderr bytes": target.stderr_bytes() - stderr_before,
            "server alive": target.process.process.poll() is None,
        }


async def restart_reuse(workdir: Path) -> dict:
    """Row 4: a command id reused after a restart (kill -9), and true repeats."""
    folder = workdir / "reuse"
    folder.mkdir()
    answers: Counter = Counter()
    async with server(folder) as first:
        _, opened = await join_and_act(first, "VC", "open_item", "vc-1", item=3)
        _, asked = await join_and_act(first, "CAN", "request_floor", "can-1")
        tokens = first.tokens
        first.process.kill()
    async with server(folder, db_path=first.db_path, tokens=tokens) as target:
        probe = Probe(target)
        before_log, _, _ = stored(target.db_path)
        rss_before = target.rss_mb()
        started = time.monotonic()
        clients = {}
        for who in ("VC", "CAN"):
            clients[who] = await connect(target.ws_url, local_addr=(address(0), 0), close_timeout=0.5)
            await clients[who].send(hello(tokens[who]))
            assert json.loads(await clients[who].recv())["type"] == "welcome"
        try:
            for n in range(50):
                for who, type_, id_, fields in [
                    ("VC", "close_item", "vc-1", {}),
                    ("VC", "open_item", "vc-1", {"item": 4 + n % 10}),
                    ("CAN", "withdraw", "can-1", {}),
                    ("VC", "open_item", "vc-1", {"item": 3}),  # a true repeat
                    ("CAN", "request_floor", "can-1", {}),  # a true repeat
                ]:
                    ws = clients[who]
                    await ws.send(command(type_, id_, **fields))
                    while True:
                        answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
                        if answer["type"] in ("accepted", "refusal"):
                            break
                    original = opened if who == "VC" else asked
                    code = answer.get("code") or (
                        "repeated, same seqs" if answer.get("repeated") and answer["seqs"] == original["seqs"] else answer["type"]
                    )
                    answers[f"{type_} {id_}: {code}"] += 1
                if n % 5 == 0:
                    await probe.round()
                await asyncio.sleep(0.2)  # within Canada's rate: the answers, not the limit, are measured
        finally:
            for ws in clients.values():
                await ws.close()
        after_log, events, last = stored(target.db_path)
        return {
            "attack": "reuse",
            "description": "250 commands under used ids after a restart (kill -9): close_item as `vc-1` (an open_item), withdraw as `can-1` (a request), and true repeats",
            "seconds": round(time.monotonic() - started, 1),
            "stats": dict(answers),
            "honest rounds": len(probe.times) // 2,
            "honest max": round(max(probe.times), 3),
            "honest failures": probe.failures[:5],
            "rss before": round(rss_before),
            "rss peak": round(target.rss_mb()),
            "stored from attackers": dict(after_log - before_log - probe.accepted),
            "log consistent": events == last,
            "most waiting for hello": 0,
            "most public": 0,
            "stderr bytes": target.stderr_bytes(),
            "server alive": target.process.process.poll() is None,
        }


async def main(only: list[str]) -> None:
    results = []
    with tempfile.TemporaryDirectory(prefix="vccsched-attacks-") as tmp:
        for name in only:
            print(f"--- {name}", flush=True)
            result = await (restart_reuse(Path(tmp)) if name == "reuse" else run_attack(name, Path(tmp)))
            print(json.dumps(result, indent=1), flush=True)
            results.append(result)
    print("\n| # | attack | what the server did | VC and USA join + act, max | server RSS before → peak | stored from the attackers |")
    print("|---|---|---|---|---|---|")
    for result in results:
        print(
            f"| {result['attack']} | {result['description']} | {json.dumps(result['stats'])} | "
            f"{result['honest max'] * 1000:.0f} ms ({result['honest rounds']} rounds, {len(result['honest failures'])} failed) | "
            f"{result['rss before']} → {result['rss peak']} MB | {result['stored from attackers'] or 'nothing'} |"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="public,plans,toggles,reuse,idle,files", help="comma-separated attacks")
    asyncio.run(main(parser.parse_args().only.split(",")))
