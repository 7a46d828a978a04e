"""The tally report: Markdown or a self-contained HTML page explaining every change.

Call :func:`render_report` with a :class:`~vccsched.grouping.tally.TallyResult`
and ``"md"`` or ``"html"`` (:func:`report_format` picks it from a file name).
The templates are ``vccsched/templates/grouping-report.{md,html}.j2``; the
figures come from :func:`report_context`, which tests can check directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import jinja2

from vccsched.errors import GroupingError
from vccsched.grouping.tally import TallyResult
from vccsched.output_format import format_from_suffix
from vccsched.replyforms.senders import status_row

ReportFormat = Literal["md", "html"]

_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

POLICY_TEXT = {
    "any-deferral": (
        "any-deferral: a Group 1 item goes to Group 2 when at least one Council Member asks for 2; "
        "a Group 2 item comes into Group 1 when more than half of the Council Members whose reply "
        "counts ask for 1 and none asks for 2."
    ),
    "majority": (
        "majority: each item takes the choice of the majority of the Council Members who wrote 1 or "
        "2 against it; a tie or no choice keeps the secretariat's proposal."
    ),
}


def report_format(path: Path) -> ReportFormat:
    """``"md"`` or ``"html"`` from the report file's extension; ``GroupingError`` otherwise."""
    formats = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
    names = "FILE.md (Markdown) or FILE.html (a self-contained web page)"
    return format_from_suffix(path, formats, what="report", names=names, error=GroupingError)  # type: ignore[return-value]


def _group(value: int | None) -> str:
    return "-" if value is None else str(value)


def report_context(result: TallyResult) -> dict[str, Any]:
    """The figures and rows the report shows, as plain values."""
    needed, available = result.minutes_needed, result.minutes_available
    balance = available - needed
    items = [
        {
            "number": item.number,
            "code": item.code,
            "title": item.title,
            "proposed": _group(item.proposed),
            "ones": len(item.ones),
            "twos": len(item.twos),
            "asked_change": ", ".join(item.asked_change),
            "final": _group(item.final),
            "changed": "yes" if item.changed else "no",
            "minutes": "" if item.minutes is None else item.minutes,
        }
        for item in result.items
    ]
    replies = [status_row(r) for r in result.replies]
    return {
        "meeting": result.meeting_id,
        "policy": result.policy,
        "policy_text": POLICY_TEXT[result.policy],
        "late_text": (
            "late replies are counted and reported" if result.late_policy == "accept"
            else "late replies are reported and not counted"
        ),
        "deadline": str(result.deadline),
        "read": len(result.replies),
        "counted": len(result.counted),
        "not_counted": len(result.replies) - len(result.counted),
        "council_members": result.council_members,
        "group_one": len(result.group_one),
        "group_two": sum(1 for item in result.items if item.final == 2),
        "ungrouped": result.ungrouped,
        "changed_count": len(result.changed),
        "changed": [row for row in items if row["changed"] == "yes"],
        "items": items,
        "additional": [
            {
                "title": a.title,
                "reason": a.reason or "",
                "group": _group(a.group),
                "proposer": f"{a.proposer_name} ({a.proposer_id})"
                + ("" if a.category == "council_member" else ", not a Council Member"),
                "where": f"{a.cell.file}, row {a.cell.row}",
            }
            for a in result.additional
        ],
        "replies": replies,
        "rejected": [r for r in replies if r["counted"] == "no" or r["late"] == "yes" or r["reasons"]],
        "problems": [str(p) for p in result.problems],
        "not_replied": result.not_replied,
        "minutes_needed": needed,
        "minutes_available": available,
        "minutes_unknown": result.minutes_unknown,
        "days": result.days,
        "day_minutes": result.day_minutes,
        "window_minutes": result.window_minutes,
        "buffer_minutes": result.buffer_minutes,
        "days_needed": f"{needed / result.day_minutes:.1f}" if result.day_minutes else "-",
        "headroom": balance if balance >= 0 else None,
        "over": -balance if balance < 0 else None,
    }


def _md_cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _environment(fmt: ReportFormat) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=fmt == "html",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = _md_cell
    return env


def render_report(result: TallyResult, fmt: ReportFormat) -> str:
    """The report as Markdown or as one HTML page (inline CSS, no external resources)."""
    template = _environment(fmt).get_template(f"grouping-report.{fmt}.j2")
    # trim_blocks eats the newline after the last block tag: end with exactly one.
    return template.render(**report_context(result)).rstrip("\n") + "\n"
