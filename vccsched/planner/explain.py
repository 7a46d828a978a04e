"""Why no plan fits, in words a secretariat officer can act on.

:func:`precheck` finds single-item problems without a solver (an item or a
block longer than a day's usable minutes, a pin on a date that is not a
meeting date, two ``first`` pins on one date, ...). :func:`explain_infeasible`
asks CP-SAT which rules conflict (the switches of :mod:`vccsched.planner.rules`
as assumptions, the core shrunk to a minimal one), says by how much the
minutes overflow, and computes the smallest set of items (by minutes) whose
move to Group 2 makes the plan fit.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from vccsched.errors import PlanningError
from vccsched.planner.instance import PlanningInstance
from vccsched.planner.rules import add_rules
from vccsched.planner.variables import new_variables

_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen twenty"
).split()


def count_words(n: int, noun: str) -> str:
    """'nine days', 'one day', '27 days'."""
    number = _WORDS[n] if 0 <= n < len(_WORDS) else str(n)
    return f"{number} {noun}{'' if n == 1 else 's'}"


def day_capacity_text(inst: PlanningInstance) -> str:
    """'a day gives 160 min (180-min window less 20-min buffer)'."""
    if inst.buffer_minutes:
        return (
            f"a day gives {inst.usable_minutes} min ({inst.window_minutes}-min window less "
            f"{inst.buffer_minutes}-min buffer)"
        )
    return f"a day gives {inst.window_minutes} min (the window, no buffer)"


def left_text(inst: PlanningInstance) -> str:
    """What is left of a meeting under way: 'today from 14:10 (30 min) and six more days of
    160 min'."""
    days = min(inst.max_days, len(inst.dates))
    parts = []
    if inst.used_on(0) and 0 in inst.held:
        start = inst.window_start.hour * 60 + inst.window_start.minute + inst.used_on(0)
        parts.append(f"today from {start // 60:02d}:{start % 60:02d} ({inst.capacity(0)} min)")
        days -= 1
    elif 0 in inst.held:
        parts.append(f"today ({inst.capacity(0)} min)")
        days -= 1
    if days > 0:
        more = "more " if parts else ""
        parts.append(f"{count_words(days, more + 'day')} of {inst.usable_minutes} min")
    return " and ".join(parts) or "no day"


def capacity_text(inst: PlanningInstance) -> str | None:
    """'Group 1 needs 1710 min; nine days of 180 min less buffers give 1620: 90 min over'
    (when re-planning: 'the items still to come need ...; what is left ... gives ...')."""
    days = min(inst.max_days, len(inst.dates))
    capacity = inst.available_minutes
    total = inst.total_minutes
    if total <= capacity:
        return None
    if inst.replanning:
        return (
            f"the items still to come need {total} min; what is left of the meeting "
            f"({left_text(inst)}, buffers kept) gives {capacity}: {total - capacity} min over"
        )
    less = " less buffers" if inst.buffer_minutes else ""
    return (
        f"Group 1 needs {total} min; {count_words(days, 'day')} of {inst.window_minutes} min{less} "
        f"give {capacity}: {total - capacity} min over"
    )


def precheck(inst: PlanningInstance) -> PlanningError | None:
    """Problems of single items, pins or blocks that no arrangement can fix, or ``None``."""
    problems: list[str] = []
    usable = inst.usable_minutes
    for unit in inst.units:
        if unit.minutes > usable:
            what = (
                f"item {unit.numbers[0]} ({inst.item(unit.numbers[0]).code})"
                if unit.block is None
                else f"block '{unit.block}' (items {', '.join(map(str, unit.numbers))}, on one day)"
            )
            problems.append(
                f"{what} needs {unit.minutes} min; {day_capacity_text(inst)}: "
                f"{unit.minutes - usable} min over. Shorten its estimate, lower the buffer "
                "(--buffer) or move it to Group 2"
            )
    on_date: dict[int, list[int]] = defaultdict(list)
    first_on: dict[int, list[int]] = defaultdict(list)
    last = inst.dates[-1].isoformat() if inst.dates else "none left"
    for pin in inst.pins:
        n = pin.item
        if pin.on == -1:
            problems.append(
                f"item {n} is pinned on {pin.on_date}, which is not a meeting date "
                f"({inst.dates[0]} to {last}, {len(inst.dates)} dates)"
            )
        if pin.not_before == -1:
            problems.append(
                f"item {n} is pinned not before {pin.not_before_date}, after the last meeting date {last}"
            )
        if (
            pin.on is not None
            and pin.on >= 0
            and pin.not_before is not None
            and pin.not_before >= 0
            and pin.on < pin.not_before
        ):
            problems.append(
                f"item {n} is pinned on {pin.on_date} but not before {pin.not_before_date}"
            )
        if pin.on is not None and pin.on >= 0:
            on_date[pin.on].append(n)
            if pin.first:
                first_on[pin.on].append(n)
    for name, members in inst.blocks.items():
        dates = sorted({p.on for m in members for p in inst.pins_on(m.number) if p.on is not None and p.on >= 0})
        if len(dates) > 1:
            pinned = [
                f"item {p.item} on {p.on_date}"
                for m in members
                for p in inst.pins_on(m.number)
                if p.on is not None and p.on >= 0
            ]
            problems.append(
                f"block '{name}' must be on one day, but its items are pinned on different dates: "
                + ", ".join(pinned)
            )
        for k, member in enumerate(members):
            if k and any(p.first for p in inst.pins_on(member.number)):
                problems.append(
                    f"item {member.number} is pinned first of its day, but it belongs to block "
                    f"'{name}', which runs back to back in agenda order from item {members[0].number}: "
                    f"pin item {members[0].number} first instead, or drop the pin"
                )
    for d, numbers in sorted(first_on.items()):
        units = {inst.unit_of(n).name for n in numbers}
        if len(units) > 1:
            problems.append(
                f"items {', '.join(map(str, sorted(numbers)))} are all pinned first of "
                f"{inst.date_text(d)}; only one item can open a day"
            )
    for d, numbers in sorted(on_date.items()):
        units = {inst.unit_of(n).name: inst.unit_of(n) for n in numbers}
        minutes = sum(u.minutes for u in units.values())
        if minutes > usable:
            problems.append(
                f"the items pinned on {inst.date_text(d)} ({', '.join(sorted(units))}) need "
                f"{minutes} min; {day_capacity_text(inst)}: {minutes - usable} min over"
            )
    if not problems:
        return None
    return PlanningError(
        f"{len(problems)} problem(s) with single items, blocks or pins; fix these first",
        details=problems,
    )


def _core(inst: PlanningInstance, limit: float) -> list[str] | None:
    """A minimal set of rule names that cannot hold together (``None`` if not proven)."""
    model = cp_model.CpModel()
    v = new_variables(model, inst)
    rules = add_rules(model, inst, v)
    by_index = rules.by_index()

    def infeasible(names: list[str], budget: float) -> list[str] | None:
        model.clear_assumptions()
        model.add_assumptions([rules.by_name[n].literal for n in names])
        solver = cp_model.CpSolver()
        solver.parameters.catch_sigint_signal = False  # see solver.new_solver
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = 2021
        solver.parameters.max_deterministic_time = budget
        if solver.solve(model) != cp_model.INFEASIBLE:
            return None
        core = [by_index[i].name for i in solver.sufficient_assumptions_for_infeasibility()]
        return sorted(core) if core else sorted(names)

    core = infeasible(sorted(rules.by_name), limit)
    if core is None:
        return None
    # Deletion: drop each rule the conflict does not need. A subset the solver
    # cannot settle quickly (often a feasible but tight packing) keeps the rule:
    # the core may then be larger than minimal, but it is still a conflict.
    for name in list(core):
        if name not in core:
            continue
        smaller = infeasible([n for n in core if n != name], min(limit, 1.0))
        if smaller is not None:
            core = smaller
    return core


def smallest_move(inst: PlanningInstance, limit: float) -> tuple[list[int], bool] | None:
    """Items (by number) whose move to Group 2 lets the rest fit, least minutes first
    (then fewest items); ``(items, proven_least)`` or ``None`` if none was found."""
    found = smallest_moves(inst, limit, 1)
    return found[0] if found else None


def smallest_moves(inst: PlanningInstance, limit: float, count: int) -> list[tuple[list[int], bool]]:
    """Up to ``count`` sets of items whose removal lets the rest fit, each as
    :func:`smallest_move` finds it among the sets that do not hold an earlier one
    (so each is minimal by minutes in its turn, and none is a superset of another)."""
    model = cp_model.CpModel()
    v = new_variables(model, inst, droppable=True)
    rules = add_rules(model, inst, v)
    for literal in rules.literals:
        model.add(literal == 1)
    for d in range(len(inst.dates)):
        model.add(v.load[d] <= inst.capacity(d) * v.used[d])
    # A block stays or goes whole: moving part of the budget would split what the
    # plan must keep together, so no suggestion does that.
    for name, members in inst.blocks.items():
        for other in members[1:]:
            model.add(v.present[other.number] == v.present[members[0].number]).with_name(
                f"suggestion keeps block {name} whole"
            )
    # Least minutes first; among those, fewest items, then the latest in agenda
    # order (the earlier items of an agenda tend to be the more pressing ones).
    moved = [(1 - v.present[item.number], item) for item in inst.items]
    moved_minutes = sum(expr * item.minutes for expr, item in moved)
    overflow = inst.total_minutes - inst.available_minutes
    if overflow > 0:
        model.add(moved_minutes >= overflow)
    found: list[tuple[list[int], bool]] = []
    items = len(inst.items)
    while len(found) < count:
        solver = cp_model.CpSolver()
        solver.parameters.catch_sigint_signal = False  # see solver.new_solver
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = 2021
        solver.parameters.max_deterministic_time = limit
        # Two solves rather than one weighted sum: the minutes are usually proven at
        # once by the capacity bound, while proving the tie-breaks can take long; the
        # second solve gets a short budget and starts from the first answer.
        model.clear_hints()
        model.minimize(moved_minutes)
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        best = round(solver.objective_value)
        # Moving exactly the overflow is the least by the capacity argument, even when
        # the solver has not finished its proof.
        least = status == cp_model.OPTIMAL or best == max(overflow, 0)
        answer = _dropped(inst, v, solver)
        for var in v.present.values():
            model.add_hint(var, solver.boolean_value(var))
        # Fixed at the least for the tie-break only (an assumption, dropped afterwards).
        stage = model.new_bool_var(f"least minutes, set {len(found) + 1}")
        model.add(moved_minutes == best).only_enforce_if(stage)
        model.add_assumptions([stage])
        # Each moved item weighs more than all the agenda-position terms together.
        step = (items + 1) ** 2
        model.minimize(sum(expr * (step + (items - k)) for k, (expr, _) in enumerate(moved)))
        solver.parameters.max_deterministic_time = min(limit, 2.0)
        if solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            answer = _dropped(inst, v, solver)
        model.clear_assumptions()
        found.append((answer, least))
        if not answer:
            break
        # The next set may not hold this one (nor be it): a different, minimal choice.
        model.add(sum(1 - v.present[n] for n in answer) <= len(answer) - 1)
    return found


def _dropped(inst: PlanningInstance, v, solver: cp_model.CpSolver) -> list[int]:
    """The items the solver's answer leaves out of the plan, in agenda order."""
    return [item.number for item in inst.items if not solver.boolean_value(v.present[item.number])]


def explain_infeasible(inst: PlanningInstance, options=None) -> PlanningError:
    """The explanation of an instance that passed :func:`precheck` but has no plan."""
    limit = getattr(options, "stage_limit", 30.0)
    details: list[str] = []
    capacity = capacity_text(inst)
    core = _core(inst, min(limit, 10.0))
    if core:
        rules_words = _rule_words(inst)
        details.append("These rules cannot all hold together:")
        details.extend(f"  {rules_words.get(name, name)}" for name in core)
    if capacity:
        message = capacity
    elif core and "max_days" in core:
        message = (
            f"Group 1 needs {inst.total_minutes} min of the "
            f"{inst.available_minutes} available, but its items "
            f"and blocks do not pack into {count_words(min(inst.max_days, len(inst.dates)), 'day')} "
            f"of {inst.usable_minutes} usable min"
        )
    else:
        message = "the rules and pins cannot all hold together"
    if inst.replanning:
        details.extend(_deferral_candidates(inst, min(limit, 10.0)))
        return PlanningError(message, title="The rest does not fit", details=details)
    move = smallest_move(inst, min(limit, 10.0))
    if move is not None:
        numbers, proven = move
        minutes = sum(inst.item(n).minutes for n in numbers)
        listed = ", ".join(f"item {n} ({inst.item(n).code}, {inst.item(n).minutes} min)" for n in numbers)
        least = "the least possible" if proven else "the least found within the time limit"
        details.append(
            f"Moving {count_words(len(numbers), 'item')} to Group 2 makes the plan fit "
            f"({minutes} min, {least}): {listed}"
        )
    return PlanningError(message, details=details)


#: How many alternative sets of deferral candidates a re-plan that does not fit lists.
DEFERRAL_SETS = 3


def _deferral_candidates(inst: PlanningInstance, limit: float) -> list[str]:
    """The smallest sets of items whose deferral would let the rest fit, as candidates:
    only a Council Member's request defers an item (Annex 1)."""
    sets = smallest_moves(inst, limit, DEFERRAL_SETS)
    if not sets:
        return []
    lines = [
        f"Smallest sets of items Council Members could be asked to defer to {inst.deferral_target} "
        "(candidates only: an item is deferred only at a Council Member's request):"
    ]
    for k, (numbers, proven) in enumerate(sets, start=1):
        minutes = sum(inst.item(n).minutes for n in numbers)
        listed = ", ".join(f"item {n} ({inst.item(n).code}, {inst.item(n).minutes} min)" for n in numbers)
        note = " (the least possible)" if k == 1 and proven else ""
        lines.append(f"  {k}. {minutes} min{note}: {listed}")
    return lines


def _rule_words(inst: PlanningInstance) -> dict[str, str]:
    model = cp_model.CpModel()
    v = new_variables(model, inst)
    rules = add_rules(model, inst, v)
    return {name: rule.words for name, rule in rules.by_name.items()}
