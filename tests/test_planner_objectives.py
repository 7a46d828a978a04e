"""Objectives, determinism, time zones and the C21/VCC-1 plan."""

from __future__ import annotations

import datetime as dt

from planner_helpers import day_numbers, make_data

from vccsched.planner import plan_meeting, validate_plan
from vccsched.planner.layout import count_inversions
from vccsched.render import render_plan


def test_fewest_days_on_the_earliest_dates():
    plan = plan_meeting(make_data([40] * 6, dates=5))
    assert len(plan.days) == 2 and plan.solver.objectives["days"] == 2
    assert [d.date for d in plan.days] == [dt.date(2021, 6, 8), dt.date(2021, 6, 9)]


def test_inversions_only_where_fewer_days_need_them():
    # In agenda order these need three days; two days need two inversions.
    plan = plan_meeting(make_data([60, 110, 50, 100], dates=3))
    assert plan.solver.objectives["days"] == 2
    assert plan.solver.objectives["inversions"] == count_inversions(plan) == 2


def test_agenda_order_kept_when_free():
    plan = plan_meeting(make_data([50] * 6, dates=3))
    assert count_inversions(plan) == 0
    assert [n for day in day_numbers(plan) for n in day] == [1, 2, 3, 4, 5, 6]


def test_balanced_days():
    plan = plan_meeting(make_data([20] * 10, dates=3))
    assert [day.minutes for day in plan.days] == [100, 100]
    assert plan.solver.objectives["balance"] == 2 * 100**2


def test_c21_is_optimal_valid_and_deterministic(c21):
    first, second = plan_meeting(c21), plan_meeting(c21)
    assert first == second
    assert render_plan(first, c21, "json") == render_plan(second, c21, "json")
    assert validate_plan(first, c21) == []
    assert first.solver.status == "OPTIMAL"
    assert first.solver.objectives["days"] == first.solver.lower_bound_days == 8
    assert len(first.items) == 57


def test_june_is_utc_plus_two_and_november_utc_plus_one():
    june = plan_meeting(make_data([30], start=dt.date(2021, 6, 8)))
    november = plan_meeting(make_data([30], start=dt.date(2021, 11, 9)))
    assert june.items[0].start.isoformat() == "2021-06-08T12:00:00+02:00"
    assert november.items[0].start.isoformat() == "2021-11-09T12:00:00+01:00"
