"""The Markdown publication: headings per day, Geneva/UTC/--tz times, titles, documents."""

from __future__ import annotations

from test_render_samples import NASTY_EN, june, november, rendered

from vccsched.render import render_plan
from vccsched.render.markdown import md_escape


def _md(sample=june, zones=()):
    return rendered("md", sample, zones)


def test_title_and_daily_window():
    md = _md()
    assert md.startswith("# C21/VCC-1 \u2014 Virtual consultation of councillors\n")
    assert "理事磋商会虚拟会议" in md
    assert "Daily session: 12:00\u201315:00 Geneva (10:00\u201313:00 UTC)." in md


def test_one_heading_per_day_with_geneva_and_utc():
    md = _md()
    headings = [line for line in md.splitlines() if line.startswith("### ")]
    assert headings == [
        "### Tuesday 8 June 2021 \u2014 12:00\u201315:00 Geneva (10:00\u201313:00 UTC)",
        "### Thursday 10 June 2021 \u2014 12:00\u201315:00 Geneva (10:00\u201313:00 UTC)",
    ]


def test_november_session_is_eleven_to_fourteen_utc():
    md = _md(november)
    assert "### Tuesday 9 November 2021 \u2014 12:00\u201315:00 Geneva (11:00\u201314:00 UTC)" in md
    assert "| 12:10\u201312:40 | 11:10\u201311:40 |" in md


def test_rows_have_times_titles_documents():
    md = _md()
    row = next(line for line in md.splitlines() if line.startswith("| 12:10"))
    cells = [c.strip() for c in row.strip("|").split(" | ")]
    assert cells == [
        "12:10\u201312:40",
        "10:10\u201310:40",
        "3",
        "PL 1.03",
        "国际电联互联网活动",
        "ITU's activities related to the Internet",
        "C20/33, C21/33",
        "30",
    ]
    assert "| 14:10\u201314:30 | 12:10\u201312:30 | 37 | ADM 1 | 财务运营报告 | Financial operating report | \u2014 | 20 |" in md


def test_every_table_row_has_as_many_cells_as_the_header():
    md = _md(zones=("Pacific/Auckland",))
    tables = [line for line in md.splitlines() if line.startswith("| ")]
    widths = {line.replace("\\|", "").count("|") for line in tables}
    assert widths == {10}, widths  # 9 columns, 10 pipes; escaped pipes in titles excluded


def test_day_totals_and_buffer():
    md = _md()
    assert md.count("Planned: 40 min of 180 min; free (buffer for overruns): 140 min.") == 2
    assert "5 items over 2 days, 80 min (1 h 20 min) of planned discussion." in md


def test_en_bloc_marked_and_noted():
    md = _md()
    assert "| PL 1.01 (en bloc) |" in md and "| PL 1.03 |" in md
    assert "**En bloc.** The secretariat proposes items 1 (PL 1.01), 2 (PL 1.02) for approval en bloc" in md


def test_solver_footer():
    md = _md()
    assert md.rstrip().endswith(
        "_Planned by OR-Tools CP-SAT: status OPTIMAL (proven best), 0.01 s deterministic time; "
        "2 meeting days (at least 1 needed); agenda order kept; 20 min kept free per day._"
    )


def test_solver_footer_says_what_the_figures_mean_and_leaves_internal_scores_out():
    """The solver's internal scores mean nothing to a reader (issue 16): plan.json and --verbose keep them."""
    plan, data = june()
    plan = plan.model_copy(update={"solver": plan.solver.model_copy(update={
        "status": "FEASIBLE", "objectives": {"days": 3, "moved": 2, "inversions": 1, "balance": 183650, "tiebreak": 4215},
    })})
    md = render_plan(plan, data, "md", ())
    footer = md.rstrip().splitlines()[-1]
    assert "status FEASIBLE (valid, not proven best within the time limit)" in footer
    assert "3 meeting days (at least 1 needed); 2 items off the day announced; 1 pair of items out of agenda order" in footer
    assert "183650" not in md and "4215" not in md


def test_titles_cannot_break_the_table_or_inject_html():
    md = _md()
    assert NASTY_EN not in md
    assert md_escape(NASTY_EN) in md
    assert "<script>" not in md and "&lt;script>" in md and "R\\|D" in md


def test_extra_zone_columns_mark_date_shift():
    md = _md(zones=("Pacific/Auckland", "America/Los_Angeles"))
    assert "| Geneva | UTC | Auckland | Los Angeles | No. |" in md
    # 13:50-14:10 Geneva = 23:50-00:10 Auckland (UTC+12 in June), 04:50-05:10 Los Angeles (UTC-7)
    assert "| 13:50\u201314:10 | 11:50\u201312:10 | 23:50\u201300:10 (ends +1 day) | 04:50\u201305:10 | 36 |" in md
    assert "| 14:10\u201314:30 | 12:10\u201312:30 | 00:10\u201300:30 (+1 day) | 05:10\u201305:30 | 37 |" in md
    assert "| 12:00\u201312:05 | 10:00\u201310:05 | 22:00\u201322:05 | 03:00\u201303:05 | 1 |" in md


def test_west_of_the_date_line_shows_previous_day():
    md = _md(zones=("Pacific/Honolulu",))  # UTC-10: 12:00 Geneva is 00:00 the same day
    assert "| 12:00\u201312:05 | 10:00\u201310:05 | 00:00\u201300:05 | 1 |" in md
    md = _md(zones=("Pacific/Pago_Pago",))  # UTC-11: 12:00 Geneva is 23:00 the day before
    assert "| Pago Pago |" in md
    assert "| 12:00\u201312:05 | 10:00\u201310:05 | 23:00\u201323:05 (\u22121 day) | 1 |" in md


def test_window_across_the_end_of_summer_time_gives_both_utc_windows():
    import datetime as dt

    from test_render_samples import meeting_data, sample_plan

    dates = [dt.date(2021, 10, 28), dt.date(2021, 10, 29), dt.date(2021, 11, 1)]
    plan = sample_plan(dates[0], dates[2])
    md = render_plan(plan, meeting_data(dates), "md")
    assert (
        "Daily session: 12:00\u201315:00 Geneva (10:00\u201313:00 UTC on 28 October 2021; "
        "11:00\u201314:00 UTC on 1 November 2021)." in md
    )
    md = render_plan(sample_plan(dates[0], dates[1]), meeting_data(dates), "md")
    assert "(10:00\u201313:00 UTC)." in md
    # Without days in the plan, the meeting dates decide.
    empty = plan.model_copy(update={"days": []})
    md = render_plan(empty, meeting_data(dates), "md")
    assert "(10:00\u201313:00 UTC from 28 October 2021 to 29 October 2021; 11:00\u201314:00 UTC on 1 November 2021)" in md


def test_heading_does_not_repeat_the_meeting_id():
    from test_render_samples import JUNE, meeting_data

    from vccsched.models import LocalizedText

    plan, data = june()
    titled = data.meeting.model_copy(
        update={"title": LocalizedText(zh="（C21\\VCC-1）", en="Virtual consultation (C21/VCC-1)")}
    )
    data = type(data)(data.directory, titled, data.agenda, data.roster)
    md = render_plan(plan, data, "md")
    assert md.startswith("# Virtual consultation (C21/VCC-1)\n\n（C21\\\\VCC-1）\n")
    assert meeting_data(JUNE).meeting.title.en == "Virtual consultation of councillors"
