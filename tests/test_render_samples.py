"""Small hand-made meetings and plans shared by the renderer tests.

Import the factories with ``from test_render_samples import ...``; the tests in
this file check that the samples are what the other tests assume.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from vccsched.loading import MeetingData
from vccsched.models import Agenda, Item, LocalizedText, Meeting, Roster, Window
from vccsched.plan import Plan, PlannedDay, PlannedItem, SolverInfo
from vccsched.render import render_plan

GENEVA = ZoneInfo("Europe/Zurich")

#: A title a renderer must escape in HTML and Markdown.
NASTY_EN = "Budget <script>alert(1)</script> & R|D *draft*"


def _item(number, code, en, zh, documents, minutes, *, en_bloc=False, block=None) -> Item:
    return Item(
        number=number,
        code=code,
        title=LocalizedText(zh=zh, en=en),
        previous_vcc=None,
        documents=documents,
        proposed_group=1,
        en_bloc=en_bloc,
        minutes=minutes,
        block=block,
    )


AGENDA = Agenda(
    items=[
        _item(1, "PL 1.01", "Report of CWG-WSIS&SDG", "信息社会世界峰会工作组的报告", ["C21/8"], 5,
              en_bloc=True, block="en-bloc"),
        _item(2, "PL 1.02", "Report of CWG-Internet", "互联网工作组的报告", ["C21/51"], 5,
              en_bloc=True, block="en-bloc"),
        _item(3, "PL 1.03", "ITU's activities related to the Internet", "国际电联互联网活动",
              ["C20/33", "C21/33"], 30),
        _item(36, "ADM 1", NASTY_EN, "2022-2023年双年度预算草案", ["C21/65", "C21/#"], 20,
              block="budget"),
        _item(37, "ADM 1", "Financial operating report", "财务运营报告", [], 20, block="budget"),
    ]
)  # fmt: skip


def meeting(dates: list[dt.date], meeting_id: str = "C21/VCC-1") -> Meeting:
    return Meeting(
        id=meeting_id,
        title=LocalizedText(zh="理事磋商会虚拟会议", en="Virtual consultation of councillors"),
        timezone="Europe/Zurich",
        window=Window(start=dt.time(12), end=dt.time(15)),
        dates=dates,
        max_days=9,
        contribution_deadline=dates[0] - dt.timedelta(days=14),
        grouping_reply_deadline=dates[0] - dt.timedelta(days=60),
    )


def meeting_data(dates: list[dt.date], meeting_id: str = "C21/VCC-1") -> MeetingData:
    return MeetingData(
        directory=Path("sample-meeting"),
        meeting=meeting(dates, meeting_id),
        agenda=AGENDA,
        roster=Roster(delegations=[]),
    )


def _planned(number: int, code: str, day: dt.date, start: str, minutes: int) -> PlannedItem:
    begin = dt.datetime.combine(day, dt.time.fromisoformat(start), tzinfo=GENEVA)
    return PlannedItem(
        number=number, code=code, start=begin, end=begin + dt.timedelta(minutes=minutes),
        minutes=minutes,
    )  # fmt: skip


def sample_plan(first: dt.date = dt.date(2021, 6, 8), second: dt.date = dt.date(2021, 6, 10)) -> Plan:
    """Day 1: the en-bloc pair and item 3 from 12:00; day 2: the budget block from 13:50,
    so that item 36 straddles midnight in Auckland (UTC+12 in June)."""
    return Plan(
        meeting="C21/VCC-1",
        timezone="Europe/Zurich",
        days=[
            PlannedDay(
                date=first,
                items=[
                    _planned(1, "PL 1.01", first, "12:00", 5),
                    _planned(2, "PL 1.02", first, "12:05", 5),
                    _planned(3, "PL 1.03", first, "12:10", 30),
                ],
            ),
            PlannedDay(
                date=second,
                items=[
                    _planned(36, "ADM 1", second, "13:50", 20),
                    _planned(37, "ADM 1", second, "14:10", 20),
                ],
            ),
        ],
        solver=SolverInfo(
            status="OPTIMAL",
            seconds=0.0123,
            objectives={"days": 2, "inversions": 0, "imbalance": 20},
            lower_bound_days=1,
            buffer_minutes=20,
        ),
    )


JUNE = [dt.date(2021, 6, d) for d in (8, 9, 10, 11, 14, 15, 16, 17, 18)]
NOVEMBER = [dt.date(2021, 11, d) for d in (9, 10, 11)]


def june() -> tuple[Plan, MeetingData]:
    return sample_plan(), meeting_data(JUNE)


def november() -> tuple[Plan, MeetingData]:
    return sample_plan(dt.date(2021, 11, 9), dt.date(2021, 11, 11)), meeting_data(NOVEMBER)


def test_sample_plan_is_aware_and_in_the_window():
    plan, data = june()
    for day in plan.days:
        lo, hi = data.meeting.session_bounds(day.date)
        for item in day.items:
            assert item.start.tzinfo is not None
            assert lo <= item.start < item.end <= hi


def rendered(fmt: str, sample=june, zones=()) -> str:
    """``sample``'s plan rendered in ``fmt`` (with extra ``zones``)."""
    plan, data = sample()
    return render_plan(plan, data, fmt, zones)
