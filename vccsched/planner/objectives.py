"""The objectives, in lexicographic order (each solved, then fixed):

1. ``days``: fewest meeting days;
   (re-planning only) ``moved``: fewest items off the day they were announced on;
2. ``inversions``: agenda order kept, i.e. fewest pairs of items (i < j by
   agenda number) where j runs before i, counted in the order of
   :mod:`vccsched.planner.layout` (across days and within a day);
3. ``balance``: balanced daily load, the sum of squared day loads (for a fixed
   total and number of days, smallest when the days are most even);
4. ``tiebreak``: earlier days fuller, the sum over items of minutes × date
   index; remaining ties are settled by the deterministic search.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from vccsched.planner.instance import PlanningInstance, Unit
from vccsched.planner.layout import first_units
from vccsched.planner.variables import PlanVariables

#: Above this many (pair × cut) constraints, inversions use the compact counting model.
PAIRWISE_LIMIT = 60_000


@dataclass(frozen=True)
class Objective:
    name: str
    build: Callable[[cp_model.CpModel, PlanningInstance, PlanVariables], cp_model.LinearExprT]


def unit_days(inst: PlanningInstance, v: PlanVariables, unit: Unit) -> list[cp_model.IntVar]:
    """Literals 'the unit is on date index d' (the block's day for a block)."""
    if unit.block is not None:
        return [v.block_day[unit.block, d] for d in range(len(inst.dates))]
    return [v.x[unit.numbers[0], d] for d in range(len(inst.dates))]


def pair_costs(inst: PlanningInstance, u: Unit, w: Unit) -> tuple[int, int, int]:
    """Inversions between units ``u`` and ``w`` (``u`` sorted first) when ``u`` is on an
    earlier day, the same day, a later day."""
    earlier = sum(1 for a in u.numbers for b in w.numbers if a > b)
    later = sum(1 for a in u.numbers for b in w.numbers if a < b)
    firsts = first_units(inst)
    same = later if (w.name in firsts and u.name not in firsts) else earlier
    return earlier, same, later


def needs_neighbourhood(inst: PlanningInstance) -> bool:
    """Is the exact inversion model over all pairs and cuts too big to solve in seconds?
    Then the solver narrows the search to the neighbourhood of an order-keeping plan."""
    units = len(inst.units)
    return units * (units - 1) // 2 * (len(inst.dates) - 1) > PAIRWISE_LIMIT


def days_objective(model: cp_model.CpModel, inst: PlanningInstance, v: PlanVariables):
    return sum(v.used)


def moved_objective(model: cp_model.CpModel, inst: PlanningInstance, v: PlanVariables):
    """Items not on their announced day; an item announced on a day already past is moved
    whatever the plan does (a constant)."""
    gone = sum(1 for _n, d in inst.announced if d is None)
    return gone + sum(1 - v.x[n, d] for n, d in inst.announced if d is not None)


def balance_objective(model: cp_model.CpModel, inst: PlanningInstance, v: PlanVariables):
    squares = []
    for d, load in enumerate(v.load):
        square = model.new_int_var(0, inst.window_minutes**2, f"load_squared[{d}]")
        model.add_multiplication_equality(square, [load, load]).with_name(f"square of load {d}")
        squares.append(square)
    return sum(squares)


def tiebreak_objective(model: cp_model.CpModel, inst: PlanningInstance, v: PlanVariables):
    return sum(
        item.minutes * d * v.x[item.number, d] for item in inst.items for d in range(len(inst.dates))
    )


def inversions_objective(model: cp_model.CpModel, inst: PlanningInstance, v: PlanVariables):
    units = list(inst.units)
    days = len(inst.dates)
    if v.day_range and days > 1:
        return _windowed_inversions(model, inst, v, units)
    if days == 1:
        # Everything on one day: the order is fixed, so is the count.
        return sum(pair_costs(inst, u, w)[1] for i, u in enumerate(units) for w in units[i + 1 :])
    prefix = {}
    for u in units:
        on = unit_days(inst, v, u)
        running = []
        for t in range(days - 1):
            y = model.new_bool_var(f"by[{u.name},{t}]")
            model.add(y == sum(on[: t + 1])).with_name(f"{u.name} on or before day {t}")
            running.append(y)
        prefix[u.name] = running
    singles = [u for u in units if u.block is None and u.name not in first_units(inst)]
    pairs = len(units) * (len(units) - 1) // 2
    compact = pairs * (days - 1) > PAIRWISE_LIMIT
    terms: list = []
    constant = 0
    for i, u in enumerate(units):
        for w in units[i + 1 :]:
            if compact and (u.block is not None or w.block is not None):
                # Large instances: blocks' pairs are left out of the count the
                # solver sees (tens of thousands of constraints for a handful of
                # blocks); the plan's true count is reported afterwards.
                continue
            if compact and u in singles and w in singles:
                continue
            earlier, same, later = pair_costs(inst, u, w)
            constant += same
            if earlier != same:
                lt = _ordered(model, prefix[u.name], prefix[w.name], earlier < same, f"{u.name}<{w.name}")
                terms.append((earlier - same) * lt)
            if later != same:
                gt = _ordered(model, prefix[w.name], prefix[u.name], later < same, f"{u.name}>{w.name}")
                terms.append((later - same) * gt)
    if compact:
        terms.extend(_compact_single_inversions(model, inst, v, singles, prefix))
    return constant + sum(terms)


def _ordered(model, first_by, second_by, exact: bool, label: str) -> cp_model.IntVar:
    """A literal that is 1 when the first unit's day is strictly before the second's.

    With a positive cost, minimising pushes it down, so lower bounds suffice
    (y_first[t] - y_second[t] for every cut t); with a negative cost it must be exact.
    """
    lit = model.new_bool_var(f"before[{label}]")
    for t in range(len(first_by)):
        model.add(lit >= first_by[t] - second_by[t]).with_name(f"order {label} at cut {t}")
    if exact:
        # lit → some cut separates them: first on or before t, second after t.
        cuts = []
        for t in range(len(first_by)):
            cut = model.new_bool_var(f"cut[{label},{t}]")
            model.add_implication(cut, first_by[t])
            model.add_implication(cut, second_by[t].Not())
            cuts.append(cut)
        model.add_bool_or(cuts).only_enforce_if(lit)
    return lit


def _compact_single_inversions(model, inst, v, singles: list[Unit], prefix) -> list:
    """Inversions among single items in O(items × days) constraints:
    sum over items i and days t of [i on t] × #{j > i on a day before t}."""
    days = len(inst.dates)
    ordered = sorted(singles, key=lambda u: u.numbers[0])
    count = len(ordered)
    # after[k][t] = number of items ordered[k:] on or before cut t.
    after = [[0] * (days - 1) for _ in range(count + 1)]
    for k in range(count - 1, -1, -1):
        for t in range(days - 1):
            s = model.new_int_var(0, count - k, f"later_by[{k},{t}]")
            model.add(s == after[k + 1][t] + prefix[ordered[k].name][t])
            after[k][t] = s
    terms = []
    for k, u in enumerate(ordered[:-1]):
        z = model.new_int_var(0, count - k - 1, f"inversions_of[{u.name}]")
        on = unit_days(inst, v, u)
        for t in range(1, days):
            model.add(z >= after[k + 1][t - 1]).only_enforce_if(on[t])
        terms.append(z)
    return terms


def _windowed_inversions(model, inst: PlanningInstance, v: PlanVariables, units: list[Unit]):
    """Exact inversions when every unit keeps to a range of days (``v.day_range``).

    A pair of units whose ranges do not overlap is in a known order and adds a
    constant; only pairs that can still be swapped get literals, and only at the
    cuts (between day t and t + 1) inside both ranges. With ranges of a few days
    this is linear in the number of units, blocks and ``first`` pins included.
    """
    firsts = first_units(inst)
    ranges = []
    prefix: list[dict[int, cp_model.IntVar]] = []
    for u in units:
        lo, hi = v.day_range[u.numbers[0]]
        ranges.append((lo, hi))
        on = unit_days(inst, v, u)
        by: dict[int, cp_model.IntVar] = {}
        for t in range(lo, hi):
            y = model.new_bool_var(f"by[{u.name},{t}]")
            model.add(y == sum(on[lo : t + 1])).with_name(f"{u.name} on or before day {t}")
            by[t] = y
        prefix.append(by)

    def by_cut(k: int, t: int):
        """1 if unit k is on day t or before: a literal inside its range, else a constant."""
        lo, hi = ranges[k]
        return 0 if t < lo else 1 if t >= hi else prefix[k][t]

    def costs(u: Unit, w: Unit) -> tuple[int, int, int]:
        if u.block is None and w.block is None and not firsts:
            return 0, 0, 1  # two single items in agenda order
        return pair_costs_with(firsts, u, w)

    constant = 0
    terms: list = []
    for i, u in enumerate(units):
        lo_u, hi_u = ranges[i]
        for j in range(i + 1, len(units)):
            w = units[j]
            lo_w, hi_w = ranges[j]
            if hi_u < lo_w:
                constant += costs(u, w)[0]
                continue
            if hi_w < lo_u:
                constant += costs(u, w)[2]
                continue
            earlier, same, later = costs(u, w)
            constant += same
            if earlier != same:
                # u strictly before w: at some cut u is on or before it, w after it.
                cuts = range(lo_u, hi_w)
                lt = _ordered_at(model, [by_cut(i, t) for t in cuts], [by_cut(j, t) for t in cuts], earlier < same, f"{u.name}<{w.name}")
                terms.append((earlier - same) * lt)
            if later != same:
                cuts = range(lo_w, hi_u)
                gt = _ordered_at(model, [by_cut(j, t) for t in cuts], [by_cut(i, t) for t in cuts], later < same, f"{u.name}>{w.name}")
                terms.append((later - same) * gt)
    return constant + sum(terms)


def pair_costs_with(firsts: set[str], u: Unit, w: Unit) -> tuple[int, int, int]:
    """:func:`pair_costs` with the ``first`` units already known."""
    earlier = sum(1 for a in u.numbers for b in w.numbers if a > b)
    later = sum(1 for a in u.numbers for b in w.numbers if a < b)
    same = later if (w.name in firsts and u.name not in firsts) else earlier
    return earlier, same, later


def _ordered_at(model, first_by: list, second_by: list, exact: bool, label: str):
    """:func:`_ordered` where some cuts are constants (outside a unit's range)."""
    lit = model.new_bool_var(f"before[{label}]")
    cuts = []
    for a, b in zip(first_by, second_by):
        if (isinstance(a, int) and a == 0) or (isinstance(b, int) and b == 1):
            continue  # this cut cannot separate them
        if isinstance(a, int) and isinstance(b, int):
            model.add(lit == 1)  # this one always does
            return lit
        model.add(lit >= a - b).with_name(f"order {label}")
        cuts.append((a, b))
    if exact:
        literals = []
        for a, b in cuts:
            cut = model.new_bool_var(f"cut[{label}]")
            if not isinstance(a, int):
                model.add_implication(cut, a)
            if not isinstance(b, int):
                model.add_implication(cut, b.Not())
            literals.append(cut)
        if literals:
            model.add_bool_or(literals).only_enforce_if(lit)
        else:
            model.add(lit == 0)
    return lit


OBJECTIVES: tuple[Objective, ...] = (
    Objective("days", days_objective),
    Objective("inversions", inversions_objective),
    Objective("balance", balance_objective),
    Objective("tiebreak", tiebreak_objective),
)

#: The objectives of a re-plan: fewest items moved off their announced day comes second.
REPLAN_OBJECTIVES: tuple[Objective, ...] = (OBJECTIVES[0], Objective("moved", moved_objective), *OBJECTIVES[1:])


def objectives_for(inst: PlanningInstance) -> tuple[Objective, ...]:
    """The lexicographic objectives of ``inst``: :data:`REPLAN_OBJECTIVES` when re-planning."""
    return REPLAN_OBJECTIVES if inst.replanning else OBJECTIVES
