"""Progress: the published plan against the floor (issue 9, part 1)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from test_floor_published import plan_json
from test_floor_rules import T0, ZONE, Session, small_setup

from vccsched.floor.published import plan_of
from vccsched.floor.replay import replay
from vccsched.floor.state import FloorSetup
from vccsched.progress import day_times, measure_progress, published_history
from vccsched.models import Meeting, Window

LOGS = Path(__file__).resolve().parent / "floor_logs"


def at(day: int, hh: int, mm: int, ss: int = 0) -> dt.datetime:
    return dt.datetime(2021, 6, day, hh, mm, ss, tzinfo=ZONE)


@pytest.fixture(scope="module")
def c21_plan(c21_solved):
    return c21_solved


def replayed(c21, name: str):
    lines = (LOGS / name).read_text(encoding="utf-8").splitlines()
    return replay(lines, FloorSetup.from_meeting(c21), source=name)


# --- the two floor logs -----------------------------------------------------------------------


def test_day_one_against_the_c21_plan(c21, c21_plan):
    state = replayed(c21, "c21-vcc1-day1.jsonl").state
    p = measure_progress(state, c21.meeting, at(8, 12, 40), c21_plan)
    for number in (1, 2, 7, 8, 9):  # concluded en bloc at 12:00 without being opened
        item = p.item(number)
        assert (item.phase, item.minutes, item.taken_at, item.closed_at) == ("done", 0.0, at(8, 12, 0), at(8, 12, 0))
        assert item.outcome.kind == "concluded"
    three = p.item(3)  # opened 12:01:00, closed 12:21:40
    assert (three.minutes, three.planned_minutes, three.over_minutes) == (20.67, 30, -9.33)
    assert three.planned_start == at(8, 12, 25)
    four = p.item(4)  # 12:22:00 to 12:25:10, deferred to C22
    assert (four.minutes, four.outcome.kind, four.outcome.requested_by) == (3.17, "deferred", "IRN")
    twelve = p.item(12)  # planned on 9 June, opened early at 12:25:30, open at now
    assert (twelve.phase, twelve.planned_date, twelve.minutes) == ("open", dt.date(2021, 6, 9), 14.5)
    assert p.current_item == 12 and p.today == dt.date(2021, 6, 8) and p.not_reached == []
    assert p.to_come[:3] == [5, 6, 10]
    day = p.day(dt.date(2021, 6, 8))
    assert (day.planned_minutes, day.used_minutes, day.first_at) == (160, 40.0, at(8, 12, 0))
    assert day.items_taken == [1, 2, 3, 4, 7, 8, 9, 12]
    # 12:40 + item 12's 15.5 min left + items 5, 6 and 10 (75 min) = 14:10:30; the window
    # less the 20-min buffer ends at 14:40.
    assert (day.projected_end, day.usable_end, day.late_minutes) == (at(8, 14, 10, 30), at(8, 14, 40), -29.5)


def test_an_item_deferred_whole_and_still_open_is_done_and_its_minutes_count(c21, c21_plan):
    """After IRN's deferral of item 4 (12:25:00) and before the chair closes it (12:25:10)."""
    lines = (LOGS / "c21-vcc1-day1.jsonl").read_text(encoding="utf-8").splitlines()
    cut = next(k for k, line in enumerate(lines) if '"close_item-45"' in line)
    state = replay(lines[:cut], FloorSetup.from_meeting(c21), source="cut").state
    assert (state.current_item, state.items[4].status, state.items[4].outcome.scope) == (4, "open", "item")
    p = measure_progress(state, c21.meeting, at(8, 12, 25, 5), c21_plan)
    four = p.item(4)  # open 12:22:00 to now
    assert (four.status, four.phase, four.minutes, four.outcome.kind) == ("open", "done", 3.08, "deferred")
    assert 4 not in p.to_come and 4 not in p.not_reached and p.to_come[:3] == [5, 6, 10]
    # 12:25:05 + items 5, 6 and 10 (75 min): item 4's 30 planned minutes are not waited for.
    assert p.day(dt.date(2021, 6, 8)).projected_end == at(8, 13, 40, 5)


def test_the_budget_log_counts_no_suspension_and_no_night(c21, c21_plan):
    state = replayed(c21, "c21-vcc1-budget.jsonl").state
    p = measure_progress(state, c21.meeting, at(10, 12, 5), c21_plan)
    budget = p.item(36)  # 9 June 12:00 to the suspension at 14:59, then 12:00-12:03 on 10 June
    assert budget.minutes_by_day == {dt.date(2021, 6, 9): 179.0, dt.date(2021, 6, 10): 3.0}
    assert (budget.minutes, budget.planned_minutes, budget.over_minutes) == (182.0, 70, 112.0)
    assert (budget.taken_at, budget.closed_at) == (at(9, 12, 0), at(10, 12, 3))
    assert [d.used_minutes for d in p.days if d.used_minutes] == [179.0, 5.0]
    # Nothing planned for 8 and 9 June was taken up: not reached.
    first_days = [i.number for d in c21_plan.days if d.date < dt.date(2021, 6, 10) for i in d.items]
    assert p.not_reached == first_days and len(first_days) == 16
    today = p.day(dt.date(2021, 6, 10))
    assert (today.projected_end, today.late_minutes) == (at(10, 14, 45), 5.0)


# --- counting, one rule at a time -----------------------------------------------------------------

MEETING = Meeting(
    id="TEST",
    timezone="Europe/Zurich",
    window=Window(start=dt.time(12), end=dt.time(15)),
    dates=[dt.date(2021, 6, 8), dt.date(2021, 6, 9)],
    max_days=2,
    contribution_deadline=dt.date(2021, 5, 25),
    grouping_reply_deadline=dt.date(2021, 3, 12),
)


def session() -> Session:
    return Session(small_setup(timezone="Europe/Zurich"))


def test_a_suspension_does_not_count():
    s = session()
    s.ok("VC", "open_item", item=3, advance=0)  # 12:00
    s.ok("VC", "suspend_meeting", advance=600)  # 12:10
    s.ok("VC", "resume_meeting", advance=900)  # 12:25
    s.ok("VC", "close_item", advance=300)  # 12:30
    p = measure_progress(s.state, MEETING, at(8, 12, 30))
    assert p.item(3).minutes == 15.0 and p.days[0].used_minutes == 15.0


def test_the_night_does_not_count_even_without_a_suspension():
    s = session()
    s.ok("VC", "open_item", item=3, advance=0)
    s.ok("CHN", "request_floor", advance=1800)  # 12:30, last event of the day
    s.ok("VC", "next_speaker", advance=86400 - 1800)  # 9 June 12:00
    p = measure_progress(s.state, MEETING, at(9, 12, 10))
    assert p.item(3).minutes_by_day == {dt.date(2021, 6, 8): 30.0, dt.date(2021, 6, 9): 10.0}
    # now on a later day than the last event: the open item gains nothing after it.
    later = measure_progress(s.state, MEETING, at(10, 9, 0))
    assert later.item(3).minutes == 30.0


def test_every_opening_of_a_reopened_item_counts():
    s = session()
    s.ok("VC", "open_item", item=3, advance=0)
    s.ok("VC", "close_item", advance=600)  # 10 min
    s.ok("VC", "open_item", item=4, advance=60)
    s.ok("VC", "close_item", advance=120)
    s.ok("VC", "open_item", item=3, advance=60)  # reopened
    s.ok("VC", "close_item", advance=300)  # 5 more
    p = measure_progress(s.state, MEETING, s.now)
    assert (p.item(3).minutes, p.item(4).minutes) == (15.0, 2.0)
    assert p.item(3).taken_at == at(8, 12, 0) and p.item(3).closed_at == s.now
    assert p.days[0].item_minutes == 17.0 and p.days[0].used_minutes == 19.0


def test_now_before_the_last_event_counts_as_the_last_event():
    s = session()
    s.ok("VC", "open_item", item=3, advance=0)
    s.ok("VC", "close_list", advance=600)
    assert measure_progress(s.state, MEETING, T0).item(3).minutes == 10.0
    with pytest.raises(ValueError, match="zone-aware"):
        measure_progress(s.state, MEETING, dt.datetime(2021, 6, 8, 13))


def test_day_times_bring_the_last_day_up_to_now():
    s = session()
    s.ok("VC", "open_item", item=3, advance=0)
    s.ok("CHN", "request_floor", advance=120)
    (day,) = s.state.days
    assert day.sitting_seconds == 0.0  # not yet counted: only an opening or a suspension settles
    (now_day,) = day_times(s.state, at(8, 12, 5))
    assert (now_day.sitting_seconds, now_day.item_seconds) == (300.0, {3: 300.0})


PLAN = plan_json({"2021-06-08": [(3, 30), (4, 30)], "2021-06-09": [(12, 20)]})


def test_the_plan_published_on_the_floor_is_the_default_and_the_projection_warns():
    s = session()
    s.ok("SG", "publish_plan", plan=PLAN, advance=0)
    s.ok("VC", "open_item", item=3, advance=0)  # 12:00
    p = measure_progress(s.state, MEETING, at(8, 14, 0))  # item 3 has run two hours
    assert p.plan_revision == 1 and p.item(3).over_minutes == 90.0
    today = p.day(dt.date(2021, 6, 8))
    # 14:00 + item 3 (nothing left of its 30 min) + item 4 (30) = 14:30, before 14:40.
    assert (today.projected_end, today.late_minutes) == (at(8, 14, 30), -10.0)
    p = measure_progress(s.state, MEETING, at(8, 14, 20))
    assert p.day(dt.date(2021, 6, 8)).late_minutes == 10.0
    assert p.to_come == [4, 12] and p.not_reached == []
    # After the window, item 4 was not reached; item 12 is still to come.
    p = measure_progress(s.state, MEETING, at(8, 15, 0))
    assert (p.not_reached, p.to_come) == ([4], [12])


def test_items_a_re_plan_leaves_out_keep_their_planned_slot_from_history():
    s = session()
    s.ok("SG", "publish_plan", plan=PLAN, advance=0)
    s.ok("VC", "open_item", item=3, advance=0)
    s.ok("VC", "close_item", advance=1200)
    s.ok("VC", "suspend_meeting", advance=60)
    s.ok("SG", "publish_plan", plan=plan_json({"2021-06-09": [(4, 30), (12, 20)]}))
    p = measure_progress(s.state, MEETING, s.now, history=published_history(s.floor.events))
    assert p.plan_revision == 2
    assert (p.item(3).planned_start, p.item(3).over_minutes) == (at(8, 12, 0), -10.0)
    assert p.item(4).planned_date == dt.date(2021, 6, 9)
    without = measure_progress(s.state, MEETING, s.now)
    assert without.item(3).planned_date is None and without.item(3).phase == "done"


def test_progress_is_a_function_of_its_inputs(c21, c21_plan):
    first = replayed(c21, "c21-vcc1-day1.jsonl").state
    again = replayed(c21, "c21-vcc1-day1.jsonl").state
    a = measure_progress(first, c21.meeting, at(8, 13, 0), c21_plan).model_dump_json()
    b = measure_progress(again, c21.meeting, at(8, 13, 0), plan_of(c21_plan_json(c21_plan))).model_dump_json()
    assert a == b


def c21_plan_json(plan) -> dict:
    from vccsched.floor.published import canonical

    return canonical(plan)


# --- what mutation testing found untested (mutmut on vccsched/progress.py) ----------------------


def test_while_suspended_the_time_since_the_suspension_does_not_count():
    s = session()
    s.ok("VC", "open_item", item=3, advance=0)  # 12:00
    s.ok("VC", "suspend_meeting", advance=600)  # 12:10, and still suspended at 12:40
    p = measure_progress(s.state, MEETING, at(8, 12, 40))
    assert p.suspended and p.item(3).minutes == 10.0 and p.days[0].used_minutes == 10.0
    (day,) = day_times(s.state, at(8, 12, 40))
    assert (day.sitting_seconds, day.item_seconds) == (600.0, {3: 600.0})


def test_an_event_during_a_suspension_adds_no_sitting_time():
    s = session()
    s.ok("VC", "open_item", item=3, advance=0)  # 12:00
    s.ok("CHN", "request_floor", advance=300)  # 12:05
    s.ok("VC", "suspend_meeting", advance=300)  # 12:10
    s.ok("CHN", "withdraw", advance=600)  # 12:20, taken while suspended: the floor's last event
    assert s.state.suspended and s.state.floor_at == at(8, 12, 20)
    (day,) = day_times(s.state)
    assert (day.sitting_seconds, day.item_seconds) == (600.0, {3: 600.0})
    assert measure_progress(s.state, MEETING, at(8, 12, 20)).days[0].used_minutes == 10.0


def test_days_are_the_meeting_zones_days_whatever_the_zone_of_now():
    # 00:10 in Geneva on 9 June is 22:10 UTC on 8 June: a day on the floor ends at midnight
    # in Geneva, whatever zone the caller's clock gives.
    utc = dt.timezone.utc
    s = session()
    s.ok("VC", "open_item", item=3, advance=0)  # 8 June 12:00
    s.ok("CHN", "request_floor", advance=60)  # 12:01, the day's last event
    (day,) = day_times(s.state, at(9, 0, 10).astimezone(utc))
    assert (day.date, day.sitting_seconds) == (dt.date(2021, 6, 8), 60.0)  # not on to 00:10
    (same_day,) = day_times(s.state, at(8, 12, 5).astimezone(utc))
    assert same_day.sitting_seconds == 300.0
    # measure_progress answers in the meeting's zone and takes "today" from it.
    p = measure_progress(s.state, MEETING, at(9, 0, 30).astimezone(utc))
    assert p.now == at(9, 0, 30) and p.now.utcoffset() == dt.timedelta(hours=2)
    assert p.today == dt.date(2021, 6, 9)
    # An item concluded at 00:30 Geneva time was taken on 9 June, not 8 June (UTC's date).
    s.ok("VC", "close_item", advance=0)
    s.ok("VC", "conclude_en_bloc", items=[1], advance=(at(9, 0, 30) - s.now).total_seconds())
    p = measure_progress(s.state, MEETING, at(9, 0, 31))
    assert 1 in p.day(dt.date(2021, 6, 9)).items_taken and 1 not in p.day(dt.date(2021, 6, 8)).items_taken


def test_the_plans_buffer_is_the_default_then_the_meetings():
    s = session()
    s.ok("SG", "publish_plan", plan={**PLAN, "solver": {**PLAN["solver"], "buffer_minutes": 30}}, advance=0)
    p = measure_progress(s.state, MEETING, at(8, 14, 10, 20))
    today = p.day(dt.date(2021, 6, 8))
    assert (p.buffer_minutes, today.usable_end) == (30, at(8, 14, 30))
    # 14:10:20 + items 3 and 4 (60 min) = 15:10:20: 40 min 20 s past 14:30.
    assert (today.projected_end, today.late_minutes) == (at(8, 15, 10, 20), 40.33)
    assert measure_progress(s.state, MEETING, at(8, 14, 10), buffer=5).day(dt.date(2021, 6, 8)).usable_end == at(8, 14, 55)
    without = plan_of({**PLAN, "solver": {k: v for k, v in PLAN["solver"].items() if k != "buffer_minutes"}})
    assert without.solver.buffer_minutes is None
    assert measure_progress(s.state, MEETING, at(8, 14, 10), without).buffer_minutes == MEETING.buffer_minutes == 20


def test_today_is_a_meeting_date_or_none():
    s = session()
    s.ok("SG", "publish_plan", plan=plan_json({"2021-06-08": [(3, 30)]}), advance=0)
    # 9 June is a meeting date with nothing planned and nothing sat: it is today all the same.
    p = measure_progress(s.state, MEETING, at(9, 11, 0))
    assert p.today == dt.date(2021, 6, 9)
    nine = p.day(dt.date(2021, 6, 9))
    assert nine is not None and (nine.planned_minutes, nine.used_minutes, nine.item_minutes) == (0, 0.0, 0.0)
    assert (nine.projected_end, nine.first_at, nine.last_at) == (at(9, 12, 0), None, None)
    # 10 June is no meeting date: no today, and no day for it.
    p = measure_progress(s.state, MEETING, at(10, 12, 30))
    assert p.today is None and p.day(dt.date(2021, 6, 10)) is None
    assert [d.date for d in p.days] == [dt.date(2021, 6, 8)]


def test_items_taken_up_outside_the_plan_come_after_the_planned_ones_once():
    s = session()
    s.ok("SG", "publish_plan", plan=PLAN, advance=0)  # items 3, 4 (8 June) and 12 (9 June)
    s.ok("VC", "conclude_en_bloc", items=[1], advance=0)  # not in the plan; item 2 never taken up
    s.ok("VC", "open_item", item=3, advance=0)
    s.ok("VC", "close_item", advance=600)
    p = measure_progress(s.state, MEETING, s.now)
    assert [(i.number, i.phase) for i in p.items] == [(3, "done"), (4, "to_come"), (12, "to_come"), (1, "done")]
    one = p.item(1)
    assert (one.planned_date, one.planned_start, one.planned_end, one.planned_minutes) == (None, None, None, None)
    three = p.item(3)
    assert (three.planned_start, three.planned_end, three.planned_minutes) == (at(8, 12, 0), at(8, 12, 30), 30)
    assert p.item(12).planned_end == at(9, 12, 20)
    with pytest.raises(KeyError):
        p.item(2)


def test_a_reopened_item_has_no_closing_time_while_open():
    s = session()
    s.ok("VC", "open_item", item=3, advance=0)
    s.ok("VC", "close_item", advance=600)
    s.ok("VC", "open_item", item=3, advance=60)
    p = measure_progress(s.state, MEETING, s.now)
    assert (p.item(3).status, p.item(3).closed_at) == ("open", None)


def test_the_open_item_planned_on_another_day_counts_what_it_has_left_never_less_than_nothing():
    s = session()
    s.ok("SG", "publish_plan", plan=PLAN, advance=0)
    s.ok("VC", "open_item", item=12, advance=0)  # planned on 9 June, 20 min; taken up on 8 June at 12:00
    # 12:05: item 12's 15 min left + items 3 and 4 (60 min).
    assert measure_progress(s.state, MEETING, at(8, 12, 5)).day(dt.date(2021, 6, 8)).projected_end == at(8, 13, 20)
    # 12:30, 10 min over its 20: nothing is left of it (not a minute), only items 3 and 4.
    p = measure_progress(s.state, MEETING, at(8, 12, 30))
    assert p.day(dt.date(2021, 6, 8)).projected_end == at(8, 13, 30)
    # Deferred whole to the next session while still open: nothing of it is waited for.
    s.ok("VC", "defer_item", requested_by="USA", advance=0)
    p = measure_progress(s.state, MEETING, s.now)
    assert p.item(12).phase == "done"
    assert p.day(dt.date(2021, 6, 8)).projected_end == s.now + dt.timedelta(minutes=60)


def test_each_day_has_its_own_first_and_last_event_and_the_items_discussed_on_it():
    s = session()
    s.ok("VC", "open_item", item=3, advance=0)  # 8 June 12:00
    s.ok("CHN", "request_floor", advance=1800)  # 12:30, the day's last event
    s.ok("VC", "next_speaker", advance=86400 - 1800)  # 9 June 12:00, item 3 still open
    s.ok("USA", "request_floor", advance=300)  # 12:05
    p = measure_progress(s.state, MEETING, at(9, 12, 10))
    eight, nine = p.day(dt.date(2021, 6, 8)), p.day(dt.date(2021, 6, 9))
    assert (eight.first_at, eight.last_at) == (at(8, 12, 0), at(8, 12, 30))
    assert (nine.first_at, nine.last_at) == (at(9, 12, 0), at(9, 12, 5))
    # Item 3 was neither taken up nor closed on 9 June, but discussed on it.
    assert eight.items_taken == nine.items_taken == [3]
    assert (nine.used_minutes, nine.item_minutes) == (10.0, 10.0)
