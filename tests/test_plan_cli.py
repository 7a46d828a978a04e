"""``vccsched plan`` end to end: formats, exit codes, --check, --grouping, --tz."""

from __future__ import annotations

import csv
import json
import shutil

import icalendar
import pytest
import yaml

from vccsched.loading import DEFAULT_MEETING_DIR, read_yaml


@pytest.fixture(scope="module")
def plan_json(tmp_path_factory):
    from conftest import run_cli

    out = tmp_path_factory.mktemp("plan") / "plan.json"
    result = run_cli("plan", "--format", "json", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def test_json_plan_is_public_format_and_same_bytes_twice(cli, plan_json):
    again = cli("plan", "--format", "json")
    assert again.returncode == 0
    assert again.stdout == plan_json.read_text(encoding="utf-8")
    payload = json.loads(again.stdout)
    assert list(payload) == ["meeting", "timezone", "days", "solver"]
    assert payload["solver"]["status"] == "OPTIMAL"
    assert payload["days"][0]["items"][0]["start"].endswith("+02:00")
    assert "warning: agenda.yaml: document C21/65" in again.stderr
    assert "stage days" not in again.stderr


def test_every_format(cli, tmp_path, plan_json):
    result = cli("plan", "--out-dir", str(tmp_path), "--tz", "Asia/Tokyo")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    # --out-dir solves once and writes the same plan as a single-format run.
    assert (tmp_path / "plan.json").read_bytes() == plan_json.read_bytes()
    days = json.loads(plan_json.read_text(encoding="utf-8"))["days"]
    items = [item for day in days for item in day["items"]]
    assert len(items) == 57

    calendar = icalendar.Calendar.from_ical((tmp_path / "plan.ics").read_bytes())
    events = sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("DTSTART"))
    assert len(events) == 57
    assert [e.decoded("DTSTART").isoformat() for e in events] == [i["start"] for i in items]
    assert [e.decoded("DTEND").isoformat() for e in events] == [i["end"] for i in items]

    with (tmp_path / "plan.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["number"]) for r in rows] == [i["number"] for i in items]
    first = rows[0]
    assert first["start"] == items[0]["start"]
    # 12:00 Geneva in June is 19:00 in Tokyo.
    assert first["start_Asia/Tokyo"].startswith(days[0]["date"] + "T19:00:00+09:00")

    md = (tmp_path / "plan.md").read_text(encoding="utf-8")
    html = (tmp_path / "plan.html").read_text(encoding="utf-8")
    for text in (md, html):
        assert "Tuesday 8 June 2021" in text and "19:00–19:05" in text  # Tokyo column
        assert "国际电联2022-2023年双年度预算草案" in text  # item 36, the budget


def test_out_and_out_dir_together_are_refused(cli, tmp_path):
    result = cli("plan", "--out", str(tmp_path / "p.md"), "--out-dir", str(tmp_path))
    assert result.returncode == 2
    assert "Conflicting options" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_verbose_shows_solver_progress(cli):
    result = cli("plan", "--format", "json", "--verbose")
    assert result.returncode == 0
    assert "stage inversions: OPTIMAL" in result.stderr
    assert "s wall-clock" in result.stderr


def test_check_valid_invalid_and_bad_json(cli, plan_json, tmp_path):
    ok = cli("plan", "--check", str(plan_json))
    assert ok.returncode == 0 and "plan is valid" in ok.stdout
    payload = json.loads(plan_json.read_text(encoding="utf-8"))
    payload["days"][0]["items"].pop(0)
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(payload), encoding="utf-8")
    bad = cli("plan", "--check", str(broken))
    assert bad.returncode == 1
    assert "plan is not valid" in bad.stdout and "is in Group 1 but not in the plan" in bad.stdout
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json", encoding="utf-8")
    result = cli("plan", "--check", str(garbage))
    assert result.returncode == 2 and "garbage.json: not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr


def test_infeasible_meeting_exits_1_with_explanation(cli, tmp_path):
    folder = tmp_path / "meeting"
    shutil.copytree(DEFAULT_MEETING_DIR, folder)
    meeting = read_yaml(folder / "meeting.yaml")  # YAML 1.2: "on" stays a word
    meeting["max_days"] = 7
    (folder / "meeting.yaml").write_text(yaml.safe_dump(meeting, allow_unicode=True), encoding="utf-8")
    result = cli("plan", "--meeting", str(folder))
    assert result.returncode == 1
    assert "No plan fits: Group 1 needs 1210 min; seven days of 180 min less buffers give 1120: 90 min over" in result.stderr
    assert "to Group 2 makes the plan fit (90 min" in result.stderr
    assert "Traceback" not in result.stderr


def test_grouping_file_and_buffer(cli, tmp_path):
    grouping = tmp_path / "grouping.yaml"
    grouping.write_text("36: 2\n37: 2\n38: 2\n", encoding="utf-8")
    result = cli("plan", "--format", "json", "--grouping", str(grouping))
    assert result.returncode == 0, result.stderr
    numbers = {i["number"] for d in json.loads(result.stdout)["days"] for i in d["items"]}
    assert len(numbers) == 54 and not numbers & {36, 37, 38}
    result = cli("plan", "--format", "json", "--buffer", "0")
    assert json.loads(result.stdout)["solver"]["buffer_minutes"] == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("999: 1\n", encoding="utf-8")
    result = cli("plan", "--grouping", str(bad))
    assert result.returncode == 2 and "item 999: not on the agenda" in result.stderr


def test_unknown_zone_and_format(cli):
    result = cli("plan", "--tz", "Mars/Olympus")
    assert result.returncode == 2 and "'Mars/Olympus'" in result.stderr
    result = cli("plan", "--format", "pdf")
    assert result.returncode == 2 and "--format 'pdf': expected one of md, html, ics, csv, json" in result.stderr


def test_ctrl_c_after_a_solve_is_still_pythons_to_handle():
    """CP-SAT's own SIGINT handler left Ctrl+C at the system default once a solve was over:
    the next Ctrl+C killed the process outright, skipping every cleanup (the demo left its
    server's temporary folder behind). A KeyboardInterrupt must still reach Python."""
    import signal
    import subprocess
    import sys

    from conftest import REPO

    code = (
        "import os, signal\n"
        "from vccsched.loading import load_meeting\n"
        "from vccsched.planner import plan_meeting\n"
        "plan_meeting(load_meeting())\n"
        "try:\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    for _ in range(1000): pass\n"
        "except KeyboardInterrupt:\n"
        "    print('KeyboardInterrupt reached Python')\n"
    )
    # Started as from a terminal, whatever this process inherited: a shell running the suite in
    # the background ignores SIGINT, its children inherit that, and Python then installs no
    # KeyboardInterrupt handler at all (nothing to test). The child starts with the default.
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert (result.returncode, result.stdout.strip()) == (0, "KeyboardInterrupt reached Python"), result
