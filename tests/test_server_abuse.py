"""Attacks on a real ``vccsched server run`` process: the rows of issue 18's table, scaled down.

Each test starts the server in its own process (so that its memory can be read from
``/proc/<pid>/status``), attacks it from 127.0.0.2, 127.0.0.3, ... (all of 127.0.0.0/8
is loopback on Linux, so per-address caps are tested without leaving the machine), and
asserts *during* the attack that

* the chair (VC) and a Council Member (USA), from 127.0.0.1, connect, say hello and get
  the answer to a command within 2 s, again and again;
* the server's resident memory grows by less than 64 MB;
* the stored log holds exactly the commands that were accepted: nothing refused is in it.

``benchmarks/attacks.py`` runs the same attacks at the issue's full scale.
"""

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

from attack_kit import (  # noqa: F401 (shared with benchmarks/attacks.py)
    JOIN_AND_ACT,
    MEMORY_GROWTH,
    PROBE_EVERY,
    Target,
    _drain,
    server,
    stored,
    hello,
    command,
    reply_to,
    join_and_act,
    Honest,
    Outcome,
    under_attack,
    open_item,
    health,
    attacker_address,
    large_plan,
    one_command,
    snapshot,
    http_get_from,
)
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from server.door import Door, DoorConfig, plan_capacity
from vccsched.floor.protocol import PROTOCOL_VERSION

# --- 1. anonymous viewers take every place ------------------------------------------------------


async def test_anonymous_viewers_cannot_take_the_delegations_places(tmp_path):
    """Row 1: hundreds of anonymous /ws/public connections from 20 addresses against a public
    budget of 50: at most 50 are held, and the delegations never notice."""
    addresses, per_address, public_max = 20, 15, 50
    async with server(tmp_path, "--public", "--public-max", str(public_max)) as target:
        await open_item(target)
        before, _, _ = stored(target.db_path)
        public_url = target.ws_url + "/public"
        async with asyncio.timeout(5), connect(public_url, max_size=None) as ws:
            await ws.send(hello(None))
            assert json.loads(await ws.recv())["type"] == "welcome"
            seen = json.loads(await ws.recv())
            # Who may vote depends on arrears: not for anonymous viewers.
            assert seen["type"] == "snapshot" and seen["state"]["setup"]["participants"], seen
            assert {p["voting_rights"] for p in seen["state"]["setup"]["participants"]} == {None}
        held = 0
        most_held = 0
        outcomes: Counter = Counter()
        done = asyncio.Event()

        async def viewer(address: str) -> None:
            nonlocal held, most_held
            while not done.is_set():
                try:
                    async with connect(public_url, local_addr=(address, 0), open_timeout=5, close_timeout=0.2) as ws:
                        await ws.send(hello(None))
                        first = json.loads(await asyncio.wait_for(ws.recv(), 5))
                        outcomes[first.get("code", first["type"])] += 1
                        if first["type"] != "welcome":
                            await asyncio.sleep(0.2)
                            continue
                        held += 1
                        most_held = max(most_held, held)
                        try:
                            await ws.send(command("open_item", "anon-1", item=4))  # read-only: refused
                            await done.wait()
                        finally:
                            held -= 1
                except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError):
                    outcomes["closed"] += 1
                    await asyncio.sleep(0.2)

        async def attack() -> None:
            tasks = [
                asyncio.create_task(viewer(attacker_address(a)))
                for a in range(addresses)
                for _ in range(per_address)
            ]
            try:
                await asyncio.sleep(4)
                found = await health(target)
                assert found["public"] <= public_max, found
            finally:
                done.set()
                await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 10)

        outcome = await under_attack(target, attack)
        assert outcomes["welcome"] >= public_max, outcomes  # the budget was reached...
        assert most_held <= public_max, f"{most_held} anonymous viewers held at once ({outcomes})"  # ...never passed
        assert outcomes["server_full"] > 0, outcomes
        after, events, last = stored(target.db_path)
        assert after - before == outcome.honest.accepted and events == last


# --- 2. a delegate's large refused commands ----------------------------------------------------


async def test_a_delegates_refused_plans_cost_no_memory(tmp_path):
    """Row 2: observers and a Sector Member send a 60 KB publish_plan 500 times over connections
    re-opened every 10 messages: each is refused (not_chair_or_secretariat, or rate_limited),
    nothing is kept, nothing is stored."""
    delegations = ["GBR", "SWE", "PRT", "COL", "SM-R1"]
    plan = large_plan()
    frames = {
        delegation: [command("publish_plan", f"{delegation}-plan-{i}", plan=plan) for i in range(20)]
        for delegation in delegations
    }
    assert 59_000 < len(frames["GBR"][0]) < 62_000
    answers: Counter = Counter()
    async with server(tmp_path) as target:
        await open_item(target)
        before, _, _ = stored(target.db_path)

        async def sender(delegation: str, address: str) -> None:
            mine = frames[delegation]
            for start in (0, 10):  # two connections of 10 messages each, one after the other
                try:
                    async with connect(target.ws_url, local_addr=(address, 0), open_timeout=5, close_timeout=0.5) as ws:
                        await ws.send(hello(target.tokens[delegation]))
                        first = json.loads(await asyncio.wait_for(ws.recv(), 5))
                        if first["type"] != "welcome":
                            answers[first.get("code", "?")] += 1
                            continue
                        for frame in mine[start:start + 10]:
                            await ws.send(frame)
                            answers["sent"] += 1
                            await asyncio.sleep(0.2)
                        # Count the answers: each refusal names its command.
                        seen = 0
                        while seen < 10:
                            message = json.loads(await asyncio.wait_for(ws.recv(), 5))
                            if message["type"] in ("accepted", "refusal"):
                                answers[message.get("code", message["type"])] += 1
                                seen += 1
                except (ConnectionClosed, OSError, InvalidHandshake) as exc:
                    answers[f"closed {exc!r}"[:40]] += 1

        async def attack() -> None:
            await asyncio.gather(
                *(
                    sender(delegation, attacker_address(d))
                    for d, delegation in enumerate(delegations)
                    for _ in range(5)
                )
            )

        outcome = await under_attack(target, attack)
        assert answers["accepted"] == 0, answers
        # The attack reached the floor: most were refused for who sent them, the rest for the rate.
        assert answers["not_chair_or_secretariat"] >= 200, answers
        assert answers["not_chair_or_secretariat"] + answers["rate_limited"] == answers["sent"] >= 300, answers
        print(f"plans: {answers}; server {outcome.rss_before:.0f} -> {outcome.rss_peak:.0f} MB; honest max {max(outcome.honest.latencies):.3f} s")
        after, events, last = stored(target.db_path)
        assert after - before == outcome.honest.accepted and events == last


# --- 3. one delegation floods the floor over many connections -----------------------------------


async def test_a_delegation_gets_one_share_of_the_rate_however_it_reconnects(tmp_path):
    """Row 3: Canada toggles request_floor / withdraw over 5 connections re-opened every 20
    messages for 5 s: at most a burst of 20 and then 10 a second are accepted (the hellos take
    their share too), the flood is closed, everyone else goes on."""
    seconds, connections = 5.0, 5
    accepted: list[float] = []
    passed: list[float] = []  # the hellos and commands the rate let through
    answers: Counter = Counter()
    ids = itertools.count(1)
    async with server(tmp_path) as target:
        await open_item(target)
        before, _, _ = stored(target.db_path)
        start = 0.0

        async def toggler(address: str) -> None:
            deadline = start + seconds
            while time.monotonic() < deadline:
                try:
                    async with connect(target.ws_url, local_addr=(address, 0), open_timeout=5, close_timeout=0.2) as ws:
                        await ws.send(hello(target.tokens["CAN"]))
                        first = json.loads(await asyncio.wait_for(ws.recv(), 5))
                        if first["type"] != "welcome":
                            answers[f"hello {first.get('code', '?')}"] += 1
                            await asyncio.sleep(0.05)
                            continue
                        answers["welcome"] += 1
                        passed.append(time.monotonic())
                        sent = []
                        for k in range(20):
                            n = next(ids)
                            sent.append(f"can-{n}")
                            await ws.send(command("request_floor" if n % 2 else "withdraw", f"can-{n}"))
                            answers["sent"] += 1
                            await asyncio.sleep(0.002)
                        while sent:
                            message = json.loads(await asyncio.wait_for(ws.recv(), 5))
                            if message["type"] in ("accepted", "refusal") and message["command_id"] in sent:
                                sent.remove(message["command_id"])
                                answers[message.get("code", message["type"])] += 1
                                if message["type"] == "accepted":
                                    accepted.append(time.monotonic())
                                if message.get("code") != "rate_limited":
                                    passed.append(time.monotonic())
                            elif message["type"] == "error":
                                answers[message["code"]] += 1
                except (ConnectionClosed, OSError, InvalidHandshake, TimeoutError):
                    answers["closed"] += 1
                    await asyncio.sleep(0.05)

        async def attack() -> None:
            nonlocal start
            start = time.monotonic()
            await asyncio.gather(*(toggler(attacker_address(0)) for _ in range(connections)))

        outcome = await under_attack(target, attack)
        elapsed = max(passed) - start
        share = 20 + 10 * elapsed
        print(f"toggles: {answers}; {len(passed)} let through, {len(accepted)} accepted in {elapsed:.1f} s "
              f"(share {share:.0f}); server {outcome.rss_before:.0f} -> {outcome.rss_peak:.0f} MB; "
              f"honest max {max(outcome.honest.latencies):.3f} s")
        assert answers["sent"] >= 500, answers
        assert len(passed) >= 40, answers  # past the burst: the test measures the sustained rate
        # A little slack for the time between the server's clock and this one's.
        assert len(accepted) <= len(passed) <= share + 2, f"{len(passed)} let through in {elapsed:.1f} s: more than {share:.0f}"
        # The flood was told and closed, and its reconnections refused for a while.
        assert answers["rate_limited_closed"] > 0 and answers["hello rate_limited_closed"] > 0, answers
        after, events, last = stored(target.db_path)
        assert after["CAN"] - before["CAN"] == len(accepted)
        assert after - before == outcome.honest.accepted + Counter({"CAN": len(accepted)}) and events == last


# --- 4. a command id reused after a restart ----------------------------------------------------


async def test_a_command_id_keeps_its_meaning_across_a_restart(tmp_path):
    """Row 4: close_item under the id of an earlier open_item is refused command_id_reused
    before and after a restart (kill -9); a true repeat is answered repeated with its seqs."""
    async with server(tmp_path) as first:
        opened = await one_command(first, "VC", "open_item", "vc-1", item=3)
        asked = await one_command(first, "CAN", "request_floor", "can-1")
        assert opened["type"] == asked["type"] == "accepted", (opened, asked)
        reused = await one_command(first, "VC", "close_item", "vc-1")
        assert reused["type"] == "refusal" and reused["code"] == "command_id_reused", reused
        tokens = first.tokens
        first.process.kill()
    async with server(tmp_path, db_path=first.db_path, tokens=tokens) as target:
        before_log = stored(target.db_path)
        before = await snapshot(target)
        assert before["state"]["current_item"] == 3
        attempts = [
            ("VC", "close_item", "vc-1", {}),
            ("VC", "open_item", "vc-1", {"item": 4}),  # same type, different content
            ("CAN", "withdraw", "can-1", {}),
            ("CAN", "request_floor", "can-1", {"kind": "point_of_order"}),
        ]

        async def attack() -> None:
            for delegation, type_, id_, fields in attempts:
                answer = await one_command(target, delegation, type_, id_, **fields)
                assert answer["type"] == "refusal" and answer["code"] == "command_id_reused", (type_, fields, answer)
            # True repeats (a client that did not hear its answer before the restart).
            # The same answer, but for the record's head, which is the head now (issue 14).
            again = await one_command(target, "VC", "open_item", "vc-1", item=3)
            assert {**again, "head": None} == {**opened, "repeated": True, "head": None}, (again, opened)
            again = await one_command(target, "CAN", "request_floor", "can-1")
            assert {**again, "head": None} == {**asked, "repeated": True, "head": None}, (again, asked)

        outcome = await under_attack(target, attack, min_rounds=1)
        after = await snapshot(target)
        # Item 3 is still open, and Canada still waits: nothing refused happened.
        assert after["state"]["current_item"] == 3
        assert "CAN" in json.dumps(after["state"]["items"]["3"]["queue"]), after["state"]["items"]["3"]
        log, events, last = stored(target.db_path)
        assert log - before_log[0] == outcome.honest.accepted and events == last == after["seq"]


# --- 5. idle connections that never say hello, under a low open-file limit ------------------------


async def test_idle_connections_cannot_keep_a_delegate_out(tmp_path):
    """Row 5: 300 WebSockets from 10 addresses that never say hello, re-opened as soon as they
    are closed, against a server limited to 256 open files: delegates still join, the door
    never holds more than its share, and stderr does not fill up."""
    addresses, per_address = 10, 30
    opened: Counter = Counter()
    async with server(tmp_path, open_files=256) as target:
        await open_item(target)
        before, _, _ = stored(target.db_path)
        stderr_before = target.stderr_bytes()
        done = asyncio.Event()
        most_waiting = 0

        async def idler(address: str) -> None:
            while not done.is_set():
                try:
                    async with connect(target.ws_url, local_addr=(address, 0), open_timeout=5, close_timeout=0.1) as ws:
                        opened["open"] += 1
                        stopping = asyncio.create_task(done.wait())
                        closing = asyncio.create_task(ws.wait_closed())
                        await asyncio.wait([stopping, closing], return_when=asyncio.FIRST_COMPLETED)
                        stopping.cancel()
                        closing.cancel()
                        opened["closed by the server"] += not done.is_set()
                except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError):
                    opened["refused"] += 1
                    await asyncio.sleep(0.05)

        async def attack() -> None:
            nonlocal most_waiting
            tasks = [asyncio.create_task(idler(attacker_address(a))) for a in range(addresses) for _ in range(per_address)]
            try:
                for _ in range(8):
                    await asyncio.sleep(0.5)
                    most_waiting = max(most_waiting, (await health(target))["not_greeted"])
            finally:
                done.set()
                await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 10)

        outcome = await under_attack(target, attack)
        print(f"idle: {opened}; at most {most_waiting} waiting for their hello; stderr +{target.stderr_bytes() - stderr_before} B; "
              f"server {outcome.rss_before:.0f} -> {outcome.rss_peak:.0f} MB; honest max {max(outcome.honest.latencies):.3f} s")
        assert opened["open"] >= per_address * addresses, opened  # the attack did hold the door
        assert opened["closed by the server"] > 0, opened
        assert 0 < most_waiting <= 256 // 4, most_waiting
        assert target.stderr_bytes() - stderr_before < 2000, "".join(target.stderr)[-2000:]
        assert target.process.process.poll() is None
        after, events, last = stored(target.db_path)
        assert after - before == outcome.honest.accepted and events == last


# --- 6. the meeting's files and health for anyone ------------------------------------------------


SECRETS = ("voting_rights", "EXAMPLE registration roster", "depends on arrears", "note:", '"note"')


async def test_meeting_files_are_for_the_chair_and_the_secretariat_only(tmp_path):
    """Row 6: the raw meeting files (voting rights, comments, notes) only with the chair's or
    the secretariat's token in a header; /meeting.json and /healthz carry none of them."""
    results: Counter = Counter()
    async with server(tmp_path) as target:
        await open_item(target)
        before, _, _ = stored(target.db_path)
        usa, vc, sg = target.tokens["USA"], target.tokens["VC"], target.tokens["SG"]
        asks = [
            ("/meeting-files.json", {}, {401}),
            ("/meeting-files.json", {"Authorization": "Bearer not-a-token"}, {403}),
            ("/meeting-files.json", {"Authorization": f"Bearer {usa}"}, {403}),  # a delegation is not enough
            ("/meeting-files.json", {"Authorization": vc}, {401}),  # no scheme
            (f"/meeting-files.json?token={vc}", {}, {401}),  # never a token in a URL
            (f"/meeting-files.json?t={sg}", {"Cookie": f"token={sg}"}, {401}),
            ("/meeting.json", {}, {200}),
            ("/healthz", {}, {200}),
            ("/static/../../data/c21-vcc1/roster.yaml", {}, {404}),
            ("/data/c21-vcc1/roster.yaml", {}, {404}),
        ]

        async def asker(n: int) -> None:
            for path, headers, statuses in asks:
                status, body = await http_get_from(attacker_address(n), target, path, headers)
                assert status in statuses, (path, headers, status, body[:200])
                leaked = [s for s in SECRETS if s in body]
                assert not leaked, (path, headers, leaked)
                results[status] += 1

        async def attack() -> None:
            for _ in range(3):
                await asyncio.gather(*(asker(n) for n in range(10)))

        outcome = await under_attack(target, attack, min_rounds=1)
        assert sum(results.values()) == 3 * 10 * len(asks), results
        # What is refused to others is there for the chair and the secretariat.
        for token in (vc, sg):
            status, body = await http_get_from("127.0.0.1", target, "/meeting-files.json", {"Authorization": f"Bearer {token}"})
            assert status == 200 and "voting_rights" in body and "EXAMPLE registration roster" in body
        after, events, last = stored(target.db_path)
        assert after - before == outcome.honest.accepted and events == last


# --- the door's own rules (what row 5 needs of them) --------------------------------------------


def test_the_door_closes_the_idlers_of_the_busiest_address_not_a_delegate_on_its_way():
    door = Door(DoorConfig(pending_max=4, pending_per_address=32))
    idlers = [object() for _ in range(4)]
    for idler in idlers:
        assert door.arrive(idler, "127.0.0.2") == (True, [])
    delegate = object()
    assert door.arrive(delegate, "127.0.0.1") == (True, [idlers[0]])
    # The idlers come back, again and again: they make room for each other only.
    for _ in range(10):
        keep, evicted = door.arrive(object(), "127.0.0.2")
        assert keep and len(evicted) == 1 and evicted[0] is not delegate
    assert len(door) == 4
    door.leave(delegate)  # it said hello
    assert len(door) == 3 and door.addresses() == 1


def test_a_low_open_file_limit_still_leaves_room_at_the_door():
    """256 open files cannot hold the roster's 370 reserved connections, but a delegate's
    connection must still be able to wait for its hello."""
    capacity = plan_capacity(delegations=74 * 5, public=0, pending=256, reserved_files=64, open_files=256)
    assert capacity.shrunk and capacity.pending >= 16, capacity
    roomy = plan_capacity(delegations=74 * 5, public=1000, pending=256, reserved_files=64, open_files=20_000)
    assert not roomy.shrunk and (roomy.public, roomy.pending) == (1000, 256)


def test_the_door_closes_strangers_before_a_delegations_address():
    """Anonymous connections from as many addresses as the door holds: the one from an address
    a delegation was greeted from is kept."""
    door = Door(DoorConfig(pending_max=4, pending_per_address=32))
    door.greeted("127.0.0.1")
    chair = object()
    assert door.arrive(chair, "127.0.0.1") == (True, [])
    for n in range(20):
        keep, evicted = door.arrive(object(), f"10.0.0.{n}")
        assert keep and chair not in evicted
    assert len(door) == 4
