"""The decision variables of the planning model, in one container.

The model decides only *which day* each item is on. Within a day the order is
fixed by :mod:`vccsched.planner.layout` (agenda order, a block where it
displaces fewest items, a ``first`` pin first) and items run back to back from
the window start, so start times follow from the days.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from vccsched.planner.instance import PlanningInstance


@dataclass
class PlanVariables:
    """``x[number, d]``: item on date index ``d``; ``used[d]``: day ``d`` has items;
    ``load[d]``: its minutes; ``end[d]``: minutes from the window start to the end
    of its last item; ``reserve[d]``: minutes kept free after it (the buffer);
    ``block_day[name, d]``: the block's day; ``present[number]``: the item stays in
    Group 1 (only when items may be dropped, for the explanations);
    ``day_range[number]``: the first and last date index the item may still take,
    once the search is narrowed to a neighbourhood (see
    :func:`vccsched.planner.solver.narrow_to_neighbourhood`), else absent."""

    x: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    used: list[cp_model.IntVar] = field(default_factory=list)
    load: list[cp_model.IntVar] = field(default_factory=list)
    end: list[cp_model.IntVar] = field(default_factory=list)
    reserve: list[cp_model.IntVar] = field(default_factory=list)
    block_day: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    present: dict[int, cp_model.IntVar] = field(default_factory=dict)
    day_range: dict[int, tuple[int, int]] = field(default_factory=dict)

    def day_of(self, number: int, days: int) -> cp_model.LinearExpr:
        """The date index of an item as a linear expression."""
        return sum(d * self.x[number, d] for d in range(days))  # type: ignore[return-value]


def new_variables(
    model: cp_model.CpModel, instance: PlanningInstance, *, droppable: bool = False
) -> PlanVariables:
    """Create the variables and the definitions that hold whatever the rules say
    (each item on exactly one day, or none if dropped; loads; used days)."""
    v = PlanVariables()
    days = range(len(instance.dates))
    horizon = max(instance.window_minutes, instance.total_minutes)
    for item in instance.items:
        for d in days:
            v.x[item.number, d] = model.new_bool_var(f"x[{item.number},{d}]")
        on_days = [v.x[item.number, d] for d in days]
        if droppable:
            v.present[item.number] = model.new_bool_var(f"present[{item.number}]")
            model.add(sum(on_days) == v.present[item.number]).with_name(
                f"item {item.number} on one day if kept"
            )
        else:
            model.add_exactly_one(on_days).with_name(f"item {item.number} on one day")
    for name in instance.blocks:
        choices = []
        for d in days:
            v.block_day[name, d] = model.new_bool_var(f"block_day[{name},{d}]")
            choices.append(v.block_day[name, d])
        model.add_exactly_one(choices).with_name(f"block '{name}' has one day")
    for d in days:
        used = model.new_bool_var(f"used[{d}]")
        load = model.new_int_var(0, horizon, f"load[{d}]")
        end = model.new_int_var(0, horizon, f"end[{d}]")
        reserve = model.new_int_var(0, instance.buffer_minutes, f"reserve[{d}]")
        on_day = [v.x[item.number, d] for item in instance.items]
        model.add(load == sum(item.minutes * v.x[item.number, d] for item in instance.items)).with_name(
            f"load of day {d}"
        )
        # One counting constraint rather than an implication per item: far
        # cheaper to presolve on large instances, and the capacity rule gives
        # the solver the tight link.
        model.add(sum(on_day) <= len(on_day) * used).with_name(f"day {d} used if it has items")
        if d in instance.held:
            # The meeting sat that day already: it counts, with or without more items.
            model.add(used == 1).with_name(f"day {d} already held")
        else:
            model.add_bool_or(on_day).only_enforce_if(used).with_name(f"day {d} used only with items")
        v.used.append(used)
        v.load.append(load)
        v.end.append(end)
        v.reserve.append(reserve)
    return v
