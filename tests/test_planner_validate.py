"""The validator accepts the solver's plans and catches each kind of violation."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from vccsched.models import Pin
from vccsched.plan import PlannedDay
from vccsched.planner import validate_plan


@pytest.fixture(scope="module")
def plan(c21_solved):
    return c21_solved


def with_days(plan, days):
    return plan.model_copy(update={"days": days})


def shift(item, minutes):
    delta = dt.timedelta(minutes=minutes)
    return item.model_copy(update={"start": item.start + delta, "end": item.end + delta})


def test_accepts_the_plan(plan, c21):
    assert validate_plan(plan, c21) == []


def test_missing_and_duplicate_items(plan, c21):
    days = list(plan.days)
    dropped = days[0].items[0]
    days[0] = days[0].model_copy(update={"items": days[0].items[1:]})
    days[1] = days[1].model_copy(update={"items": [*days[1].items, days[1].items[-1]]})
    problems = validate_plan(with_days(plan, days), c21)
    assert f"item {dropped.number} ({dropped.code}) is in Group 1 but not in the plan" in problems
    assert any("is planned 2 times" in p for p in problems)


def test_wrong_agenda_code(plan, c21):
    day = plan.days[0]
    first = day.items[0]
    wrong = first.model_copy(update={"code": "PL 9.99"})
    problems = validate_plan(with_days(plan, [day.model_copy(update={"items": [wrong, *day.items[1:]]}), *plan.days[1:]]), c21)
    assert problems == [f"item {first.number}: code 'PL 9.99', the agenda says {first.code!r}"]


def test_date_not_in_meeting_and_too_many_days(plan, c21):
    day = plan.days[-1]
    sunday = dt.date(2021, 6, 13)
    moved = PlannedDay(date=sunday, items=[shift(i, 24 * 60 * -4) for i in day.items])
    problems = validate_plan(with_days(plan, [*plan.days[:-1], moved]), c21)
    assert "2021-06-13 is not a meeting date" in problems
    fewer = dataclasses.replace(c21, meeting=c21.meeting.model_copy(update={"max_days": 7}))
    assert "the plan uses 8 days; at most 7 are allowed" in validate_plan(plan, fewer)


def test_outside_window_overlap_and_buffer(plan, c21):
    day = plan.days[0]
    late = [*day.items[:-1], shift(day.items[-1], 30)]
    problems = validate_plan(with_days(plan, [day.model_copy(update={"items": late}), *plan.days[1:]]), c21)
    assert any("outside the window 12:00-15:00" in p for p in problems)
    early = [day.items[0], shift(day.items[1], -1), *day.items[2:]]  # one minute into its predecessor
    problems = validate_plan(with_days(plan, [day.model_copy(update={"items": early}), *plan.days[1:]]), c21)
    assert any("overlaps item" in p for p in problems)
    assert any("min of the window left free; the buffer keeps 30 min free" in p for p in validate_plan(plan, c21, buffer=30))


def test_block_split_out_of_order_and_not_back_to_back(plan, c21):
    index = next(k for k, d in enumerate(plan.days) if any(i.number == 36 for i in d.items))
    day = plan.days[index]
    items = {i.number: i for i in day.items}
    # Swap 36 and 37 (same start times swapped keep the day tidy otherwise).
    a, b = items[36], items[37]
    swapped = [
        b.model_copy(update={"start": a.start, "end": a.start + (b.end - b.start)}),
        a.model_copy(update={"start": a.start + (b.end - b.start), "end": b.end}),
    ]
    rest = [i for i in day.items if i.number not in (36, 37)]
    broken = sorted([*swapped, *rest], key=lambda i: i.start)
    problems = validate_plan(with_days(plan, [*plan.days[:index], day.model_copy(update={"items": broken}), *plan.days[index + 1 :]]), c21)
    assert any("block 'budget' runs as items 37, 36, 38" in p for p in problems)
    # Move item 38 to the next day: split block.
    other = plan.days[index + 1]
    moved = items[38].model_copy(update={
        "start": other.items[-1].end, "end": other.items[-1].end + (items[38].end - items[38].start)})
    days = list(plan.days)
    days[index] = day.model_copy(update={"items": [i for i in day.items if i.number != 38]})
    days[index + 1] = other.model_copy(update={"items": [*other.items, moved]})
    problems = validate_plan(with_days(plan, days), c21)
    assert any(p.startswith("block 'budget' is split over") for p in problems)


def test_pins_zone_and_minutes(plan, c21):
    pinned = dataclasses.replace(c21, meeting=c21.meeting.model_copy(update={
        "pins": [Pin(item=3, on=dt.date(2021, 6, 9)), Pin(item=77, first=True), Pin(item=77, not_before=dt.date(2021, 6, 18))]}))
    problems = validate_plan(plan, pinned)
    assert "item 3 is pinned on 2021-06-09 but planned on 2021-06-08" in problems
    assert any(p.startswith("item 77 is pinned first of its day, but item") for p in problems)
    assert "item 77 is pinned not before 2021-06-18 but planned on 2021-06-17" in problems
    day = plan.days[0]
    first = day.items[0]
    utc = first.model_copy(update={"start": first.start.astimezone(dt.timezone.utc), "minutes": first.minutes + 5})
    problems = validate_plan(with_days(plan, [day.model_copy(update={"items": [utc, *day.items[1:]]}), *plan.days[1:]]), c21)
    assert any("is not in the meeting zone (expected UTC offset +02:00)" in p for p in problems)
    assert any(f"item {first.number}: {first.minutes + 5} min planned but it runs {first.minutes} min" == p for p in problems)
