"""The hard rules of the plan, one small function each.

Each rule is guarded by a named Boolean literal (its *switch*). When planning,
the switches are assumed true; when no plan fits, CP-SAT's
``sufficient_assumptions_for_infeasibility`` names the switches whose rules
conflict, and :mod:`vccsched.planner.explain` puts them into words. Every
constraint carries a name (``with_name``) saying which rule it belongs to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from vccsched.planner.instance import PlanningInstance
from vccsched.planner.variables import PlanVariables


@dataclass(frozen=True)
class Rule:
    """A switch: ``name`` (e.g. ``pin_on:36``), its literal and its meaning in words."""

    name: str
    literal: cp_model.IntVar
    words: str


class Rules:
    """The switches of one model, in the order they were added."""

    def __init__(self, model: cp_model.CpModel) -> None:
        self.model = model
        self.by_name: dict[str, Rule] = {}

    def switch(self, name: str, words: str) -> cp_model.IntVar:
        if name not in self.by_name:
            literal = self.model.new_bool_var(f"rule:{name}")
            self.by_name[name] = Rule(name, literal, words)
        return self.by_name[name].literal

    def by_index(self) -> dict[int, Rule]:
        return {rule.literal.index: rule for rule in self.by_name.values()}

    @property
    def literals(self) -> list[cp_model.IntVar]:
        return [rule.literal for rule in self.by_name.values()]


def _clock(instance: PlanningInstance, minutes: int) -> str:
    start = instance.window_start.hour * 60 + instance.window_start.minute + minutes
    return f"{start // 60:02d}:{start % 60:02d}"


def add_no_overlap(model: cp_model.CpModel, inst: PlanningInstance, v: PlanVariables, rules: Rules) -> None:
    """Items of a day run one after another: the day lasts the sum of their minutes."""
    lit = rules.switch("no_overlap", "the items of a day run one after another, without overlapping")
    for d in range(len(inst.dates)):
        model.add(v.end[d] >= v.load[d]).only_enforce_if(lit).with_name(
            f"no_overlap: items of {inst.date_text(d)} one after another"
        )


def add_window(model: cp_model.CpModel, inst: PlanningInstance, v: PlanVariables, rules: Rules) -> None:
    """Everything of a day, buffer included, fits in what is left of the daily window
    (all of it, except today's when re-planning during a session)."""
    lit = rules.switch(
        "window",
        f"each day's items fit in the {inst.window_minutes}-min window "
        f"({_clock(inst, 0)}-{_clock(inst, inst.window_minutes)})",
    )
    for d in range(len(inst.dates)):
        gone = inst.used_on(d)
        model.add(v.end[d] + v.reserve[d] <= inst.window_minutes - gone).only_enforce_if(lit).with_name(
            f"window: {inst.date_text(d)} ends by {_clock(inst, inst.window_minutes)}"
            + (f" (from {_clock(inst, gone)})" if gone else "")
        )


def add_buffer(model: cp_model.CpModel, inst: PlanningInstance, v: PlanVariables, rules: Rules) -> None:
    """Each meeting day keeps ``buffer_minutes`` free for overruns."""
    if inst.buffer_minutes == 0:
        return
    lit = rules.switch("buffer", f"{inst.buffer_minutes} min of each meeting day kept free for overruns")
    for d in range(len(inst.dates)):
        model.add(v.reserve[d] >= inst.buffer_minutes * v.used[d]).only_enforce_if(lit).with_name(
            f"buffer: {inst.buffer_minutes} min free on {inst.date_text(d)}"
        )


def add_max_days(model: cp_model.CpModel, inst: PlanningInstance, v: PlanVariables, rules: Rules) -> None:
    """At most ``max_days`` meeting days."""
    if inst.max_days >= len(inst.dates):
        return  # cannot bind: there are no more dates than that
    lit = rules.switch("max_days", f"at most {inst.max_days} meeting days")
    model.add(sum(v.used) <= inst.max_days).only_enforce_if(lit).with_name(
        f"max_days: at most {inst.max_days} days"
    )


def add_blocks(model: cp_model.CpModel, inst: PlanningInstance, v: PlanVariables, rules: Rules) -> None:
    """Each block on one day; back to back and in agenda order follows from the
    day layout, except where a ``first`` pin on a later block item contradicts it."""
    first = {pin.item for pin in inst.pins if pin.first}
    for name, members in inst.blocks.items():
        numbers = ", ".join(str(m.number) for m in members)
        same = rules.switch(f"block_day:{name}", f"block '{name}' (items {numbers}) on one day")
        for item in members:
            for d in range(len(inst.dates)):
                model.add_implication(v.x[item.number, d], v.block_day[name, d]).only_enforce_if(
                    same
                ).with_name(f"block_day:{name}: item {item.number} on the block's day")
        for k, item in enumerate(members):
            if item.number not in first or k == 0:
                continue
            order = rules.switch(
                f"block_order:{name}",
                f"block '{name}' runs back to back in agenda order (items {numbers})",
            )
            pin_lit = rules.switch(f"pin_first:{item.number}", f"item {item.number} first of its day")
            for earlier in members[:k]:
                for d in range(len(inst.dates)):
                    ct = model.add_bool_or([v.x[earlier.number, d].Not(), v.x[item.number, d].Not()])
                    ct.with_name(f"block_order:{name}: item {earlier.number} before item {item.number}")
                    ct.only_enforce_if([order, pin_lit])


def add_pins(model: cp_model.CpModel, inst: PlanningInstance, v: PlanVariables, rules: Rules) -> None:
    """Pins of ``meeting.yaml``: on a date, not before a date, first of its day."""
    days = range(len(inst.dates))
    for pin in inst.pins:
        n = pin.item
        if pin.on is not None:
            lit = rules.switch(f"pin_on:{n}", f"item {n} pinned on {pin.on_date}")
            for d in days:
                if d != pin.on:
                    model.add(v.x[n, d] == 0).only_enforce_if(lit).with_name(
                        f"pin_on:{n}: not on {inst.date_text(d)}"
                    )
        if pin.not_before is not None:
            lit = rules.switch(
                f"pin_not_before:{n}", f"item {n} not before {pin.not_before_date}"
            )
            for d in days:
                if pin.not_before == -1 or d < pin.not_before:
                    model.add(v.x[n, d] == 0).only_enforce_if(lit).with_name(
                        f"pin_not_before:{n}: not on {inst.date_text(d)}"
                    )
    first = inst.first_items()
    block_of = {item.number: item.block for item in inst.items}
    no_overlap = rules.switch("no_overlap", "the items of a day run one after another, without overlapping")
    for i, a in enumerate(first):
        lit_a = rules.switch(f"pin_first:{a}", f"item {a} first of its day")
        for b in first[i + 1 :]:
            if block_of[a] is not None and block_of[a] == block_of[b]:
                continue  # the block order rule decides (add_blocks)
            lit_b = rules.switch(f"pin_first:{b}", f"item {b} first of its day")
            for d in days:
                # Both first = both start at the window start: they would overlap.
                ct = model.add_bool_or([v.x[a, d].Not(), v.x[b, d].Not()])
                ct.with_name(f"pin_first:{a},{b}: not both first on {inst.date_text(d)}")
                ct.only_enforce_if([lit_a, lit_b, no_overlap])


def add_not_earlier(model: cp_model.CpModel, inst: PlanningInstance, v: PlanVariables, rules: Rules) -> None:
    """Re-planning: no item goes to a day before the one it was announced on (delegations
    prepare for that day), unless the secretariat allows it."""
    if not inst.earliest:
        return
    lit = rules.switch("not_earlier", "no item goes to a day before the day it was announced on")
    for number, first in inst.earliest:
        for d in range(min(first, len(inst.dates))):
            model.add(v.x[number, d] == 0).only_enforce_if(lit).with_name(
                f"not_earlier: item {number} not on {inst.date_text(d)}, before its announced day"
            )


RULES: tuple[Callable[[cp_model.CpModel, PlanningInstance, PlanVariables, Rules], None], ...] = (
    add_no_overlap,
    add_window,
    add_buffer,
    add_max_days,
    add_blocks,
    add_pins,
    add_not_earlier,
)


def add_rules(model: cp_model.CpModel, inst: PlanningInstance, v: PlanVariables) -> Rules:
    """Add every rule guarded by its switch; the caller assumes or fixes the switches."""
    rules = Rules(model)
    for add in RULES:
        add(model, inst, v, rules)
    return rules


def add_strengthening(model: cp_model.CpModel, inst: PlanningInstance, v: PlanVariables) -> None:
    """Consequences of all rules together that help the solver (only when every
    rule holds): each used day holds at most its usable minutes, at least the lower
    bound of days, and, between two dates no pin tells apart, an unused day is not
    followed by a used one (any plan can move a day's items one date earlier)."""
    for d in range(len(inst.dates)):
        model.add(v.load[d] <= inst.capacity(d) * v.used[d]).with_name(f"capacity of {inst.date_text(d)}")
    if inst.items:
        model.add(sum(v.used) >= inst.lower_bound_days).with_name("lower bound of days")
    for d in range(len(inst.dates) - 1):
        if not _distinguished(inst, d + 1):
            model.add_implication(v.used[d + 1], v.used[d]).with_name(
                f"symmetry: {inst.date_text(d)} used before {inst.date_text(d + 1)}"
            )


def _distinguished(inst: PlanningInstance, d: int) -> bool:
    """Does some pin allow an item on date ``d`` but not on date ``d - 1``? (When
    re-planning, every date is distinguished: by what is left of it, by whether the
    meeting sat on it, by the days items were announced on.)"""
    if inst.replanning or inst.used_minutes or inst.held:
        return True
    for pin in inst.pins:
        if pin.on is not None and pin.on in (d, d - 1):
            return True
        if pin.not_before is not None and pin.not_before == d:
            return True
    return False
