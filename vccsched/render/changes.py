"""The list of changes of a re-plan, in Markdown and JSON.

What delegations need to know after a re-plan: for every item whose time
changed, when it was announced and when it now comes (day and time in the
meeting zone), and whether it left its announced day. Same input, same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from vccsched.loading import MeetingData
from vccsched.plan import Plan, PlannedItem
from vccsched.planner.replan import Replan
from vccsched.render.markdown import md_escape
from vccsched.render.view import count_text, date_text
from vccsched.render.zones import zone_label


def _slots(plan: Plan) -> dict[int, PlannedItem]:
    return {item.number: item for item in plan.items}


def _span(item: PlannedItem | None, data: MeetingData) -> str:
    if item is None:
        return "\u2014"
    zone = data.meeting.zone
    start, end = item.start.astimezone(zone), item.end.astimezone(zone)
    return f"{date_text(start.date())} {start:%H:%M}\u2013{end:%H:%M}"


def _iso(moment: dt.datetime | None, data: MeetingData) -> str | None:
    return None if moment is None else moment.astimezone(data.meeting.zone).isoformat()


def change_rows(replan: Replan, published: Plan) -> list[tuple[int, PlannedItem | None, PlannedItem | None]]:
    """(item, announced slot, new slot) for every change, by item number."""
    before, after = _slots(published), _slots(replan.plan)
    return [(c.item, before.get(c.item), after.get(c.item)) for c in replan.changes]


def changes_markdown(replan: Replan, published: Plan, data: MeetingData, now: dt.datetime) -> str:
    """The changes as Markdown, ending in a newline."""
    meeting = data.meeting
    local = now.astimezone(meeting.zone)
    label = zone_label(meeting.timezone)
    moved = set(replan.moved)
    lines = [
        f"# {md_escape(meeting.id)}: changes to the time-management plan",
        "",
        f"Re-planned at {date_text(local.date())} {local:%H:%M} {label}, from the published plan.",
        "",
    ]
    held = set(replan.held_days)
    today = [d.date for d in replan.plan.days if d.date in held]
    more = len([d for d in replan.plan.days if d.date not in held])
    where = " and ".join(
        [*(["what is left of today"] if today else []), *([count_text(more, "more day")] if more or not today else [])]
    )
    lines.append(
        f"The items still to come ({count_text(len(replan.plan.items), 'item')}) fit in {where}; "
        f"the meeting has sat on {count_text(len(held), 'day')} (at most {meeting.max_days})."
    )
    if moved:
        verb = "moves" if len(moved) == 1 else "move"
        lines.append(f"{count_text(len(moved), 'item')} {verb} off the day announced: {', '.join(map(str, sorted(moved)))}.")
    else:
        lines.append("No item moves off the day announced.")
    if replan.resume_at is not None:
        lines.append(f"Today's items run from {replan.resume_at.astimezone(meeting.zone):%H:%M} {label}.")
    lines.append("")
    rows = change_rows(replan, published)
    if not rows:
        lines += ["No item changes its time.", ""]
    else:
        titles = {item.number: item for item in data.agenda.items}
        lines += [
            f"| No. | Code | Title | Announced ({label}) | New ({label}) | Day |",
            "| --: | --- | --- | --- | --- | --- |",
        ]
        for number, old, new in rows:
            item = titles.get(number)
            code = item.code if item else (old or new).code  # type: ignore[union-attr]
            title = item.title.en if item else ""
            day = "moved" if number in moved else "same day"
            if new is None:
                day = "left out"
            elif old is None:
                day = "added"
            lines.append(
                f"| {number} | {md_escape(code)} | {md_escape(title)} | {_span(old, data)} | {_span(new, data)} | {day} |"
            )
        lines.append("")
    if replan.notes:
        lines += ["Notes:", ""] + [f"- {md_escape(note)}" for note in replan.notes] + [""]
    return "\n".join(lines)


def changes_json(replan: Replan, published: Plan, data: MeetingData, now: dt.datetime) -> str:
    """The changes as JSON (indent 2, trailing newline)."""
    moved = set(replan.moved)
    codes = {item.number: item.code for item in data.agenda.items}
    changes: list[dict[str, Any]] = []
    for number, old, new in change_rows(replan, published):
        changes.append(
            {
                "item": number,
                "code": codes.get(number, (old or new).code),  # type: ignore[union-attr]
                "announced_start": _iso(old.start if old else None, data),
                "announced_end": _iso(old.end if old else None, data),
                "new_start": _iso(new.start if new else None, data),
                "new_end": _iso(new.end if new else None, data),
                "moved_day": number in moved,
            }
        )
    payload = {
        "meeting": data.meeting.id,
        "timezone": data.meeting.timezone,
        "now": _iso(now, data),
        "resume_at": _iso(replan.resume_at, data),
        "days": len(replan.plan.days),
        "held_days": [d.isoformat() for d in replan.held_days],
        "moved": replan.moved,
        "changes": changes,
        "notes": replan.notes,
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
