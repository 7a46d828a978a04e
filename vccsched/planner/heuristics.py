"""Quick plans to start the search from (CP-SAT solution hints).

CP-SAT proves the bounds quickly but can take long to *find* a plan that keeps
agenda order. These greedy assignments give it one: filling days in agenda
order (next fit) keeps the order whenever that needs no more days, first fit
in agenda order trades a few inversions for fewer days, and first fit by
decreasing minutes packs tightly. Each respects the rules; the best one (fewest
days, then fewest inversions) becomes the hint.
"""

from __future__ import annotations

from vccsched.plan import SolverInfo
from vccsched.planner.instance import PlanningInstance, Unit
from vccsched.planner.layout import build_plan, count_inversions, first_units


def _allowed(inst: PlanningInstance, unit: Unit) -> tuple[int, int | None]:
    """Earliest date index and the fixed one (if pinned ``on``) for a unit."""
    lo, fixed = 0, None
    for n in unit.numbers:
        for pin in inst.pins_on(n):
            if pin.not_before is not None:
                lo = max(lo, pin.not_before if pin.not_before >= 0 else len(inst.dates))
            if pin.on is not None:
                fixed = pin.on
    return lo, fixed


def _fits(inst: PlanningInstance, unit: Unit, d: int, load: list[int], opener: list[bool], firsts: set[str]) -> bool:
    lo, fixed = _allowed(inst, unit)
    if d < lo or (fixed is not None and fixed != d):
        return False
    if load[d] + unit.minutes > inst.usable_minutes:
        return False
    return not (unit.name in firsts and opener[d])


def _place(inst: PlanningInstance, units: list[Unit], days: list[int], ordered: bool) -> dict[int, int] | None:
    load = [0] * len(inst.dates)
    opener = [False] * len(inst.dates)
    firsts = first_units(inst)
    day_of: dict[int, int] = {}
    current = 0
    for unit in units:
        candidates = [d for d in days if d >= current] if ordered else days
        chosen = next((d for d in candidates if _fits(inst, unit, d, load, opener, firsts)), None)
        if chosen is None:
            return None
        if ordered:
            current = chosen
        load[chosen] += unit.minutes
        opener[chosen] = opener[chosen] or unit.name in firsts
        for n in unit.numbers:
            day_of[n] = chosen
    return day_of


def hint_assignment(inst: PlanningInstance) -> dict[int, int] | None:
    """The best greedy assignment (item number → date index), or ``None``."""
    units = list(inst.units)
    all_days = list(range(len(inst.dates)))
    candidates = []
    next_fit = _place(inst, units, all_days, ordered=True)
    if next_fit is not None:
        candidates.append(next_fit)
    by_size = sorted(units, key=lambda u: (-u.minutes, u.key))
    for count in range(max(inst.lower_bound_days, 1), len(inst.dates) + 1):
        found = [
            a
            for a in (
                _place(inst, units, all_days[:count], ordered=False),
                _place(inst, by_size, all_days[:count], ordered=False),
            )
            if a is not None
        ]
        if found:
            candidates.extend(found)
            break
    if not candidates:
        return None
    info = SolverInfo(status="HINT", seconds=0.0)

    def score(assignment: dict[int, int]) -> tuple[int, int]:
        used = len(set(assignment.values()))
        return used, count_inversions(build_plan(inst, assignment, info))

    return min(candidates, key=score)
