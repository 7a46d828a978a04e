"""What the console shows, computed without a screen: countdown, waiting list, agenda, plan."""

from __future__ import annotations

import datetime as dt

from console.model import (
    agenda_rows,
    countdown,
    day_label,
    describe,
    planned_day,
    queue_rows,
    slip_text,
)
from console.sample import OPENING, Script, mixed_floor


def test_the_countdown_turns_to_warning_at_30_s_and_shows_the_overrun():
    s = mixed_floor()
    speaker = s.state.speaker  # Saudi Arabia, 3:00 from 12:15:47
    at = lambda seconds: countdown(s.state, speaker.since + dt.timedelta(seconds=seconds))  # noqa: E731
    assert (at(0).display, at(0).phase) == ("3:00", "normal")
    assert (at(149.5).display, at(149.5).phase) == ("0:31", "normal")
    assert (at(150).display, at(150).phase) == ("0:30", "warning")
    assert (at(179.4).display, at(179.4).phase) == ("0:01", "warning")  # 0:00 only when time is out
    assert (at(180).display, at(180).phase) == ("+0:00", "overrun")
    assert (at(196).display, at(196).phase) == ("+0:16", "overrun")
    assert at(0).name == "Saudi Arabia" and at(0).tier == "CM" and at(0).out_of_order
    left_at_pause = countdown(s.state, s.now).display
    s.do("VC", {"type": "pause_clock"}, wait=600)
    paused = countdown(s.state, s.now)  # ten minutes later: the clock stood still
    assert paused.paused and paused.display == left_at_pause


def test_the_waiting_list_is_the_servers_order_with_names_tiers_and_speaking_time():
    s = mixed_floor()
    rows = queue_rows(s.state)
    assert [(r.place, r.delegation, r.tier, r.kind_label) for r in rows] == [
        (1, "RUS", "CM", "point of order"),
        (2, "IRN", "CM", "speech"),
        (3, "CIV", "CM", "speech"),
        (4, "JPN", "CM", "speech"),  # spoke already: after those who have not
        (5, "GBR", "Obs", "speech"),
        (6, "PSE", "Obs", "speech"),
        (7, "SM-R1", "SM", "speech"),
        (8, "SM-T2", "SM", "speech"),
        (9, "CHN", "CM", "right of reply"),
    ]
    japan = rows[3]
    assert japan.name == "Japan" and japan.item_seconds == japan.meeting_seconds == 231
    assert rows[1].name == "Iran (Islamic Republic of)"  # names in full: the chair reads them aloud


def test_the_agenda_and_the_days_plan():
    s = mixed_floor()
    statuses = {r.number: r.status for r in agenda_rows(s.state, s.now)}
    assert statuses[1] == statuses[9] == "approved en bloc" and statuses[36] == "open" and statuses[3] == "pending"
    now = s.now  # 12:16:23, item 36 open since 12:04, planned 12:25-13:35
    day = planned_day(s.state, now)
    assert (day.number, day.of, day.revision) == (1, 2, 1)
    assert [r.number for r in day.rows] == [1, 2, 7, 8, 9, 36, 37, 38, 41]
    item = next(r for r in day.rows if r.number == 36)
    assert (item.planned_minutes, item.used_minutes) == (70, 12)
    # It would end 58 min from now (70 planned, 12 used): 13:14 against 13:35 planned.
    assert day.slip_minutes == -21 and slip_text(day.slip_minutes) == "21′ ahead"
    assert day_label(s.state, now) == "Day 1 of 2"
    late = now + dt.timedelta(minutes=90)  # item 36 still open at 13:46: 11 min past its planned end
    assert planned_day(s.state, late).slip_minutes == 11 and slip_text(11) == "11′ behind"


def test_before_a_plan_the_day_comes_from_the_meeting_dates():
    s = Script()
    assert planned_day(s.state, OPENING) is None
    assert day_label(s.state, OPENING) == "Day 1 of 9"
    # The day before the meeting is said plainly (it was "", which said nothing).
    assert day_label(s.state, OPENING - dt.timedelta(days=1)) == "Before the first meeting day"
    assert day_label(s.state, OPENING + dt.timedelta(days=4)) == ""  # Saturday 12 June: between days


def test_log_lines_name_delegations_in_full():
    s = mixed_floor()
    lines = [describe(e, s.state) for e in s.floor.events]
    assert "items 1, 2, 7, 8, 9 concluded en bloc" in lines
    assert "floor to Saudi Arabia (speech, out of order, 3:00)" in lines
    assert "Russian Federation asked for the floor (point of order)" in lines
    assert lines[0] == "plan revision 1 published by Secretary-General"


def test_after_the_last_planned_day_the_day_shown_has_no_slip():
    # A rehearsal after the meeting's dates (or a floor that sits on a day the plan
    # does not have): the last planned day is shown, but "N′ behind" counted from
    # it would be days of minutes (2866885′ was seen); the slip is today's only.
    s = mixed_floor()
    later = s.now + dt.timedelta(days=30)
    day = planned_day(s.state, later)
    assert day is not None and day.date < later.date()
    assert day.slip_minutes is None and slip_text(day.slip_minutes) == ""


def test_an_item_deferred_whole_and_still_open_is_no_longer_to_come():
    # Item 36 (70 min planned 12:25-13:35) deferred to C22 at 12:16:23 and not closed yet:
    # the day runs on with item 37 (planned 13:35), and the time panel waits for nothing
    # more from item 36 (its 12 minutes are used all the same).
    from console.replanning import replan_basis
    from console.timing import time_figures
    from vccsched.loading import load_meeting

    s = mixed_floor()
    before = replan_basis(s.state)
    s.do("VC", {"type": "defer_item", "requested_by": "IRN"}, wait=0)
    assert (s.state.current_item, s.state.items[36].status) == (36, "open")
    assert replan_basis(s.state) != before  # a preview made before the deferral is stale
    day = planned_day(s.state, s.now)
    assert next(r for r in day.rows if r.number == 36).status == "deferred"
    assert day.slip_minutes == -79  # 12:16 against item 37's planned 13:35, not item 36's rest
    figures = time_figures(s.state, load_meeting().meeting, s.now)
    assert [n for n, _ in figures.to_come] == [37, 38, 41]
    # 12:16:23 + items 37, 38 and 41 (65 min planned): 13:21:23; item 36's 58 min left do not count.
    assert sum(r.planned_minutes for r in day.rows if r.number in (37, 38, 41)) == 65
    assert figures.projected_end == s.now + dt.timedelta(minutes=65)
    assert figures.open_item.minutes == 12.38 and figures.used_minutes == 16.38


def test_outside_the_meeting_dates_the_console_says_so_and_pretends_no_day():
    # A rehearsal in 2026 on the 2021 meeting's data: it sat on a day that is no meeting day.
    from console.sample import SAMPLE_PLAN, Script, hand_plan
    from console.timing import time_figures
    from vccsched.loading import load_meeting

    rehearsal = dt.datetime(2026, 3, 10, 12, 0, tzinfo=OPENING.tzinfo)
    s = Script(start=rehearsal)
    s.do("SG", {"type": "publish_plan", "plan": hand_plan(s.floor.setup, SAMPLE_PLAN)})
    s.do("VC", {"type": "open_item", "item": 36})
    assert day_label(s.state, s.now) == "After the last meeting day"  # was "Day 3 of 3"
    day = planned_day(s.state, s.now)
    assert (day.label, day.heading) == ("After the last meeting day", "After the last meeting day · last: Wed 9 June")
    assert day.slip_minutes is None
    figures = time_figures(s.state, load_meeting().meeting, s.now)
    assert (figures.today, figures.outside) == (None, "after the last meeting day")
    before = OPENING - dt.timedelta(days=30)
    fresh = mixed_floor()
    assert day_label(fresh.state, before) == "Before the first meeting day"
    assert planned_day(fresh.state, before).heading == "Before the first meeting day · first: Tue 8 June"
    # Within the meeting: today, or the next meeting day between two.
    assert planned_day(fresh.state, fresh.now).heading == "Today · Tue 8 June"
    assert planned_day(fresh.state, OPENING - dt.timedelta(hours=2)).heading == "Today · Tue 8 June"
    assert planned_day(fresh.state, OPENING + dt.timedelta(hours=20)).heading == "Today · Wed 9 June"
    saturday = dt.datetime(2021, 6, 12, 10, 0, tzinfo=OPENING.tzinfo)  # the sample plan ends on 9 June
    assert planned_day(fresh.state, saturday).heading == "Last planned day · Wed 9 June"


# --- The time panel at its edges (issue 18: each of these bugs once left the suite green) ------


def _day_one(start: dt.datetime):
    """Day 1 of the sample plan published at ``start``: items 1, 2, 7, 8, 9, 36, 37, 38 and 41,
    160 minutes back to back from 12:00, so they end at 14:40, the window's end (15:00) less
    the 20-minute buffer, to the minute."""
    from console.sample import SAMPLE_PLAN, hand_plan

    s = Script(start=start)
    s.do("SG", {"type": "publish_plan", "plan": hand_plan(s.floor.setup, SAMPLE_PLAN)}, wait=0)
    return s


def test_a_day_that_ends_exactly_at_the_usable_end_is_not_late():
    from console.timing import time_figures
    from console.widgets.time_panel import TimePanel
    from vccsched.loading import load_meeting

    meeting = load_meeting().meeting
    s = _day_one(OPENING)
    figures = time_figures(s.state, meeting, OPENING)
    assert figures.projected_end == figures.usable_end == OPENING.replace(hour=14, minute=40)
    assert figures.late_minutes == 0
    assert not figures.late and figures.late_display is None
    assert not any("PAST" in line for line in TimePanel()._lines(figures))
    # One minute on, with nothing taken up, the same items pass the usable end by 1′.
    later = time_figures(s.state, meeting, OPENING + dt.timedelta(minutes=1))
    assert later.late and later.late_minutes == 1 and later.late_display == 1
    assert any("1′ PAST 14:40" in line for line in TimePanel()._lines(later))


def test_before_the_window_opens_still_needed_counts_from_the_window_start():
    from console.timing import time_figures
    from vccsched.loading import load_meeting

    meeting = load_meeting().meeting
    early = OPENING - dt.timedelta(minutes=30)  # 11:30, the window opens at 12:00
    s = _day_one(early)
    figures = time_figures(s.state, meeting, early)
    assert figures.today == OPENING.date()
    # 160 minutes of items, from 12:00: not 190 counted from 11:30.
    assert figures.still_minutes == 160
    assert figures.projected_end == OPENING.replace(hour=14, minute=40) and not figures.late
    # Once the window is open, counted from now.
    at_12_10 = time_figures(s.state, meeting, OPENING + dt.timedelta(minutes=10))
    assert at_12_10.still_minutes == 160 and at_12_10.late_display == 10


def test_plan_history_gives_the_latest_earlier_slot_from_the_third_revision_on():
    # Item 3 (30 min) is planned on 9 June in revision 1, moved to 8 June by revision 2,
    # discussed on 8 June, and left out of revision 3 (it is done). Its planned slot is
    # revision 2's: 8 June's planned minutes count it; revision 1's 9 June slot is stale.
    from console.model import planned_day
    from console.sample import hand_plan
    from console.timing import PlanHistory, time_figures
    from vccsched.loading import load_meeting

    meeting = load_meeting().meeting
    june8, june9 = OPENING.date(), OPENING.date() + dt.timedelta(days=1)
    s = Script()
    history = PlanHistory()
    setup = s.floor.setup

    def publish(days):
        s.do("SG", {"type": "publish_plan", "plan": hand_plan(setup, days)}, wait=0)
        history.note(s.state)

    publish({june8: [1, 2], june9: [3, 4]})
    publish({june8: [1, 2, 3], june9: [4]})
    s.do("VC", {"type": "open_item", "item": 3}, wait=600)
    s.do("VC", {"type": "close_item"}, wait=0)
    publish({june8: [1, 2], june9: [4]})
    assert s.state.plan.revision == 3
    earlier = history.before(3)
    assert [[i.number for d in p.days for i in d.items if d.date == june8] for p in earlier] == [[1, 2], [1, 2, 3]]
    figures = time_figures(s.state, meeting, s.now, earlier)
    assert figures.planned_minutes == 5 + 5 + 30  # items 1, 2 and 3 on 8 June
    day = planned_day(s.state, s.now, earlier)
    assert [r.number for r in day.rows] == [3, 1, 2]  # the done item first, as it ran (issue 16)
