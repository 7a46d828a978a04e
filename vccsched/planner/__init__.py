"""The time-management planner: Group 1 items over the meeting days (OR-Tools CP-SAT).

Call :func:`plan_meeting` for a :class:`~vccsched.plan.Plan`, and
:func:`validate_plan` to check any plan without a solver.
"""

from vccsched.planner.instance import PlanningInstance, build_instance
from vccsched.planner.solver import SolveOptions, SolveReport, plan_instance, plan_meeting
from vccsched.planner.validate import validate_plan

__all__ = [
    "PlanningInstance",
    "SolveOptions",
    "SolveReport",
    "build_instance",
    "plan_instance",
    "plan_meeting",
    "validate_plan",
]
