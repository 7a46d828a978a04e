"""The order-keeping packing (heuristics.ordered_assignment) and the large-instance neighbourhood."""

from __future__ import annotations

import datetime as dt

from planner_helpers import make_data

from vccsched.models import Pin
from vccsched.plan import SolverInfo
from vccsched.planner import SolveReport, build_instance, plan_meeting, validate_plan
from vccsched.planner import objectives
from vccsched.planner.heuristics import ordered_assignment
from vccsched.planner.layout import build_plan, count_inversions


def hint_plan(data, count):
    inst = build_instance(data)
    assignment = ordered_assignment(inst, count)
    assert assignment is not None
    plan = build_plan(inst, assignment, SolverInfo(status="HINT", seconds=0.0))
    assert validate_plan(plan, data) == []
    return plan


def test_agenda_order_packing_that_fits_has_no_inversions():
    plan = hint_plan(make_data([50, 60, 40, 70, 30, 80, 50, 20], dates=4), 3)
    assert count_inversions(plan) == 0 and len(plan.days) == 3


def test_skips_an_item_to_fit_the_fewest_days():
    # In agenda order 4 days; three days need item 3 deferred (or 4 pulled forward): one inversion.
    plan = hint_plan(make_data([60, 60, 50, 40, 100, 60, 60], dates=4), 3)
    assert len(plan.days) == 3 and count_inversions(plan) == 1


def test_keeps_blocks_whole_and_pins():
    pins = [Pin(item=2, on=dt.date(2021, 6, 10)), Pin(item=6, not_before=dt.date(2021, 6, 9))]
    data = make_data([40, 30, 50, 50, 20, 40, 40, 30], dates=3, blocks={3: "b", 4: "b", 7: "b"}, pins=pins)
    plan = hint_plan(data, 3)
    day = {item.number: d.date for d in plan.days for item in d.items}
    assert day[3] == day[4] == day[7]
    assert day[2] == dt.date(2021, 6, 10) and day[6] >= dt.date(2021, 6, 9)


def test_no_packing_on_too_few_days():
    assert ordered_assignment(build_instance(make_data([100, 100, 100], dates=3)), 2) is None


def test_windowed_inversion_model_counts_exactly(monkeypatch):
    # Force the large-instance path (neighbourhood + windowed inversions) on a small instance.
    monkeypatch.setattr(objectives, "PAIRWISE_LIMIT", 0)
    data = make_data(
        [50, 30, 60, 40, 20, 50, 30, 60, 40, 50, 30, 20],
        dates=5,
        blocks={2: "a", 6: "a", 9: "b", 10: "b"},
        pins=[Pin(item=11, first=True)],
    )
    report = SolveReport()
    plan = plan_meeting(data, report=report)
    assert validate_plan(plan, data) == []
    stage = next(s for s in report.stages if s.name == "inversions")
    assert stage.value == count_inversions(plan) == plan.solver.objectives["inversions"]
    assert plan.solver.status == "FEASIBLE"  # a neighbourhood's best is no proof
    assert plan_meeting(data) == plan
