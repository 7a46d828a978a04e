"""One feasible and one infeasible case per planning rule."""

from __future__ import annotations

import datetime as dt

import pytest
from planner_helpers import day_numbers, make_data

from vccsched.errors import DataError, PlanningError
from vccsched.models import Pin
from vccsched.planner import build_instance, plan_meeting, validate_plan

JUNE8, JUNE9, JUNE10 = dt.date(2021, 6, 8), dt.date(2021, 6, 9), dt.date(2021, 6, 10)


def plan_ok(data, **kw):
    plan = plan_meeting(data, **kw)
    assert validate_plan(plan, data, buffer=kw.get("buffer")) == []
    assert plan.solver.status == "OPTIMAL"
    return plan


def no_plan(data, **kw) -> PlanningError:
    with pytest.raises(PlanningError) as info:
        plan_meeting(data, **kw)
    assert info.value.exit_code == 1
    return info.value


# window ---------------------------------------------------------------------------------

def test_window_feasible_items_inside_the_window():
    plan = plan_ok(make_data([60, 60], dates=1, buffer=0, window=(12, 14)))
    item = plan.days[0].items[-1]
    assert (item.start.hour, item.end.hour, item.end.minute) == (13, 14, 0)


def test_window_infeasible_item_longer_than_the_window():
    error = no_plan(make_data([90], dates=2, buffer=0, window=(12, 13)))
    assert "item 1 (ADM 1) needs 90 min; a day gives 60 min (the window, no buffer): 30 min over" in str(error)


# no overlap -----------------------------------------------------------------------------

def test_no_overlap_feasible_items_back_to_back():
    plan = plan_ok(make_data([50, 50, 50], dates=1, buffer=0))
    starts = [(i.start.hour, i.start.minute) for i in plan.days[0].items]
    assert starts == [(12, 0), (12, 50), (13, 40)]


def test_no_overlap_infeasible_three_items_cannot_share_the_window():
    error = no_plan(make_data([70, 70, 70], dates=1, buffer=0))
    assert error.message == "Group 1 needs 210 min; one day of 180 min give 180: 30 min over"
    assert "the items of a day run one after another, without overlapping" in error.render()


# max days -------------------------------------------------------------------------------

def test_max_days_feasible():
    plan = plan_ok(make_data([100, 100, 100], dates=3, buffer=0))
    assert len(plan.days) == 3


def test_max_days_infeasible_items_do_not_pack():
    error = no_plan(make_data([100, 100, 100], dates=3, max_days=2, buffer=0))
    assert "do not pack into two days" in error.message
    assert "at most 2 meeting days" in error.render()
    assert "Moving one item to Group 2 makes the plan fit (100 min, the least possible): item 3" in error.render()


# blocks ---------------------------------------------------------------------------------

def test_block_feasible_same_day_back_to_back_in_order():
    # Block {1, 3} with item 2 between them in agenda order: the block stays together.
    data = make_data([60, 60, 60, 60], dates=2, buffer=0, blocks={1: "b", 3: "b"})
    plan = plan_ok(data)
    for day in day_numbers(plan):
        if 1 in day:
            assert day[day.index(1) + 1] == 3


def test_block_same_day_infeasible_pins_on_different_dates():
    data = make_data(
        [30, 30], blocks={1: "b", 2: "b"},
        pins=[Pin(item=1, on=JUNE8), Pin(item=2, on=JUNE9)],
    )
    error = no_plan(data)
    assert "block 'b' must be on one day, but its items are pinned on different dates" in error.render()


def test_block_same_day_infeasible_block_longer_than_a_day():
    error = no_plan(make_data([90, 90], blocks={1: "b", 2: "b"}))
    assert "block 'b' (items 1, 2, on one day) needs 180 min; a day gives 160 min (180-min window less 20-min buffer): 20 min over" in error.render()


def test_block_order_infeasible_first_pin_inside_the_block():
    data = make_data([30, 30, 30], blocks={1: "b", 3: "b"}, pins=[Pin(item=3, first=True)])
    error = no_plan(data)
    assert "item 3 is pinned first of its day, but it belongs to block 'b'" in error.render()


def test_block_back_to_back_feasible_with_first_pin_on_its_first_item():
    data = make_data([30, 30, 30, 30], dates=1, blocks={2: "b", 4: "b"}, pins=[Pin(item=2, first=True)])
    assert day_numbers(plan_ok(data)) == [[2, 4, 1, 3]]


# buffer ---------------------------------------------------------------------------------

def test_buffer_feasible_with_smaller_buffer():
    plan = plan_ok(make_data([90, 90], dates=1), buffer=0)
    assert plan.solver.buffer_minutes == 0


def test_buffer_infeasible():
    error = no_plan(make_data([90, 80], dates=1))
    assert error.message == "Group 1 needs 170 min; one day of 180 min less buffers give 160: 10 min over"
    assert "20 min of each meeting day kept free for overruns" in error.render()


def test_buffer_out_of_range_is_a_data_error():
    with pytest.raises(DataError, match="buffer of 200 min"):
        plan_meeting(make_data([10]), buffer=200)


# pins -----------------------------------------------------------------------------------

def test_pin_on_feasible():
    plan = plan_ok(make_data([30, 30, 30], pins=[Pin(item=2, on=JUNE10)]))
    assert [d.date for d in plan.days if any(i.number == 2 for i in d.items)] == [JUNE10]


def test_pin_on_infeasible_not_a_meeting_date():
    error = no_plan(make_data([30], pins=[Pin(item=1, on=dt.date(2021, 6, 20))]))
    assert "item 1 is pinned on 2021-06-20, which is not a meeting date" in error.render()


def test_pin_on_infeasible_pinned_items_overflow_their_day():
    data = make_data([90, 90], pins=[Pin(item=1, on=JUNE9), Pin(item=2, on=JUNE9)])
    error = no_plan(data)
    assert "the items pinned on 2021-06-09 (item 1, item 2) need 180 min" in error.render()


def test_pin_not_before_feasible():
    plan = plan_ok(make_data([30, 30], pins=[Pin(item=1, not_before=JUNE9)]))
    assert plan.days[0].date == JUNE9


def test_pin_not_before_infeasible_after_last_date():
    error = no_plan(make_data([30], pins=[Pin(item=1, not_before=dt.date(2021, 7, 1))]))
    assert "item 1 is pinned not before 2021-07-01, after the last meeting date 2021-06-10" in error.render()


def test_pin_first_feasible():
    plan = plan_ok(make_data([30, 30, 30], dates=1, pins=[Pin(item=3, first=True)]))
    assert day_numbers(plan) == [[3, 1, 2]]


def test_pin_first_infeasible_two_on_one_date():
    data = make_data([30, 30], pins=[Pin(item=1, on=JUNE8, first=True), Pin(item=2, on=JUNE8, first=True)])
    assert "items 1, 2 are all pinned first of 2021-06-08" in no_plan(data).render()


def test_pin_first_infeasible_solver_core():
    # One date only, two items both pinned first: the solver names the conflict.
    error = no_plan(make_data([30, 30], dates=1, pins=[Pin(item=1, first=True), Pin(item=2, first=True)]))
    text = error.render()
    assert "item 1 first of its day" in text and "item 2 first of its day" in text
    assert "Moving one item to Group 2 makes the plan fit (30 min, the least possible)" in text


def test_pin_on_group_two_item_is_ignored_with_a_note():
    data = make_data([30, 30], groups={2: 2}, pins=[Pin(item=2, on=JUNE9)])
    assert build_instance(data).notes == ("pins[0] (item 2) is ignored: the item is not in Group 1",)


# grouping -------------------------------------------------------------------------------

def test_grouping_moves_items_and_missing_minutes_is_named():
    data = make_data([30, None, 40], groups={2: 2})
    plan = plan_meeting(data, grouping={3: 2})
    assert [i.number for i in plan.items] == [1]
    with pytest.raises(DataError, match=r"item\(s\) 2 \(ADM 2\) are in Group 1 but have no 'minutes'"):
        plan_meeting(data, grouping={2: 1})
