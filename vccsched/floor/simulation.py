"""A floor that follows a plan day by day, with overruns: the chair's commands a plan
implies, for the re-planning tests and ``benchmarks/replan.py`` (which therefore need
not import from ``tests/``)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

from vccsched.floor.engine import Floor
from vccsched.floor.setup import FloorSetup, Participant
from vccsched.loading import MeetingData
from vccsched.plan import Plan

_ids = itertools.count(1)


class SimulatedFloor(Floor):
    """A floor that also keeps what the simulated chair sent: ``log_lines`` (floor log lines)
    and ``commands`` (actor, time, command, events)."""

    def __init__(self, setup: FloorSetup) -> None:
        super().__init__(setup)
        self.log_lines: list[str] = []
        self.commands: list[tuple[str, dt.datetime, dict, list]] = []


def chair(floor: Floor, command: str, at: dt.datetime, **fields) -> None:
    """Send a chair command, which must be accepted (a refusal is a fault of the simulation).
    A :class:`SimulatedFloor` keeps the accepted commands."""
    raw = {"type": command, "id": f"sim-{next(_ids)}", **fields}
    answer = floor.handle_raw("VC", raw, at)
    if answer.refusal is not None:
        raise RuntimeError(f"the simulated chair's {command} {fields} was refused: {answer.refusal}")
    if isinstance(floor, SimulatedFloor):
        floor.log_lines.append(json.dumps({"actor": "VC", "at": at.isoformat(), "command": raw}))
        floor.commands.append(("VC", at, raw, answer.events))


def run_day(
    floor: Floor,
    plan: Plan,
    day: dt.date,
    data: MeetingData,
    overrun: Callable[[int], int] = lambda number: 0,
    until: dt.datetime | None = None,
) -> dt.datetime:
    """The chair takes ``day``'s items of ``plan`` in order, each for its planned minutes
    plus ``overrun(number)``, from the window start; an item still running at the window
    end is left open over the suspension (and finished in 10 min at the next session if
    that day's plan does not have it), and items that would start after it are not
    reached. Returns the time of the suspension that ends the day. With ``until``, the
    session stops there, the item running then left open and the meeting not suspended."""
    start, end = data.meeting.session_bounds(day)
    if until is not None and until <= start:
        return start
    end = min(end, until) if until is not None else end
    t = start
    if floor.state.suspended:
        chair(floor, "resume_meeting", t)
    items = next((d.items for d in plan.days if d.date == day), [])
    left_open = floor.state.current_item
    if left_open is not None and left_open not in [i.number for i in items]:
        # An item interrupted at the end of the previous session is finished first.
        t += dt.timedelta(minutes=10)
        if t >= end:
            return end
        chair(floor, "close_item", t)
    for item in items:
        if t >= end:
            break
        if floor.state.current_item != item.number:
            chair(floor, "open_item", t, item=item.number)
        finish = t + dt.timedelta(minutes=item.minutes + overrun(item.number))
        if finish > end:
            if until is None:
                chair(floor, "suspend_meeting", end)
            return end
        chair(floor, "close_item", finish)
        t = finish
    if until is None or t < until:
        chair(floor, "suspend_meeting", t)
    return t


def zurich(day: dt.date, hh: int, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm, ss), tzinfo=ZoneInfo("Europe/Zurich"))


def floor_for(data: MeetingData) -> SimulatedFloor:
    """An empty floor for ``data``; the chair is "VC" even when the roster is empty."""
    setup = FloorSetup.from_meeting(data)
    if setup.participant("VC") is None:
        chair_only = [Participant(id="VC", category="chair").model_dump()]
        setup = FloorSetup.model_validate({**setup.model_dump(), "participants": chair_only})
    return SimulatedFloor(setup)


def plausible_commands(setup: FloorSetup, rng: random.Random) -> Iterator[tuple[str, dict]]:
    """An endless stream of plausible ``(actor, command)`` for benchmarks: items opened,
    requests, speakers, closings. ``send`` it whether an item is open after each command."""
    speakers = [p.id for p in setup.participants if p.category not in ("chair", "secretariat", "interpreter")]
    item, n, open_ = 0, 0, False
    while True:
        n += 1
        if not open_:
            item = item % len(setup.items) + 1
            actor, command = "VC", {"type": "open_item", "item": setup.items[item - 1].number}
        else:
            roll = rng.random()
            if roll < 0.55:
                actor, command = rng.choice(speakers), {"type": "request_floor"}
            elif roll < 0.8:
                actor, command = "VC", {"type": "next_speaker"}
            elif roll < 0.9:
                actor, command = rng.choice(speakers), {"type": "withdraw"}
            elif roll < 0.97:
                actor, command = "VC", {"type": "set_speaking_time", "seconds": rng.choice([120, 180, 240])}
            else:
                actor, command = "VC", {"type": "close_item"}
        command["id"] = f"{actor}-{n}"
        open_ = yield actor, command
