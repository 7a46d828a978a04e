"""The report as Markdown, a self-contained HTML page or a Word document.

Every format shows the same texts: :func:`report_context` formats them once
(times in the meeting's zone, durations, outcome sentences), the Markdown and
HTML templates (``vccsched/templates/report.{md,html}.j2``) and the Word
writer (:mod:`vccsched.report.docx`) only lay them out. No time of the run
appears anywhere: the same record gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from vccsched.errors import DataError
from vccsched.output_format import format_from_suffix
from vccsched.render.templates import template_environment
from vccsched.render.view import date_text
from vccsched.render.zones import zone_label
from vccsched.report.model import CATEGORY_LABELS, AnnexItem, ItemReport, MeetingReport

ReportFormat = Literal["md", "html", "docx"]
REPORT_FORMATS: tuple[ReportFormat, ...] = ("md", "html", "docx")

ANNEX_HEADINGS = {
    "deferred_item": "Items deferred during the VCC",
    "deferred_conclusion": "Conclusions deferred during the VCC",
    "not_reached": "Items of the VCC agenda not reached",
    "no_conclusion": "Items taken up without a proposed conclusion",
    "group_2": "Group 2: items deferred by the grouping",
    "not_on_agenda": "Items without a group, not on the VCC agenda",
}
KIND_TEXT = {"speech": "speech", "point_of_order": "point of order", "right_of_reply": "right of reply"}


def report_format(path: Path) -> ReportFormat:
    """The format from the report file's extension; ``DataError`` otherwise."""
    formats = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".docx": "docx"}
    names = "FILE.md (Markdown), FILE.html (a self-contained web page) or FILE.docx (Word)"
    return format_from_suffix(path, formats, what="report", names=names)  # type: ignore[return-value]


# --------------------------------------------------------------------------- texts


def duration_text(seconds: float) -> str:
    """'45 s', '2 min 45 s', '3 min', '1 h 05 min' (rounded to the second)."""
    total = int(seconds + 0.5)
    if total < 60:
        return f"{total} s"
    if total < 3600:
        minutes, rest = divmod(total, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, rest = divmod(total // 60, 60)
    return f"{hours} h {rest:02d} min"


def minutes_text(minutes: float | None) -> str:
    """Whole minutes ('21 min'); '' for none."""
    if minutes is None:
        return ""
    return f"{int(minutes + 0.5)} min"


def _delta_text(used: float, planned: int) -> str:
    delta = int(used + 0.5) - planned
    return "as planned" if delta == 0 else (f"{delta} min over" if delta > 0 else f"{-delta} min under")


def who(name: str | None, delegation: str | None) -> str:
    """'Iran (Islamic Republic of) (IRN)'."""
    if delegation is None:
        return ""
    return f"{name} ({delegation})" if name and name != delegation else delegation


def outcome_text(item: ItemReport, report: MeetingReport) -> str:
    """The outcome in one sentence, as the record states it."""
    requester = who(item.requested_by_name, item.requested_by)
    match item.outcome:
        case "concluded":
            return "Proposed conclusion"
        case "concluded_en_bloc":
            return "Concluded en bloc"
        case "correspondence":
            majority = item.majority_needed if item.majority_needed is not None else report.voters // 2 + 1
            return (f"Proposed for decision by correspondence (Rule 3.2): majority needed {majority} "
                    f"of the {report.voters} Council Members with the right to vote")
        case "deferred" if item.deferral_scope == "conclusion":
            return f"Conclusion deferred to {item.target} at the request of {requester}"
        case "deferred":
            return f"Deferred to {item.target} at the request of {requester}"
        case "no_conclusion":
            return "Closed without a proposed conclusion"
        case "open":
            return "Still under discussion when the record ends"
        case "to_come":
            when = f" (planned for {date_text(item.planned_date)})" if item.planned_date else ""
            return f"Not yet taken up when the record ends{when}"
        case _:
            return "Not reached"


def short_outcome(item: ItemReport) -> str:
    """The outcome in a table cell."""
    return {
        "concluded": "proposed conclusion",
        "concluded_en_bloc": "concluded en bloc",
        "correspondence": "decision by correspondence",
        "deferred": f"deferred to {item.target}" + (" (conclusion)" if item.deferral_scope == "conclusion" else ""),
        "no_conclusion": "no conclusion",
        "open": "open",
        "not_reached": "not reached",
        "to_come": "to come",
    }[item.outcome]


# --------------------------------------------------------------------------- context


def _time(moment, zone) -> str:
    return moment.astimezone(zone).strftime("%H:%M") if moment is not None else ""


def _start_text(start, taken_at, zone) -> str:
    """'12:04', or '10 June 12:00' for a speech on another day than the item was taken up."""
    local = start.astimezone(zone)
    if taken_at is not None and taken_at.astimezone(zone).date() != local.date():
        return f"{date_text(local.date(), weekday=False).rsplit(' ', 1)[0]} {local:%H:%M}"
    return f"{local:%H:%M}"


def _item_context(item: ItemReport, report: MeetingReport, zone) -> dict[str, Any]:
    time_line = ""
    if item.used_minutes is not None and item.outcome == "concluded_en_bloc":
        local = item.taken_at.astimezone(zone) if item.taken_at else None
        time_line = f"concluded on {date_text(local.date())} at {local:%H:%M}." if local else ""
        if item.planned_minutes is not None:
            time_line += f" {item.planned_minutes} min planned."
    elif item.used_minutes is not None:
        when = ""
        if item.taken_at is not None:
            local = item.taken_at.astimezone(zone)
            when = f"; {date_text(local.date())}, {local:%H:%M}"
            if item.closed_at is None:
                when += " (still open)"
            elif item.closed_at.astimezone(zone).date() == local.date():
                when += f"\u2013{_time(item.closed_at, zone)}"
            else:
                closed = item.closed_at.astimezone(zone)
                when += f" to {date_text(closed.date())}, {closed:%H:%M}"
        if item.planned_minutes is not None:
            time_line = (f"{minutes_text(item.used_minutes)} used of {item.planned_minutes} min planned "
                         f"({_delta_text(item.used_minutes, item.planned_minutes)}){when}.")
        else:
            time_line = f"{minutes_text(item.used_minutes)} used{when}."
    elif item.planned_minutes is not None and item.planned_date is not None:
        time_line = f"{item.planned_minutes} min planned on {date_text(item.planned_date)}."
    speeches = []
    for s in item.speeches:
        remarks = []
        if s.out_of_order:
            remarks.append("out of turn")
        if s.seconds > s.limit_seconds + 0.5:
            remarks.append(f"over the {duration_text(s.limit_seconds)} limit")
        if s.handed_over:
            remarks.append("handed over to a colleague")
        if s.in_progress:
            remarks.append("speaking when the record ends")
        category = CATEGORY_LABELS[s.category][0]
        speeches.append({
            "order": s.order,
            "delegation": who(s.name, s.delegation) + (f" — {s.speaker}" if s.speaker else ""),
            "tier": f"{s.tier} ({category})" if s.tier is not None else category,
            "kind": KIND_TEXT[s.kind],
            "start": _start_text(s.start, item.taken_at, zone),
            "duration": duration_text(s.seconds),
            "remarks": "; ".join(remarks),
        })
    contributions = ""
    if item.contributions:
        presented = list(dict.fromkeys(c.name for c in item.contributions if c.presented))
        contributions = (
            ", ".join(f"{c.symbol} ({c.name})" for c in item.contributions)
            + "; presented by " + (", ".join(presented) if presented else "none")
        )
    outcome = outcome_text(item, report)
    if item.open_at_end and item.outcome not in ("open",):
        outcome += " (the item was still open when the record ends)"
    return {
        "number": item.number,
        "code": item.code,
        "title_en": item.title.en,
        "title_zh": item.title.zh,
        "outcome": item.outcome,
        "outcome_text": outcome,
        "short_outcome": short_outcome(item),
        "conclusion": item.conclusion or "",
        "note": item.note or "",
        "time_line": time_line,
        "contributions": contributions,
        "used": minutes_text(item.used_minutes),
        "planned": f"{item.planned_minutes} min" if item.planned_minutes is not None else "",
        "speeches": speeches,
    }


def _annex_context(annex: list[AnnexItem]) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    for entry in annex:
        if not sections or sections[-1]["reason"] != entry.reason:
            sections.append({
                "reason": entry.reason,
                "heading": ANNEX_HEADINGS[entry.reason],
                "deferred": entry.reason in ("deferred_item", "deferred_conclusion"),
                "rows": [],
            })
        sections[-1]["rows"].append({
            "number": entry.number,
            "code": entry.code,
            "title_en": entry.title.en,
            "title_zh": entry.title.zh,
            "requested_by": who(entry.requested_by_name, entry.requested_by),
            "note": entry.note or "",
            "conclusion": entry.conclusion or "",
            # A deferred conclusion shows its text; the note (why) follows.
            "remark": "; ".join(t for t in (
                f"conclusion: {entry.conclusion}" if entry.reason == "deferred_conclusion" and entry.conclusion else "",
                entry.note or "",
            ) if t),
        })
    return sections


def report_context(report: MeetingReport) -> dict[str, Any]:
    """The texts every format shows, as plain values."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(report.timezone)
    items = [_item_context(item, report, zone) for item in report.items]
    record = ""
    if report.record_from is not None and report.record_to is not None:
        first, last = report.record_from.astimezone(zone), report.record_to.astimezone(zone)
        span = (f"{date_text(first.date())} {first:%H:%M} to {last:%H:%M}" if first.date() == last.date()
                else f"{date_text(first.date())} {first:%H:%M} to {date_text(last.date())} {last:%H:%M}")
        record = f"The floor's record: {report.events} events, {span} ({zone_label(report.timezone)} time)."
        if report.refusals:
            record += (f" {report.refusals} command(s) of the log were refused by the floor and are "
                       "not part of the record.")
    else:
        record = "The floor's record is empty: no item was taken up."
    if report.record_head is not None:
        record += (f" The record's hash chain covers {report.record_commands} command(s) and ends at head "
                   f"{report.record_head}; check any copy of the record against it with "
                   f"'{report.record_check}'.")
    counts = {kind: report.count(kind) for kind in (
        "concluded", "concluded_en_bloc", "correspondence", "deferred", "no_conclusion", "open", "not_reached",
        "to_come")}
    summary = [
        f"{len(report.items)} items on the VCC agenda or taken up",
        f"{counts['concluded']} with a proposed conclusion",
        f"{counts['concluded_en_bloc']} concluded en bloc",
        f"{counts['correspondence']} proposed for decision by correspondence",
        f"{counts['deferred']} deferred to {report.deferral_target}",
    ]
    if counts["no_conclusion"]:
        summary.append(f"{counts['no_conclusion']} closed without a proposed conclusion")
    if counts["open"]:
        summary.append(f"{counts['open']} still under discussion when the record ends")
    summary.append(f"{counts['not_reached']} not reached")
    if counts["to_come"]:
        summary.append(f"{counts['to_come']} not yet taken up when the record ends (planned for later)")
    days = []
    for d in report.days:
        days.append({
            "date": date_text(d.date),
            "planned": f"{d.planned_minutes} min" if d.planned_minutes is not None else "",
            "used": minutes_text(d.used_minutes),
            "on_items": minutes_text(d.item_minutes),
            "balance": _delta_text(d.used_minutes, d.planned_minutes) if d.planned_minutes is not None else "",
            "taken": ", ".join(str(n) for n in d.items_taken),
        })
    total_speech = sum(t.seconds for t in report.tiers)
    return {
        "meeting": report.meeting,
        "title_en": report.title.en if report.title else "",
        "title_zh": report.title.zh if report.title else "",
        "heading": f"{report.meeting}: report of proposed conclusions",
        "target": report.deferral_target,
        "record": record,
        "plan": (f"Time is compared with {report.plan}." if report.plan
                 else "No plan given: time used is shown without a plan to compare it with."),
        "summary": summary,
        "items": items,
        "correspondence": [i for i in items if i["outcome"] == "correspondence"],
        "voters": report.voters,
        "majority": report.voters // 2 + 1,
        "annex": _annex_context(report.annex),
        "delegations": [
            {
                # Who spoke for it, when the record names persons (issue 17).
                "delegation": who(d.name, d.delegation) + (f": {'; '.join(d.speakers)}" if d.speakers else ""),
                "tier": f"{d.tier} ({CATEGORY_LABELS[d.category][0]})" if d.tier is not None else CATEGORY_LABELS[d.category][0],
                "speeches": d.speeches,
                "time": duration_text(d.seconds),
            }
            for d in report.delegations
        ],
        "tiers": [
            {
                "label": t.label,
                "delegations": t.delegations,
                "speeches": t.speeches,
                "time": duration_text(t.seconds),
                "share": f"{100 * t.seconds / total_speech:.0f} %" if total_speech else "",
            }
            for t in report.tiers
        ],
        "speaking_total": duration_text(total_speech),
        "days": days,
        "has_plan": report.plan is not None,
        "used_total": minutes_text(report.used_minutes),
        "planned_total": f"{report.planned_minutes} min" if report.planned_minutes is not None else "",
    }


# --------------------------------------------------------------------------- formats


def render_report(report: MeetingReport, fmt: ReportFormat) -> str | bytes:
    """The report as Markdown or HTML text, or as the bytes of a .docx file."""
    if fmt not in REPORT_FORMATS:
        raise DataError(f"unknown report format {fmt!r}; expected one of {', '.join(REPORT_FORMATS)}",
                        title="Report format")
    context = report_context(report)
    if fmt == "docx":
        from vccsched.report.docx import render_docx

        return render_docx(context)
    template = template_environment(fmt == "html").get_template(f"report.{fmt}.j2")
    return template.render(**context).rstrip("\n") + "\n"
