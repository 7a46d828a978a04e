"""Check a plan against the meeting's rules without a solver.

:func:`validate_plan` returns one sentence per violation (an empty list for a
valid plan). ``vccsched plan --check PLAN.json`` and the tests use it; it
trusts nothing the planner computed, only the meeting data.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from vccsched.grouping_file import Grouping
from vccsched.loading import MeetingData
from vccsched.plan import Plan, PlannedItem
from vccsched.planner.instance import build_instance


def _clock(moment: dt.datetime) -> str:
    return moment.strftime("%H:%M")


def validate_plan(
    plan: Plan, data: MeetingData, grouping: Grouping | None = None, buffer: int | None = None
) -> list[str]:
    """Every way ``plan`` breaks the rules of ``data`` (after ``grouping``, with ``buffer``
    minutes kept free per day, default ``meeting.buffer_minutes``)."""
    meeting = data.meeting
    inst = build_instance(data, grouping, buffer)
    zone = ZoneInfo(meeting.timezone)
    problems: list[str] = []
    if plan.meeting != meeting.id:
        problems.append(f"the plan is for meeting {plan.meeting!r}, not {meeting.id!r}")
    if plan.timezone != meeting.timezone:
        problems.append(f"the plan is in zone {plan.timezone}, the meeting in {meeting.timezone}")

    expected = {item.number: item for item in inst.items}
    seen = Counter(item.number for item in plan.items)
    for number in sorted(set(expected) - set(seen)):
        problems.append(f"item {number} ({expected[number].code}) is in Group 1 but not in the plan")
    for number in sorted(set(seen) - set(expected)):
        problems.append(f"item {number} is in the plan but not in Group 1")
    for number, count in sorted(seen.items()):
        if count > 1:
            problems.append(f"item {number} is planned {count} times")

    dates = Counter(day.date for day in plan.days)
    for day, count in sorted(dates.items()):
        if count > 1:
            problems.append(f"{day} appears {count} times")
    for day in sorted(dates):
        if day not in meeting.dates:
            problems.append(f"{day} is not a meeting date")
    if len(dates) > meeting.max_days:
        problems.append(f"the plan uses {len(dates)} days; at most {meeting.max_days} are allowed")

    day_of: dict[int, dt.date] = {}
    for day in plan.days:
        w_start, w_end = meeting.session_bounds(day.date)
        for item in day.items:
            day_of[item.number] = day.date
            problems.extend(_item_problems(item, day.date, zone, w_start, w_end, expected))
        running = sorted(day.items, key=lambda i: (i.start, i.end))
        if [i.number for i in running] != [i.number for i in day.items]:
            problems.append(f"{day.date}: items are not listed in the order they run")
        for before, after in zip(running, running[1:]):
            if after.start < before.end:
                problems.append(
                    f"{day.date}: item {before.number} ({_clock(before.start)}-{_clock(before.end)}) "
                    f"overlaps item {after.number} ({_clock(after.start)}-{_clock(after.end)})"
                )
        free = meeting.window.minutes - sum(i.minutes for i in day.items)
        if free < inst.buffer_minutes:
            problems.append(
                f"{day.date}: {free} min of the window left free; the buffer keeps "
                f"{inst.buffer_minutes} min free"
            )
        problems.extend(_block_problems(inst, day.date, running))

    for name, members in inst.blocks.items():
        days = sorted({day_of[m.number] for m in members if m.number in day_of})
        if len(days) > 1:
            problems.append(
                f"block '{name}' is split over {', '.join(map(str, days))}; it must be on one day"
            )

    for pin in inst.pins:
        on_day = day_of.get(pin.item)
        if on_day is None:
            continue
        if pin.on_date is not None and on_day != pin.on_date:
            problems.append(f"item {pin.item} is pinned on {pin.on_date} but planned on {on_day}")
        if pin.not_before_date is not None and on_day < pin.not_before_date:
            problems.append(
                f"item {pin.item} is pinned not before {pin.not_before_date} but planned on {on_day}"
            )
        if pin.first:
            day = next(d for d in plan.days if d.date == on_day)
            opener = min(day.items, key=lambda i: (i.start, i.number))
            if opener.number != pin.item:
                problems.append(
                    f"item {pin.item} is pinned first of its day, but item {opener.number} opens {on_day}"
                )
    return problems


def _item_problems(item: PlannedItem, day: dt.date, zone: ZoneInfo, w_start, w_end, expected) -> list[str]:
    problems = []
    label = f"item {item.number}"
    for name in ("start", "end"):
        moment: dt.datetime = getattr(item, name)
        if moment.tzinfo is None or moment.utcoffset() is None:
            problems.append(f"{label}: {name} {moment.isoformat()} has no time zone")
            return problems
        if moment.utcoffset() != moment.astimezone(zone).utcoffset():
            problems.append(
                f"{label}: {name} {moment.isoformat()} is not in the meeting zone "
                f"(expected UTC offset {moment.astimezone(zone).isoformat()[-6:]})"
            )
    start, end = item.start.astimezone(zone), item.end.astimezone(zone)
    if start.date() != day:
        problems.append(f"{label}: starts on {start.date()} but is listed under {day}")
    if start < w_start or end > w_end:
        problems.append(
            f"{label}: runs {_clock(start)}-{_clock(end)}, outside the window "
            f"{_clock(w_start)}-{_clock(w_end)} of {day}"
        )
    span = int((item.end - item.start).total_seconds() // 60)
    if span != item.minutes or (item.end - item.start).total_seconds() % 60:
        problems.append(f"{label}: {item.minutes} min planned but it runs {span} min")
    agenda_item = expected.get(item.number)
    if agenda_item is not None:
        if item.minutes != agenda_item.minutes:
            problems.append(
                f"{label}: planned for {item.minutes} min; the agenda estimates {agenda_item.minutes} min"
            )
        if item.code != agenda_item.code:
            problems.append(f"{label}: code {item.code!r}, the agenda says {agenda_item.code!r}")
    return problems


def _block_problems(inst, day: dt.date, running: list[PlannedItem]) -> list[str]:
    problems = []
    position = {item.number: k for k, item in enumerate(running)}
    for name, members in inst.blocks.items():
        here = [m.number for m in members if m.number in position]
        if len(here) < 2:
            continue
        ordered = sorted(here, key=lambda n: position[n])
        if ordered != here:
            problems.append(
                f"{day}: block '{name}' runs as items {', '.join(map(str, ordered))}; "
                f"agenda order is {', '.join(map(str, here))}"
            )
        slots = sorted(position[n] for n in here)
        between = [running[k].number for k in range(slots[0], slots[-1] + 1) if running[k].number not in here]
        if between:
            problems.append(
                f"{day}: block '{name}' is not back to back: item(s) "
                f"{', '.join(map(str, between))} run inside it"
            )
        else:
            for k in range(slots[0], slots[-1]):
                if running[k + 1].start != running[k].end:
                    problems.append(
                        f"{day}: block '{name}' is not back to back: a gap after item {running[k].number}"
                    )
    return problems
