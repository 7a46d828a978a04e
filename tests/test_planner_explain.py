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


def test_suggested_move_keeps_a_block_whole():
    # 20 min over. Moving item 1 alone (20 min, a member of the budget block) would fit
    # (ten 40s, a 30 and a 50 pack into three days of 160), but a block stays or goes
    # whole, so the least move that keeps it whole is item 3 (30 min).
    minutes = [20, 40, 30, 40, 40, 40, 40, 40, 40, 40, 40, 40, 50]
    data = make_data(minutes, dates=3, blocks={1: "budget", 2: "budget"})
    with pytest.raises(PlanningError) as info:
        plan_meeting(data)
    assert info.value.message.endswith("give 480: 20 min over")
    text = info.value.render()
    assert "Moving one item to Group 2 makes the plan fit (30 min, the least possible): item 3 (ADM 3, 30 min)" in text
