"""``vccsched demo``: the live system for a newcomer, in one process.

A floor server on a temporary database with the bundled C21/VCC-1 data, its
clock set to the first session (8 June 2021, 12:00 Geneva) and running in
real time; the secretariat publishes the plan and the chair clears the en
bloc package and opens the first item; simulated delegations ask for the
floor, withdraw and speak; the console opens as the chair. Everything goes
through the real server and protocol, as a person's browser would.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
import sys
import tempfile
import time
from pathlib import Path

from console.client import FloorClient
from console.sample import GENEVA
from vccsched.floor.state import FloorState
from vccsched.loading import DEFAULT_MEETING_DIR, load_meeting

#: The demo's meeting time starts here and runs at the speed of the wall clock.
DEMO_START = dt.datetime(2021, 6, 8, 11, 59, 30, tzinfo=GENEVA)

#: Who asks for the floor, by tier: Council Members most often.
TIER_WEIGHTS = {"council_member": 6, "observer_state": 2, "palestine_observer": 1, "sector_member": 1}


def demo_clock(start: dt.datetime = DEMO_START):
    """A clock that reads ``start`` now and runs in real time from there."""
    origin = time.monotonic()
    return lambda: start + dt.timedelta(seconds=time.monotonic() - origin)


class Crowd:
    """The simulated delegations: one connection each (opened when first needed),
    acting on the floor as the server reports it, at a believable pace."""

    def __init__(self, ws_url: str, tokens: dict[str, str], state_of, rng: random.Random) -> None:
        self.ws_url = ws_url
        self.tokens = tokens
        self.state_of = state_of  # () -> FloorState | None, the floor as the server gave it
        self.rng = rng
        self.clients: dict[str, FloorClient] = {}
        self.tasks: list[asyncio.Task] = []
        #: How long the current speaker means to speak (some run over).
        self.speech_plan: dict[tuple[str, dt.datetime], float] = {}

    async def client(self, delegation: str) -> FloorClient:
        client = self.clients.get(delegation)
        if client is None:
            client = self.clients[delegation] = FloorClient(self.ws_url, self.tokens[delegation])
            self.tasks.append(asyncio.create_task(client.run()))
            await client.wait_until(lambda: client.connection.live, timeout=10)
        return client

    async def act(self, delegation: str, command: dict) -> None:
        with contextlib.suppress(Exception):  # a refusal or a dropped link is part of life
            client = await self.client(delegation)
            await asyncio.wait_for(client.send(command), 10)

    async def run(self, now) -> None:
        while True:
            await asyncio.sleep(self.rng.uniform(2.0, 6.0))
            state = self.state_of()
            if state is None or state.suspended:
                continue
            await self._speaker_finishes(state, now())
            await self._someone_moves(state)

    async def _speaker_finishes(self, state: FloorState, now: dt.datetime) -> None:
        speaker = state.speaker
        if speaker is None or speaker.delegation not in self.tokens:
            return  # the chair's guests (and the person in the browser) end their own speeches
        key = (speaker.delegation, speaker.since)
        if key not in self.speech_plan:
            # Most finish within the limit; one in five runs over and waits for the chair.
            overrun = self.rng.random() < 0.2
            share = self.rng.uniform(1.05, 1.3) if overrun else self.rng.uniform(0.35, 0.95)
            self.speech_plan[key] = speaker.limit_seconds * share if not overrun else float("inf")
        if speaker.running_since is not None and speaker.elapsed(now) >= self.speech_plan[key]:
            await self.act(speaker.delegation, {"type": "end_speech"})

    async def _someone_moves(self, state: FloorState) -> None:
        item = state.current
        if item is None:
            return
        waiting = {r.delegation for r in item.queue}
        roll = self.rng.random()
        if roll < 0.12 and item.queue:
            request = self.rng.choice(item.queue)
            await self.act(request.delegation, {"type": "withdraw", "kind": request.kind, "item": item.number})
            return
        if len(item.queue) >= 14:
            return
        kind = "speech"
        if roll > 0.95:
            kind = "point_of_order"
        elif roll > 0.92 and state.speeches:
            kind = "right_of_reply"
        if item.list_closed and kind == "speech":
            return
        candidates = [
            p
            for p in state.setup.participants
            if p.category in TIER_WEIGHTS and p.id not in waiting and p.id in self.tokens
        ]
        if not candidates:
            return
        who = self.rng.choices(candidates, weights=[TIER_WEIGHTS[p.category] for p in candidates])[0]
        await self.act(who.id, {"type": "request_floor", "kind": kind, "item": item.number})

    async def close(self) -> None:
        for client in self.clients.values():
            await client.close()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def prepare_floor(ws_url: str, tokens: dict[str, str], meeting_dir: Path) -> None:
    """The first minutes of the first session: the plan published, the en bloc package
    approved, the first item open and the secretariat introducing it."""
    from vccsched.floor.published import canonical
    from vccsched.planner.solver import plan_meeting

    plan = plan_meeting(load_meeting(meeting_dir))
    sg = FloorClient(ws_url, tokens["SG"])
    vc = FloorClient(ws_url, tokens["VC"])
    tasks = [asyncio.create_task(c.run()) for c in (sg, vc)]
    try:
        for c in (sg, vc):
            await c.wait_until(lambda c=c: c.connection.live and c.state is not None, timeout=10)
        await sg.send({"type": "publish_plan", "plan": canonical(plan)})
        first_day = plan.days[0]
        en_bloc = [i.number for i in first_day.items if vc.state.setup.item(i.number).en_bloc]
        if en_bloc:
            await vc.send({"type": "conclude_en_bloc", "items": en_bloc})
        first = next(i.number for i in first_day.items if i.number not in en_bloc)
        await vc.send({"type": "open_item", "item": first})
        await vc.send({"type": "give_floor", "delegation": "SG"})
    finally:
        for c in (sg, vc):
            await c.close()
        await asyncio.gather(*tasks, return_exceptions=True)


async def run_demo(meeting_dir: Path | None = None, *, port: int = 0, seed: int = 2021) -> None:
    """Run the demo until the console is closed (q or ctrl+c)."""
    from console.app import ConsoleApp
    from server.app import ServerConfig, open_store, serve

    meeting_dir = Path(meeting_dir or DEFAULT_MEETING_DIR)
    data = load_meeting(meeting_dir)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="vccsched-demo-") as folder:
        db_path = Path(folder) / "floor.db"
        # The server logs to a file: the terminal belongs to the console.
        handler = logging.FileHandler(Path(folder) / "server.log")
        server_logger = logging.getLogger("vccsched.server")
        server_logger.addHandler(handler)
        server_logger.propagate = False
        config = ServerConfig(meeting_dir=meeting_dir, db_path=db_path, port=port, clock=demo_clock())
        store = open_store(config, data)
        try:
            tokens = store.issue_tokens([d.id for d in data.roster.delegations], replace=True)
        finally:
            store.close()
        async with serve(config) as running:
            guest = "GBR" if "GBR" in tokens else next(iter(tokens))
            guest_name = data.roster.get(guest).name if data.roster.get(guest) else guest
            links = [
                f"Delegates' page: {running.http_url}/",
                f"Join as {guest_name}: {running.http_url}/#t={tokens[guest]}",
            ]
            print("vccsched demo: C21/VCC-1 on a temporary database", *("  " + line for line in links), sep="\n")
            print("Preparing the first session (plan, en bloc package, first item)…", flush=True)
            await prepare_floor(running.ws_url, tokens, meeting_dir)
            chair = FloorClient(running.ws_url, tokens["VC"])
            crowd_tokens = {k: v for k, v in tokens.items() if k not in ("VC", guest)}
            crowd = Crowd(running.ws_url, crowd_tokens, lambda: chair.state, rng)
            crowd_task = asyncio.create_task(crowd.run(chair.now))
            app = ConsoleApp(
                chair,
                url=running.ws_url,
                notices=[
                    *links,
                    "Simulated delegations are asking for the floor: n gives it to the first, ? lists the keys.",
                ],
            )
            try:
                await app.run_async()
            finally:
                crowd_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await crowd_task
                await crowd.close()
                await chair.close()
        print("Demo stopped.", file=sys.stderr)
