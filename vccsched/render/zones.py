"""Time zones for the renderers: checking ``--tz`` names and describing local times.

A local time is always shown relative to the *meeting* date of the session it
belongs to, so that a reader in Auckland sees "+1 day" on an item that starts
on the Geneva day before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from vccsched.errors import DataError
from vccsched.models import check_timezone

#: How the publications name a meeting zone; other zones are named by their
#: IANA city ("America/New_York" -> "New York").
ZONE_LABELS = {"Europe/Zurich": "Geneva", "UTC": "UTC", "Etc/UTC": "UTC"}

UTC = dt.timezone.utc


def zone_label(name: str) -> str:
    """Short human name of a zone: 'Geneva' for Europe/Zurich, else the city."""
    if name in ZONE_LABELS:
        return ZONE_LABELS[name]
    return name.rsplit("/", 1)[-1].replace("_", " ")


def resolve_zones(names: Sequence[str], *, option: str = "--tz") -> tuple[str, ...]:
    """Check the extra zones asked for; repeats are dropped, order is kept.

    Raises ``DataError`` naming every unknown zone, so that a user can fix
    them all in one go.
    """
    seen: list[str] = []
    problems: list[str] = []
    for name in names:
        try:
            check_timezone(name)
        except ValueError as exc:
            problems.append(f"{option} {name!r}: {exc}")
            continue
        if name not in seen:
            seen.append(name)
    if problems:
        raise DataError(
            f"{len(problems)} unknown time zone(s) given with {option}",
            title="Unknown time zone",
            details=problems,
        )
    return tuple(seen)


def day_shift(moment: dt.datetime, meeting_date: dt.date) -> int:
    """Days between ``moment``'s own calendar date and the meeting date."""
    return (moment.date() - meeting_date).days


def shift_text(days: int) -> str:
    """'+1 day', '-1 day', '+2 days' (with a real minus sign for readers)."""
    sign = "+" if days > 0 else "\u2212"
    unit = "day" if abs(days) == 1 else "days"
    return f"{sign}{abs(days)} {unit}"


def local_range_text(start: dt.datetime, end: dt.datetime, meeting_date: dt.date) -> str:
    """'22:00–22:20 (+1 day)', '23:50–00:10 (ends +1 day)' or plain '08:00–08:20'."""
    times = f"{start:%H:%M}\u2013{end:%H:%M}"
    s, e = day_shift(start, meeting_date), day_shift(end, meeting_date)
    if s == e == 0:
        return times
    if s == e:
        return f"{times} ({shift_text(s)})"
    if s == 0:
        return f"{times} (ends {shift_text(e)})"
    return f"{times} (starts {shift_text(s)}, ends {shift_text(e)})"


def in_zone(moment: dt.datetime, name: str) -> dt.datetime:
    """``moment`` (aware) in the IANA zone ``name``."""
    return moment.astimezone(ZoneInfo(name))
