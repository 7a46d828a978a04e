"""What every human-readable format shows, computed once.

``build_view`` cross-checks the plan against the meeting data (same meeting,
same zone, every item on the agenda with the same code) and prepares the
times in the meeting zone, in UTC and in each extra zone. The Markdown, HTML
and CSV renderers only lay this out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from vccsched.errors import DataError
from vccsched.loading import MeetingData
from vccsched.models import Item, LocalizedText
from vccsched.plan import Plan, SolverInfo
from vccsched.render.zones import UTC, in_zone, local_range_text, resolve_zones, zone_label

# English names spelled out here: strftime("%A") depends on the process locale
# and the output must be the same bytes everywhere.
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def date_text(day: dt.date, *, weekday: bool = True) -> str:
    """'Tuesday 8 June 2021' (or '8 June 2021'), locale-independent."""
    text = f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    return f"{WEEKDAYS[day.weekday()]} {text}" if weekday else text


def minutes_text(minutes: int) -> str:
    """'95 min (1 h 35 min)' for long spans, '20 min' for short ones."""
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{minutes} min ({hours} h {rest:02d} min)" if rest else f"{minutes} min ({hours} h)"


def count_text(n: int, noun: str) -> str:
    """'1 day', '2 days'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@dataclass(frozen=True)
class LocalTime:
    """One item's span in an extra zone (``--tz``)."""

    zone: str
    start: dt.datetime
    end: dt.datetime
    text: str


@dataclass(frozen=True)
class RowView:
    """One planned item with everything a publication shows about it."""

    number: int
    code: str
    title: LocalizedText
    documents: tuple[str, ...]
    minutes: int
    en_bloc: bool
    block: str | None
    start: dt.datetime
    end: dt.datetime
    start_utc: dt.datetime
    end_utc: dt.datetime
    zone_time: str
    utc_time: str
    local: tuple[LocalTime, ...]

    @property
    def documents_text(self) -> str:
        return ", ".join(self.documents) if self.documents else "\u2014"


@dataclass(frozen=True)
class DayView:
    """One daily session."""

    date: dt.date
    date_text: str
    session_zone: str
    session_utc: str
    rows: tuple[RowView, ...]
    planned_minutes: int
    window_minutes: int

    @property
    def free_minutes(self) -> int:
        return self.window_minutes - self.planned_minutes


@dataclass(frozen=True)
class PlanView:
    """The whole publication."""

    meeting_id: str
    meeting_title: LocalizedText | None
    zone: str
    zone_label: str
    extra_zones: tuple[str, ...]
    window_text: str
    days: tuple[DayView, ...]
    solver: SolverInfo

    @property
    def rows(self) -> list[RowView]:
        return [row for day in self.days for row in day.rows]

    @property
    def en_bloc(self) -> list[RowView]:
        return [row for row in self.rows if row.en_bloc]

    @property
    def heading(self) -> str:
        """'C21/VCC-1 — <title>', or the title alone when it already names the meeting."""
        if self.meeting_title is None:
            return self.meeting_id
        if self.meeting_id in self.meeting_title.en:
            return self.meeting_title.en
        return f"{self.meeting_id} \u2014 {self.meeting_title.en}"

    @property
    def en_bloc_text(self) -> str:
        """'1 (PL 1.01), 2 (PL 1.02)': the en-bloc items, unescaped."""
        return ", ".join(f"{row.number} ({row.code})" for row in self.en_bloc)

    @property
    def summary_text(self) -> str:
        """'57 items over 8 days, 1500 min (25 h) of planned discussion.'"""
        return (
            f"{count_text(len(self.rows), 'item')} over {count_text(len(self.days), 'day')}, "
            f"{minutes_text(self.total_minutes)} of planned discussion."
        )

    @property
    def total_minutes(self) -> int:
        return sum(day.planned_minutes for day in self.days)

    def zone_heading(self, zone: str) -> str:
        """Column heading for an extra zone: its city, or its IANA name if that is ambiguous."""
        label = zone_label(zone)
        others = [zone_label(z) for z in self.extra_zones if z != zone] + [self.zone_label, "UTC"]
        return zone if label in others else label

    @property
    def solver_text(self) -> str:
        """The footer: how the plan was found, in words a reader can check. The solver's internal
        scores (balance, tiebreak) are not for readers: plan.json and ``--verbose`` keep them."""
        s = self.solver
        parts = [f"Planned by OR-Tools CP-SAT: status {s.status}{SOLVER_STATUS.get(s.status, '')}, {s.seconds:.2f} s deterministic time"]
        days = s.objectives.get("days") if s.objectives else None
        if days is not None:
            bound = f" (at least {s.lower_bound_days} needed)" if s.lower_bound_days is not None else ""
            parts.append(f"{count_text(days, 'meeting day')}{bound}")
        elif s.lower_bound_days is not None:
            parts.append(f"at least {count_text(s.lower_bound_days, 'day')} needed")
        if s.objectives and "moved" in s.objectives:
            moved = s.objectives["moved"]
            parts.append(f"{count_text(moved, 'item')} off the day announced" if moved else "no item off the day announced")
        if s.objectives and "inversions" in s.objectives:
            inversions = s.objectives["inversions"]
            parts.append(
                f"{count_text(inversions, 'pair')} of items out of agenda order" if inversions else "agenda order kept"
            )
        if s.buffer_minutes is not None:
            parts.append(f"{s.buffer_minutes} min kept free per day")
        return "; ".join(parts) + "."


#: What a solver status means for the plan shown.
SOLVER_STATUS = {
    "OPTIMAL": " (proven best)",
    "FEASIBLE": " (valid, not proven best within the time limit)",
}


def check_plan_matches(plan: Plan, data: MeetingData) -> dict[int, Item]:
    """The agenda items of the plan; ``DataError`` if plan and data disagree.

    A plan made for another meeting, zone or agenda version would be shown with
    wrong titles: re-run ``vccsched plan`` on the current data instead.
    """
    meeting = data.meeting
    problems: list[str] = []
    if plan.meeting != meeting.id:
        problems.append(f"plan is for meeting {plan.meeting!r}, the data for {meeting.id!r}")
    if plan.timezone != meeting.timezone:
        problems.append(f"plan is in zone {plan.timezone!r}, the meeting in {meeting.timezone!r}")
    by_number = {item.number: item for item in data.agenda.items}
    items: dict[int, Item] = {}
    for planned in plan.items:
        item = by_number.get(planned.number)
        if item is None:
            problems.append(f"item {planned.number} ({planned.code}) is not on the agenda")
        elif item.code != planned.code:
            problems.append(
                f"item {planned.number}: the plan says code {planned.code!r}, "
                f"the agenda {item.code!r}"
            )
        else:
            items[planned.number] = item
    if problems:
        raise DataError(
            f"the plan does not match the meeting data in {data.directory}; "
            "re-run 'vccsched plan' on these data",
            title="Plan and data disagree",
            details=problems,
        )
    return items


def _utc_windows(data: MeetingData, days: Sequence[dt.date]) -> str:
    """'10:00–13:00 UTC', or each UTC window with its dates when a DST change falls inside."""
    groups: list[tuple[str, dt.date, dt.date]] = []
    for day in days:
        start, end = data.meeting.session_bounds(day)
        text = local_range_text(start.astimezone(UTC), end.astimezone(UTC), day)
        if groups and groups[-1][0] == text:
            groups[-1] = (text, groups[-1][1], day)
        else:
            groups.append((text, day, day))
    if len(groups) <= 1:
        return f"{groups[0][0]} UTC" if groups else "UTC"
    return "; ".join(
        f"{text} UTC on {date_text(first, weekday=False)}"
        if first == last
        else f"{text} UTC from {date_text(first, weekday=False)} to {date_text(last, weekday=False)}"
        for text, first, last in groups
    )


def build_view(plan: Plan, data: MeetingData, extra_zones: Sequence[str] = ()) -> PlanView:
    """Check and prepare ``plan`` for display; raises ``DataError`` on mismatch or bad zone."""
    zones = resolve_zones(extra_zones)
    items = check_plan_matches(plan, data)
    meeting = data.meeting
    label = zone_label(meeting.timezone)
    window = meeting.window
    day_views: list[DayView] = []
    for day in plan.days:
        rows: list[RowView] = []
        for planned in day.items:
            item = items[planned.number]
            start, end = in_zone(planned.start, meeting.timezone), in_zone(planned.end, meeting.timezone)
            start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
            local = tuple(
                LocalTime(
                    zone=z,
                    start=in_zone(start, z),
                    end=in_zone(end, z),
                    text=local_range_text(in_zone(start, z), in_zone(end, z), day.date),
                )
                for z in zones
            )
            rows.append(
                RowView(
                    number=item.number,
                    code=item.code,
                    title=item.title,
                    documents=tuple(item.documents),
                    minutes=planned.minutes,
                    en_bloc=item.en_bloc,
                    block=item.block,
                    start=start,
                    end=end,
                    start_utc=start_utc,
                    end_utc=end_utc,
                    zone_time=local_range_text(start, end, day.date),
                    utc_time=local_range_text(start_utc, end_utc, day.date),
                    local=local,
                )
            )
        s_start, s_end = meeting.session_bounds(day.date)
        day_views.append(
            DayView(
                date=day.date,
                date_text=date_text(day.date),
                session_zone=f"{s_start:%H:%M}\u2013{s_end:%H:%M} {label}",
                session_utc=local_range_text(s_start.astimezone(UTC), s_end.astimezone(UTC), day.date)
                + " UTC",
                rows=tuple(rows),
                planned_minutes=day.minutes,
                window_minutes=window.minutes,
            )
        )
    window_days = [d.date for d in plan.days] or list(meeting.dates)
    return PlanView(
        meeting_id=meeting.id,
        meeting_title=meeting.title,
        zone=meeting.timezone,
        zone_label=label,
        extra_zones=zones,
        window_text=f"{window.start:%H:%M}\u2013{window.end:%H:%M} {label} "
        f"({_utc_windows(data, window_days)})",
        days=tuple(day_views),
        solver=plan.solver,
    )
