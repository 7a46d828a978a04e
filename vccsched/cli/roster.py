"""``vccsched roster``: the roster seen from the delegations' side.

``vccsched roster timezones`` answers "who is asked to meet at night": the daily
window in every delegation's local time on each meeting date and, without
``--window``, the candidate windows ranked by how many Council Members they put
into night hours. The computation is in :mod:`vccsched.timezones`; this module
only renders it (Markdown, CSV, JSON) and wires the options.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import json
from pathlib import Path
from typing import Annotated

import typer

from vccsched.cli.common import MeetingOption, check_outputs, choice, command_group, load, meeting_inputs, write_output
from vccsched.timezones import (
    CANDIDATE_STEP_MINUTES,
    EARLIEST_START,
    LATEST_END,
    Candidate,
    DelegationTimes,
    LocalDay,
    TimezoneReport,
    iso_offset,
    parse_window,
    report_payload,
    timezone_report,
)

CATEGORY_LABELS = {
    "council_member": "Council Member",
    "observer_state": "Observer State",
    "palestine_observer": "Observer (Palestine)",
    "sector_member": "Sector Member",
    "chair": "Chair",
    "secretariat": "Secretariat",
    "interpreter": "Interpreters",
}

#: Rows of the ranking shown in Markdown (the window in use is added if lower).
TOP_CANDIDATES = 10

MINUS = "\u2212"


class Format(str, enum.Enum):
    md = "md"
    csv = "csv"
    json = "json"


# ---------------------------------------------------------------------------
# Labels


def utc_offset_label(offset: dt.timedelta) -> str:
    """'UTC+2', 'UTC−4', 'UTC+5:30', 'UTC+0'."""
    total = int(offset.total_seconds() // 60)
    sign = MINUS if total < 0 else "+"
    hours, minutes = divmod(abs(total), 60)
    return f"UTC{sign}{hours}" + (f":{minutes:02d}" if minutes else "")


def _shift_label(days: int) -> str:
    if days == 0:
        return ""
    sign = "+" if days > 0 else MINUS
    return f" ({sign}{abs(days)} day)"


def local_window_label(day: LocalDay) -> str:
    """'06:00–09:00', '22:00–01:00 (+1 day)': each marker follows the time it qualifies."""
    return (
        f"{day.local_start:%H:%M}{_shift_label(day.start_day_shift)}"
        f"–{day.local_end:%H:%M}{_shift_label(day.end_day_shift)}"
    )


def local_windows_label(times: DelegationTimes) -> str:
    """One label, or one per run of dates when summer time moves the local window."""
    segments = times.segments
    if len(segments) == 1:
        return local_window_label(segments[0].day)
    parts = []
    for seg in segments:
        dates = seg.first.isoformat() if seg.first == seg.last else f"{seg.first} to {seg.last}"
        parts.append(f"{local_window_label(seg.day)} ({dates})")
    return "; ".join(parts)


def offsets_label(times: DelegationTimes) -> str:
    first, last = times.days[0].utc_offset, times.days[-1].utc_offset
    label = utc_offset_label(first)
    return label if first == last else f"{label} → {utc_offset_label(last)}"


def night_label(times: DelegationTimes) -> str:
    nights = times.night_days
    if not nights:
        return ""
    minutes = {d.night_minutes for d in nights}
    if len(nights) == len(times.days) and len(minutes) == 1:
        return f"⚠ night {minutes.pop()} min/day"
    return (
        f"⚠ night on {len(nights)} of {len(times.days)} dates, "
        f"up to {max(minutes)} min"
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _window_label(start: dt.time, end: dt.time) -> str:
    return f"{start:%H:%M}–{end:%H:%M}"


def _who(times: tuple[DelegationTimes, ...]) -> str:
    return ", ".join(
        f"{t.delegation.name} ({t.delegation.id}, {local_windows_label(t)})" for t in times
    )


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


# ---------------------------------------------------------------------------
# Markdown


def _candidate_row(c: Candidate) -> str:
    window = _window_label(c.window.start, c.window.end)
    if c.current:
        window = f"**{window}** (in use{'' if c.on_grid else ', off grid'})"
    ids = ", ".join(c.council_members_at_night) or "—"
    return (
        f"| {c.rank} | {window} | {len(c.council_members_at_night)} | "
        f"{c.council_member_night_minutes} | {c.delegations_at_night} | "
        f"{c.delegation_night_minutes} | {ids} |"
    )


def _ranking_markdown(report: TimezoneReport) -> list[str]:
    assert report.candidates is not None
    candidates = report.candidates
    current = report.current_candidate
    assert current is not None
    minutes = report.window.minutes
    lines = [
        "",
        f"## Candidate windows of {minutes} min",
        "",
        f"Every window of {minutes} min starting on the quarter hour ({CANDIDATE_STEP_MINUTES}-min "
        f"steps) from {EARLIEST_START:%H:%M} and ending by {LATEST_END:%H:%M} {report.timezone}, "
        "plus the window in use, ranked by the number of Council Members at night on at least "
        "one date, then the Council Members' night minutes, then all delegations' night "
        f"minutes (both summed over the {len(report.dates)} dates), then the earliest start.",
        "",
        f"| Rank | Window ({report.timezone}) | Council Members at night | Their night minutes "
        "| Delegations at night | All night minutes | Which Council Members |",
        "|---:|---|---:|---:|---:|---:|---|",
    ]
    lines.extend(_candidate_row(c) for c in candidates[:TOP_CANDIDATES])
    if current.rank > TOP_CANDIDATES:
        lines.append("| … | | | | | | |")
        lines.append(_candidate_row(current))
    best = candidates[0]
    used = _window_label(current.window.start, current.window.end)
    lines.append("")
    current_who = ", ".join(current.council_members_at_night) or "none"
    if best is current:
        lines.append(
            f"The window in use, {used}, is the best of {len(candidates)} candidates: "
            f"{_count(len(current.council_members_at_night), 'Council Member', 'Council Members')} "
            f"at night ({current_who})."
        )
    else:
        best_who = ", ".join(best.council_members_at_night) or "none"
        lines.append(
            f"The window in use, {used}, ranks {current.rank} of {len(candidates)}: "
            f"{_count(len(current.council_members_at_night), 'Council Member', 'Council Members')} "
            f"at night ({current_who}) for {current.council_member_night_minutes} night minutes "
            "in all. "
            f"The best, {_window_label(best.window.start, best.window.end)}, puts "
            f"{_count(len(best.council_members_at_night), 'Council Member', 'Council Members')} "
            f"at night ({best_who}) for {best.council_member_night_minutes} night minutes in all."
        )
    return lines


def timezones_markdown(report: TimezoneReport) -> str:
    """The report as Markdown: delegation table, night summary, ranking (if any)."""
    first, last = report.dates[0], report.dates[-1]
    span = first.isoformat() if first == last else f"{first} to {last}"
    lines = [
        f"# Daily window in local time: {report.meeting_id}",
        "",
        f"Window {_window_label(report.window.start, report.window.end)} {report.timezone} "
        f"(from {report.window_source}) on "
        f"{_count(len(report.dates), 'meeting date', 'meeting dates')}, {span}. "
        "Local times are computed date by date, so summer-time changes on either side are "
        "taken into account; a window overlapping 22:00–07:00 local time is flagged ⚠ night. "
        "Day markers compare the local date with the meeting's date.",
    ]
    if report.roster_is_example:
        lines += ["", "> The roster is an illustration (`example: true`), not a registration."]
    lines += [
        "",
        "| Category | ID | Name | Time zone | UTC offset | Local window | Night |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in report.delegations:
        d = t.delegation
        lines.append(
            f"| {CATEGORY_LABELS[d.category]} | {d.id} | {_cell(d.name)} | {d.timezone} | "
            f"{offsets_label(t)} | {local_windows_label(t)} | {night_label(t)} |"
        )
    council = report.night_council_members
    lines.append("")
    if council:
        verb = "meets" if len(council) == 1 else "meet"
        lines.append(
            f"**{_count(len(council), 'Council Member', 'Council Members')} {verb} at night:** "
            f"{_who(council)}."
        )
    else:
        lines.append("**No Council Member meets at night.**")
    others = report.night_others
    if others:
        verb = "meets" if len(others) == 1 else "meet"
        lines.append("")
        lines.append(
            f"{_count(len(others), 'other delegation', 'other delegations')} {verb} at night: "
            f"{_who(others)}."
        )
    if report.candidates is not None:
        lines.extend(_ranking_markdown(report))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# CSV and JSON

CSV_COLUMNS = [
    "meeting",
    "date",
    "category",
    "id",
    "name",
    "region",
    "timezone",
    "meeting_start",
    "meeting_end",
    "local_start",
    "local_end",
    "utc_offset",
    "start_day_shift",
    "end_day_shift",
    "night_minutes",
    "night",
]


def timezones_csv(report: TimezoneReport) -> str:
    """One row per delegation and meeting date, ISO 8601 times with their offsets."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for t in report.delegations:
        d = t.delegation
        for day in t.days:
            writer.writerow(
                [
                    report.meeting_id,
                    day.date.isoformat(),
                    d.category,
                    d.id,
                    d.name,
                    d.region or "",
                    d.timezone,
                    day.meeting_start.isoformat(),
                    day.meeting_end.isoformat(),
                    day.local_start.isoformat(),
                    day.local_end.isoformat(),
                    iso_offset(day.utc_offset),
                    day.start_day_shift,
                    day.end_day_shift,
                    day.night_minutes,
                    "yes" if day.at_night else "no",
                ]
            )
    return buffer.getvalue()


def timezones_json(report: TimezoneReport) -> str:
    return json.dumps(report_payload(report), ensure_ascii=False, indent=2) + "\n"


RENDERERS = {Format.md: timezones_markdown, Format.csv: timezones_csv, Format.json: timezones_json}


# ---------------------------------------------------------------------------
# Commands

roster_app = command_group("roster", "The roster of delegations: local times of the daily window.")


@roster_app.command("timezones")
def timezones_command(
    meeting: MeetingOption = None,  # type: ignore[assignment]
    window: Annotated[
        str | None,
        typer.Option(
            "--window",
            metavar="HH:MM-HH:MM",
            help="Check this daily window (meeting's time zone) instead of meeting.yaml's; "
            "no ranking is done then.",
        ),
    ] = None,
    fmt: Annotated[
        Format,
        typer.Option("--format", **choice(Format), help="md (tables and summary), csv (one row per delegation "
                     "and date) or json."),
    ] = Format.md,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Show the daily window in every delegation's local time, flag night hours
    (22:00-07:00 local) and, without --window, rank candidate windows by how many
    Council Members they put at night."""
    check_outputs({"--out": out}, meeting_inputs(meeting))
    chosen = parse_window(window) if window is not None else None
    data = load(meeting)
    report = timezone_report(data.meeting, data.roster, chosen)
    write_output(RENDERERS[fmt](report), out)


def register(app: typer.Typer) -> None:
    """Add ``vccsched roster ...`` to ``app``."""
    app.add_typer(roster_app, name="roster")
