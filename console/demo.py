"""``vccsched demo``: the live system for a newcomer, in one process.

A floor server on a temporary database with the bundled C21/VCC-1 data, its
clock set to the first session (8 June 2021, 12:00 Geneva) and running in
real time; the secretariat publishes the plan and the chair clears the en
bloc package and opens the first item; simulated delegations ask for the
floor, withdraw and speak; the console opens as the chair. Everything goes
through the real server and protocol, as a person's browser would.

The links (the delegates' page, and one delegation's join link with its token)
are printed on the terminal before the console takes it over, each URL on a
line of its own so that it can be copied whole, and written to ``links.txt`` in
the demo's temporary folder, whose path the console's log shows. The console
opens after :data:`PAUSE_SECONDS`, or at once on Enter.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
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

#: Seconds the links stay on the terminal before the console opens (Enter skips the wait).
PAUSE_SECONDS = 5.0

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


def demo_links(http_url: str, guest: str, guest_name: str, token: str) -> list[tuple[str, str]]:
    """(what it is, URL) of the links a newcomer needs, the join link last."""
    return [
        ("Delegates' page", f"{http_url}/"),
        (f"Join as {guest_name} ({guest}) in a browser beside the console", f"{http_url}/#t={token}"),
    ]


def links_text(links: list[tuple[str, str]]) -> str:
    """The links as lines: each label, then its URL alone on the next line (copied whole)."""
    return "".join(f"{label}:\n{url}\n" for label, url in links)


async def wait_for_enter(seconds: float) -> bool:
    """Wait ``seconds`` or until Enter is pressed on the terminal; True if it was pressed.

    Reads the terminal only through the event loop (no thread left blocked on
    stdin to steal the console's keys), and drops whatever was typed ahead so
    that the console does not receive it. Ctrl+C interrupts it like any await.
    """
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, ValueError, OSError):
        fd = -1
    if fd < 0 or not os.isatty(fd):
        await asyncio.sleep(seconds)
        return False
    loop = asyncio.get_running_loop()
    pressed = loop.create_future()

    def readable() -> None:
        with contextlib.suppress(OSError):
            os.read(fd, 4096)  # the line typed (or end of file: Ctrl+D)
        if not pressed.done():
            pressed.set_result(True)

    loop.add_reader(fd, readable)
    try:
        done, _ = await asyncio.wait([pressed], timeout=seconds)
        return bool(done)
    finally:
        loop.remove_reader(fd)
        if not pressed.done():
            pressed.cancel()
        import termios

        with contextlib.suppress(OSError, termios.error):
            termios.tcflush(fd, termios.TCIFLUSH)


async def run_demo(
    meeting_dir: Path | None = None, *, port: int = 0, seed: int = 2021, pause: float = PAUSE_SECONDS
) -> None:
    """Run the demo until the console is closed (q or ctrl+c)."""
    from console.app import ConsoleApp
    from server.app import ServerConfig, open_store, serve

    meeting_dir = Path(meeting_dir or DEFAULT_MEETING_DIR)
    data = load_meeting(meeting_dir)
    rng = random.Random(seed)
    # A short prefix keeps the links file's path on one line of the console's log.
    with tempfile.TemporaryDirectory(prefix="vcc-demo-") as folder:
        db_path = Path(folder) / "floor.db"
        # The server logs to a file: the terminal belongs to the console.
        handler = logging.FileHandler(Path(folder) / "server.log")
        server_logger = logging.getLogger("vccsched.server")
        server_logger.addHandler(handler)
        server_logger.propagate = False
        # The bundled meeting's example register, so that the demo shows contributors.
        example = meeting_dir / "contributions" / "register.csv"
        config = ServerConfig(
            meeting_dir=meeting_dir, db_path=db_path, port=port, clock=demo_clock(),
            contributions=example if example.is_file() else None,
        )
        store = open_store(config, data)
        try:
            tokens = store.issue_tokens([d.id for d in data.roster.delegations], replace=True)
        finally:
            store.close()
        async with serve(config) as running:
            guest = "GBR" if "GBR" in tokens else next(iter(tokens))
            guest_name = data.roster.get(guest).name if data.roster.get(guest) else guest
            print(f"vccsched demo: {data.meeting.id} on a temporary database ({folder})")
            print("Preparing the first session (plan, en bloc package, first item)…", flush=True)
            await prepare_floor(running.ws_url, tokens, meeting_dir)
            links = demo_links(running.http_url, guest, guest_name, tokens[guest])
            links_file = Path(folder) / "links.txt"
            links_file.write_text(
                f"# vccsched demo: the links work while the demo runs\n{links_text(links)}", encoding="utf-8"
            )
            print(f"\n{links_text(links)}(also in {links_file})\n")
            print(
                f"The console opens in {pause:g} s; press Enter to open it now. Ctrl+C ends the demo.",
                flush=True,
            )
            await wait_for_enter(pause)
            chair = FloorClient(running.ws_url, tokens["VC"])
            crowd_tokens = {k: v for k, v in tokens.items() if k not in ("VC", guest)}
            crowd = Crowd(running.ws_url, crowd_tokens, lambda: chair.state, rng)
            crowd_task = asyncio.create_task(crowd.run(chair.now))
            app = ConsoleApp(
                chair,
                url=running.ws_url,
                notices=[
                    # The join link itself would wrap here and break when copied: the log
                    # names the file that holds it (the terminal showed it before), the
                    # path alone on its line.
                    "The links to copy (page, join link) are in:",
                    str(links_file),
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
