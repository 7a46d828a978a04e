"""The chair's re-plan, before it is published: what would change, or why nothing fits.

:func:`preview_replan` measures the floor against the plan in force and runs
:func:`vccsched.planner.replan.plan_remaining` (CP-SAT: call it in a worker
thread, it takes up to a second or so); the :class:`ReplanPreview` it returns
holds what the preview dialog shows and, when the rest fits, the plan to
publish. No Textual here: the preview is tested without a screen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from console.model import published_plan
from vccsched.errors import VccschedError
from vccsched.floor.state import FloorState
from vccsched.loading import MeetingData
from vccsched.plan import Plan, PlannedItem
from vccsched.planner.replan import Replan

Basis = tuple[int | None, int | None, tuple[int, ...]]
DayChange = Literal["same day", "moved", "added", "left out"]


def replan_basis(state: FloorState) -> Basis:
    """What a re-plan depends on: the revision in force, the open item and the items done
    (closed, or deferred whole: :attr:`~vccsched.floor.state.ItemState.done`).

    A preview whose basis differs from the floor's by the time the chair
    confirms is stale and must not be published (requests to speak do not
    matter; a closed or deferred item or another revision does).
    """
    closed = tuple(sorted(n for n, item in state.items.items() if item.done))
    return (state.plan.revision if state.plan is not None else None, state.current_item, closed)


@dataclass(frozen=True)
class ChangeRow:
    """One item whose time changes: its announced slot and its new one."""

    number: int
    code: str
    announced: PlannedItem | None
    new: PlannedItem | None
    day: DayChange


@dataclass(frozen=True)
class ReplanPreview:
    """A re-plan at ``now``: the changes and the plan to publish, or the reason it cannot fit."""

    now: dt.datetime
    basis: Basis
    #: The revision in force (the new one would be ``revision + 1``).
    revision: int
    max_days: int
    replan: Replan | None = None
    rows: list[ChangeRow] = field(default_factory=list)
    #: Why there is no plan to publish (PlanningError: the rest does not fit).
    error: VccschedError | None = None

    @property
    def fits(self) -> bool:
        return self.replan is not None

    @property
    def days_sat(self) -> list[dt.date]:
        return list(self.replan.held_days) if self.replan else []

    @property
    def days_to_come(self) -> list[dt.date]:
        """Days of the new plan the meeting has not sat on yet."""
        if self.replan is None:
            return []
        sat = set(self.replan.held_days)
        return [d.date for d in self.replan.plan.days if d.date not in sat]

    @property
    def days_used(self) -> int:
        """Meeting days in all: those sat on and those the new plan adds."""
        if self.replan is None:
            return 0
        return len(set(self.replan.held_days) | {d.date for d in self.replan.plan.days})

    def publish_command(self) -> dict[str, Any]:
        """The floor command that publishes the new plan (the session adds the unique id)."""
        from vccsched.floor.published import canonical

        if self.replan is None:
            raise ValueError("nothing to publish: the rest does not fit")
        return {"type": "publish_plan", "plan": canonical(self.replan.plan)}


def preview_replan(
    state: FloorState, data: MeetingData, now: dt.datetime, history: Sequence[Plan] = ()
) -> ReplanPreview:
    """Re-plan what is left at ``now`` (the server's clock) against the plan in force.

    ``history`` holds the earlier revisions (they give the planned slots of the
    items a re-plan has left out). A rest that cannot fit (or any other
    :class:`~vccsched.errors.VccschedError`) comes back as ``error``, never raised.
    Raises ``ValueError`` when no plan has been published.
    """
    from vccsched.planner.replan import plan_remaining
    from vccsched.progress import measure_progress
    from vccsched.render.changes import change_rows

    published = published_plan(state)
    if published is None or state.plan is None:
        raise ValueError("no plan has been published: there is nothing to re-plan")
    base = dict(now=now, basis=replan_basis(state), revision=state.plan.revision, max_days=data.meeting.max_days)
    try:
        progress = measure_progress(state, data.meeting, now, published, history=history)
        replan = plan_remaining(published, progress, now, data)
    except VccschedError as error:
        return ReplanPreview(**base, error=error)
    codes = {item.number: item.code for item in data.agenda.items}
    moved = set(replan.moved)
    rows = []
    for number, old, new in change_rows(replan, published):
        day: DayChange = "moved" if number in moved else "same day"
        if new is None:
            day = "left out"
        elif old is None:
            day = "added"
        code = codes.get(number) or (old or new).code  # type: ignore[union-attr]
        rows.append(ChangeRow(number=number, code=code, announced=old, new=new, day=day))
    return ReplanPreview(**base, replan=replan, rows=rows)
