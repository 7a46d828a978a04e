"""Time management during the meeting: the published plan against the floor.

:func:`measure_progress` takes the floor's state (the fold of its events,
:class:`~vccsched.floor.state.FloorState`), the meeting's settings, the plan and
the clock, and returns a :class:`Progress`: per item its planned start, end and
minutes against when it was actually taken up and closed and the minutes it
was open; per meeting day the minutes planned against the minutes used; the
projected end of today's session; the items not reached. It reads no clock and
no file: the same inputs give the same figures.

How the floor's time is counted (what the post-meeting report shows too):

* The meeting *sits* from one floor event to the next while it is not
  suspended and both fall on the same day (in the meeting's time zone); on the
  last day, on to ``now``. The time between a day's last event and the next
  day's first never counts, even when the chair forgot to suspend, and neither
  does anything before a day's first event. A day's **used** minutes are its
  sitting minutes: time between items (the chair's introductions) uses the
  window as much as an item does.
* An item's **minutes** are the sitting minutes during which it was the open
  item, summed over every time it was opened (an item may be opened, closed and
  reopened, or stay open over a suspension or into the next day: a suspension
  never counts). Items concluded en bloc without being opened have 0 minutes;
  they are *taken* when concluded.
* An item's **planned** slot is its place in the plan given, or, when that plan
  leaves it out (a re-plan leaves out what is done), in the latest earlier
  revision that has it (``history``).
* The **projected end** of today's session is ``max(now, window start)`` plus
  what the items still to come today need: the planned minutes of today's
  items not yet taken up, and for the open item its planned minutes less those
  it has used (never below 0). ``late_minutes`` is how far it passes the end of
  the window less the buffer (positive: the items still to come do not fit).
* An item is **not reached** when it was never taken up and its planned day's
  window has ended.
* An item deferred whole to the next session (``defer_item``, scope "item") is
  **done** even while it stays open until the chair closes it: nothing is left
  to plan for it, so it is neither to come nor in today's projected end, and a
  re-plan leaves it out. Its minutes so far still count as used. (A deferred
  conclusion does not make an item done: the item itself is still discussed.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, Field

from vccsched.floor.state import DayTime, FloorState, Outcome
from vccsched.models import Meeting, StrictModel
from vccsched.plan import Plan, PlannedItem

ItemPhase = Literal["done", "open", "to_come", "not_reached", "unplanned"]


class ItemProgress(StrictModel):
    """One item: as planned, and as it went on the floor."""

    number: int = Field(description="Agenda item number.")
    code: str = Field(description="Agenda code.")
    planned_date: dt.date | None = Field(description="Meeting day it is planned on; null if in no plan.")
    planned_start: AwareDatetime | None = None
    planned_end: AwareDatetime | None = None
    planned_minutes: int | None = None
    status: Literal["pending", "open", "closed"] = Field(description="On the floor.")
    phase: ItemPhase = Field(
        description="'done' (closed, or deferred whole to the next session even while still open), "
        "'open' (the open item), 'to_come' (its day's window has not "
        "ended), 'not_reached' (never taken up, its day's window has ended), 'unplanned' (in no "
        "plan and never taken up)."
    )
    taken_at: AwareDatetime | None = Field(description="First opened, or concluded en bloc.")
    closed_at: AwareDatetime | None = Field(description="Last closed; null while open or never closed.")
    minutes: float = Field(description="Minutes it was open while the meeting sat (2 decimals).")
    minutes_by_day: dict[dt.date, float] = Field(
        default_factory=dict, description="The same, per meeting day it was discussed on."
    )
    over_minutes: float | None = Field(
        description="minutes - planned_minutes once taken up (negative: under); null otherwise."
    )
    outcome: Outcome | None = Field(default=None, description="The floor's outcome (conclusion, deferral).")


class DayProgress(StrictModel):
    """One meeting day: minutes planned against minutes used."""

    date: dt.date
    window_start: AwareDatetime
    window_end: AwareDatetime
    usable_end: AwareDatetime = Field(description="The window end less the buffer.")
    planned_minutes: int = Field(description="Planned minutes of the items planned on this day.")
    used_minutes: float = Field(description="Minutes the meeting sat this day (2 decimals).")
    item_minutes: float = Field(description="Of those, minutes an item was open.")
    first_at: AwareDatetime | None = Field(description="The day's first floor event.")
    last_at: AwareDatetime | None = Field(description="The day's last floor event (so far).")
    items_planned: list[int] = Field(description="Items planned on this day, in planned order.")
    items_taken: list[int] = Field(description="Items discussed or concluded this day, by number.")
    projected_end: AwareDatetime | None = Field(
        default=None, description="Today only: when the items still to come today would end."
    )
    late_minutes: float | None = Field(
        default=None,
        description="Today only: projected_end - usable_end in minutes (positive: over the window "
        "less the buffer).",
    )


class Progress(StrictModel):
    """The meeting at ``now``: per item and per day, planned against actual."""

    meeting: str
    timezone: str
    now: AwareDatetime
    plan_revision: int | None = Field(
        description="Revision of the published plan compared with; null for a plan from elsewhere."
    )
    buffer_minutes: int
    suspended: bool
    current_item: int | None
    today: dt.date | None = Field(description="now's date if it is a meeting date.")
    items: list[ItemProgress] = Field(description="Planned items in planned order, then others taken up.")
    days: list[DayProgress] = Field(description="Days planned or sat, in date order.")
    not_reached: list[int]
    to_come: list[int] = Field(description="Items not yet taken up whose day has not ended, in planned order.")
    planned_minutes: int
    used_minutes: float

    def item(self, number: int) -> ItemProgress:
        for item in self.items:
            if item.number == number:
                return item
        raise KeyError(number)

    def day(self, date: dt.date) -> DayProgress | None:
        return next((d for d in self.days if d.date == date), None)


def day_times(state: FloorState, now: dt.datetime | None = None) -> list[DayTime]:
    """The state's :attr:`~FloorState.days` counted up to ``now`` (see :class:`DayTime`).

    The last day is counted to the last floor event, then on to ``now`` when
    ``now`` falls on the same day (in the meeting's zone); ``now`` before the
    last event counts as the last event.
    """
    days = list(state.days)
    if not days or state.floor_at is None:
        return days
    last = days[-1].counted(state.floor_at, state.suspended, state.current_item)
    if now is not None and now > state.floor_at and _local_date(now, state) == last.date:
        last = last.counted(now, state.suspended, state.current_item)
    days[-1] = last
    return days


def _local_date(moment: dt.datetime, state: FloorState) -> dt.date:
    zone = state.setup.timezone
    return moment.astimezone(ZoneInfo(zone)).date() if zone else moment.date()


def _minutes(seconds: float) -> float:
    return round(seconds / 60.0, 2)


def planned_slots(plan: Plan | None, history: Sequence[Plan] = ()) -> dict[int, tuple[dt.date, PlannedItem]]:
    """Item number -> (day, slot): from ``plan``, else from the latest of ``history`` that has it."""
    slots: dict[int, tuple[dt.date, PlannedItem]] = {}
    for source in [*history, *([plan] if plan is not None else [])]:
        for day in source.days:
            for item in day.items:
                slots[item.number] = (day.date, item)
    return slots


def published_history(events: Iterable) -> list[Plan]:
    """Every revision published on the floor (``plan_published`` events), oldest first."""
    from vccsched.floor.published import plan_of

    return [plan_of(e.plan) for e in events if getattr(e, "type", None) == "plan_published"]


def measure_progress(
    state: FloorState,
    meeting: Meeting,
    now: dt.datetime,
    plan: Plan | None = None,
    *,
    history: Sequence[Plan] = (),
    buffer: int | None = None,
) -> Progress:
    """Planned against actual at ``now`` (zone-aware); see the module docstring for the counting.

    ``plan`` defaults to the plan published on the floor (``state.plan``);
    ``history`` (e.g. :func:`published_history` of the events) gives the planned
    slot of items the plan leaves out. ``buffer`` defaults to the plan's
    ``solver.buffer_minutes``, else the meeting's. Raises ``ValueError`` for a
    naive ``now``.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("measure_progress() needs a zone-aware time for 'now'")
    revision = None
    if plan is None and state.plan is not None:
        from vccsched.floor.published import plan_of

        plan, revision = plan_of(state.plan.plan), state.plan.revision
    if state.floor_at is not None and now < state.floor_at:
        now = state.floor_at
    zone = ZoneInfo(meeting.timezone)
    now = now.astimezone(zone)
    if buffer is None:
        solver_buffer = plan.solver.buffer_minutes if plan is not None else None
        buffer = meeting.buffer_minutes if solver_buffer is None else solver_buffer
    slots = planned_slots(plan, history)
    times = day_times(state, now)
    by_item: dict[int, dict[dt.date, float]] = {}
    for day in times:
        for number, seconds in day.item_seconds.items():
            by_item.setdefault(number, {})[day.date] = seconds
    today = now.date() if now.date() in meeting.dates else None

    def window_over(day: dt.date) -> bool:
        return day < now.date() or (day == now.date() and now >= meeting.session_bounds(day)[1])

    order = [n for n, _ in sorted(slots.items(), key=lambda kv: (kv[1][1].start, kv[0]))]
    taken_only = sorted(
        n for n, item in state.items.items() if n not in slots and (item.taken_at is not None or item.status != "pending")
    )
    items: list[ItemProgress] = []
    for number in [*order, *taken_only]:
        floor_item = state.items.get(number)
        info = state.setup.item(number)
        slot = slots.get(number)
        seconds = by_item.get(number, {})
        minutes = _minutes(sum(seconds.values()))
        status = floor_item.status if floor_item else "pending"
        taken_at = floor_item.taken_at if floor_item else None
        if floor_item is not None and floor_item.done:
            phase: ItemPhase = "done"
        elif status == "open":
            phase = "open"
        elif slot is None:
            phase = "unplanned"
        else:
            phase = "not_reached" if taken_at is None and window_over(slot[0]) else "to_come"
        items.append(
            ItemProgress(
                number=number,
                code=info.code if info else (slot[1].code if slot else "?"),
                planned_date=slot[0] if slot else None,
                planned_start=slot[1].start if slot else None,
                planned_end=slot[1].end if slot else None,
                planned_minutes=slot[1].minutes if slot else None,
                status=status,
                phase=phase,
                taken_at=taken_at,
                closed_at=floor_item.closed_at if floor_item and status == "closed" else None,
                minutes=minutes,
                minutes_by_day={day: _minutes(s) for day, s in sorted(seconds.items())},
                over_minutes=round(minutes - slot[1].minutes, 2) if slot and taken_at is not None else None,
                outcome=floor_item.outcome if floor_item else None,
            )
        )

    progress_of = {item.number: item for item in items}
    sat = {day.date: day for day in times}
    dates = sorted({*(slot[0] for slot in slots.values()), *sat, *([today] if today else [])})
    days = []
    for date in dates:
        start, end = meeting.session_bounds(date)
        usable_end = end - dt.timedelta(minutes=buffer)
        planned = [n for n in order if slots[n][0] == date]
        record = sat.get(date)
        taken = sorted(
            {*(record.item_seconds if record else {})}
            | {
                n
                for n, item in state.items.items()
                if any(t is not None and t.astimezone(zone).date() == date for t in (item.taken_at, item.closed_at))
            }
        )
        projected = late = None
        if date == today:
            still = sum(
                max(0.0, slots[n][1].minutes - progress_of[n].minutes)
                for n in planned
                if progress_of[n].phase != "done"
            )
            current = state.current_item
            if current is not None and current not in planned and current in slots and progress_of[current].phase != "done":
                still += max(0.0, slots[current][1].minutes - progress_of[current].minutes)
            projected = max(now, start) + dt.timedelta(minutes=still)
            projected = projected.replace(microsecond=0)
            late = round((projected - usable_end).total_seconds() / 60.0, 2)
        days.append(
            DayProgress(
                date=date,
                window_start=start,
                window_end=end,
                usable_end=usable_end,
                planned_minutes=sum(slots[n][1].minutes for n in planned),
                used_minutes=_minutes(record.sitting_seconds) if record else 0.0,
                item_minutes=_minutes(sum(record.item_seconds.values())) if record else 0.0,
                first_at=record.first_at if record else None,
                last_at=(state.floor_at if record is times[-1] else record.counted_to) if record else None,
                items_planned=planned,
                items_taken=taken,
                projected_end=projected,
                late_minutes=late,
            )
        )
    return Progress(
        meeting=meeting.id,
        timezone=meeting.timezone,
        now=now,
        plan_revision=revision,
        buffer_minutes=buffer,
        suspended=state.suspended,
        current_item=state.current_item,
        today=today,
        items=items,
        days=days,
        not_reached=[i.number for i in items if i.phase == "not_reached"],
        to_come=[i.number for i in items if i.phase == "to_come"],
        planned_minutes=sum(slot[1].minutes for slot in slots.values()),
        used_minutes=_minutes(sum(d.sitting_seconds for d in times)),
    )
