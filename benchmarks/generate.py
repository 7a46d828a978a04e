"""Deterministic generator of planning instances larger than C21/VCC-1.

``generate_meeting(items, dates, seed)`` returns a :class:`MeetingData` with
``items`` Group 1 items (minutes drawn like C21/VCC-1's estimates: 5 to 45 in
steps of 5), a few blocks of consecutive items, one spread-out en-bloc block
of five 5-minute items, weekday dates from 7 June 2021, the 12:00-15:00
Europe/Zurich window and a 20-minute buffer. The total is sized so that the
lower bound of days is about nine tenths of the dates. Same arguments, same
instance.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from vccsched.loading import MeetingData
from vccsched.models import Agenda, Item, LocalizedText, Meeting, Roster, Window

MINUTES = (10, 15, 15, 20, 20, 20, 25, 30, 30, 35, 40)


def weekdays(start: dt.date, count: int) -> list[dt.date]:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def generate_meeting(items: int, dates: int, seed: int = 1) -> MeetingData:
    rng = random.Random(seed)
    usable = 160
    target = int(0.85 * dates * usable)
    minutes = [rng.choice(MINUTES) for _ in range(items)]
    # Scale towards the target total, keeping multiples of 5 and at least 5 minutes.
    scale = target / sum(minutes)
    minutes = [max(5, int(round(m * scale / 5)) * 5) for m in minutes]
    blocks: dict[int, str] = {}
    for b, start in enumerate(range(20, items - 10, 60)):
        for k in range(rng.randint(3, 5)):
            blocks[start + k] = f"block-{b + 1}"
    en_bloc = sorted(rng.sample([n for n in range(1, min(items, 40)) if n not in blocks], 5))
    for n in en_bloc:
        blocks[n] = "en-bloc"
        minutes[n - 1] = 5
    # Blocks must fit one day's usable minutes.
    for name in sorted(set(blocks.values())):
        members = [n for n, b in blocks.items() if b == name]
        while sum(minutes[n - 1] for n in members) > usable - 20:
            longest = max(members, key=lambda n: minutes[n - 1])
            minutes[longest - 1] -= 5
    agenda = Agenda(
        items=[
            Item(
                number=n,
                code=f"ADM {n}",
                title=LocalizedText(zh=f"议项 {n}", en=f"Item {n}"),
                previous_vcc=None,
                proposed_group=1,
                minutes=minutes[n - 1],
                block=blocks.get(n),
                en_bloc=blocks.get(n) == "en-bloc",
            )
            for n in range(1, items + 1)
        ]
    )
    meeting = Meeting(
        id=f"GEN-{items}x{dates}-s{seed}",
        timezone="Europe/Zurich",
        window=Window(start=dt.time(12), end=dt.time(15)),
        dates=weekdays(dt.date(2021, 6, 7), dates),
        max_days=dates,
        contribution_deadline=dt.date(2021, 5, 25),
        grouping_reply_deadline=dt.date(2021, 3, 12),
        buffer_minutes=20,
    )
    return MeetingData(
        directory=Path(f"generated/{meeting.id}"),
        meeting=meeting,
        agenda=agenda,
        roster=Roster(delegations=[]),
    )
