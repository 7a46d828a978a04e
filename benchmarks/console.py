"""Console benchmark: one floor event with 300 waiting requests, and the countdown tick.

Run ``.venv/bin/python benchmarks/console.py`` (or ``make bench``). The console
runs headless (Textual's test driver) at 120×36 on a fixed floor: item 36 open
with 300 waiting requests (the bundled roster plus synthetic observers) and a
speaker. For events that change the waiting list (a request arrives, one is
withdrawn) and one that does not (the clock paused) it reports the time the
console spends on the event (fold, panels, the waiting list rebuilt) and the
time Textual then takes to render the frame. Then it ticks the countdown for a
minute of meeting time and counts how often the waiting list was rebuilt
(target: never). Target: one event re-rendered in ≤ 50 ms. Wall times grow
when other processes compete for the CPU; the CPU column does not. Not a
test: timings depend on the machine.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from console.app import ConsoleApp  # noqa: E402
from console.sample import with_queue  # noqa: E402
from console.screen import FloorScreen  # noqa: E402
from console.source import FixedFloor  # noqa: E402
from console.widgets.waiting import WaitingList  # noqa: E402
from vccsched.floor.commands import parse_command  # noqa: E402

WAITING = 300
ROUNDS = 15


class Timed:
    """Wall time spent in the console's own handler and in Textual's frame rendering.

    ``frame`` holds, per event, the render of the first frame after it (the one
    that shows the change).
    """

    def __init__(self) -> None:
        self.handler: list[float] = []
        self.frame: list[float] = []
        self.totals: list[float] = []
        self.cpu: list[float] = []  # CPU time of handler + frame (the machine's load does not count)
        self._waiting_frame = False
        self._handler_cpu = 0.0

    def wrap(self, screen: FloorScreen) -> None:
        handler = screen.watch_state

        def timed_watch(state):
            started, cpu = time.perf_counter(), time.thread_time()
            handler(state)
            self.handler.append(time.perf_counter() - started)
            self._handler_cpu = time.thread_time() - cpu
            self._waiting_frame = True

        screen.watch_state = timed_watch  # type: ignore[method-assign]
        refresh = screen._compositor_refresh

        def timed_refresh():
            started, cpu = time.perf_counter(), time.thread_time()
            refresh()
            if self._waiting_frame:
                self._waiting_frame = False
                self.frame.append(time.perf_counter() - started)
                self.totals.append(self.handler[-1] + self.frame[-1])
                self.cpu.append(self._handler_cpu + time.thread_time() - cpu)

        screen._compositor_refresh = timed_refresh  # type: ignore[method-assign]


def ms(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values) * 1000:.1f} (max {max(values) * 1000:.1f})"


async def main() -> None:
    script = with_queue(WAITING)
    floor = script.floor
    queue = floor.state.current.queue
    # Someone has the floor (out of the 300 waiting), so the countdown runs.
    script.do("VC", {"type": "give_floor", "delegation": "SG"})
    source = FixedFloor(floor.state, script.now)
    app = ConsoleApp(source, bell=False)
    async with app.run_test(size=(120, 36)) as pilot:
        while app.floor_screen is None or app.floor_screen.state is None:
            await pilot.pause(0.01)
        await pilot.pause(0.3)
        screen = app.floor_screen
        table = screen.query_one(WaitingList)
        assert len(table.rows_shown) == WAITING, len(table.rows_shown)
        results: dict[str, Timed] = {}

        async def event(label: str, actor: str, command: dict) -> None:
            timed = results.setdefault(label, Timed())
            timed.wrap(screen)
            script.now += dt.timedelta(seconds=1)
            source.set_now(script.now)
            answer = floor.handle(actor, parse_command({**command, "id": f"bench-{time.perf_counter_ns()}"}), script.now)
            assert answer.accepted, answer.refusal
            before = len(timed.frame)
            for e in answer.events:
                source.push(e)
            while len(timed.frame) <= before:
                await asyncio.sleep(0.001)
            del screen.watch_state, screen._compositor_refresh  # back to the class methods

        for _ in range(ROUNDS):
            last = queue[-1].delegation
            await event("request withdrawn (300 → 299)", last, {"type": "withdraw"})
            await event("floor requested (299 → 300)", last, {"type": "request_floor"})
            await event("clock paused (list unchanged)", "VC", {"type": "pause_clock"})
            await event("clock resumed (list unchanged)", "VC", {"type": "resume_clock"})
            await pilot.pause(0.05)

        print(f"Console benchmark: {WAITING} waiting requests, 120×36, {ROUNDS} rounds; milliseconds, median (max)")
        print("| event | console handler ms | frame render ms | total ms | total CPU ms |")
        print("| --- | --: | --: | --: | --: |")
        for label, timed in results.items():
            print(f"| {label} | {ms(timed.handler)} | {ms(timed.frame)} | {ms(timed.totals)} | {ms(timed.cpu)} |")

        # The countdown: a minute of ticks (the clock moved by hand), the list untouched.
        renders = table.renders
        ticks: list[float] = []
        for _ in range(300):
            script.now += dt.timedelta(seconds=0.2)
            source.set_now(script.now)
            started = time.perf_counter()
            screen.tick()
            ticks.append(time.perf_counter() - started)
        await pilot.pause(0.05)
        print(
            f"\nCountdown: {len(ticks)} ticks (one minute at 5 ticks/s): "
            f"{statistics.median(ticks) * 1000:.2f} ms per tick (max {max(ticks) * 1000:.2f}); "
            f"waiting list rebuilt {table.renders - renders} times."
        )


if __name__ == "__main__":
    asyncio.run(main())
