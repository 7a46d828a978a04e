"""The planning instance: what the planner schedules, built from the meeting data.

:func:`build_instance` takes the loaded meeting, an optional final grouping and
an optional buffer, and returns a :class:`PlanningInstance` holding only plain
numbers (minutes, date indexes) so that the rules, the objectives, the
explanations and the validator all reason about the same thing. Use
:func:`vccsched.planner.plan_meeting` to get a plan from it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from functools import cached_property

from vccsched.errors import DataError
from vccsched.grouping_file import Grouping, final_groups
from vccsched.loading import MeetingData
from vccsched.models import Meeting, Pin


@dataclass(frozen=True)
class PlanItem:
    """One Group 1 item to schedule."""

    number: int
    code: str
    minutes: int
    block: str | None = None


@dataclass(frozen=True)
class PinRule:
    """A pin of ``meeting.yaml`` on a Group 1 item, with dates as indexes into ``dates``.

    ``on`` / ``not_before`` are ``None`` when the pin does not say; an
    ``on`` date that is not a meeting date, or a ``not_before`` after the last
    date, is ``-1`` (``bad_on`` / ``bad_not_before`` keep the date for the
    explanation).
    """

    index: int  # position in meeting.pins, to name the pin
    item: int
    on: int | None = None
    not_before: int | None = None
    first: bool = False
    on_date: dt.date | None = None
    not_before_date: dt.date | None = None


def pin_rule(index: int, pin: Pin, dates: list[dt.date], *, keep_on: bool = True) -> PinRule:
    """Pin ``index`` of ``meeting.pins`` with its dates as indexes into ``dates``.

    ``keep_on=False`` drops the pin's day (a re-plan after that day has passed)
    and keeps the rest of the pin.
    """
    on = None
    if pin.on is not None and keep_on:
        on = dates.index(pin.on) if pin.on in dates else -1
    not_before = None
    if pin.not_before is not None:
        later = [i for i, day in enumerate(dates) if day >= pin.not_before]
        not_before = later[0] if later else -1
    return PinRule(
        index=index,
        item=pin.item,
        on=on,
        not_before=not_before,
        first=pin.first,
        on_date=pin.on if on is not None else None,
        not_before_date=pin.not_before,
    )


@dataclass(frozen=True)
class Unit:
    """What occupies one stretch of a day: a single item, or a whole block in agenda order."""

    name: str  # "item 12" or "block 'budget'"
    numbers: tuple[int, ...]
    minutes: int
    block: str | None = None

    @property
    def key(self) -> float:
        """Where the unit sits among a day's items: a single item at its number, a
        block at its lower median, which displaces the fewest items (fewest inversions)."""
        numbers = self.numbers
        return float(numbers[(len(numbers) - 1) // 2])


@dataclass(frozen=True)
class PlanningInstance:
    """Everything the planner needs, in minutes and date indexes."""

    meeting_id: str
    timezone: str
    dates: tuple[dt.date, ...]
    window_start: dt.time
    window_minutes: int
    buffer_minutes: int
    max_days: int
    items: tuple[PlanItem, ...]  # agenda order
    pins: tuple[PinRule, ...] = ()
    notes: tuple[str, ...] = field(default=())
    # Re-planning what is left during the meeting (vccsched.planner.replan); all empty
    # for a plan from scratch.
    #: Minutes of each date's window already gone (today's, up to now), by date index.
    used_minutes: tuple[int, ...] = ()
    #: Date indexes the meeting has already sat on: they count as days whatever is put there.
    held: tuple[int, ...] = ()
    #: (item, date index it was announced on, or None for a date already past).
    announced: tuple[tuple[int, int | None], ...] = ()
    #: (item, first date index it may take): no item goes before its announced day.
    earliest: tuple[tuple[int, int], ...] = ()
    #: Where deferred items go (named in the explanation of a re-plan that does not fit).
    deferral_target: str = "C22"

    @property
    def usable_minutes(self) -> int:
        """Minutes of a day that items may fill: the window less the buffer."""
        return self.window_minutes - self.buffer_minutes

    @property
    def replanning(self) -> bool:
        """Is this the rest of a meeting under way (announced days to keep)?"""
        return bool(self.announced)

    def used_on(self, d: int) -> int:
        """Minutes of date ``d``'s window already gone (0 for a plan from scratch)."""
        return self.used_minutes[d] if d < len(self.used_minutes) else 0

    def capacity(self, d: int) -> int:
        """Minutes items may still fill on date ``d``: the usable minutes less those gone."""
        return max(0, self.usable_minutes - self.used_on(d))

    @property
    def available_minutes(self) -> int:
        """The most minutes any plan can fill: the held dates, then the roomiest others,
        up to ``max_days`` dates."""
        days = range(len(self.dates))
        held = [self.capacity(d) for d in days if d in self.held]
        others = sorted((self.capacity(d) for d in days if d not in self.held), reverse=True)
        return sum(held) + sum(others[: max(0, min(self.max_days, len(self.dates)) - len(held))])

    @property
    def total_minutes(self) -> int:
        return sum(item.minutes for item in self.items)

    @property
    def lower_bound_days(self) -> int:
        """ceil(total minutes / usable minutes per day): no plan uses fewer days."""
        if not self.items:
            return 0
        if self.usable_minutes <= 0:
            return len(self.dates) + 1
        return math.ceil(self.total_minutes / self.usable_minutes)

    def item(self, number: int) -> PlanItem:
        for item in self.items:
            if item.number == number:
                return item
        raise KeyError(number)

    # Cached: the rules and objectives ask for these thousands of times per model.
    @cached_property
    def blocks(self) -> dict[str, tuple[PlanItem, ...]]:
        """Block name → its Group 1 items in agenda order (sorted by name)."""
        found: dict[str, list[PlanItem]] = {}
        for item in self.items:
            if item.block is not None:
                found.setdefault(item.block, []).append(item)
        return {name: tuple(found[name]) for name in sorted(found)}

    @cached_property
    def units(self) -> tuple[Unit, ...]:
        """Single items and whole blocks, sorted by where they sit in a day."""
        units = [
            Unit(f"item {item.number}", (item.number,), item.minutes)
            for item in self.items
            if item.block is None
        ]
        for name, members in self.blocks.items():
            units.append(
                Unit(
                    f"block '{name}'",
                    tuple(m.number for m in members),
                    sum(m.minutes for m in members),
                    block=name,
                )
            )
        return tuple(sorted(units, key=lambda u: (u.key, u.block is not None, u.name)))

    def unit_of(self, number: int) -> Unit:
        for unit in self.units:
            if number in unit.numbers:
                return unit
        raise KeyError(number)

    def pins_on(self, number: int) -> list[PinRule]:
        return [pin for pin in self.pins if pin.item == number]

    def first_items(self) -> list[int]:
        return sorted({pin.item for pin in self.pins if pin.first})

    def date_text(self, index: int) -> str:
        return self.dates[index].isoformat()


def group_one(data: MeetingData, grouping: Grouping | None) -> list[int]:
    """Numbers of the items in Group 1 after ``grouping``, in agenda order."""
    groups = final_groups(data.agenda, grouping)
    return [item.number for item in data.agenda.items if groups[item.number] == 1]


def _pins(meeting: Meeting, numbers: set[int]) -> tuple[list[PinRule], list[str]]:
    dates = list(meeting.dates)
    pins: list[PinRule] = []
    notes: list[str] = []
    for index, pin in enumerate(meeting.pins):
        if pin.item not in numbers:
            notes.append(
                f"pins[{index}] (item {pin.item}) is ignored: the item is not in Group 1"
            )
            continue
        pins.append(pin_rule(index, pin, dates))
    return pins, notes


def build_instance(
    data: MeetingData, grouping: Grouping | None = None, buffer: int | None = None
) -> PlanningInstance:
    """The Group 1 items of ``data`` (after ``grouping``) and the meeting's rules.

    ``buffer`` overrides ``meeting.buffer_minutes`` (default 20). Raises
    ``DataError`` when an item in Group 1 has no ``minutes`` (e.g. an item the
    grouping moved into Group 1) or the buffer is not in 0..window.
    """
    meeting = data.meeting
    buffer = meeting.buffer_minutes if buffer is None else buffer
    window = meeting.window.minutes
    if not 0 <= buffer < window:
        raise DataError(
            f"buffer of {buffer} min: expected 0 to {window - 1} minutes "
            f"(the daily window is {window} min)",
            title="Invalid planning option",
        )
    numbers = group_one(data, grouping)
    missing = [n for n in numbers if data.agenda.item(n).minutes is None]
    if missing:
        listed = ", ".join(f"{n} ({data.agenda.item(n).code})" for n in missing)
        raise DataError(
            f"{data.directory / 'agenda.yaml'}: item(s) {listed} are in Group 1 but have no "
            "'minutes'; add the estimated discussion time to each, or keep them in Group 2",
            details=[f"item {n}, field 'minutes': required for a Group 1 item" for n in missing],
        )
    items = tuple(
        PlanItem(
            number=n,
            code=data.agenda.item(n).code,
            minutes=int(data.agenda.item(n).minutes or 0),
            block=data.agenda.item(n).block,
        )
        for n in numbers
    )
    pins, notes = _pins(meeting, set(numbers))
    return PlanningInstance(
        meeting_id=meeting.id,
        timezone=meeting.timezone,
        dates=tuple(meeting.dates),
        window_start=meeting.window.start,
        window_minutes=window,
        buffer_minutes=buffer,
        max_days=meeting.max_days,
        items=items,
        pins=tuple(pins),
        notes=tuple(notes),
    )
