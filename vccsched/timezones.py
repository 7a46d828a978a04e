"""Who is asked to meet at night: the daily window in every delegation's local time.

Pure computation, no I/O. Call :func:`timezone_report` with the meeting and the
roster (and optionally a window from :func:`parse_window`); render the result
with :func:`report_payload` (JSON-ready) or the renderers of
``vccsched.cli.roster``.

Rules, as the README states them:

* Every meeting date is computed on its own with ``zoneinfo``: the window is
  fixed in the meeting's time zone (Geneva = Europe/Zurich), so a delegation's
  local window moves when either side changes summer time, even mid-meeting.
* A window is *at night* for a delegation when it overlaps 22:00–07:00 local
  time by at least one minute (a window ending at 22:00 or starting at 07:00 is
  not). Night minutes are measured in real elapsed time, so a night containing
  a summer-time change counts what the clock really spends in it.
* Candidate windows have the length of the window in use, start on the quarter
  hour from 07:00 and end by 20:00 in the meeting's time zone. The window in use
  is always ranked too, even if it is off that grid. They are ranked by the
  number of Council Members at night on at least one date, then the Council
  Members' night minutes summed over all dates, then all delegations' night
  minutes, then the earliest start.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from vccsched.errors import DataError
from vccsched.models import Category, Delegation, Meeting, Roster, Window

UTC = dt.timezone.utc

#: Night hours, local time: a window overlapping them is flagged.
NIGHT_START = dt.time(22, 0)
NIGHT_END = dt.time(7, 0)

#: Candidate windows start at or after this time in the meeting's time zone ...
EARLIEST_START = dt.time(7, 0)
#: ... and end at or before this one.
LATEST_END = dt.time(20, 0)
#: ... starting on the quarter hour (fine enough for zones at :30 and :45).
CANDIDATE_STEP_MINUTES = 15

#: Order of the categories in every listing: who speaks first comes first.
CATEGORY_ORDER: tuple[Category, ...] = (
    "council_member",
    "observer_state",
    "palestine_observer",
    "sector_member",
    "chair",
    "secretariat",
    "interpreter",
)

_WINDOW_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")


def parse_window(text: str, *, option: str = "--window") -> Window:
    """Read ``HH:MM-HH:MM`` (an en dash is accepted too) as a :class:`Window`.

    Raises :class:`DataError` naming ``option`` when the text is malformed, a
    time does not exist, the window has zero length or crosses midnight.
    """
    match = _WINDOW_RE.match(text)
    if not match:
        raise DataError(f"{option}: expected HH:MM-HH:MM such as 12:00-15:00, found {text!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    for hour, minute in ((h1, m1), (h2, m2)):
        if hour > 23 or minute > 59:
            raise DataError(
                f"{option}: {hour:02d}:{minute:02d} is not a time of day; hours run from "
                f"00 to 23 and minutes from 00 to 59 (found {text!r})"
            )
    start, end = dt.time(h1, m1), dt.time(h2, m2)
    if start == end:
        raise DataError(
            f"{option}: {start:%H:%M}-{end:%H:%M} has zero length; give an end after the start "
            "such as 12:00-15:00"
        )
    if end < start:
        raise DataError(
            f"{option}: {start:%H:%M}-{end:%H:%M} ends before it starts, i.e. crosses midnight; "
            "a daily window must lie within one day of the meeting's time zone, such as 12:00-15:00"
        )
    return Window(start=start, end=end)


def _minutes_of_day(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def _time_of_minutes(minutes: int) -> dt.time:
    return dt.time(minutes // 60, minutes % 60)


def night_minutes(start: dt.datetime, end: dt.datetime, zone: ZoneInfo) -> int:
    """Minutes of ``[start, end)`` (aware datetimes) that fall in 22:00–07:00 in ``zone``.

    Arithmetic is done in UTC: Python subtracts two datetimes sharing one
    tzinfo by wall clock, which would be wrong across a summer-time change.
    """
    start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
    total = dt.timedelta(0)
    day = start_utc.astimezone(zone).date() - dt.timedelta(days=1)
    while True:
        night_from = dt.datetime.combine(day, NIGHT_START, tzinfo=zone).astimezone(UTC)
        if night_from >= end_utc:
            break
        night_to = dt.datetime.combine(
            day + dt.timedelta(days=1), NIGHT_END, tzinfo=zone
        ).astimezone(UTC)
        overlap = min(end_utc, night_to) - max(start_utc, night_from)
        if overlap > dt.timedelta(0):
            total += overlap
        day += dt.timedelta(days=1)
    return int(total.total_seconds() // 60)


@dataclass(frozen=True)
class LocalDay:
    """The window on one meeting date, seen from one time zone."""

    date: dt.date
    """The meeting date (in the meeting's time zone)."""
    meeting_start: dt.datetime
    meeting_end: dt.datetime
    local_start: dt.datetime
    local_end: dt.datetime
    night_minutes: int

    @property
    def start_day_shift(self) -> int:
        """Local date of the start minus the meeting date: -1, 0 or +1."""
        return (self.local_start.date() - self.date).days

    @property
    def end_day_shift(self) -> int:
        return (self.local_end.date() - self.date).days

    @property
    def utc_offset(self) -> dt.timedelta:
        """The local UTC offset at the start of the window."""
        offset = self.local_start.utcoffset()
        assert offset is not None
        return offset

    @property
    def at_night(self) -> bool:
        return self.night_minutes > 0

    @property
    def local_key(self) -> tuple[dt.time, int, dt.time, int]:
        """What a reader sees: local times and day shifts (equal keys print alike)."""
        return (
            self.local_start.time(),
            self.start_day_shift,
            self.local_end.time(),
            self.end_day_shift,
        )


def local_days(
    meeting_zone: ZoneInfo, window: Window, dates: Sequence[dt.date], zone: ZoneInfo
) -> tuple[LocalDay, ...]:
    """The window on each of ``dates`` in ``zone``, one :class:`LocalDay` per date."""
    days = []
    for day in dates:
        start = dt.datetime.combine(day, window.start, tzinfo=meeting_zone)
        end = dt.datetime.combine(day, window.end, tzinfo=meeting_zone)
        days.append(
            LocalDay(
                date=day,
                meeting_start=start,
                meeting_end=end,
                local_start=start.astimezone(zone),
                local_end=end.astimezone(zone),
                night_minutes=night_minutes(start, end, zone),
            )
        )
    return tuple(days)


@dataclass(frozen=True)
class Segment:
    """A run of consecutive meeting dates on which the local window reads the same."""

    first: dt.date
    last: dt.date
    day: LocalDay
    """The first date's :class:`LocalDay`; times and shifts are the same on every date."""


@dataclass(frozen=True)
class DelegationTimes:
    """One delegation's local window on every meeting date."""

    delegation: Delegation
    days: tuple[LocalDay, ...]

    @property
    def night_days(self) -> tuple[LocalDay, ...]:
        return tuple(d for d in self.days if d.at_night)

    @property
    def at_night(self) -> bool:
        """At night on at least one meeting date."""
        return any(d.at_night for d in self.days)

    @property
    def night_minutes(self) -> int:
        """Night minutes summed over all meeting dates."""
        return sum(d.night_minutes for d in self.days)

    @property
    def segments(self) -> tuple[Segment, ...]:
        """Consecutive dates grouped by identical local window (more than one across DST)."""
        segments: list[Segment] = []
        for day in self.days:
            if segments and segments[-1].day.local_key == day.local_key:
                segments[-1] = Segment(segments[-1].first, day.date, segments[-1].day)
            else:
                segments.append(Segment(day.date, day.date, day))
        return tuple(segments)

    def sort_key(self) -> tuple[int, dt.timedelta, str]:
        """Category priority, then UTC offset on the first date (west first), then id."""
        return (
            CATEGORY_ORDER.index(self.delegation.category),
            self.days[0].utc_offset,
            self.delegation.id,
        )


@dataclass(frozen=True)
class Candidate:
    """One candidate daily window and what it costs in night hours."""

    window: Window
    rank: int
    council_members_at_night: tuple[str, ...]
    """Ids of Council Members at night on at least one date, in listing order."""
    council_member_night_minutes: int
    delegations_at_night: int
    delegation_night_minutes: int
    current: bool
    """True for the window in use (meeting.yaml or --window)."""
    on_grid: bool
    """False when the window in use is off the quarter-hour 07:00–20:00 grid."""

    def sort_key(self) -> tuple[int, int, int, dt.time]:
        return (
            len(self.council_members_at_night),
            self.council_member_night_minutes,
            self.delegation_night_minutes,
            self.window.start,
        )


@dataclass(frozen=True)
class TimezoneReport:
    """The window in every delegation's local time and, optionally, the ranking."""

    meeting_id: str
    timezone: str
    window: Window
    window_source: str
    """'meeting.yaml' or '--window'."""
    dates: tuple[dt.date, ...]
    delegations: tuple[DelegationTimes, ...]
    """In listing order: category priority, UTC offset on the first date, id."""
    candidates: tuple[Candidate, ...] | None
    """Ranked best first; None when a window was given explicitly."""
    roster_is_example: bool = False

    @property
    def night_council_members(self) -> tuple[DelegationTimes, ...]:
        return tuple(
            d for d in self.delegations if d.delegation.category == "council_member" and d.at_night
        )

    @property
    def night_others(self) -> tuple[DelegationTimes, ...]:
        return tuple(
            d for d in self.delegations if d.delegation.category != "council_member" and d.at_night
        )

    @property
    def current_candidate(self) -> Candidate | None:
        if self.candidates is None:
            return None
        return next(c for c in self.candidates if c.current)


def candidate_windows(
    minutes: int,
    *,
    earliest: dt.time = EARLIEST_START,
    latest_end: dt.time = LATEST_END,
    step: int = CANDIDATE_STEP_MINUTES,
) -> list[Window]:
    """Windows of ``minutes`` starting every ``step`` minutes from ``earliest``, ending by ``latest_end``."""
    first, last_start = _minutes_of_day(earliest), _minutes_of_day(latest_end) - minutes
    return [
        Window(start=_time_of_minutes(s), end=_time_of_minutes(s + minutes))
        for s in range(first, last_start + 1, step)
    ]


def _delegation_times(
    meeting: Meeting, roster: Roster, window: Window
) -> tuple[DelegationTimes, ...]:
    # Many delegations share a zone; compute each zone once.
    per_zone: dict[str, tuple[LocalDay, ...]] = {}
    result = []
    for delegation in roster.delegations:
        if delegation.category == "interpreter":
            continue  # the interpreters are not a delegation: the window is chosen for the delegations
        if delegation.timezone not in per_zone:
            per_zone[delegation.timezone] = local_days(
                meeting.zone, window, meeting.dates, ZoneInfo(delegation.timezone)
            )
        result.append(DelegationTimes(delegation, per_zone[delegation.timezone]))
    return tuple(sorted(result, key=DelegationTimes.sort_key))


def rank_windows(meeting: Meeting, roster: Roster, current: Window) -> tuple[Candidate, ...]:
    """Rank the candidate windows of ``current``'s length (see the module docstring).

    ``current`` is always among the result, flagged ``current=True``; ranks run
    1..n without ties (the earliest start breaks the last tie).
    """
    grid = candidate_windows(current.minutes)
    windows = list(grid)
    if current not in windows:
        windows.append(current)
    unranked = []
    for window in windows:
        times = _delegation_times(meeting, roster, window)
        council = [t for t in times if t.delegation.category == "council_member"]
        unranked.append(
            Candidate(
                window=window,
                rank=0,
                council_members_at_night=tuple(t.delegation.id for t in council if t.at_night),
                council_member_night_minutes=sum(t.night_minutes for t in council),
                delegations_at_night=sum(1 for t in times if t.at_night),
                delegation_night_minutes=sum(t.night_minutes for t in times),
                current=window == current,
                on_grid=window in grid,
            )
        )
    ordered = sorted(unranked, key=Candidate.sort_key)
    return tuple(replace(c, rank=i) for i, c in enumerate(ordered, start=1))


def timezone_report(
    meeting: Meeting, roster: Roster, window: Window | None = None
) -> TimezoneReport:
    """Compute the report; pass ``window`` to check another window (no ranking then).

    With ``window=None`` the meeting's own window is used and the candidate
    windows of the same length are ranked.
    """
    used = window if window is not None else meeting.window
    return TimezoneReport(
        meeting_id=meeting.id,
        timezone=meeting.timezone,
        window=used,
        window_source="--window" if window is not None else "meeting.yaml",
        dates=tuple(meeting.dates),
        delegations=_delegation_times(meeting, roster, used),
        candidates=None if window is not None else rank_windows(meeting, roster, used),
        roster_is_example=roster.example,
    )


# ---------------------------------------------------------------------------
# JSON-ready payload (the CLI's --format json, and later the console/server).


def iso_offset(offset: dt.timedelta) -> str:
    """'+02:00', '-04:00', '+05:45'."""
    total = int(offset.total_seconds() // 60)
    sign = "-" if total < 0 else "+"
    total = abs(total)
    return f"{sign}{total // 60:02d}:{total % 60:02d}"


def _hhmm(t: dt.time) -> str:
    return t.strftime("%H:%M")


def _day_payload(day: LocalDay) -> dict:
    return {
        "date": day.date.isoformat(),
        "meeting_start": day.meeting_start.isoformat(),
        "meeting_end": day.meeting_end.isoformat(),
        "local_start": day.local_start.isoformat(),
        "local_end": day.local_end.isoformat(),
        "utc_offset": iso_offset(day.utc_offset),
        "start_day_shift": day.start_day_shift,
        "end_day_shift": day.end_day_shift,
        "night_minutes": day.night_minutes,
    }


def _delegation_payload(times: DelegationTimes) -> dict:
    d = times.delegation
    return {
        "id": d.id,
        "name": d.name,
        "category": d.category,
        "region": d.region,
        "timezone": d.timezone,
        "utc_offset_first": iso_offset(times.days[0].utc_offset),
        "utc_offset_last": iso_offset(times.days[-1].utc_offset),
        "night": times.at_night,
        "night_dates": [day.date.isoformat() for day in times.night_days],
        "night_minutes": times.night_minutes,
        "days": [_day_payload(day) for day in times.days],
    }


def _candidate_payload(c: Candidate) -> dict:
    return {
        "rank": c.rank,
        "start": _hhmm(c.window.start),
        "end": _hhmm(c.window.end),
        "current": c.current,
        "on_grid": c.on_grid,
        "council_members_at_night": len(c.council_members_at_night),
        "council_member_ids_at_night": list(c.council_members_at_night),
        "council_member_night_minutes": c.council_member_night_minutes,
        "delegations_at_night": c.delegations_at_night,
        "delegation_night_minutes": c.delegation_night_minutes,
    }


def report_payload(report: TimezoneReport) -> dict:
    """The report as plain JSON types, keys in a fixed order."""
    return {
        "meeting": report.meeting_id,
        "window": {
            "start": _hhmm(report.window.start),
            "end": _hhmm(report.window.end),
            "timezone": report.timezone,
            "minutes": report.window.minutes,
            "source": report.window_source,
        },
        "dates": [d.isoformat() for d in report.dates],
        "night_hours": {"start": _hhmm(NIGHT_START), "end": _hhmm(NIGHT_END)},
        "roster_is_example": report.roster_is_example,
        "delegations": [_delegation_payload(t) for t in report.delegations],
        "night_council_members": [t.delegation.id for t in report.night_council_members],
        "candidates": (
            None
            if report.candidates is None
            else [_candidate_payload(c) for c in report.candidates]
        ),
    }

