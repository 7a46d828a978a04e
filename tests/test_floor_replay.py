"""``vccsched floor replay`` on sample logs, run as a user would (subprocess)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

LOGS = Path(__file__).resolve().parent / "floor_logs"
DAY1 = LOGS / "c21-vcc1-day1.jsonl"


@pytest.fixture(scope="module")
def day1():
    from conftest import run_cli

    result = run_cli("floor", "replay", str(DAY1))
    assert result.returncode == 0, result.stderr
    return result


def test_replay_gives_the_state_a_chair_expects(day1):
    state = json.loads(day1.stdout)
    items = state["items"]
    assert state["meeting"] == "C21/VCC-1"
    # en bloc items concluded together at the start
    for n in ("1", "2", "7", "8", "9"):
        assert items[n]["status"] == "closed"
        assert items[n]["outcome"]["kind"] == "concluded"
    # item 3 concluded, item 4 deferred to C22 at Iran's request, item 12 under way
    assert items["3"]["outcome"]["conclusion"] == "The Council took note of document C21/33."
    assert items["3"]["list_closed"] is True
    assert items["4"]["outcome"] == {
        "kind": "deferred",
        "by_correspondence": False,
        "target": "C22",
        "requested_by": "IRN",
        "scope": "item",
        "note": "No consensus; Iran asked for deferral to C22.",
    }
    assert items["4"]["speaking_time_seconds"] == 120
    assert state["current_item"] == 12
    assert items["12"]["status"] == "open"
    assert items["12"]["outcome"]["by_correspondence"] is True
    assert items["12"]["outcome"]["majority_needed"] == 25  # 48 Council Members with the right to vote
    # observer before Sector Member; right of reply last
    assert items["12"]["queue"] == [
        {"delegation": "VNM", "kind": "speech"},
        {"delegation": "SM-D2", "kind": "speech"},
        {"delegation": "ARE", "kind": "right_of_reply"},
    ]
    assert state["speaker"]["delegation"] == "ZAF"
    assert state["speaker"]["time_left_seconds"] == 180
    assert items["5"]["status"] == "pending" and items["5"]["queue"] == [] and items["5"]["outcome"] is None


def test_replay_records_every_speech_in_rule_order(day1):
    speeches = json.loads(day1.stdout)["speeches"]
    on_item_3 = [(s["delegation"], s["kind"]) for s in speeches if s["item"] == 3]
    assert on_item_3 == [
        ("SG", "speech"),  # introduces the document, given the floor by the chair
        ("USA", "speech"),
        ("CHN", "speech"),
        ("EGY", "point_of_order"),  # asked during CHN's speech, first in line
        ("RUS", "speech"),
        ("KOR", "speech"),  # had not spoken: before USA's second turn
        ("USA", "speech"),
        ("GBR", "speech"),  # observer Member State
        ("PSE", "speech"),  # Observer State of Palestine, same tier, later
        ("SM-T1", "speech"),  # Sector Member
    ]
    chn = next(s for s in speeches if s["delegation"] == "CHN")
    assert (chn["duration_seconds"], chn["paused_seconds"]) == (110.0, 40.0)
    sg = speeches[0]
    assert sg["out_of_order"] is True and sg["start"] == "2021-06-08T12:01:10+02:00"


def test_replay_reports_each_refusal_with_its_line_number(day1):
    lines = day1.stderr.splitlines()
    assert [line.split(":")[0] + ":" + line.split(":")[1] for line in lines] == [
        "line 9: refused (speaks_when_given_floor)",
        "line 14: refused (duplicate_request)",
        "line 24: refused (list_closed)",
        "line 27: refused (not_chair)",
        "line 40: refused (unknown_delegation)",
        "line 43: refused (deferral_needs_council_member)",
        "line 49: refused (item_not_open)",
    ]
    assert "line 43: refused (deferral_needs_council_member): VC: GBR is not a Council Member" in day1.stderr


def test_replay_output_is_deterministic(day1, cli):
    again = cli("floor", "replay", str(DAY1))
    assert again.stdout == day1.stdout and again.stderr == day1.stderr


def test_replay_until_stops_after_that_event(cli):
    result = cli("floor", "replay", str(DAY1), "--until", "3")
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout)
    # 1: en bloc, 2: item 3 opened, 3: the secretariat has the floor
    assert state["seq"] == 3 and state["current_item"] == 3
    assert state["speaker"]["delegation"] == "SG"
    assert state["items"]["3"]["queue"] == []
    assert result.stderr == ""


def test_replay_until_inside_a_command_with_two_events(cli):
    # line 16 (next_speaker) gives events 14 (USA's speech ends) and 15 (CHN has the floor)
    result = cli("floor", "replay", str(DAY1), "--until", "14")
    state = json.loads(result.stdout)
    assert state["seq"] == 14 and state["speaker"] is None
    assert state["items"]["3"]["queue"][0] == {"delegation": "CHN", "kind": "speech"}
    assert state["speeches"][-1]["delegation"] == "USA"


def test_replay_until_beyond_the_log_warns(cli):
    result = cli("floor", "replay", str(DAY1), "--until", "999")
    assert result.returncode == 0
    assert "warning: the log ends at event 54, before --until 999" in result.stderr


def write_log(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


OPEN = '{"actor": "VC", "at": "2021-06-08T12:00:00+02:00", "command": {"type": "open_item", "id": "1", "item": 3}}'


@pytest.mark.parametrize(
    "bad, expected",
    [
        ("{not json", "line 3: not JSON"),
        ("[1, 2]", 'line 3: expected an object {"actor", "at", "command"}, found list'),
        ('{"actor": "CHN", "command": {"type": "withdraw", "id": "2"}}', "line 3: field 'at': missing"),
        (
            '{"actor": "CHN", "at": "2021-06-08T12:05:00", "command": {"type": "withdraw", "id": "2"}}',
            "line 3: field 'at': '2021-06-08T12:05:00' has no UTC offset",
        ),
        (
            '{"actor": "CHN", "at": "2021-06-08T11:59:00+02:00", "command": {"type": "withdraw", "id": "2"}}',
            "line 3: time 2021-06-08T11:59:00+02:00 is before the previous line's 2021-06-08T12:00:00+02:00",
        ),
        (
            '{"actor": "CHN", "at": "2021-06-08T12:05:00+02:00", "command": {"type": "withdraw"}, "extra": 1}',
            "line 3: field 'extra': unknown field",
        ),
    ],
)
def test_a_broken_line_stops_the_replay_naming_the_line(cli, tmp_path, bad, expected):
    log = write_log(tmp_path, OPEN, "", bad)
    result = cli("floor", "replay", str(log))
    assert result.returncode == 2
    assert result.stdout == ""
    assert expected in result.stderr, result.stderr
    assert str(log) in result.stderr and "Traceback" not in result.stderr


def test_an_invalid_command_is_refused_and_the_replay_goes_on(cli, tmp_path):
    log = write_log(
        tmp_path,
        OPEN,
        '{"actor": "CHN", "at": "2021-06-08T12:01:00+02:00", "command": {"type": "request_floor", "id": "2", "kind": "filibuster"}}',
        '{"actor": "CHN", "at": "2021-06-08T12:02:00+02:00", "command": {"type": "request_floor", "id": "3"}, "comment": "ok"}',
    )
    result = cli("floor", "replay", str(log))
    assert result.returncode == 0
    assert result.stderr.startswith("line 2: refused (invalid_command): CHN: not a valid command: field 'kind'")
    assert json.loads(result.stdout)["items"]["3"]["queue"] == [{"delegation": "CHN", "kind": "speech"}]


def test_a_missing_log_file_is_a_clear_error(cli, tmp_path):
    result = cli("floor", "replay", str(tmp_path / "nope.jsonl"))
    assert result.returncode == 2
    assert "nope.jsonl: file not found" in result.stderr and "Traceback" not in result.stderr


def test_replay_with_another_meeting_folder(cli, tmp_path, c21):
    import re
    import shutil

    folder = tmp_path / "meeting"
    shutil.copytree(c21.directory, folder)
    text = (folder / "meeting.yaml").read_text(encoding="utf-8")
    (folder / "meeting.yaml").write_text(re.sub(r"deferral_target: .*", "deferral_target: C23", text), encoding="utf-8")
    assert "C23" in (folder / "meeting.yaml").read_text(encoding="utf-8")
    result = cli("floor", "replay", str(DAY1), "--meeting", str(folder))
    assert json.loads(result.stdout)["items"]["4"]["outcome"]["target"] == "C23"


def test_replay_of_a_budget_session_over_two_days(cli):
    result = cli("floor", "replay", str(LOGS / "c21-vcc1-budget.jsonl"))
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout)
    item = state["items"]["36"]
    assert (item["status"], item["speaking_time_seconds"], item["queue"]) == ("closed", 240, [])
    assert item["outcome"]["by_correspondence"] is True and item["outcome"]["majority_needed"] == 25
    assert state["current_item"] is None and state["speaker"] is None and state["suspended"] is False
    speeches = [(s["delegation"], s["duration_seconds"], s["paused_seconds"]) for s in state["speeches"]]
    # SG presents (out of order), DEU with a 2-minute pause, PSE before the Sector Member
    # (struck off by the chair), FRA the next day after the suspension
    assert speeches == [("SG", 340.0, 0.0), ("DEU", 240.0, 120.0), ("PSE", 120.0, 0.0), ("FRA", 160.0, 0.0)]
    assert [line.split(": ")[0] + ": " + line.split(": ")[1] for line in result.stderr.splitlines()] == [
        "line 10: refused (no_such_request)",
        "line 12: refused (clock_already_paused)",
        "line 17: refused (queue_empty)",
        "line 19: refused (meeting_suspended)",
        "line 24: refused (deferral_needs_council_member)",
    ]
