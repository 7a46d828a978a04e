"""A believable floor at a fixed time, made by the real rules (``Floor.handle``):
for snapshot tests, the benchmark and trying the layout without a server."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from vccsched.floor.commands import parse_command
from vccsched.floor.engine import Floor
from vccsched.floor.state import FloorSetup, FloorState
from vccsched.loading import load_meeting

GENEVA = ZoneInfo("Europe/Zurich")
#: 8 June 2021, 12:00 in Geneva: the first session of C21/VCC-1.
OPENING = dt.datetime(2021, 6, 8, 12, 0, tzinfo=GENEVA)


def bundled_setup() -> FloorSetup:
    return FloorSetup.from_meeting(load_meeting())


class Script:
    """Commands applied one after another, ``step`` seconds apart, from ``start``."""

    def __init__(self, setup: FloorSetup | None = None, start: dt.datetime = OPENING, step: float = 20.0) -> None:
        self.floor = Floor(setup or bundled_setup())
        self.now = start
        self.step = dt.timedelta(seconds=step)
        self._n = 0

    def do(self, actor: str, command: dict, *, wait: float | None = None) -> Script:
        self._n += 1
        answer = self.floor.handle(actor, parse_command({**command, "id": f"sample-{self._n}"}), self.now)
        if answer.refusal is not None:
            raise ValueError(f"sample command refused: {actor} {command}: {answer.refusal.message}")
        self.now += dt.timedelta(seconds=wait) if wait is not None else self.step
        return self

    def ask(self, delegations: Iterable[str], kind: str = "speech", *, wait: float = 7.0) -> Script:
        for delegation in delegations:
            self.do(delegation, {"type": "request_floor", "kind": kind}, wait=wait)
        return self

    @property
    def state(self) -> FloorState:
        return self.floor.state


def hand_plan(setup: FloorSetup, days: dict[dt.date, list[int]], start: dt.time = dt.time(12, 0)) -> dict:
    """A plan in the public plan.json form, each day's items back to back from ``start``
    with their agenda minutes (made by hand: no solver, the same every time)."""
    from vccsched.floor.published import canonical
    from vccsched.plan import Plan, PlannedDay, PlannedItem, SolverInfo

    minutes = {i.number: i.minutes for i in load_meeting().agenda.items}
    planned_days = []
    for day, numbers in days.items():
        at = dt.datetime.combine(day, start, tzinfo=GENEVA)
        items = []
        for number in numbers:
            info = setup.item(number)
            assert info is not None and minutes[number], number
            end = at + dt.timedelta(minutes=minutes[number])
            items.append(PlannedItem(number=number, code=info.code, start=at, end=end, minutes=minutes[number]))
            at = end
        planned_days.append(PlannedDay(date=day, items=items))
    plan = Plan(
        meeting=setup.meeting_id,
        timezone=setup.timezone or "Europe/Zurich",
        days=planned_days,
        solver=SolverInfo(status="FEASIBLE", seconds=0.0),
    )
    return canonical(plan)


#: The sample's plan: the en bloc package and the budget block on day 1.
SAMPLE_PLAN = {
    dt.date(2021, 6, 8): [1, 2, 7, 8, 9, 36, 37, 38, 41],
    dt.date(2021, 6, 9): [42, 3, 4, 5, 6],
}


def mixed_floor(*, plan: bool = True) -> Script:
    """Item 36 (the draft budget) under way: speeches made, a point of order, Council
    Members, observers, Palestine and Sector Members waiting, Saudi Arabia speaking."""
    s = Script()
    if plan:
        s.do("SG", {"type": "publish_plan", "plan": hand_plan(s.floor.setup, SAMPLE_PLAN)}, wait=0)
    s.do("VC", {"type": "conclude_en_bloc", "items": [1, 2, 7, 8, 9]}, wait=240)
    s.do("VC", {"type": "open_item", "item": 36}, wait=5)
    s.do("VC", {"type": "give_floor", "delegation": "SG"}, wait=200)
    s.ask(["BRA", "JPN", "KEN"])
    s.do("VC", {"type": "next_speaker"}, wait=150)  # Brazil
    s.do("VC", {"type": "next_speaker"}, wait=175)  # Japan
    s.ask(["JPN", "GBR", "PSE", "SM-R1", "SM-T2", "IRN", "CIV", "SAU"])
    s.do("VC", {"type": "next_speaker"}, wait=100)  # Kenya
    s.do("VC", {"type": "give_floor", "delegation": "SAU"}, wait=30)
    s.ask(["RUS"], "point_of_order", wait=3)
    s.ask(["CHN"], "right_of_reply", wait=3)
    return s


def with_queue(size: int, setup: FloorSetup | None = None) -> Script:
    """An open item with ``size`` waiting requests (a synthetic roster if the
    bundled one is too small), for the benchmark."""
    base = setup or bundled_setup()
    speakers = [p for p in base.participants if p.category not in ("chair", "secretariat", "interpreter")]
    if len(speakers) < size:
        from vccsched.floor.state import Participant

        extra = [
            Participant(id=f"X{n:03d}", name=f"Example delegation {n}", category="observer_state")
            for n in range(size - len(speakers))
        ]
        base = base.model_copy(update={"participants": [*base.participants, *extra]})
        base = FloorSetup.model_validate(base.model_dump())
        speakers = [p for p in base.participants if p.category not in ("chair", "secretariat", "interpreter")]
    s = Script(base, step=1.0)
    s.do("VC", {"type": "open_item", "item": 36})
    s.ask([p.id for p in speakers[:size]], wait=1.0)
    return s


def running_late() -> Script:
    """Day 1 of the sample plan at 13:38: the draft budget (item 36, 70 min planned from
    12:25) is still under way after some twenty more speeches, with Council Members
    waiting. The items after it (95 min) no longer fit before 14:40, the window's end
    less the 20-min buffer: the time panel's warning."""
    s = mixed_floor()
    s.do("VC", {"type": "next_speaker"}, wait=95)  # the Russian Federation's point of order
    rounds = [
        ["USA", "FRA", "DEU", "IND", "EGY", "MEX"],
        ["ARG", "AUS", "NGA", "KOR", "TUR", "ZAF"],
        ["CAN", "ITA", "KEN", "BRA", "ARE", "CHE"],
        ["GHA", "IDN", "MAR", "PAK", "ESP", "THA"],
        ["DZA", "GRC", "HUN", "UGA"],
    ]
    for number, delegations in enumerate(rounds):
        s.ask(delegations, wait=5)
        if number == len(rounds) - 1:
            s.ask(["POL", "SEN", "PHL", "CUB"], wait=6)  # still waiting at the end
        for _ in delegations:
            s.do("VC", {"type": "next_speaker"}, wait=174)
    return s


def interpreters_floor() -> Script:
    """Item 3 under way with stated floor languages (delegations' own links may state one):
    China speaking in Chinese; the Russian Federation (Russian), France (stated Russian:
    no change), Egypt (Arabic), the United Kingdom (not stated) and the United States
    (English) waiting. For the interpreters' screen."""
    s = Script()
    s.do("VC", {"type": "open_item", "item": 3}, wait=5)
    s.do("CHN", {"type": "request_floor", "kind": "speech", "language": "zh"}, wait=5)
    s.do("VC", {"type": "next_speaker"}, wait=5)
    for delegation, language in [("RUS", "ru"), ("FRA", "ru"), ("EGY", "ar"), ("GBR", None), ("USA", "en")]:
        command = {"type": "request_floor", "kind": "speech"} | ({"language": language} if language else {})
        s.do(delegation, command, wait=4)
    return s
