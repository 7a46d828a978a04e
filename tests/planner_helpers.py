"""Small planning instances built directly from the models, for the planner tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from vccsched.loading import MeetingData
from vccsched.models import Agenda, Item, LocalizedText, Meeting, Pin, Roster, Window


def make_data(
    minutes: list[int | None],
    *,
    dates: int = 3,
    max_days: int | None = None,
    buffer: int = 20,
    window: tuple[int, int] = (12, 15),
    blocks: dict[int, str] | None = None,
    pins: list[Pin] | None = None,
    groups: dict[int, int] | None = None,
    start: dt.date = dt.date(2021, 6, 8),
) -> MeetingData:
    """Items 1..n with these minutes (Group 1 unless ``groups`` says otherwise),
    on ``dates`` consecutive days from ``start``."""
    blocks = blocks or {}
    groups = groups or {}
    items = [
        Item(
            number=n,
            code=f"ADM {n}",
            title=LocalizedText(zh=f"议项{n}", en=f"Item {n}"),
            previous_vcc=None,
            proposed_group=groups.get(n, 1),
            minutes=m,
            block=blocks.get(n),
        )
        for n, m in enumerate(minutes, start=1)
    ]
    meeting = Meeting(
        id="TEST/VCC",
        timezone="Europe/Zurich",
        window=Window(start=dt.time(window[0]), end=dt.time(window[1])),
        dates=[start + dt.timedelta(days=k) for k in range(dates)],
        max_days=max_days or dates,
        contribution_deadline=start - dt.timedelta(days=14),
        grouping_reply_deadline=start - dt.timedelta(days=60),
        buffer_minutes=buffer,
        pins=pins or [],
    )
    return MeetingData(
        directory=Path("test-meeting"),
        meeting=meeting,
        agenda=Agenda(items=items),
        roster=Roster(delegations=[]),
    )


def day_numbers(plan) -> list[list[int]]:
    return [[item.number for item in day.items] for day in plan.days]
