"""The published time-management plan, as the floor keeps it (protocol v2).

The chair or the secretariat publishes a plan with the ``publish_plan``
command; the floor checks that it is a plan in the public JSON format of
:mod:`vccsched.render.json_plan` and that it fits the meeting, then emits
``plan_published`` with a revision number and the list of items whose start
changed against the previous revision. :attr:`FloorState.plan
<vccsched.floor.state.FloorState.plan>` holds the latest revision.

The plan travels as the public JSON object itself (what ``plan.json`` holds),
so that a page can show a published plan and a plan file with the same code.
Python clients turn it into a :class:`~vccsched.plan.Plan` with
:func:`plan_of`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, Field

from vccsched.errors import DataError
from vccsched.models import StrictModel

if TYPE_CHECKING:  # pragma: no cover
    from vccsched.floor.refusals import Refusal
    from vccsched.floor.setup import FloorSetup
    from vccsched.plan import Plan


class PlanChange(StrictModel):
    """An item whose place differs between two revisions of the published plan."""

    item: int = Field(description="Agenda item number.")
    announced_start: AwareDatetime | None = Field(
        description="Its start in the previous revision; null if it was not in it (added)."
    )
    new_start: AwareDatetime | None = Field(
        description="Its start in the new revision; null if the new revision leaves it out."
    )


class PublishedPlan(StrictModel):
    """The plan in force: what ``FloorState.plan`` holds after a ``plan_published``."""

    revision: int = Field(ge=1, description="1 for the first plan published, then +1.")
    at: AwareDatetime = Field(description="When it was published.")
    by: str = Field(description="The delegation that published it (the chair or the secretariat).")
    plan: dict[str, Any] = Field(
        description="The plan, in the public JSON format of plan.json (render/json_plan.py)."
    )
    changes: list[PlanChange] = Field(
        default_factory=list,
        description="Items whose start differs from the previous revision (empty for revision 1).",
    )


def plan_of(raw: dict[str, Any], source: str = "published plan") -> Plan:
    """The :class:`~vccsched.plan.Plan` of a public plan object (``DataError`` if it is not one).

    Reads it with the strict reader of ``plan.json`` files,
    :func:`vccsched.render.json_plan.plan_from_json`.
    """
    from vccsched.render.json_plan import plan_from_json

    return plan_from_json(json.dumps(raw, ensure_ascii=False), source)


def canonical(plan: Plan) -> dict[str, Any]:
    """The public JSON object of ``plan``: the same object for the same plan."""
    from vccsched.render.json_plan import plan_to_json

    return json.loads(plan_to_json(plan))


def plan_changes(previous: Plan | None, new: Plan, *, closed: frozenset[int] = frozenset()) -> list[PlanChange]:
    """Items whose start differs between ``previous`` and ``new``, by item number.

    Items only in ``new`` are listed with ``announced_start`` null; items only in
    ``previous`` with ``new_start`` null, except the ``closed`` ones (a re-plan
    leaves out what is done: that is no news). Nothing is listed against no
    previous plan.
    """
    if previous is None:
        return []
    before = {item.number: item.start for item in previous.items}
    after = {item.number: item.start for item in new.items}
    changes = []
    for number in sorted(set(before) | set(after)):
        old, now = before.get(number), after.get(number)
        if old == now or (now is None and number in closed):
            continue
        changes.append(PlanChange(item=number, announced_start=old, new_start=now))
    return changes


def _fit_problems(setup: FloorSetup, plan: Plan) -> tuple[str, list[str]] | None:
    """The refusal code and the problems of a well-formed plan that does not fit the meeting."""
    meeting: list[str] = []
    if plan.meeting != setup.meeting_id:
        meeting.append(f"the plan is for meeting {plan.meeting!r}, this floor is {setup.meeting_id!r}")
    if setup.timezone is not None and plan.timezone != setup.timezone:
        meeting.append(f"the plan is in zone {plan.timezone!r}, the meeting in {setup.timezone!r}")
    if setup.dates:
        for day in plan.days:
            if day.date not in setup.dates:
                meeting.append(f"day {day.date} is not one of the meeting's dates")
    if meeting:
        return "plan_for_other_meeting", meeting
    unknown = [
        f"item {item.number} ({item.code}) is not on the agenda"
        for item in plan.items
        if setup.item(item.number) is None
    ]
    if unknown:
        return "unknown_item", unknown
    codes = []
    for item in plan.items:
        info = setup.item(item.number)
        if info is not None and info.code != item.code:
            codes.append(f"item {item.number}: the plan says code {item.code!r}, the agenda {info.code!r}")
    if codes:
        return "item_code_mismatch", codes
    shape = [
        f"item {number} is planned {count} times"
        for number, count in sorted(Counter(item.number for item in plan.items).items())
        if count > 1
    ]
    shape += [
        f"day {day} appears {count} times"
        for day, count in sorted(Counter(d.date for d in plan.days).items())
        if count > 1
    ]
    if [d.date for d in plan.days] != sorted(d.date for d in plan.days):
        shape.append("the days are not in date order")
    zone = ZoneInfo(plan.timezone)
    for day in plan.days:
        for item in day.items:
            if item.start.astimezone(zone).date() != day.date:
                shape.append(f"item {item.number} starts on {item.start.date()}, not on its day {day.date}")
            if item.end - item.start != dt.timedelta(minutes=item.minutes):
                shape.append(
                    f"item {item.number}: {item.start:%H:%M}-{item.end:%H:%M} is not its {item.minutes} min"
                )
    if shape:
        return "invalid_plan", shape
    return None


def check_published_plan(setup: FloorSetup, raw: dict[str, Any]) -> Plan | Refusal:
    """The plan of a ``publish_plan`` command, or the refusal saying why it cannot be published."""
    from vccsched.floor.refusals import Refusal

    try:
        plan = plan_of(raw, "the plan")
    except DataError as exc:
        problems = "; ".join([exc.message.removeprefix("the plan: "), *exc.details])
        return Refusal(
            code="invalid_plan",
            message=f"the plan is not in the public plan format (plan.json): {problems}",
        )
    found = _fit_problems(setup, plan)
    if found is not None:
        code, problems = found
        return Refusal(code=code, message="the plan does not fit this meeting: " + "; ".join(problems))
    return plan

