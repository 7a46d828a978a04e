"""`vccsched roster timezones`: local windows, night hours, candidate ranking.

Expected local times are worked out by hand from the zones' 2021 rules:
Geneva (Europe/Zurich) is UTC+2 until 31 October 2021, UTC+1 after; New York
changes on 14 March and 7 November; Sydney and Auckland are in their winter
(UTC+10, UTC+12) in June and their summer (UTC+11, UTC+13) in November; Tokyo
and Lima have no summer time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from vccsched.cli.roster import local_window_label, local_windows_label, offsets_label
from vccsched.errors import DataError
from vccsched.models import Delegation, Meeting, Roster, Window
from vccsched.timezones import (
    candidate_windows,
    iso_offset,
    night_minutes,
    parse_window,
    rank_windows,
    report_payload,
    timezone_report,
)

JUNE = [dt.date(2021, 6, 8), dt.date(2021, 6, 9)]
NOVEMBER = [dt.date(2021, 11, 15), dt.date(2021, 11, 16)]
# Geneva leaves summer time on Sunday 31 October 2021, New York on Sunday 7 November.
ACROSS_DST = [
    dt.date(2021, 10, 28),
    dt.date(2021, 10, 29),
    dt.date(2021, 11, 1),
    dt.date(2021, 11, 5),
    dt.date(2021, 11, 8),
]


def meeting(dates, start="12:00", end="15:00") -> Meeting:
    return Meeting.model_validate(
        {
            "id": "TEST/VCC",
            "timezone": "Europe/Zurich",
            "window": {"start": start, "end": end},
            "dates": [d.isoformat() for d in dates],
            "max_days": len(dates),
            "contribution_deadline": "2021-05-25",
            "grouping_reply_deadline": "2021-03-12",
        }
    )


def member(id_: str, zone: str, category: str = "council_member") -> Delegation:
    extra = {"voting_rights": True} if category == "council_member" else {}
    return Delegation(id=id_, name=f"Delegation {id_}", category=category, timezone=zone, **extra)


ROSTER = Roster(
    delegations=[
        member("JPN", "Asia/Tokyo"),
        member("USA", "America/New_York"),
        member("AUS", "Australia/Sydney"),
        member("CHE", "Europe/Zurich"),
        member("NZL", "Pacific/Auckland", "observer_state"),
        member("PER", "America/Lima", "observer_state"),
        member("SG", "Europe/Zurich", "secretariat"),
    ]
)


def times_of(report, id_):
    return next(t for t in report.delegations if t.delegation.id == id_)


def hhmm(day) -> tuple[str, int, str, int]:
    return (
        day.local_start.strftime("%H:%M"),
        day.start_day_shift,
        day.local_end.strftime("%H:%M"),
        day.end_day_shift,
    )


# ---------------------------------------------------------------------------
# Local windows east and west of Geneva, June and November


@pytest.mark.parametrize(
    ("dates", "zone_id", "local", "night"),
    [
        # East, no summer time in Tokyo: one hour later in November, into the night.
        (JUNE, "JPN", ("19:00", 0, "22:00", 0), 0),
        (NOVEMBER, "JPN", ("20:00", 0, "23:00", 0), 60),
        # West: Washington/New York shifts with Geneva (both on summer time in June).
        (JUNE, "USA", ("06:00", 0, "09:00", 0), 60),
        (NOVEMBER, "USA", ("06:00", 0, "09:00", 0), 60),
        # Sydney's summer is Geneva's winter: 2 hours later in November.
        (JUNE, "AUS", ("20:00", 0, "23:00", 0), 60),
        (NOVEMBER, "AUS", ("22:00", 0, "01:00", 1), 180),
        # Auckland: across local midnight in June, wholly on the next day in November.
        (JUNE, "NZL", ("22:00", 0, "01:00", 1), 180),
        (NOVEMBER, "NZL", ("00:00", 1, "03:00", 1), 180),
        # Lima, no summer time: 05:00 in June, 06:00 in November.
        (JUNE, "PER", ("05:00", 0, "08:00", 0), 120),
        (NOVEMBER, "PER", ("06:00", 0, "09:00", 0), 60),
        (JUNE, "CHE", ("12:00", 0, "15:00", 0), 0),
    ],
)
def test_local_window_and_night_minutes(dates, zone_id, local, night):
    report = timezone_report(meeting(dates), ROSTER)
    times = times_of(report, zone_id)
    for day in times.days:
        assert hhmm(day) == local
        assert day.night_minutes == night
        # The local window is the same instant as the Geneva window.
        assert day.local_start == day.meeting_start
        assert day.local_end - day.meeting_end == dt.timedelta(0)
    assert times.at_night is (night > 0)


def test_utc_offsets_in_june_and_november():
    june = timezone_report(meeting(JUNE), ROSTER)
    november = timezone_report(meeting(NOVEMBER), ROSTER)
    assert [offsets_label(times_of(june, i)) for i in ("USA", "CHE", "JPN", "AUS", "NZL")] == [
        "UTC−4", "UTC+2", "UTC+9", "UTC+10", "UTC+12",
    ]
    assert [offsets_label(times_of(november, i)) for i in ("USA", "CHE", "JPN", "AUS", "NZL")] == [
        "UTC−5", "UTC+1", "UTC+9", "UTC+11", "UTC+13",
    ]


def test_offsets_with_minutes_keep_them(c21):
    # India (+05:30) is on the C21 roster; Nepal (+05:45) and Newfoundland (-02:30 in summer) too elsewhere.
    india = times_of(timezone_report(c21.meeting, c21.roster), "IND")
    assert offsets_label(india) == "UTC+5:30"
    assert local_windows_label(india) == "15:30–18:30"
    payload = next(d for d in report_payload(timezone_report(c21.meeting, c21.roster))["delegations"] if d["id"] == "IND")
    assert (payload["utc_offset_first"], payload["utc_offset_last"]) == ("+05:30", "+05:30")
    assert payload["days"][0]["local_start"] == "2021-06-08T15:30:00+05:30"
    roster = Roster(delegations=[member("NPL", "Asia/Kathmandu"), member("CAN", "America/St_Johns")])
    june = timezone_report(meeting(JUNE), roster)
    assert [offsets_label(times_of(june, i)) for i in ("NPL", "CAN")] == ["UTC+5:45", "UTC−2:30"]
    assert [iso_offset(times_of(june, i).days[0].utc_offset) for i in ("NPL", "CAN")] == ["+05:45", "-02:30"]


def test_day_markers_follow_the_time_they_qualify():
    november = timezone_report(meeting(NOVEMBER), ROSTER)
    assert local_window_label(times_of(november, "AUS").days[0]) == "22:00–01:00 (+1 day)"
    assert local_window_label(times_of(november, "NZL").days[0]) == "00:00 (+1 day)–03:00 (+1 day)"
    # West of Geneva the local date is the previous day for an early Geneva window.
    early = timezone_report(meeting(JUNE, "07:00", "09:00"), ROSTER)
    assert local_window_label(times_of(early, "USA").days[0]) == "01:00–03:00"
    hawaii = Roster(delegations=[member("HAW", "Pacific/Honolulu")])
    report = timezone_report(meeting(JUNE, "07:00", "10:00"), hawaii)
    assert local_window_label(report.delegations[0].days[0]) == "19:00 (−1 day)–22:00 (−1 day)"


def test_a_meeting_across_the_european_dst_change_is_computed_per_date():
    report = timezone_report(meeting(ACROSS_DST), ROSTER)
    tokyo = times_of(report, "JPN")
    assert [hhmm(d)[0] for d in tokyo.days] == ["19:00", "19:00", "20:00", "20:00", "20:00"]
    assert [d.night_minutes for d in tokyo.days] == [0, 0, 60, 60, 60]
    assert [d.date for d in tokyo.night_days] == ACROSS_DST[2:]
    assert local_windows_label(tokyo) == (
        "19:00–22:00 (2021-10-28 to 2021-10-29); 20:00–23:00 (2021-11-01 to 2021-11-08)"
    )
    # New York: the week between the European and the US change is one hour later.
    usa = times_of(report, "USA")
    assert [hhmm(d)[0] for d in usa.days] == ["06:00", "06:00", "07:00", "07:00", "06:00"]
    assert [d.night_minutes for d in usa.days] == [60, 60, 0, 0, 60]
    assert len(usa.segments) == 3
    assert offsets_label(usa) == "UTC−4 → UTC−5"
    assert offsets_label(times_of(report, "CHE")) == "UTC+2 → UTC+1"
    # Sydney had already moved to summer time (3 October): 21:00 then 22:00 local.
    assert [hhmm(d)[0] for d in times_of(report, "AUS").days] == [
        "21:00", "21:00", "22:00", "22:00", "22:00",
    ]


# ---------------------------------------------------------------------------
# Night minutes


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        ("2021-06-08T19:00", "2021-06-08T22:00", 0),  # ends as night starts
        ("2021-06-08T07:00", "2021-06-08T10:00", 0),  # starts as night ends
        ("2021-06-08T21:59", "2021-06-08T22:01", 1),
        ("2021-06-08T06:00", "2021-06-08T08:00", 60),
        ("2021-06-08T20:00", "2021-06-09T09:00", 540),  # a whole night
        ("2021-06-08T05:00", "2021-06-08T23:00", 180),  # two nights' edges
    ],
)
def test_night_minutes_boundaries(start, end, minutes):
    tokyo = ZoneInfo("Asia/Tokyo")
    s = dt.datetime.fromisoformat(start).replace(tzinfo=tokyo)
    e = dt.datetime.fromisoformat(end).replace(tzinfo=tokyo)
    assert night_minutes(s, e, tokyo) == minutes


def test_night_minutes_count_real_time_across_a_local_dst_change():
    # New York springs forward on 14 March 2021 at 02:00: that night lasts 8 hours.
    ny = ZoneInfo("America/New_York")
    start = dt.datetime(2021, 3, 13, 21, 0, tzinfo=ny)
    end = dt.datetime(2021, 3, 14, 8, 0, tzinfo=ny)
    assert night_minutes(start, end, ny) == 8 * 60
    # ... and falls back on 7 November: 10 hours.
    start = dt.datetime(2021, 11, 6, 21, 0, tzinfo=ny)
    end = dt.datetime(2021, 11, 7, 8, 0, tzinfo=ny)
    assert night_minutes(start, end, ny) == 10 * 60
    # Wholly inside the spring-forward night: 23:00 to 06:00 on the clock is 6 real hours.
    start = dt.datetime(2021, 3, 13, 23, 0, tzinfo=ny)
    end = dt.datetime(2021, 3, 14, 6, 0, tzinfo=ny)
    assert night_minutes(start, end, ny) == 6 * 60


# ---------------------------------------------------------------------------
# Ranking


def test_candidate_grid_is_quarter_hours_from_7_ending_by_20():
    windows = candidate_windows(180)
    assert windows[0] == Window(start=dt.time(7, 0), end=dt.time(10, 0))
    assert windows[-1] == Window(start=dt.time(17, 0), end=dt.time(20, 0))
    assert len(windows) == 41
    assert windows[1].start == dt.time(7, 15)


# New York's night ends at 07:00 EDT = 13:00 Geneva; Tokyo's starts at 22:00 JST =
# 15:00 Geneva: only 13:00-15:00 spares both. Lima (an observer) is at night until
# 07:00 PET = 14:00 Geneva.
TINY = Roster(delegations=[member("USA", "America/New_York"), member("JPN", "Asia/Tokyo")])
TINY_WITH_LIMA = Roster(delegations=[*TINY.delegations, member("PER", "America/Lima", "observer_state")])


def test_ranking_puts_the_only_window_without_night_first():
    ranked = rank_windows(meeting(JUNE, "12:00", "14:00"), TINY, Window(start="12:00", end="14:00"))
    best = ranked[0]
    assert (best.window.start, best.window.end) == (dt.time(13), dt.time(15))
    assert best.council_members_at_night == ()
    assert [c.rank for c in ranked] == list(range(1, len(ranked) + 1))
    # 12:45 and 13:15 each cost one member 15 min a day: a tie broken by the earliest start.
    assert [c.window.start for c in ranked[1:3]] == [dt.time(12, 45), dt.time(13, 15)]
    assert ranked[1].council_member_night_minutes == ranked[2].council_member_night_minutes == 30
    current = next(c for c in ranked if c.current)
    assert current.window.start == dt.time(12) and current.on_grid
    assert current.council_members_at_night == ("USA",)
    assert current.council_member_night_minutes == 2 * 60


def test_ranking_breaks_ties_on_all_delegations_before_start_time():
    # With Lima at night until 14:00 Geneva, 13:15 (Lima 45 min) now beats 12:45 (75 min).
    ranked = rank_windows(
        meeting(JUNE, "12:00", "14:00"), TINY_WITH_LIMA, Window(start="12:00", end="14:00")
    )
    assert [c.window.start for c in ranked[:3]] == [dt.time(13), dt.time(13, 15), dt.time(12, 45)]
    assert [c.delegation_night_minutes for c in ranked[:3]] == [120, 2 * (15 + 45), 2 * (15 + 75)]
    assert [c.delegations_at_night for c in ranked[:3]] == [1, 2, 2]


def test_a_window_off_the_grid_is_ranked_too():
    m = meeting(JUNE, "13:05", "15:05")
    ranked = timezone_report(m, TINY).candidates
    assert ranked is not None
    current = [c for c in ranked if c.current]
    assert len(current) == 1 and not current[0].on_grid
    assert len(ranked) == len(candidate_windows(120)) + 1
    # 13:05-15:05 costs Tokyo 5 min a day: second only to 13:00-15:00.
    assert current[0].rank == 2


def test_an_explicit_window_is_checked_without_ranking():
    report = timezone_report(meeting(JUNE), ROSTER, parse_window("13:00-16:00"))
    assert report.candidates is None and report.window_source == "--window"
    assert hhmm(times_of(report, "USA").days[0]) == ("07:00", 0, "10:00", 0)
    assert [t.delegation.id for t in report.night_council_members] == ["JPN", "AUS"]


def test_listing_order_is_category_then_utc_offset_then_id():
    report = timezone_report(meeting(JUNE), ROSTER)
    assert [t.delegation.id for t in report.delegations] == [
        "USA", "CHE", "JPN", "AUS", "PER", "NZL", "SG",
    ]


# ---------------------------------------------------------------------------
# --window parsing


def test_parse_window_accepts_hyphen_and_en_dash():
    assert parse_window("12:00-15:00") == Window(start=dt.time(12), end=dt.time(15))
    assert parse_window(" 9:30 – 12:30 ") == Window(start=dt.time(9, 30), end=dt.time(12, 30))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12-15", "--window: expected HH:MM-HH:MM such as 12:00-15:00, found '12-15'"),
        ("noon", "--window: expected HH:MM-HH:MM such as 12:00-15:00, found 'noon'"),
        (
            "12:00-24:00",
            "--window: 24:00 is not a time of day; hours run from 00 to 23 and minutes "
            "from 00 to 59 (found '12:00-24:00')",
        ),
        (
            "12:60-15:00",
            "--window: 12:60 is not a time of day; hours run from 00 to 23 and minutes "
            "from 00 to 59 (found '12:60-15:00')",
        ),
        (
            "12:00-12:00",
            "--window: 12:00-12:00 has zero length; give an end after the start such as 12:00-15:00",
        ),
        (
            "22:00-01:00",
            "--window: 22:00-01:00 ends before it starts, i.e. crosses midnight; a daily window "
            "must lie within one day of the meeting's time zone, such as 12:00-15:00",
        ),
    ],
)
def test_parse_window_errors(text, message):
    with pytest.raises(DataError) as info:
        parse_window(text)
    assert info.value.message == message
    assert info.value.exit_code == 2


# ---------------------------------------------------------------------------
# CLI, through real files and a real subprocess


def write_meeting(folder: Path, dates, roster_rows: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "meeting.yaml").write_text(
        "id: TEST/VCC\n"
        "timezone: Europe/Zurich\n"
        'window: {start: "12:00", end: "15:00"}\n'
        f"dates: [{', '.join(d.isoformat() for d in dates)}]\n"
        f"max_days: {len(dates)}\n"
        "contribution_deadline: 2021-05-25\n"
        "grouping_reply_deadline: 2021-03-12\n",
        encoding="utf-8",
    )
    (folder / "agenda.yaml").write_text("items: []\n", encoding="utf-8")
    (folder / "roster.yaml").write_text(
        "delegations:\n" + "".join(f"  - {row}\n" for row in roster_rows), encoding="utf-8"
    )
    return folder


ROWS = [
    "{id: JPN, name: Japan, category: council_member, voting_rights: true, timezone: Asia/Tokyo}",
    "{id: USA, name: United States, category: council_member, voting_rights: true, "
    "timezone: America/New_York}",
    "{id: CHE, name: Switzerland, category: council_member, voting_rights: true, "
    "timezone: Europe/Zurich}",
    "{id: NZL, name: New Zealand, category: observer_state, timezone: Pacific/Auckland}",
    "{id: PER, name: Peru, category: observer_state, timezone: America/Lima}",
]


@pytest.fixture
def november_dir(tmp_path) -> Path:
    return write_meeting(tmp_path / "nov", NOVEMBER, ROWS)


def test_cli_markdown(cli, november_dir):
    result = cli("roster", "timezones", "--meeting", str(november_dir))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "| Council Member | USA | United States | America/New_York | UTC−5 | 06:00–09:00 | ⚠ night 60 min/day |" in out
    assert "| Council Member | JPN | Japan | Asia/Tokyo | UTC+9 | 20:00–23:00 | ⚠ night 60 min/day |" in out
    assert "| Council Member | CHE | Switzerland | Europe/Zurich | UTC+1 | 12:00–15:00 |  |" in out
    assert "| Observer State | NZL | New Zealand | Pacific/Auckland | UTC+13 | 00:00 (+1 day)–03:00 (+1 day) | ⚠ night 180 min/day |" in out
    assert "**2 Council Members meet at night:** United States (USA, 06:00–09:00), Japan (JPN, 20:00–23:00)." in out
    assert "## Candidate windows of 180 min" in out
    # In November, New York's night ends at 13:00 CET and Tokyo's begins at 14:00 CET:
    # no 3-hour window spares both. 13:00-16:00 (Tokyo 2 h a day) and 11:00-14:00 (New
    # York 2 h a day) tie on Council Members; Lima, at night until 13:00 CET, decides.
    ranking = out.split("## Candidate windows")[1]
    assert "| 1 | 13:00–16:00 | 1 | 240 | 2 | 600 | JPN |" in ranking
    assert "The window in use, 12:00–15:00, ranks " in ranking


def test_cli_json(cli, november_dir):
    result = cli("roster", "timezones", "--meeting", str(november_dir), "--format", "json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert list(payload) == [
        "meeting", "window", "dates", "night_hours", "roster_is_example",
        "delegations", "night_council_members", "candidates",
    ]
    assert payload["window"] == {
        "start": "12:00", "end": "15:00", "timezone": "Europe/Zurich", "minutes": 180,
        "source": "meeting.yaml",
    }
    assert payload["night_council_members"] == ["USA", "JPN"]
    nzl = next(d for d in payload["delegations"] if d["id"] == "NZL")
    assert nzl["days"][0]["local_start"] == "2021-11-16T00:00:00+13:00"
    assert nzl["days"][0]["start_day_shift"] == 1
    assert nzl["night_minutes"] == 360 and nzl["utc_offset_first"] == "+13:00"
    assert [c["rank"] for c in payload["candidates"]] == list(range(1, 42))
    assert sum(c["current"] for c in payload["candidates"]) == 1


def test_cli_json_with_window_has_no_candidates(cli, november_dir):
    result = cli(
        "roster", "timezones", "--meeting", str(november_dir), "--format", "json",
        "--window", "13:00-16:00",
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["candidates"] is None
    assert payload["window"]["source"] == "--window"
    assert payload["night_council_members"] == ["JPN"]


def test_cli_csv_is_one_row_per_delegation_and_date(cli, november_dir):
    result = cli("roster", "timezones", "--meeting", str(november_dir), "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 5 * len(NOVEMBER)
    assert [r["id"] for r in rows[::2]] == ["USA", "CHE", "JPN", "PER", "NZL"]
    for row in rows:
        # Unambiguous: the local and Geneva times are the same instants.
        assert dt.datetime.fromisoformat(row["local_start"]) == dt.datetime.fromisoformat(
            row["meeting_start"]
        )
    jpn = next(r for r in rows if r["id"] == "JPN")
    assert jpn["local_start"] == "2021-11-15T20:00:00+09:00"
    assert (jpn["night_minutes"], jpn["night"], jpn["utc_offset"]) == ("60", "yes", "+09:00")


def test_cli_output_is_byte_deterministic(cli, november_dir, tmp_path):
    for fmt in ("md", "csv", "json"):
        first = cli("roster", "timezones", "--meeting", str(november_dir), "--format", fmt)
        second = cli("roster", "timezones", "--meeting", str(november_dir), "--format", fmt,
                     "--out", str(tmp_path / f"tz.{fmt}"))
        assert first.returncode == second.returncode == 0
        assert first.stdout.encode() == (tmp_path / f"tz.{fmt}").read_bytes()


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ("12-15", "--window: expected HH:MM-HH:MM such as 12:00-15:00, found '12-15'"),
        ("15:00-12:00", "--window: 15:00-12:00 ends before it starts, i.e. crosses midnight"),
        ("12:00-12:00", "--window: 12:00-12:00 has zero length"),
    ],
)
def test_cli_bad_window(cli, november_dir, window, message):
    result = cli("roster", "timezones", "--meeting", str(november_dir), "--window", window)
    assert result.returncode == 2
    assert result.stderr.startswith(f"Invalid input data: {message}")
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


# ---------------------------------------------------------------------------
# The bundled C21/VCC-1 data


def test_c21_council_members_at_night(c21):
    report = timezone_report(c21.meeting, c21.roster)
    # Every roster entry but the interpreters' booths, who are not delegations.
    assert len(report.delegations) == len(c21.roster.delegations) - len(c21.roster.by_category("interpreter")) == 74
    night = [t.delegation.id for t in report.night_council_members]
    # West of Geneva up to Washington's 06:00, and Sydney's 20:00-23:00; Tokyo ends at 22:00.
    assert {"USA", "CAN", "AUS"} <= set(night)
    assert "JPN" not in night
    japan = next(t for t in report.delegations if t.delegation.id == "JPN")
    assert {hhmm(d) for d in japan.days} == {("19:00", 0, "22:00", 0)}


def test_c21_ranking_places_the_current_window(c21):
    report = timezone_report(c21.meeting, c21.roster)
    assert report.candidates is not None
    current = report.current_candidate
    assert current is not None
    assert (current.window.start, current.window.end) == (dt.time(12), dt.time(15))
    assert len(current.council_members_at_night) == len(report.night_council_members)
    best = report.candidates[0]
    assert len(best.council_members_at_night) <= len(current.council_members_at_night)
    payload = report_payload(report)
    assert payload["meeting"] == "C21/VCC-1"
    assert payload["night_council_members"] == [t.delegation.id for t in report.night_council_members]


def test_c21_cli_default_meeting(cli):
    result = cli("roster", "timezones")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Daily window in local time: C21/VCC-1\n")
    assert "Council Members meet at night:**" in result.stdout
    assert "(in use)" in result.stdout
