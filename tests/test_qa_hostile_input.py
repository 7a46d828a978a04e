"""Hostile registrations and bad input to today's CLI commands (QA): every refusal names the
file, row and column (or person and field), exits 2 and shows no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_correspondence_cli import round_db  # noqa: F401 (the fixture)
from test_registrations import meeting, write_csv  # noqa: F401 (the fixture)

from vccsched.errors import DataError
from vccsched.loading import load_meeting
from vccsched.registrations.importer import import_registrations

GOOD = ["China", "Example-Delegate-1", "Example", "Ms", "Head of delegation", "d1@example.org", "yes", "Chinese"]


# A cell a spreadsheet takes as a formula (tokens.csv and the reminders list are opened in
# one by the secretariat), and control characters (a NUL ends a C string, breaks CSV readers).
HOSTILE = [
    (4, "B", ["China", "=HYPERLINK(\"http://evil.example\",\"x\")", "E", "", "Delegate", "d2@example.org", "no", ""], "formula"),
    (5, "C", ["China", "Example-Delegate-3", "+1+cmd", "", "Delegate", "d3@example.org", "no", ""], "formula"),
    (6, "E", ["China", "Example-Delegate-4", "E", "", "@SUM(A1)", "d4@example.org", "no", ""], "formula"),
    (7, "F", ["China", "Example-Delegate-5", "E", "", "Delegate", "=d5@example.org", "no", ""], "formula"),
    (8, "C", ["China", "Example-Delegate-6", "E\x00vil", "", "Delegate", "d6@example.org", "no", ""], "control character"),
    (9, "B", ["China", "Example\x1b[31m-7", "E", "", "Delegate", "d7@example.org", "no", ""], "control character"),
]


def test_hostile_cells_are_refused_by_row_and_column(tmp_path, c21):
    path = write_csv(tmp_path / "export.csv", [GOOD, GOOD[:5] + ["dx@example.org", "no", ""]] + [row for _, _, row, _ in HOSTILE])
    result = import_registrations(path, c21.roster, "export.csv")
    problems = [str(p) for p in result.problems]
    for row, column, _, word in HOSTILE:
        assert any(p.startswith(f"export.csv, row {row}, column {column} ") and word in p for p in problems), (row, problems)
    assert len(result.registrations.persons) == 2


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("function", "'=1+1'", "formula"),
        ("given_name", '"a\\0b"', "control character"),
        ("email", "'-x@example.org'", "formula"),
    ],
)
def test_registrations_yaml_refuses_formulas_and_controls(meeting, field, value, expected):
    fields = {"family_name": "Example-Delegate-1", "given_name": "Example", "function": "Delegate",
              "email": "a@example.org"}
    fields[field] = value
    body = ", ".join(f"{k}: {v}" for k, v in fields.items())
    (meeting / "registrations.yaml").write_text(
        f"persons:\n  - {{id: CHN.1, delegation: CHN, {body}, speaker: true, floor_language: zh}}\n", encoding="utf-8"
    )
    with pytest.raises(DataError) as caught:
        load_meeting(meeting)
    text = caught.value.render()
    assert "registrations.yaml" in text and "CHN.1" in text and field in text and expected in text, text


@pytest.mark.parametrize("time_text", ["18:00+05:00", "18:00Z", "18:00-04:00"])
def test_a_deadline_time_with_an_offset_is_refused_not_taken_as_geneva_time(cli, tmp_path, time_text):
    """'--deadline-time 18:00+05:00' was read as 18:00 in Geneva: the offset silently dropped."""
    from server.tokens import issue_tokens

    db = tmp_path / "floor.db"
    issue_tokens(db)
    result = cli("correspondence", "open", "--db", str(db), "--deadline", "2099-07-02", "--deadline-time", time_text)
    assert result.returncode == 2, result.stderr
    assert "--deadline-time" in result.stderr and "Geneva" in result.stderr and "Traceback" not in result.stderr


# --------------------------------------------------------------------------- control characters in the record

CONTROL_TEXTS = ["Approved\x0bwith a vertical tab (pasted from Word)", "a NUL \x00 here", "an escape \x1b[31m red", "\ufffe"]


@pytest.mark.parametrize("text", CONTROL_TEXTS)
def test_a_command_text_no_document_could_hold_is_refused_naming_the_field(text):
    """A conclusion with a control character went into the record, which cannot change, and
    then 'vccsched report --out FILE.docx' failed on it (an internal error, exit 70) for good."""
    import json

    from vccsched.floor.protocol import MessageError, parse_client_message

    frame = json.dumps({"type": "command", "command": {"type": "record_conclusion", "id": "vc-9", "conclusion": text}})
    with pytest.raises(MessageError) as caught:
        parse_client_message(frame)
    assert caught.value.code == "invalid_command" and caught.value.command_id == "vc-9"
    assert "'conclusion'" in str(caught.value) and "U+" in str(caught.value)
    # Tabs, line breaks and every other character are taken as before.
    ok = json.dumps({"type": "command", "command": {"type": "record_conclusion", "id": "vc-9",
                                                    "conclusion": "Two lines,\r\nand a\ttab; العربية, 中文 \u200f."}})
    assert parse_client_message(ok).command.conclusion.startswith("Two lines")


def record_with_a_control_character(tmp_path, c21, **conclusion) -> Path:
    """A database whose record holds a conclusion with control characters (as a server
    before they were refused would have stored it)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from server.store import FloorStore
    from server.tokens import issue_tokens
    from vccsched.floor.commands import parse_command
    from vccsched.floor.engine import Floor
    from vccsched.floor.setup import FloorSetup

    db = tmp_path / "floor.db"
    issue_tokens(db)
    store = FloorStore.open(db)
    floor = Floor(FloorSetup.from_meeting(c21))
    now = dt.datetime(2021, 6, 8, 12, 0, tzinfo=ZoneInfo("Europe/Zurich"))
    for n, command in enumerate(({"type": "open_item", "item": 3},
                                 {"type": "record_conclusion", "conclusion": "Approved\x0bas \x00amended.", **conclusion},
                                 {"type": "close_item"})):
        command = {"id": f"vc-{n}", **command}
        answer = floor.handle("VC", parse_command(command), now)
        assert answer.accepted
        store.append("VC", now, command, answer.events)
    store.close()
    return db


def test_a_record_made_before_still_gives_its_docx_report(tmp_path, cli, c21):
    """A conclusion with a control character recorded before the server refused them: the
    .docx report is written (the character shown as U+FFFD), not an internal error."""
    import docx

    db = record_with_a_control_character(tmp_path, c21)
    out = tmp_path / "report.docx"
    result = cli("report", "--db", str(db), "--out", str(out))
    assert result.returncode == 0, result.stderr
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "Approved\ufffdas \ufffdamended." in text


def test_a_record_made_before_still_gives_its_reply_form(tmp_path, cli, c21):
    import openpyxl

    db = record_with_a_control_character(tmp_path, c21, by_correspondence=True)
    out = tmp_path / "form.xlsx"
    result = cli("correspondence", "form", "--db", str(db), "--out", str(out))
    assert result.returncode == 0, result.stderr
    cells = [c.value for row in openpyxl.load_workbook(out).active.iter_rows() for c in row]
    assert "Approved\ufffdas \ufffdamended." in cells


def test_the_reminders_list_of_names_and_e_mails_is_for_its_owner_only(round_db, tmp_path, cli):
    """Like tokens.csv: the focal points' names and e-mail addresses are personal data."""
    import datetime as dt
    import shutil

    db = tmp_path / "floor.db"
    shutil.copy(round_db, db)
    year = dt.date.today().year + 1
    assert cli("correspondence", "open", "--db", str(db), "--deadline", f"{year}-07-02").returncode == 0
    out = tmp_path / "remind.csv"
    result = cli("correspondence", "reminders", "--db", str(db), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (out.stat().st_mode & 0o777) == 0o600
