"""Quick plans to start the search from (CP-SAT solution hints).

CP-SAT proves the bounds quickly but can take long to *find* a plan that keeps
agenda order. These greedy assignments give it one: filling days in agenda
order (next fit) keeps the order whenever that needs no more days, first fit
in agenda order trades a few inversions for fewer days, and first fit by
decreasing minutes packs tightly, and :func:`ordered_assignment` keeps agenda
order on the fewest days, skipping only the few items that make them fit (the
solver also narrows large instances to its neighbourhood). Each respects the
rules; the best one (fewest days, then fewest inversions) becomes the hint.
"""

from __future__ import annotations

from dataclasses import dataclass

from vccsched.plan import SolverInfo
from vccsched.planner.instance import PlanningInstance, Unit
from vccsched.planner.layout import build_plan, count_inversions, first_units


def _allowed(inst: PlanningInstance, unit: Unit) -> tuple[int, int | None]:
    """Earliest date index and the fixed one (if pinned ``on``) for a unit."""
    lo, fixed = 0, None
    earliest = dict(inst.earliest)
    for n in unit.numbers:
        lo = max(lo, earliest.get(n, 0))
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
    if load[d] + unit.minutes > inst.capacity(d):
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


def announced_assignment(inst: PlanningInstance) -> dict[int, int] | None:
    """Re-planning: each unit (in agenda order) on the day it was announced on if it
    still fits there, else on the first later day where it fits; ``None`` if one fits
    nowhere. Few moves, and a start the solver can improve on."""
    announced = dict(inst.announced)
    load = [0] * len(inst.dates)
    opener = [False] * len(inst.dates)
    firsts = first_units(inst)
    day_of: dict[int, int] = {}
    for unit in sorted(inst.units, key=lambda u: u.name not in firsts):
        wanted = announced.get(unit.numbers[0])
        start = 0 if wanted is None else wanted
        order = [*range(start, len(inst.dates)), *range(start)]
        chosen = next((d for d in order if _fits(inst, unit, d, load, opener, firsts)), None)
        if chosen is None:
            return None
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
    fewest = len(inst.dates)
    for count in range(max(inst.lower_bound_days, 1), len(inst.dates) + 1):
        fewest = count
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
    # The order-keeping packing on as few days as first fit needs, or fewer.
    for count in range(max(inst.lower_bound_days, 1), fewest + 1):
        kept = ordered_assignment(inst, count)
        if kept is not None:
            candidates.append(kept)
            break
    if not candidates:
        return None
    info = SolverInfo(status="HINT", seconds=0.0)

    def score(assignment: dict[int, int]) -> tuple[int, int]:
        used = len(set(assignment.values()))
        return used, count_inversions(build_plan(inst, assignment, info))

    return min(candidates, key=score)


@dataclass(frozen=True)
class _State:
    """A partial order-keeping packing: units placed on the first days, the rest queued."""

    cost: int  # inversions between units on different days so far
    waste: int  # usable minutes left empty on the days so far
    queue: tuple[int, ...]  # positions (in ``inst.units``) still to place, in order
    remaining: int  # their minutes
    days: tuple[tuple[int, ...], ...]  # positions placed on each day so far
    left: frozenset[int]  # the queue as a set


def ordered_assignment(
    inst: PlanningInstance, count: int, *, window: int = 24, day_cost: int = 12, keep: int = 3
) -> dict[int, int] | None:
    """Items in agenda order on the first ``count`` dates, with as few inversions as
    this search finds, or ``None`` if it finds no packing that respects the rules.

    Day by day, each partial plan takes a stretch of its queue of units (items
    and whole blocks, in order), skipping some to fill the day and deferring
    them (each skip costs one inversion per later unit taken that day, which is
    exactly what it adds to the plan's count). A beam keeps, for every amount of
    minutes wasted so far, the ``keep`` cheapest partial plans, so that the
    minutes to spare (``count`` days of usable minutes less the total) are spent
    where they save most. ``window`` bounds how far ahead a day may reach,
    ``day_cost`` how many inversions one day may add.
    """
    units = list(inst.units)
    usable = inst.usable_minutes
    if not units or not 0 < count <= len(inst.dates):
        return None
    firsts = first_units(inst)
    bounds = [_allowed(inst, unit) for unit in units]
    if any(lo >= count or (fixed is not None and not 0 <= fixed < count) for lo, fixed in bounds):
        return None
    spare = count * usable - inst.total_minutes
    if spare < 0:
        return None
    size = [len(unit.numbers) for unit in units]
    minutes = [unit.minutes for unit in units]
    opener = [unit.name in firsts for unit in units]
    blocks = [p for p, unit in enumerate(units) if unit.block is not None]
    is_block = [unit.block is not None for unit in units]
    smallest = min(minutes)
    pinned = [p for p, (_lo, fixed) in enumerate(bounds) if fixed is not None]

    def earlier_cost(p: int, q: int) -> int:
        """Inversions when unit ``p`` runs on a day before unit ``q``."""
        if not is_block[p] and not is_block[q]:
            return 1 if p > q else 0
        return sum(1 for a in units[p].numbers for b in units[q].numbers if a > b)

    block_cost = {(p, q): earlier_cost(p, q) for p in range(len(units)) for q in blocks}
    block_cost.update({(q, p): earlier_cost(q, p) for p in range(len(units)) for q in blocks})

    def day_options(state: _State, d: int) -> dict[int, tuple[int, tuple[int, ...]]]:
        """Minutes taken → (cheapest added cost, positions taken) for day ``d``."""
        queue = state.queue
        if any(bounds[p][1] < d for p in pinned if p in state.left):
            return {}
        need = state.remaining - (count - d - 1) * usable
        must = {queue.index(p) for p in pinned if bounds[p][1] == d and p in state.left}
        must_positions = [queue[k] for k in must]
        look = sorted(set(range(min(window, len(queue)))) | must)
        queued_blocks = [q for q in blocks if q in state.left]
        ahead = {}
        for k in look:
            # Inversions if queue[k] ran on a day before all the rest of the queue.
            p = queue[k]
            if is_block[p]:
                ahead[k] = sum(block_cost[p, q] for q in queue if q != p)
            else:
                before = k - sum(1 for q in queue[:k] if is_block[q]) if queued_blocks else k
                ahead[k] = before + sum(block_cost[p, q] for q in queued_blocks)
        # Layer by layer over ``look``: (minutes, units taken, items taken, opener taken)
        # → (cost, units jumped, positions taken). Two partial days with the same
        # key add the same to every completion, so the cheaper one suffices.
        layer: dict[tuple[int, int, int, bool], tuple[int, int, tuple[int, ...]]] = {(0, 0, 0, False): (0, 0, ())}
        done: dict[tuple[int, int, int, bool], tuple[int, int, tuple[int, ...]]] = {}
        for k in look:
            p = queue[k]
            lo, fixed = bounds[p]
            allowed = lo <= d and (fixed is None or fixed == d)
            following: dict[tuple[int, int, int, bool], tuple[int, int, tuple[int, ...]]] = {}
            for key, value in layer.items():
                load, units_taken, items_taken, opened = key
                cost, skips, taken = value
                # Units jumped over (queued before p, not taken): what the day reorders.
                jumped = k - units_taken
                if skips + jumped > day_cost or load + smallest > usable:
                    # Nothing more can join this day: it is complete as it is.
                    if not must or all(m in taken for m in must_positions):
                        if key not in done or value < done[key]:
                            done[key] = value
                    continue
                if allowed and load + minutes[p] <= usable and not (opened and opener[p]):
                    # p now runs before the rest of the queue, except the units taken with it.
                    added = ahead[k] - size[p] * items_taken
                    new_key = (load + minutes[p], units_taken + 1, items_taken + size[p], opened or opener[p])
                    new_value = (cost + added, skips + jumped, (*taken, p))
                    if new_key not in following or new_value < following[new_key]:
                        following[new_key] = new_value
                if k not in must and (key not in following or value < following[key]):
                    following[key] = value
            layer = following
        for key, value in layer.items():
            if key not in done or value < done[key]:
                done[key] = value
        best: dict[int, tuple[int, tuple[int, ...]]] = {}
        for (load, _units, _items, _opened), (cost, _skips, taken) in done.items():
            if load >= need and (load not in best or (cost, taken) < best[load]):
                best[load] = (cost, taken)
        return best

    bucket_count = 24
    states = [_State(0, 0, tuple(range(len(units))), inst.total_minutes, (), frozenset(range(len(units))))]
    for d in range(count):
        children = []
        for s, state in enumerate(states):
            for load, (cost, chosen) in day_options(state, d).items():
                children.append((state.cost + cost, state.waste + usable - load, s, chosen))
        if not children:
            return None
        children.sort()
        kept: dict[int, int] = {}
        survivors = []
        for cost, waste, s, chosen in children:
            bucket = waste * bucket_count // (spare + 1)
            if kept.get(bucket, 0) >= keep:
                continue
            kept[bucket] = kept.get(bucket, 0) + 1
            parent = states[s]
            left = parent.left.difference(chosen)
            survivors.append(
                _State(
                    cost,
                    waste,
                    tuple(p for p in parent.queue if p in left),
                    parent.remaining - sum(minutes[p] for p in chosen),
                    (*parent.days, chosen),
                    left,
                )
            )
        states = survivors
    done = [state for state in states if not state.queue]
    if not done:
        return None
    best = min(done, key=lambda state: (state.cost, state.waste, state.days))
    return {n: d for d, chosen in enumerate(best.days) for p in chosen for n in units[p].numbers}
