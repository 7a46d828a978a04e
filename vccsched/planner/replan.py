"""Re-planning what is left of a meeting under way (issue 9).

Items run over; the secretariat must say whether the rest still fits and
publish an updated plan that moves as few items as possible, since
delegations prepare for the day an item was announced on.
:func:`plan_remaining` takes the published plan, the floor's progress
(:func:`vccsched.progress.measure_progress`) and the clock, and solves the
rest with the same CP-SAT model as a plan from scratch (the same rules behind
assumption literals, the same lexicographic stages), on an instance that holds
only what is left:

* closed items are done, and so are items deferred whole to the next session
  (``defer_item`` with scope "item") while they wait for the chair to close
  them: they are not re-planned, never offered for deferral, and the new plan
  leaves them out (it is the plan of what is still to come; the earlier revisions keep
  them, and :mod:`vccsched.progress` finds their slots there);
* today's window up to ``now`` is gone: today's items run from ``now``
  (rounded up to the minute), and today is left out once what is left of its
  window less the buffer is empty;
* days the meeting has sat on count towards ``max_days`` whatever comes next;
* every unfinished item of the plan is placed on today or a later meeting
  date, with its planned minutes, or, if it has been taken up already, with
  what is left of them (at least ``least_minutes``); the item open on the floor
  opens its day (it continues where it stopped);
* blocks (the budget) stay whole on one day; pins still hold (a pin ``on`` a
  day already past can no longer hold and is dropped, with a note);
* no item goes to a day before the one it was announced on, unless
  ``allow_earlier``.

Objectives, in order: fewest days, fewest items moved off their announced day
(``moved``), fewest inversions of agenda order, balanced days, then earlier
days fuller. When the rest cannot fit, :class:`~vccsched.errors.PlanningError`
says by how many minutes and lists the smallest sets of items Council Members
could be asked to defer (candidates only). :func:`validate_remaining` checks
any re-plan without the solver. The same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, Field

from vccsched.errors import PlanningError
from vccsched.floor.published import PlanChange, plan_changes
from vccsched.loading import MeetingData
from vccsched.models import StrictModel
from vccsched.plan import Plan
from vccsched.planner.instance import PinRule, PlanItem, PlanningInstance, pin_rule
from vccsched.planner.solver import SolveOptions, SolveReport, plan_instance
from vccsched.progress import ItemProgress, Progress

#: Minutes kept for an item already taken up that has used up its planned time.
LEAST_MINUTES = 5


class Replan(StrictModel):
    """A re-plan: the plan of what is left, and what changed against the published plan."""

    plan: Plan = Field(
        description="The unfinished items from today on; closed items and items deferred whole are left out."
    )
    changes: list[PlanChange] = Field(
        description="Items whose start differs from the published plan, by item number."
    )
    moved: list[int] = Field(description="Items no longer on the day they were announced on.")
    resume_at: AwareDatetime | None = Field(
        description="Where today's items start (now, rounded up to the minute); null if today is over."
    )
    held_days: list[dt.date] = Field(description="Days the meeting has sat on (they count towards max_days).")
    notes: list[str] = Field(default_factory=list, description="What the re-plan could not keep, and why.")


def _ceil_minutes(delta: dt.timedelta) -> int:
    return max(0, math.ceil(delta.total_seconds() / 60))


def resume_point(data: MeetingData, now: dt.datetime, buffer: int) -> dt.datetime | None:
    """Where today's remaining items may start: ``now`` rounded up to the minute (the
    window start before the session), or ``None`` when today is not a meeting date or
    what is left of its window, less the buffer, is empty."""
    meeting = data.meeting
    local = now.astimezone(ZoneInfo(meeting.timezone))
    today = local.date()
    if today not in meeting.dates:
        return None
    start, end = meeting.session_bounds(today)
    gone = _ceil_minutes(max(local, start) - start)
    if gone >= meeting.window.minutes - buffer:
        return None
    return start + dt.timedelta(minutes=gone)


def _held_days(progress: Progress) -> list[dt.date]:
    return [day.date for day in progress.days if day.first_at is not None]


def _floor_item(progress: Progress, number: int) -> ItemProgress | None:
    """The item's progress; ``None`` for an item the progress does not know (never taken up)."""
    try:
        return progress.item(number)
    except KeyError:
        return None


def _done(progress: Progress, number: int) -> bool:
    """Closed, or deferred whole (still open until the chair closes it): nothing left to plan."""
    item = _floor_item(progress, number)
    return item is not None and item.phase == "done"


def _taken(progress: Progress, number: int) -> bool:
    item = _floor_item(progress, number)
    return item is not None and item.taken_at is not None


def remaining_instance(
    published: Plan,
    progress: Progress,
    now: dt.datetime,
    data: MeetingData,
    *,
    allow_earlier: bool = False,
    buffer: int | None = None,
    least_minutes: int = LEAST_MINUTES,
) -> PlanningInstance:
    """The planning instance of what is left (see the module docstring)."""
    meeting = data.meeting
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("plan_remaining() needs a zone-aware time for 'now'")
    buffer, today, resume = _at(published, data, now, buffer)
    dates = [today] if resume is not None else []
    dates += [d for d in meeting.dates if d > today]
    index = {d: k for k, d in enumerate(dates)}
    held = _held_days(progress)
    past_held = [d for d in held if d not in index]
    held_here = tuple(index[d] for d in held if d in index)
    notes: list[str] = []

    announced_day = {item.number: day.date for day in published.days for item in day.items}
    unfinished = [n for n in announced_day if not _done(progress, n)]
    for item in progress.items:
        if item.phase == "open" and item.number not in announced_day:
            notes.append(f"item {item.number} is open on the floor but not in the published plan; it is not re-planned")
    planned = {item.number: item.minutes for item in published.items}
    continuing = None  # the item taken up and not closed: it opens its day
    items = []
    announced: list[tuple[int, int | None]] = []
    earliest: list[tuple[int, int]] = []
    for agenda_item in data.agenda.items:
        n = agenda_item.number
        if n not in unfinished:
            continue
        state = _floor_item(progress, n)
        minutes = planned[n]
        if state is not None and state.taken_at is not None:
            minutes = max(math.ceil(planned[n] - state.minutes - 1e-9), least_minutes)
            continuing = n if state.status == "open" else continuing
        items.append(PlanItem(number=n, code=agenda_item.code, minutes=minutes, block=agenda_item.block))
        day = announced_day[n]
        if n == continuing and not progress.suspended and resume is not None:
            day = today  # being discussed now: it belongs to today
        announced.append((n, index.get(day)))
        if not allow_earlier and not _taken(progress, n) and day in index:
            earliest.append((n, index[day]))

    pins = _remaining_pins(data, dates, {item.number for item in items}, notes)
    blocks: dict[str, list[int]] = {}
    for item in items:
        if item.block is not None:
            blocks.setdefault(item.block, []).append(item.number)
    if continuing is not None and not any(p.first and p.item == continuing for p in pins):
        block = next((b for b in blocks.values() if continuing in b), None)
        if block is None or block[0] == continuing:
            pins.append(PinRule(index=-1, item=continuing, first=True))
    # Today (date index 0, when still open) has its window up to the resume point gone.
    gone = _ceil_minutes(resume - meeting.session_bounds(today)[0]) if resume is not None else 0
    used = tuple(gone if k == 0 else 0 for k in range(len(dates)))
    return PlanningInstance(
        meeting_id=meeting.id,
        timezone=meeting.timezone,
        dates=tuple(dates),
        window_start=meeting.window.start,
        window_minutes=meeting.window.minutes,
        buffer_minutes=buffer,
        max_days=max(0, meeting.max_days - len(past_held)),
        items=tuple(items),
        pins=tuple(pins),
        notes=tuple(notes),
        used_minutes=used,
        held=held_here,
        announced=tuple(announced),
        earliest=tuple(earliest),
        deferral_target=meeting.deferral_target,
    )


def _buffer(published: Plan, data: MeetingData, buffer: int | None) -> int:
    if buffer is not None:
        return buffer
    if published.solver.buffer_minutes is not None:
        return published.solver.buffer_minutes
    return data.meeting.buffer_minutes


def _at(published: Plan, data: MeetingData, now: dt.datetime, buffer: int | None) -> tuple[int, dt.date, dt.datetime | None]:
    """The buffer in force, today in the meeting's zone and :func:`resume_point`: the
    planner and the validator of a re-plan must agree on all three."""
    buffer = _buffer(published, data, buffer)
    today = now.astimezone(ZoneInfo(data.meeting.timezone)).date()
    return buffer, today, resume_point(data, now, buffer)


def _remaining_pins(data: MeetingData, dates: list[dt.date], numbers: set[int], notes: list[str]) -> list[PinRule]:
    """The meeting's pins on unfinished items, with dates as indexes into ``dates``."""
    pins = []
    for k, pin in enumerate(data.meeting.pins):
        if pin.item not in numbers:
            continue
        passed = pin.on is not None and bool(dates) and pin.on < dates[0]
        if passed:
            notes.append(f"pins[{k}] (item {pin.item} on {pin.on}) no longer holds: that day has passed")
            if not pin.first and pin.not_before is None:
                continue
        pins.append(pin_rule(k, pin, dates, keep_on=not passed))
    return pins


def plan_remaining(
    published: Plan,
    progress: Progress,
    now: dt.datetime,
    data: MeetingData,
    *,
    allow_earlier: bool = False,
    buffer: int | None = None,
    least_minutes: int = LEAST_MINUTES,
    options: SolveOptions | None = None,
    report: SolveReport | None = None,
) -> Replan:
    """The plan of what is left at ``now`` (zone-aware), and its changes.

    Raises :class:`~vccsched.errors.PlanningError` when the rest cannot fit: the
    message says by how many minutes, the details which rules conflict and the
    smallest sets of items that Council Members could be asked to defer.
    """
    inst = remaining_instance(
        published, progress, now, data, allow_earlier=allow_earlier, buffer=buffer, least_minutes=least_minutes
    )
    if inst.items and not inst.dates:
        listed = ", ".join(f"item {i.number} ({i.code}, {i.minutes} min)" for i in inst.items)
        raise PlanningError(
            f"no meeting day is left: the items still to come need {inst.total_minutes} min",
            title="The rest does not fit",
            details=[
                f"Council Members could be asked to defer them to {inst.deferral_target} "
                f"(candidates only: an item is deferred only at a Council Member's request): {listed}"
            ],
        )
    plan = plan_instance(inst, options, report)
    closed = frozenset(n for n in (i.number for i in published.items) if _done(progress, n))
    day_of = {item.number: day.date for day in plan.days for item in day.items}
    moved = sorted(n for n, d in inst.announced if d is None or day_of.get(n) != inst.dates[d])
    resume = resume_point(data, now, inst.buffer_minutes)
    return Replan(
        plan=plan,
        changes=plan_changes(published, plan, closed=closed),
        moved=moved,
        resume_at=resume,
        held_days=_held_days(progress),
        notes=list(inst.notes),
    )


def validate_remaining(
    new: Plan,
    published: Plan,
    progress: Progress,
    now: dt.datetime,
    data: MeetingData,
    *,
    allow_earlier: bool = False,
    buffer: int | None = None,
) -> list[str]:
    """Every way ``new`` breaks the rules of a re-plan at ``now``, without the solver.

    Checks: every unfinished item of ``published`` is planned exactly once and no
    closed, deferred or unknown item is; no day before today, none today before ``now``;
    items back to back within the window, no day over its usable minutes (the
    window less the buffer); blocks whole on one day and in agenda order; pins;
    no item never taken up earlier than its announced day (unless
    ``allow_earlier``); at most ``max_days`` days with those already held.
    """
    meeting = data.meeting
    buffer, today, resume = _at(published, data, now, buffer)
    problems: list[str] = []
    if (new.meeting, new.timezone) != (published.meeting, published.timezone):
        problems.append(f"the re-plan is for {new.meeting} ({new.timezone}), the plan for {published.meeting} ({published.timezone})")
    announced = {item.number: day.date for day in published.days for item in day.items}
    closed = {n for n in announced if _done(progress, n)}
    seen = Counter(item.number for item in new.items)
    for n in sorted(set(announced) - closed - set(seen)):
        problems.append(f"item {n} is unfinished but not in the re-plan")
    for n, count in sorted(seen.items()):
        if count > 1:
            problems.append(f"item {n} is planned {count} times")
        if n in closed:
            what = "closed" if progress.item(n).status == "closed" else f"deferred to {data.meeting.deferral_target}"
            problems.append(f"item {n} is {what} but planned again")
        elif n not in announced:
            problems.append(f"item {n} was not in the published plan")
    planned_minutes = {item.number: item.minutes for item in published.items}
    day_of: dict[int, dt.date] = {}
    for day in new.days:
        label = str(day.date)
        if day.date not in meeting.dates:
            problems.append(f"{label} is not a meeting date")
        if day.date < today or (day.date == today and resume is None):
            problems.append(f"{label}: the day is over; nothing can be planned on it")
        start, end = meeting.session_bounds(day.date)
        if day.date == today and resume is not None:
            start = resume
        usable_end = end - dt.timedelta(minutes=buffer)
        running = sorted(day.items, key=lambda i: i.start)
        for k, item in enumerate(running):
            day_of[item.number] = day.date
            if item.start < start or item.end > usable_end:
                problems.append(
                    f"{label}: item {item.number} runs {item.start:%H:%M}-{item.end:%H:%M}, outside "
                    f"{start:%H:%M}-{usable_end:%H:%M} (what is left of the window less the buffer)"
                )
            if k and item.start < running[k - 1].end:
                problems.append(f"{label}: item {item.number} overlaps item {running[k - 1].number}")
            fresh = item.number in announced and not _taken(progress, item.number)
            if fresh and item.minutes != planned_minutes[item.number]:
                problems.append(
                    f"item {item.number}: {item.minutes} min, but {planned_minutes[item.number]} were announced"
                )
    for n, day in sorted(day_of.items()):
        if not allow_earlier and n in announced and not _taken(progress, n) and day < announced[n]:
            problems.append(f"item {n} is on {day}, before the day it was announced on ({announced[n]})")
    blocks: dict[str, list[int]] = {}
    for agenda_item in data.agenda.items:
        if agenda_item.block and agenda_item.number in day_of:
            blocks.setdefault(agenda_item.block, []).append(agenda_item.number)
    for name, members in sorted(blocks.items()):
        days = sorted({day_of[n] for n in members})
        if len(days) > 1:
            problems.append(f"block '{name}' is split over {', '.join(map(str, days))}")
            continue
        running = [i.number for d in new.days if d.date == days[0] for i in sorted(d.items, key=lambda i: i.start)]
        slots = [running.index(n) for n in members]
        if slots != list(range(slots[0], slots[0] + len(members))):
            problems.append(f"block '{name}' does not run back to back in agenda order on {days[0]}")
    for pin in meeting.pins:
        on_day = day_of.get(pin.item)
        if on_day is None:
            continue
        if pin.on is not None and pin.on >= today and on_day != pin.on:
            problems.append(f"item {pin.item} is pinned on {pin.on} but planned on {on_day}")
        if pin.not_before is not None and on_day < pin.not_before:
            problems.append(f"item {pin.item} is pinned not before {pin.not_before} but planned on {on_day}")
        if pin.first:
            opener = min((i for d in new.days if d.date == on_day for i in d.items), key=lambda i: i.start)
            if opener.number != pin.item:
                problems.append(f"item {pin.item} is pinned first of its day, but item {opener.number} opens {on_day}")
    held = set(_held_days(progress))
    total = len(held | {day.date for day in new.days})
    if total > meeting.max_days:
        problems.append(f"{total} meeting days with those already held; at most {meeting.max_days} are allowed")
    return problems
