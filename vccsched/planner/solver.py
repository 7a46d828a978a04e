"""Solve a planning instance: lexicographic optimisation with CP-SAT.

:func:`plan_meeting` is the entry point: it builds the instance from the
meeting data, rejects impossible input with an explanation
(:class:`~vccsched.errors.PlanningError`), then solves one objective at a
time (:mod:`vccsched.planner.objectives`), fixing each optimum as a constraint
and hinting the previous solution to the next stage. The search is
deterministic (one worker, fixed seed, deterministic time limits), so the
same input gives the same plan.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from vccsched.errors import PlanningError
from vccsched.grouping_file import Grouping
from vccsched.loading import MeetingData
from vccsched.plan import Plan, SolverInfo
from vccsched.planner.heuristics import announced_assignment, hint_assignment, ordered_assignment
from vccsched.planner.instance import PlanningInstance, build_instance
from vccsched.planner.layout import build_plan, plan_objectives
from vccsched.planner.objectives import needs_neighbourhood, objectives_for
from vccsched.planner.rules import add_rules, add_strengthening
from vccsched.planner.variables import PlanVariables, new_variables

Log = Callable[[str], None]

#: Above this many item-day literals, presolve is kept light (see new_solver).
LARGE_MODEL = 5_000

#: On large instances, how many days from the order-keeping plan an item may move
#: once the fewest days are known (see narrow_to_neighbourhood).
NEIGHBOURHOOD_DAYS = 1


@dataclass(frozen=True)
class SolveOptions:
    """How hard and how to search; the defaults prove C21/VCC-1 optimal in well under a second."""

    seed: int = 2021
    workers: int = 1
    #: Deterministic-time budget per stage (CP-SAT's machine-independent seconds).
    stage_limit: float = 30.0
    #: The budget of the stages after the days on a large instance, once the search
    #: is narrowed to the order-keeping plan's neighbourhood: the hint is already
    #: good there, and longer searches gain an inversion or two at most.
    narrowed_stage_limit: float = 2.0
    log: Log | None = None
    log_search: bool = False


@dataclass
class StageReport:
    name: str
    status: str
    value: int
    deterministic_seconds: float
    wall_seconds: float


@dataclass
class SolveReport:
    """What happened, for ``--verbose`` and the benchmarks."""

    stages: list[StageReport] = field(default_factory=list)

    @property
    def wall_seconds(self) -> float:
        return sum(s.wall_seconds for s in self.stages)

    @property
    def deterministic_seconds(self) -> float:
        return sum(s.deterministic_seconds for s in self.stages)


def plan_meeting(
    data: MeetingData,
    grouping: Grouping | None = None,
    buffer: int | None = None,
    options: SolveOptions | None = None,
    report: SolveReport | None = None,
) -> Plan:
    """The optimal plan of the Group 1 items (after ``grouping``) of a meeting.

    Raises ``DataError`` for unusable input (a Group 1 item without minutes)
    and ``PlanningError`` with an explanation when no plan fits the rules.
    """
    return plan_instance(build_instance(data, grouping, buffer), options, report)


def new_solver(options: SolveOptions, limit: float | None = None, large: bool = False) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    params = solver.parameters
    # CP-SAT's own Ctrl+C handler, once the solve is over, leaves SIGINT at the system
    # default under Python's back: a later Ctrl+C then kills the process with no cleanup
    # (the demo's server and temporary folder). Python's handler stops us after the solve.
    params.catch_sigint_signal = False
    params.num_workers = options.workers
    params.random_seed = options.seed
    params.max_deterministic_time = options.stage_limit if limit is None else limit
    if large:
        # Presolve (probing, symmetry, clique merging) would spend the whole
        # budget on tens of thousands of assignment literals; the greedy hint
        # and the capacity bound do the work instead.
        params.max_presolve_iterations = 1
        params.cp_model_probing_level = 0
        params.symmetry_level = 0
    if options.workers > 1:
        params.interleave_search = True
    if options.log_search and options.log is not None:
        params.log_search_progress = True
        params.log_to_stdout = False
        solver.log_callback = options.log
    return solver


def plan_instance(
    inst: PlanningInstance,
    options: SolveOptions | None = None,
    report: SolveReport | None = None,
) -> Plan:
    """Solve ``inst`` stage by stage; see :func:`plan_meeting`."""
    from vccsched.planner.explain import explain_infeasible, precheck

    options = options or SolveOptions()
    report = report if report is not None else SolveReport()
    say = options.log or (lambda _text: None)
    problems = precheck(inst)
    if problems:
        raise problems
    days = len(inst.dates)
    if not inst.items:
        empty = build_plan(inst, {}, SolverInfo(status="OPTIMAL", seconds=0.0))
        info = SolverInfo(
            status="OPTIMAL",
            seconds=0.0,
            objectives=plan_objectives(inst, empty),
            lower_bound_days=0,
            buffer_minutes=inst.buffer_minutes,
        )
        return empty.model_copy(update={"solver": info})

    model = cp_model.CpModel()
    v = new_variables(model, inst)
    rules = add_rules(model, inst, v)
    for literal in rules.literals:
        model.add(literal == 1)
    add_strengthening(model, inst, v)
    start = announced_assignment(inst) if inst.replanning else hint_assignment(inst)
    if start is not None:
        _hint_assignment(model, inst, v, start)
        for literal in rules.literals:
            model.add_hint(literal, True)

    values: dict[str, int] = {}
    all_optimal = True
    narrowed = False
    day_of: dict[int, int] = {}
    objectives = objectives_for(inst)
    for objective in objectives:
        expr = objective.build(model, inst, v)
        model.minimize(expr)
        limit = min(options.stage_limit, options.narrowed_stage_limit) if narrowed else None
        solver = new_solver(options, limit, large=len(v.x) > LARGE_MODEL)
        started = time.perf_counter()
        status = solver.solve(model)
        wall = time.perf_counter() - started
        name = solver.status_name(status)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if not day_of:
                if status == cp_model.INFEASIBLE:
                    raise explain_infeasible(inst, options)
                raise PlanningError(
                    f"CP-SAT found no plan within its limit of {options.stage_limit} s "
                    f"(status {name}); the instance may be too large or too tight",
                    title="No plan found",
                )
            # A later stage found nothing better within its limit: keep the last plan.
            report.stages.append(
                StageReport(objective.name, name, values.get(objective.name, -1), solver.deterministic_time, wall)
            )
            all_optimal = False
            say(f"stage {objective.name}: {name} after {wall:.3f} s; keeping the previous plan")
            break
        value = round(solver.objective_value)
        values[objective.name] = value
        all_optimal = all_optimal and status == cp_model.OPTIMAL
        report.stages.append(StageReport(objective.name, name, value, solver.deterministic_time, wall))
        say(
            f"stage {objective.name}: {name}, value {value}, bound {round(solver.best_objective_bound)}, "
            f"{wall:.3f} s wall, {solver.deterministic_time:.3f} deterministic"
        )
        day_of = _days_of(inst, v, solver)
        if status == cp_model.OPTIMAL:
            model.add(expr == value).with_name(f"objective {objective.name} fixed at its optimum")
        else:
            model.add(expr <= value).with_name(f"objective {objective.name} kept at the value found")
        _hint(model, inst, v, solver)
        if objective.name == "days" and needs_neighbourhood(inst) and not inst.replanning:
            centre = start if start is not None and len(set(start.values())) == value else None
            centre = centre or ordered_assignment(inst, value)
            if centre is not None and len(set(centre.values())) <= value:
                narrow_to_neighbourhood(model, inst, v, centre, NEIGHBOURHOOD_DAYS)
                _hint_assignment(model, inst, v, centre)
                day_of = dict(centre)
                narrowed = True
                say(
                    f"large instance: later stages keep each item within {NEIGHBOURHOOD_DAYS} day(s) "
                    "of the order-keeping plan (not a proof of optimality)"
                )
    all_optimal = all_optimal and not narrowed

    status = "OPTIMAL" if all_optimal and len(values) == len(objectives) else "FEASIBLE"
    draft = build_plan(inst, day_of, SolverInfo(status=status, seconds=0.0))
    info = SolverInfo(
        status=status,
        seconds=round(report.deterministic_seconds, 3),
        # From the plan itself: equal to the stage values when proven, and the
        # true count where a large instance used the compact inversion model.
        objectives=plan_objectives(inst, draft),
        lower_bound_days=inst.lower_bound_days,
        buffer_minutes=inst.buffer_minutes,
    )
    say(f"solved in {report.wall_seconds:.3f} s wall-clock ({info.seconds:.3f} s deterministic)")
    return draft.model_copy(update={"solver": info})


def narrow_to_neighbourhood(
    model: cp_model.CpModel, inst: PlanningInstance, v: PlanVariables, centre: dict[int, int], reach: int
) -> None:
    """Keep every item within ``reach`` days of its day in ``centre`` (a plan on the
    fewest days), and record the ranges in ``v.day_range`` for the inversion model.

    On large instances the exact order objective over all pairs and all days is
    too big to improve within seconds; near a plan that already keeps the
    agenda order only neighbouring items can swap, so the model stays small.
    The result is then the best plan of that neighbourhood, not a proven optimum.
    """
    last = max(centre.values())
    for item in inst.items:
        day = centre[item.number]
        lo, hi = max(0, day - reach), min(last, day + reach)
        v.day_range[item.number] = (lo, hi)
        for d in range(len(inst.dates)):
            if not lo <= d <= hi:
                model.add(v.x[item.number, d] == 0).with_name(f"neighbourhood: item {item.number} not on day {d}")
    for name, members in inst.blocks.items():
        lo, hi = v.day_range[members[0].number]
        for d in range(len(inst.dates)):
            if not lo <= d <= hi:
                model.add(v.block_day[name, d] == 0).with_name(f"neighbourhood: block '{name}' not on day {d}")


def _days_of(inst: PlanningInstance, v: PlanVariables, solver: cp_model.CpSolver) -> dict[int, int]:
    days = len(inst.dates)
    return {
        item.number: next(d for d in range(days) if solver.boolean_value(v.x[item.number, d]))
        for item in inst.items
    }


def _hint_assignment(
    model: cp_model.CpModel, inst: PlanningInstance, v: PlanVariables, day_of: dict[int, int]
) -> None:
    model.clear_hints()
    days = range(len(inst.dates))
    for item in inst.items:
        for d in days:
            model.add_hint(v.x[item.number, d], day_of[item.number] == d)
    for name, members in inst.blocks.items():
        for d in days:
            model.add_hint(v.block_day[name, d], day_of[members[0].number] == d)
    used = set(day_of.values()) | set(inst.held)
    for d in days:
        load = sum(item.minutes for item in inst.items if day_of[item.number] == d)
        model.add_hint(v.used[d], d in used)
        model.add_hint(v.load[d], load)
        model.add_hint(v.end[d], load)
        model.add_hint(v.reserve[d], inst.buffer_minutes if d in used else 0)


def _hint(model: cp_model.CpModel, inst: PlanningInstance, v: PlanVariables, solver: cp_model.CpSolver) -> None:
    model.clear_hints()
    for literal in [*v.x.values(), *v.block_day.values(), *v.used]:
        model.add_hint(literal, solver.boolean_value(literal))
    for var in [*v.load, *v.end, *v.reserve]:
        model.add_hint(var, solver.value(var))
