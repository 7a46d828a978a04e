"""The public JSON form of a plan, and reading it back.

The format is a public contract (issue 2, section 4)::

    {"meeting": id, "timezone": zone,
     "days": [{"date": "YYYY-MM-DD",
               "items": [{"number", "code", "start", "end", "minutes"}]}],
     "solver": {"status", "seconds", "objectives", "lower_bound_days", "buffer_minutes"}}

``start``/``end`` are ISO 8601 with the UTC offset the meeting zone has at that
instant ("2021-06-08T12:00:00+02:00" in June, "+01:00" in November). Keys keep
this order; ``objectives`` keeps the planner's lexicographic order.
``plan_to_json`` then ``plan_from_json`` then ``plan_to_json`` gives the same
bytes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from vccsched.errors import DataError
from vccsched.models import check_timezone
from vccsched.plan import Plan, PlannedDay, PlannedItem
from vccsched.validation import validation_messages


def _instant(moment: dt.datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat()


def plan_to_json(plan: Plan) -> str:
    """The plan as public JSON: indent 2, UTF-8 text, trailing newline."""
    zone = ZoneInfo(plan.timezone)
    payload = {
        "meeting": plan.meeting,
        "timezone": plan.timezone,
        "days": [
            {
                "date": day.date.isoformat(),
                "items": [
                    {
                        "number": item.number,
                        "code": item.code,
                        "start": _instant(item.start, zone),
                        "end": _instant(item.end, zone),
                        "minutes": item.minutes,
                    }
                    for item in day.items
                ],
            }
            for day in plan.days
        ],
        "solver": plan.solver.model_dump(mode="json"),
    }
    return json.dumps(payload, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def _plan_locator(raw: Any, loc: Sequence[int | str]) -> str | None:
    """Name places as a reader of the plan knows them: 'day 2021-06-08, item 36, field 'start''."""
    if len(loc) < 2 or loc[0] != "days" or not isinstance(loc[1], int):
        return None
    day = raw["days"][loc[1]]
    label = f"days[{loc[1]}]"
    if isinstance(day, dict) and isinstance(day.get("date"), str):
        label += f" (date {day['date']})"
    rest = list(loc[2:])
    if len(rest) >= 2 and rest[0] == "items" and isinstance(rest[1], int):
        item = day["items"][rest[1]]
        label += f", items[{rest[1]}]"
        if isinstance(item, dict) and "number" in item:
            label += f" (item {item['number']})"
        rest = rest[2:]
    return f"{label}, field '{'.'.join(str(p) for p in rest)}'" if rest else label


def _offset_problems(plan: Plan, raw: dict[str, Any]) -> list[str]:
    """Offsets that are not the meeting zone's: the instant is clear but the file is not ours."""
    zone = ZoneInfo(plan.timezone)
    problems = []
    for d, day in enumerate(plan.days):
        for i, item in enumerate(day.items):
            for name in ("start", "end"):
                moment: dt.datetime = getattr(item, name)
                expected = moment.astimezone(zone).utcoffset()
                if moment.utcoffset() != expected:
                    text = raw["days"][d]["items"][i][name]
                    problems.append(
                        f"days[{d}] (date {day.date}), items[{i}] (item {item.number}), "
                        f"field '{name}': {text!r} has UTC offset {_offset(moment)}, but "
                        f"{plan.timezone} is at {_offset(moment.astimezone(zone))} then; expected "
                        f"{moment.astimezone(zone).isoformat()!r}"
                    )
    return problems


def plan_from_json(text: str, source: str) -> Plan:
    """Read a plan written by ``plan_to_json``; start/end come back in the plan's zone.

    Raises ``DataError`` naming ``source`` (a file name) and, per problem, the
    day, item and field with what is expected. Types are strict: a number
    written as a string is an error, not silently converted.
    """
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"{source}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise DataError(f"{source}: not a plan (JSON nested too deeply)") from None
    if not isinstance(raw, dict):
        raise DataError(
            f"{source}: expected a JSON object with 'meeting', 'timezone', 'days' and "
            f"'solver', found {type(raw).__name__}"
        )
    try:
        plan = Plan.model_validate_json(text, strict=True)
    except ValidationError as exc:
        details = validation_messages(exc, raw, locator=_plan_locator)
        noun = "problem" if len(details) == 1 else "problems"
        raise DataError(f"{source}: {len(details)} {noun}", details=details) from None
    try:
        check_timezone(plan.timezone)
    except ValueError as exc:
        raise DataError(f"{source}: field 'timezone': {exc}") from None
    problems = _offset_problems(plan, raw)
    if problems:
        noun = "problem" if len(problems) == 1 else "problems"
        raise DataError(f"{source}: {len(problems)} {noun}", details=problems)
    zone = ZoneInfo(plan.timezone)
    return Plan(
        meeting=plan.meeting,
        timezone=plan.timezone,
        days=[
            PlannedDay(
                date=day.date,
                items=[
                    PlannedItem(
                        number=item.number,
                        code=item.code,
                        start=item.start.astimezone(zone),
                        end=item.end.astimezone(zone),
                        minutes=item.minutes,
                    )
                    for item in day.items
                ],
            )
            for day in plan.days
        ],
        solver=plan.solver,
    )


def _offset(moment: dt.datetime) -> str:
    """'+02:00': the UTC offset as ISO 8601 writes it (``%:z`` needs Python 3.12)."""
    return moment.isoformat()[-6:]
