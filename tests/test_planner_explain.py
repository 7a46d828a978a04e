"""Explanations of infeasible inputs: rules in words, by how much, what to move."""

from __future__ import annotations

import pytest
from planner_helpers import make_data

from vccsched.errors import PlanningError
from vccsched.planner import plan_meeting


def test_capacity_overflow_and_smallest_move():
    # Nine days of 160 usable min; 36 items of 40 min fill them exactly, one of 90 is too many.
    data = make_data([40] * 18 + [90] + [40] * 18, dates=9)
    with pytest.raises(PlanningError) as info:
        plan_meeting(data)
    error = info.value
    assert error.message == "Group 1 needs 1530 min; nine days of 180 min less buffers give 1440: 90 min over"
    text = error.render()
    assert "These rules cannot all hold together" in text
    assert "20 min of each meeting day kept free for overruns" in text
    assert "Moving one item to Group 2 makes the plan fit (90 min, the least possible): item 19 (ADM 19, 90 min)" in text


def test_max_days_overflow_names_the_rule():
    data = make_data([100] * 5, dates=5, max_days=3)
    with pytest.raises(PlanningError) as info:
        plan_meeting(data)
    assert info.value.message == "Group 1 needs 500 min; three days of 180 min less buffers give 480: 20 min over"
    assert "at most 3 meeting days" in info.value.render()
    assert "Moving two items to Group 2 makes the plan fit (200 min, the least possible): item 4 (ADM 4, 100 min), item 5 (ADM 5, 100 min)" in info.value.render()
