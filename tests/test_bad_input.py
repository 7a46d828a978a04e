"""Messy files from a secretariat officer: every command answers with a clear error.

Each test feeds the real CLI (``python -m vccsched`` in a subprocess) a file as
people really get it wrong: impossible dates, times with offsets, duplicated
YAML keys, BOMs, renamed or damaged spreadsheets, outputs over inputs, paths
under a file, a full disk. The answer must name the file and the row, item or
field, say what is expected, exit non-zero, show no traceback, and leave no
file destroyed or half-written.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import REPO, run_cli
from test_grouping_fixtures import fill_csv, fill_xlsx, write_meeting

from vccsched.errors import DataError
from vccsched.loading import DEFAULT_MEETING_DIR

DAY1_LOG = REPO / "tests" / "floor_logs" / "c21-vcc1-day1.jsonl"


def assert_clear_error(result: subprocess.CompletedProcess, code: int, *phrases: str) -> None:
    """Exit status ``code``, every phrase on stderr, and no Python traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == code, result.stderr
    for phrase in phrases:
        assert phrase in result.stderr, f"{phrase!r} not in:\n{result.stderr}"


def meeting_copy(tmp_path: Path, **replace: tuple[str, str]) -> Path:
    """The bundled meeting folder, copied, with ``file=(old, new)`` text replacements."""
    folder = tmp_path / "meeting"
    shutil.copytree(DEFAULT_MEETING_DIR, folder)
    for stem, (old, new) in replace.items():
        path = folder / f"{stem}.yaml"
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path.name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- meeting data


@pytest.mark.parametrize(
    ("old", "new", "phrases"),
    [
        # A date that YAML recognises as one but that does not exist.
        ("  - 2021-06-09\n", "  - 2021-13-40\n", ["field 'dates[1]'", "'2021-13-40'", "valid date"]),
        ("  max_pages: 2\n", "  max_pages: 2\n  deadline: 2021-02-30\n",
         ["field 'contributions.deadline'", "'2021-02-30'"]),
        # An offset on a window time: the meeting's timezone is what applies.
        ('start: "12:00"', 'start: "12:00+02:00"', ["field 'window.start'", "without a UTC offset"]),
        # A number where a quoted time is expected (would be 720 seconds after midnight UTC).
        ('start: "12:00"', "start: 720", ["field 'window.start'", "'HH:MM' in quotes", "found 720"]),
        ('start: "12:00"', 'start: "12:00:30"', ["field 'window.start'", "whole minutes"]),
        ('start: "12:00"', 'start: "25:00"', ["field 'window.start'", "'25:00'"]),
    ],
)
def test_impossible_dates_and_times_in_meeting_yaml_name_the_field(cli, tmp_path, old, new, phrases):
    folder = meeting_copy(tmp_path, meeting=(old, new))
    for command in (["agenda"], ["roster", "timezones"]):
        result = cli(*command, "--meeting", str(folder))
        assert_clear_error(result, 2, f"{folder / 'meeting.yaml'}", *phrases)


@pytest.mark.parametrize(
    ("tiers", "phrase"),
    [
        ("[]", "expected one or more non-empty tiers"),
        ("[[council_member], []]", "expected one or more non-empty tiers"),
        ("[[council_member], [observer_state, council_member]]",
         "category 'council_member' is in more than one tier"),
    ],
)
def test_floor_tiers_that_let_nobody_speak_or_are_ambiguous(cli, tmp_path, tiers, phrase):
    folder = meeting_copy(tmp_path)
    text = (folder / "meeting.yaml").read_text(encoding="utf-8")
    head, _, tail = text.partition("  tiers:\n")
    assert all(line.startswith("    - [") for line in tail.splitlines())  # tiers end the file
    (folder / "meeting.yaml").write_text(f"{head}  tiers: {tiers}\n", encoding="utf-8")
    result = cli("floor", "replay", str(DAY1_LOG), "--meeting", str(folder))
    assert_clear_error(result, 2, f"{folder / 'meeting.yaml'}", "field 'floor.tiers'", phrase)


def test_a_window_across_a_summer_time_change_is_refused(cli, tmp_path):
    folder = meeting_copy(
        tmp_path,
        meeting=("window:\n  start: \"12:00\"\n  end: \"15:00\"", "window:\n  start: \"01:30\"\n  end: \"03:30\""),
    )
    text = (folder / "meeting.yaml").read_text(encoding="utf-8")
    text = text.replace("  - 2021-06-08\n", "  - 2021-03-28\n").replace("on: 2021-06-08", "on: 2021-03-28")
    (folder / "meeting.yaml").write_text(text, encoding="utf-8")
    result = cli("roster", "timezones", "--meeting", str(folder))
    assert_clear_error(result, 2, f"{folder / 'meeting.yaml'}", "dates[0] 2021-03-28",
                       "crosses a summer-time change in Europe/Zurich",
                       "it would last 60 min, not 120")


def test_a_yaml_key_given_twice_is_an_error_not_silently_the_last(cli, tmp_path):
    folder = meeting_copy(tmp_path)
    with (folder / "meeting.yaml").open("a", encoding="utf-8") as handle:
        handle.write("max_days: 3\n")
    result = cli("agenda", "--meeting", str(folder))
    assert_clear_error(result, 2, f"{folder / 'meeting.yaml'}", "key 'max_days' appears twice",
                       "first on line")


def test_a_grouping_item_given_twice_is_an_error(cli, tmp_path):
    grouping = tmp_path / "grouping.yaml"
    grouping.write_text("36: 1\n12: 2\n36: 2\n", encoding="utf-8")
    result = cli("plan", "--grouping", str(grouping))
    assert_clear_error(result, 2, str(grouping), "line 3", "key 36 appears twice (first on line 1)")


def test_yaml_merge_keys_may_still_override(tmp_path):
    from vccsched.loading import read_yaml

    path = tmp_path / "x.yaml"
    path.write_text("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  x: 3\n", encoding="utf-8")
    assert read_yaml(path)["other"] == {"x": 3, "y": 2}


# --------------------------------------------------------------------------- outputs


def test_out_under_a_file_is_refused_before_any_work(cli, tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("keep me", encoding="utf-8")
    for command in (
        ["plan", "--out", str(blocker / "plan.md")],
        ["plan", "--out-dir", str(blocker)],
        ["roster", "timezones", "--out", str(blocker / "tz.md")],
        ["grouping", "form", "--out", str(blocker / "form.xlsx")],
    ):
        result = cli(*command)
        assert_clear_error(result, 2, "Cannot write output", f"{blocker} is a file, not a folder")
        assert blocker.read_text(encoding="utf-8") == "keep me"


def test_out_that_is_a_folder_is_refused(cli, tmp_path):
    result = cli("plan", "--out", str(tmp_path))
    assert_clear_error(result, 2, f"{tmp_path}: is a folder", "give the name of a file")


def test_out_equal_to_the_grouping_input_keeps_the_input(cli, tmp_path):
    grouping = tmp_path / "grouping.yaml"
    grouping.write_text("36: 1\n", encoding="utf-8")
    result = cli("plan", "--grouping", str(grouping), "--out", str(grouping))
    assert_clear_error(result, 2, f"--out {grouping} is also the input --grouping",
                       "would destroy the input")
    assert grouping.read_text(encoding="utf-8") == "36: 1\n"


def test_out_equal_to_a_meeting_file_keeps_it(cli, tmp_path):
    folder = meeting_copy(tmp_path)
    before = (folder / "roster.yaml").read_bytes()
    result = cli("roster", "timezones", "--meeting", str(folder), "--out", str(folder / "roster.yaml"))
    assert_clear_error(result, 2, "is also the input --meeting", "roster.yaml")
    assert (folder / "roster.yaml").read_bytes() == before


def test_tally_out_equal_to_a_reply_keeps_the_reply(cli, tmp_path):
    meeting = write_meeting(tmp_path / "m")
    form = tmp_path / "form.csv"
    assert cli("grouping", "form", "--meeting", str(meeting), "--out", str(form)).returncode == 0
    reply = fill_csv(form, tmp_path / "replies" / "che.csv", member="CHE", date="2021-03-01",
                     choices={2: 2})
    before = reply.read_bytes()
    result = cli("grouping", "tally", "--meeting", str(meeting), "--out", str(reply),
                 str(tmp_path / "replies"))
    assert_clear_error(result, 2, f"--out {reply} is also the input REPLY")
    assert reply.read_bytes() == before
    same = tmp_path / "both.md"
    result = cli("grouping", "tally", "--meeting", str(meeting), "--out", str(same),
                 "--report", str(same), str(reply))
    assert_clear_error(result, 2, "--out and --report both name")
    assert not same.exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_a_full_disk_is_an_error_naming_the_output(cli, tmp_path):
    result = cli("roster", "timezones", "--out", "/dev/full")
    assert_clear_error(result, 2, "/dev/full: cannot write (No space left on device)")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)  # written into, never replaced
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "vccsched", "agenda"], cwd=REPO,
                                stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert_clear_error(result, 2, "standard output: cannot write", "--out FILE")


def test_write_output_replaces_whole_or_not_at_all(tmp_path, monkeypatch):
    from vccsched.cli import common

    out = tmp_path / "plan.md"
    common.write_output("first\n", out)
    common.write_output(b"second\n", out)
    assert out.read_bytes() == b"second\n"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask

    def fail(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(common.os, "replace", fail)
    with pytest.raises(DataError) as caught:
        common.write_output("third\n", out)
    assert f"{out}: cannot write (No space left on device)" in caught.value.message
    assert out.read_bytes() == b"second\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.md"]  # no temporary left


# --------------------------------------------------------------------------- JSON inputs


def test_plan_check_and_floor_replay_accept_a_bom(cli, tmp_path):
    plan = cli("plan", "--format", "json")
    assert plan.returncode == 0, plan.stderr
    bom_plan = tmp_path / "plan.json"
    bom_plan.write_bytes(b"\xef\xbb\xbf" + plan.stdout.encode("utf-8"))
    result = cli("plan", "--check", str(bom_plan))
    assert result.returncode == 0, result.stderr
    assert "plan is valid" in result.stdout

    bom_log = tmp_path / "day1.jsonl"
    bom_log.write_bytes(b"\xef\xbb\xbf" + DAY1_LOG.read_bytes())
    plain, with_bom = cli("floor", "replay", str(DAY1_LOG)), cli("floor", "replay", str(bom_log))
    assert with_bom.returncode == plain.returncode == 0, with_bom.stderr
    assert with_bom.stdout == plain.stdout


def test_deeply_nested_json_is_a_clear_error(cli, tmp_path):
    nested = "[" * 100_000 + "]" * 100_000
    log = tmp_path / "log.jsonl"
    log.write_text(
        f'{{"actor": "VC", "at": "2021-06-08T12:00:00+02:00", "command": {nested}}}\n',
        encoding="utf-8",
    )
    assert_clear_error(cli("floor", "replay", str(log)), 2, f"{log} line 1", "nested too deeply")
    plan = tmp_path / "plan.json"
    plan.write_text(nested, encoding="utf-8")
    assert_clear_error(cli("plan", "--check", str(plan)), 2, str(plan), "nested too deeply")


def test_a_log_line_with_a_key_twice_is_broken_not_the_last_one(cli, tmp_path):
    log = tmp_path / "log.jsonl"
    first = DAY1_LOG.read_text(encoding="utf-8").splitlines()[0]
    log.write_text(
        first + "\n"
        '{"actor": "VC", "actor": "USA", "at": "2021-06-08T12:01:00+02:00", '
        '"command": {"type": "open_item", "id": "o-2", "item": 3}}\n',
        encoding="utf-8",
    )
    assert_clear_error(cli("floor", "replay", str(log)), 2, f"{log} line 2",
                       "key 'actor' appears twice")


def test_non_utf8_log_and_plan_name_the_line(cli, tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_bytes(DAY1_LOG.read_bytes().split(b"\n")[0] + b"\n" + "caf\xe9\n".encode("cp1252"))
    assert_clear_error(cli("floor", "replay", str(log)), 2, str(log), "not UTF-8 text", "line 2",
                       "save it with the encoding UTF-8")
    folder = tmp_path / "plan-folder"
    folder.mkdir()
    assert_clear_error(cli("plan", "--check", str(folder)), 2, f"{folder}: is a folder",
                       "expected a JSON plan")


# --------------------------------------------------------------------------- replies


@pytest.fixture
def tiny(tmp_path) -> dict[str, Path]:
    meeting = write_meeting(tmp_path / "meeting")
    forms = {}
    for ext in ("xlsx", "csv"):
        forms[ext] = tmp_path / f"form.{ext}"
        result = run_cli("grouping", "form", "--meeting", str(meeting), "--out", str(forms[ext]))
        assert result.returncode == 0, result.stderr
    return {"meeting": meeting, **forms}


def tally(tiny, tmp_path, *replies: Path) -> subprocess.CompletedProcess:
    return run_cli("grouping", "tally", "--meeting", str(tiny["meeting"]),
                   "--out", str(tmp_path / "grouping.yaml"), *map(str, replies))


def test_renamed_and_protected_replies_say_what_they_are(tiny, tmp_path):
    csv_reply = fill_csv(tiny["csv"], tmp_path / "che.csv", member="CHE", date="2021-03-01",
                         choices={2: 2})
    as_xlsx = tmp_path / "che-csv.xlsx"
    shutil.copy(csv_reply, as_xlsx)
    assert_clear_error(tally(tiny, tmp_path, as_xlsx), 2, f"{as_xlsx}: a CSV reply form named .xlsx",
                       "rename it to .csv")

    xlsx_reply = fill_xlsx(tiny["xlsx"], tmp_path / "fra.xlsx", member="FRA",
                           date=dt.date(2021, 3, 1), choices={2: 2})
    as_csv = tmp_path / "fra-xlsx.csv"
    shutil.copy(xlsx_reply, as_csv)
    assert_clear_error(tally(tiny, tmp_path, as_csv), 2, f"{as_csv}: an Excel workbook named .csv",
                       "rename it to .xlsx")

    protected = tmp_path / "ken.xlsx"  # Excel encrypts a protected .xlsx into an OLE2 file
    protected.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504))
    assert_clear_error(tally(tiny, tmp_path, protected), 2, f"{protected}: a password-protected",
                       "without a password")
    assert not (tmp_path / "grouping.yaml").exists()


def test_a_csv_cell_over_the_csv_limit_is_an_error_naming_the_file(tiny, tmp_path):
    reply = fill_csv(tiny["csv"], tmp_path / "che.csv", member="CHE", date="2021-03-01",
                     choices={2: 2}, additional=[("x" * 200_000, "why", "1")])
    assert_clear_error(tally(tiny, tmp_path, reply), 2, f"{reply}: not a readable CSV form",
                       "field larger than field limit", "line")


def test_a_formula_without_its_value_is_reported_not_taken_as_blank(tiny, tmp_path):
    reply = fill_xlsx(tiny["xlsx"], tmp_path / "che.xlsx", member="CHE", date=dt.date(2021, 3, 1),
                      choices={2: "=1+1", 4: 1})
    result = tally(tiny, tmp_path, reply)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "column H (Council Member's choice): holds the formula '=1+1' without a computed value" \
        in result.stderr
    assert "type 1 or 2" in result.stderr


def test_choices_written_as_text_numbers_count_and_words_are_reported(tiny, tmp_path):
    reply = fill_xlsx(tiny["xlsx"], tmp_path / "che.xlsx", member="CHE", date=dt.date(2021, 3, 1),
                      choices={1: "2.0", 2: "\uff12", 4: " 1 ", 7: "\u4e8c"})
    result = tally(tiny, tmp_path, reply)
    assert result.returncode == 0, result.stderr
    grouping = (tmp_path / "grouping.yaml").read_text(encoding="utf-8")
    assert "1: 2" in grouping.splitlines() and "2: 2" in grouping.splitlines()
    assert "column H (Council Member's choice): expected 1, 2 or blank, found '\u4e8c'" in result.stderr


def test_a_damaged_workbook_names_the_file(tiny, tmp_path):
    good = fill_xlsx(tiny["xlsx"], tmp_path / "che.xlsx", member="CHE", date=dt.date(2021, 3, 1),
                     choices={2: 2})
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info, data[: len(data) // 2] if info.filename.endswith("sheet1.xml") else data)
    assert_clear_error(tally(tiny, tmp_path, broken), 2, f"{broken}: damaged XLSX workbook",
                       "ask the sender")
    renamed = tmp_path / "renamed.xlsx"
    workbook = openpyxl.load_workbook(good)
    workbook["Annex 2"].title = "Feuil1"
    workbook.save(renamed)
    assert tally(tiny, tmp_path, renamed).returncode == 0  # found by its header row


# --------------------------------------------------------------------------- last resort


CRASH = """
import sys
import vccsched.cli.agenda as agenda
def boom(*args, **kwargs):
    raise RuntimeError("simulated bug")
agenda.agenda_text = boom
from vccsched.cli import main
main(["agenda"])
"""


@pytest.mark.parametrize("debug", ["", "1"])
def test_an_unexpected_error_asks_for_a_report_without_a_traceback(debug):
    env = {**os.environ, "VCCSCHED_DEBUG": debug}
    result = subprocess.run([sys.executable, "-c", CRASH], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 70
    assert "Internal error: RuntimeError: simulated bug" in result.stderr
    assert "please report it with the command you ran (vccsched agenda)" in result.stderr
    assert ("Traceback" in result.stderr) == (debug == "1")


def test_buffer_as_long_as_the_window_is_refused_naming_the_field(cli, tmp_path):
    folder = tmp_path / "meeting"
    shutil.copytree(DEFAULT_MEETING_DIR, folder)
    path = folder / "meeting.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("buffer_minutes: 20", "buffer_minutes: 180"), encoding="utf-8")
    result = cli("plan", "--meeting", str(folder))
    assert result.returncode == 2
    assert "meeting.yaml" in result.stderr
    assert "buffer_minutes 180 leaves no time in the 180-min window; keep it below 180" in result.stderr
    assert "Traceback" not in result.stderr
