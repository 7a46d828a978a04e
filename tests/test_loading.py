"""Bad meeting data gives a DataError naming the file, the item and the field.

Each case breaks a copy of the bundled data in ``tmp_path`` and checks the
message both from ``load_meeting`` and from the CLI (exit status 2, message on
stderr, never a traceback).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from vccsched.errors import DataError
from vccsched.loading import DEFAULT_MEETING_DIR, load_meeting, read_yaml


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "meeting"
    shutil.copytree(DEFAULT_MEETING_DIR, folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _missing_agenda(d: Path) -> None:
    (d / "agenda.yaml").unlink()


def _invalid_yaml(d: Path) -> None:
    # Line 4 is indented one space more than the field above it.
    (d / "roster.yaml").write_text("example: true\ndelegations:\n  - id: USA\n   name: x\n")


def _group_1_without_minutes(d: Path) -> None:
    _edit(d / "agenda.yaml", "    minutes: 70\n", "")  # item 36, the budget


def _unknown_field(d: Path) -> None:
    _edit(d / "agenda.yaml", "  - number: 5\n", "  - number: 5\n    duration: 25\n")


def _bad_time_zone(d: Path) -> None:
    _edit(d / "roster.yaml", '"America/Argentina/Buenos_Aires"', '"America/Buenos Aires"')


def _duplicate_number(d: Path) -> None:
    _edit(d / "agenda.yaml", "  - number: 4\n", "  - number: 3\n")


def _pin_unknown_item(d: Path) -> None:
    # 75 is the number the seed skips.
    _edit(d / "meeting.yaml", "\npins:\n", "\npins:\n  - {item: 75, on: 2021-06-09}\n")


def _pin_weekend(d: Path) -> None:
    _edit(d / "meeting.yaml", "\npins:\n", "\npins:\n  - {item: 36, on: 2021-06-12}\n")


def _bad_group(d: Path) -> None:
    _edit(d / "agenda.yaml", "    proposed_group: 2\n", "    proposed_group: 3\n")  # item 13


def _window_backwards(d: Path) -> None:
    _edit(d / "meeting.yaml", 'end: "15:00"', 'end: "11:00"')


CASES: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    "missing file": (_missing_agenda, ["agenda.yaml", "file not found"]),
    "invalid YAML": (_invalid_yaml, ["roster.yaml", "not valid YAML at line 4"]),
    "Group 1 item without minutes": (
        _group_1_without_minutes,
        ["agenda.yaml", "item 36:", "a Group 1 item needs 'minutes'"],
    ),
    "unknown field": (
        _unknown_field,
        ["agenda.yaml", "item 5, field 'duration': unknown field"],
    ),
    "bad time zone": (
        _bad_time_zone,
        ["roster.yaml", "delegation ARG, field 'timezone'", "unknown IANA time zone 'America/Buenos Aires'"],
    ),
    "duplicate item number": (_duplicate_number, ["agenda.yaml", "item number 3 appears twice"]),
    "pin on an unknown item": (_pin_unknown_item, ["meeting.yaml", "pins[0]: item 75 is not on the agenda"]),
    "pin on a weekend": (_pin_weekend, ["meeting.yaml", "'on' 2021-06-12 is not a meeting date"]),
    "group out of range": (_bad_group, ["agenda.yaml", "item 13, field 'proposed_group'", "(found 3)"]),
    "window ending before it starts": (
        _window_backwards,
        ["meeting.yaml", "field 'window'", "the window must end after it starts"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_load_meeting_names_file_item_and_field(tmp_path, case):
    breaker, expected = CASES[case]
    folder = _copy(tmp_path)
    breaker(folder)
    with pytest.raises(DataError) as info:
        load_meeting(folder)
    text = info.value.render()
    for fragment in expected:
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    assert "Value error" not in text  # pydantic's prefix is noise to a secretariat officer


@pytest.mark.parametrize("case", list(CASES))
def test_cli_reports_bad_data_without_traceback(tmp_path, cli, case):
    breaker, expected = CASES[case]
    folder = _copy(tmp_path)
    breaker(folder)
    result = cli("agenda", "--meeting", str(folder))
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(("Invalid input data:", "Missing data file:"))
    for fragment in expected:
        assert fragment in result.stderr, f"{fragment!r} not in:\n{result.stderr}"


def test_missing_folder(tmp_path, cli):
    with pytest.raises(DataError, match="no such meeting folder"):
        load_meeting(tmp_path / "nowhere")
    result = cli("agenda", "--meeting", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "Missing data folder" in result.stderr and "Traceback" not in result.stderr


def test_several_problems_are_all_reported(tmp_path):
    folder = _copy(tmp_path)
    _group_1_without_minutes(folder)
    _unknown_field(folder)
    with pytest.raises(DataError) as info:
        load_meeting(folder)
    assert "2 problems" in info.value.message
    assert len(info.value.details) == 2


def test_yaml_reads_on_yes_and_times_as_words(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("on: 2021-06-09\nanswer: yes\nstart: 12:00\nflag: true\nn: 190\n")
    assert read_yaml(path) == {
        "on": dt.date(2021, 6, 9),
        "answer": "yes",
        "start": "12:00",
        "flag": True,
        "n": 190,
    }


def test_a_pin_with_on_loads(tmp_path):
    folder = _copy(tmp_path)
    text = "\npins:\n  - {item: 36, on: 2021-06-09}\n  - {item: 31, first: true}\n"
    _edit(folder / "meeting.yaml", "\npins:\n", text)
    pins = load_meeting(folder).meeting.pins
    assert [(p.item, p.on and p.on.isoformat(), p.first) for p in pins] == [
        (36, "2021-06-09", False),
        (31, None, True),
        (1, "2021-06-08", True),  # the bundled pin: the en-bloc package opens day 1
    ]


def test_unquoted_window_times_load(tmp_path):
    # YAML 1.1 reads 12:00 as the integer 720, which pydantic takes as 00:12.
    folder = _copy(tmp_path)
    _edit(folder / "meeting.yaml", 'start: "12:00"', "start: 12:00")
    _edit(folder / "meeting.yaml", 'end: "15:00"', "end: 15:00")
    window = load_meeting(folder).meeting.window
    assert (window.start.hour, window.end.hour, window.minutes) == (12, 15, 180)
