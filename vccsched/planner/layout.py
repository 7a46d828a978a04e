"""From days to times: the order of items within a day and their start times.

Within a day the items run back to back from the window start, in agenda
order, except that a block stays together where it displaces the fewest items
(at its lower median, :attr:`Unit.key`) and an item pinned ``first`` (with its
block) opens the day. This is also the order the inversion objective counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from vccsched.plan import Plan, PlannedDay, PlannedItem, SolverInfo
from vccsched.planner.instance import PlanningInstance, Unit


def first_units(instance: PlanningInstance) -> set[str]:
    """Names of the units holding an item pinned ``first``."""
    firsts = set(instance.first_items())
    return {unit.name for unit in instance.units if firsts & set(unit.numbers)}


def day_sequence(instance: PlanningInstance, units: list[Unit]) -> list[Unit]:
    """The units of one day in the order they run."""
    order = {unit.name: i for i, unit in enumerate(instance.units)}
    firsts = first_units(instance)
    return sorted(units, key=lambda u: (u.name not in firsts, order[u.name]))


def sequence_numbers(instance: PlanningInstance, day_of: Mapping[int, int]) -> list[list[int]]:
    """Item numbers per date index, in running order (empty lists for unused dates)."""
    per_day: list[list[Unit]] = [[] for _ in instance.dates]
    for unit in instance.units:
        per_day[day_of[unit.numbers[0]]].append(unit)
    return [[n for unit in day_sequence(instance, units) for n in unit.numbers] for units in per_day]


def build_plan(instance: PlanningInstance, day_of: Mapping[int, int], solver: SolverInfo) -> Plan:
    """The plan for an assignment of items to date indexes, items packed back to back."""
    zone = ZoneInfo(instance.timezone)
    minutes = {item.number: item.minutes for item in instance.items}
    code = {item.number: item.code for item in instance.items}
    days = []
    for d, numbers in enumerate(sequence_numbers(instance, day_of)):
        if not numbers:
            continue
        start = dt.datetime.combine(instance.dates[d], instance.window_start, tzinfo=zone)
        start += dt.timedelta(minutes=instance.used_on(d))
        items = []
        for n in numbers:
            end = start + dt.timedelta(minutes=minutes[n])
            items.append(PlannedItem(number=n, code=code[n], start=start, end=end, minutes=minutes[n]))
            start = end
        days.append(PlannedDay(date=instance.dates[d], items=items))
    return Plan(meeting=instance.meeting_id, timezone=instance.timezone, days=days, solver=solver)


def count_inversions(plan: Plan) -> int:
    """Pairs of items whose agenda order the plan reverses (by running order)."""
    numbers = [item.number for item in sorted(plan.items, key=lambda i: i.start)]
    return sum(1 for i, a in enumerate(numbers) for b in numbers[i + 1 :] if a > b)


def day_loads(plan: Plan) -> list[int]:
    return [day.minutes for day in plan.days]


def plan_objectives(instance: PlanningInstance, plan: Plan) -> dict[str, int]:
    """The objective values of a plan, computed from the plan itself (see objectives.py)."""
    index = {day: d for d, day in enumerate(instance.dates)}
    values = {
        "days": len({day.date for day in plan.days} | {instance.dates[d] for d in instance.held}),
        "inversions": count_inversions(plan),
        "balance": sum(day.minutes**2 for day in plan.days),
        "tiebreak": sum(item.minutes * index[day.date] for day in plan.days for item in day.items),
    }
    if instance.replanning:
        day_of = {item.number: index[day.date] for day in plan.days for item in day.items}
        moved = sum(1 for n, d in instance.announced if d is None or day_of.get(n) != d)
        values = {"days": values["days"], "moved": moved, **{k: values[k] for k in ("inversions", "balance", "tiebreak")}}
    return values
