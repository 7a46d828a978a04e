"""Registrations as data: the import of the registration service's export (CSV and XLSX),
its problems by file, row and column, and the optional registrations.yaml of a meeting."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl
import pytest

from vccsched.floor.setup import FloorSetup

from vccsched.errors import DataError
from vccsched.loading import DEFAULT_MEETING_DIR, load_meeting
from vccsched.registrations.importer import import_registrations, registrations_yaml
from vccsched.registrations.languages import floor_language

EXAMPLE = DEFAULT_MEETING_DIR / "registrations" / "example-export.csv"
HEADER = ["Delegation", "Family name", "Given name", "Title", "Function", "E-mail", "Speaker", "Floor language"]

#: One good row and one of each kind of row the import cannot take.
ROWS = [
    ["China", "Example-Delegate-1", "Example", "Ms", "Head of delegation", "d1@example.org", "yes", "Chinese"],  # 2
    ["CHN", "Example-Delegate-2", "Example", "Mr", "Adviser", "d2@example.org", "no", ""],  # 3
    ["Atlantis", "Example-Delegate-3", "Example", "", "Delegate", "d3@example.org", "yes", "en"],  # 4
    ["France", "Example-Delegate-4", "Example", "Dr", "Delegate", "d4@example.org", "yes", ""],  # 5
    ["France", "Example-Delegate-5", "Example", "Dr", "Delegate", "D1@example.org", "yes", "français"],  # 6
    ["DEU", "Example-Delegate-6", "Example", "", "Delegate", "d6@example.org", "no", ""],  # 7
    ["Egypt", "Example-Delegate-7", "Example", "", "Delegate", "d7@example.org", "perhaps", "Klingon"],  # 8
]

PROBLEMS = [
    "row 4, column A (Delegation): unknown delegation 'Atlantis': no delegation of the roster has this name or ISO code; row not taken",
    "row 5, column H (Floor language): a speaker without a floor language; write one of ar, zh, en, fr, ru, es (or its name); row not taken",
    "row 6, column F (E-mail): the same e-mail as row 2; each person registers once with their own address; row not taken",
    "row 7, column G (Speaker): Germany has no speaker among its 1 registered person(s) (row(s) 7): nobody of it can take the floor; write 'yes' for the speaker(s)",
    "row 8, column G (Speaker): expected yes or no, found 'perhaps'; row not taken",
    "row 8, column H (Floor language): unknown floor language 'Klingon'; expected one of ar, zh, en, fr, ru, es (or its name); row not taken",
]


def write_csv(path: Path, rows=ROWS, header=HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows=ROWS, header=HEADER) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Registrations"
    sheet.append(header)
    for row in rows:
        sheet.append([value or None for value in row])
    book.save(path)
    return path


@pytest.fixture
def meeting(tmp_path) -> Path:
    folder = tmp_path / "meeting"
    shutil.copytree(DEFAULT_MEETING_DIR, folder)
    return folder


def test_floor_languages_by_code_or_name_in_any_of_the_six():
    assert floor_language("fr") == floor_language("French") == floor_language(" FRANÇAIS ") == "fr"
    assert floor_language("Arabic") == floor_language("العربية") == "ar"
    assert floor_language("中文") == floor_language("Chinese") == "zh"
    assert floor_language("español") == floor_language("Spanish") == "es"
    assert floor_language("German") is None
    assert floor_language("") is None


def test_every_row_it_cannot_take_by_file_row_and_column_csv(tmp_path, c21):
    path = write_csv(tmp_path / "export.csv")
    result = import_registrations(path, c21.roster, "export.csv")
    assert [str(p) for p in result.problems] == [f"export.csv, {p}" for p in PROBLEMS]
    # In the roster's order (Germany, region B, before China, region E), numbered in the file's.
    assert [(p.id, p.delegation, p.speaker, p.floor_language) for p in result.registrations.persons] == [
        ("DEU.1", "DEU", False, None), ("CHN.1", "CHN", True, "zh"), ("CHN.2", "CHN", False, None),
    ]
    assert (result.rows, result.rows_not_taken) == (7, 4)


def test_every_row_it_cannot_take_by_file_sheet_row_and_column_xlsx(tmp_path, c21):
    path = write_xlsx(tmp_path / "export.xlsx")
    result = import_registrations(path, c21.roster, "export.xlsx")
    assert [str(p) for p in result.problems] == [f"export.xlsx, sheet 'Registrations', {p}" for p in PROBLEMS]
    assert [p.id for p in result.registrations.persons] == ["DEU.1", "CHN.1", "CHN.2"]


def test_columns_found_by_header_in_any_order_and_place(tmp_path, c21):
    # A title line above the table, the columns reordered and named otherwise, a blank row.
    header = ["E-mail", "Surname", "First name", "Member State", "Function", "Speaker", "Floor language"]
    rows = [["", "", "", "", "", "", ""],
            ["a@example.org", "Example-Delegate-1", "Example", "ARG", "Delegate", "Y", "es"]]
    path = tmp_path / "export.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    book.active.append(["Registrations for C21/VCC-1"])
    book.active.append(header)
    for row in rows:
        book.active.append([v or None for v in row])
    book.save(path)
    result = import_registrations(path, c21.roster)
    assert result.problems == []
    person = result.registrations.persons[0]
    assert (person.id, person.family_name, person.floor_language, person.speaker, person.title) == (
        "ARG.1", "Example-Delegate-1", "es", True, None)


def test_the_example_export_imports_cleanly_and_loads_with_the_meeting(meeting, cli):
    out = meeting / "registrations.yaml"
    result = cli("registrations", "import", str(EXAMPLE), "--meeting", str(meeting), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "problem" not in result.stderr
    assert "Took 12 of 12 row(s): 12 person(s) of 8 delegation(s), 9 speaker(s)" in result.stderr
    first = out.read_bytes()
    assert cli("registrations", "import", str(EXAMPLE), "--meeting", str(meeting), "--out", str(out)).returncode == 0
    assert out.read_bytes() == first  # deterministic to the byte
    data = load_meeting(meeting)
    assert data.registrations is not None
    assert [p.id for p in data.registrations.of("CHN")] == ["CHN.1", "CHN.2", "CHN.3"]
    assert all(p.family_name.startswith("Example-Delegate-") for p in data.registrations.persons)
    assert all(p.email.endswith("@example.org") for p in data.registrations.persons)
    # The floor knows the speakers and their languages (never names or e-mails: the setup is public).
    setup = FloorSetup.from_meeting(data)
    speakers = {p.id: p.floor_language for p in data.registrations.persons if p.speaker}
    assert {s.id: s.floor_language for s in setup.speakers} == speakers and len(speakers) == 9
    assert [s.id for s in setup.speakers_of("CHN")] == [p.id for p in data.registrations.of("CHN") if p.speaker]
    assert setup.speaker("CHN.1") is not None and setup.speaker("NOPE.1") is None
    assert "example.org" not in setup.model_dump_json() and "Example-Delegate" not in setup.model_dump_json()


def test_without_registrations_the_meeting_is_as_before(c21):
    assert c21.registrations is None
    assert not (DEFAULT_MEETING_DIR / "registrations.yaml").exists()


def test_problems_go_to_stderr_and_the_rest_is_written(tmp_path, cli):
    out = tmp_path / "registrations.yaml"
    result = cli("registrations", "import", str(write_csv(tmp_path / "export.csv")), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"problem: {tmp_path / 'export.csv'}, {PROBLEMS[0]}" in result.stderr
    assert "Took 3 of 7 row(s)" in result.stderr and "4 row(s) not taken" in result.stderr
    assert "Traceback" not in result.stderr
    assert "CHN.2" in out.read_text()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("missing.csv", None, "file not found"),
        ("export.txt", b"Delegation\n", "expected the registration service's export as .xlsx or .csv"),
        ("export.xlsx", b"PK\x03\x04 not really a zip", "not a readable XLSX workbook"),
        ("export.csv", b"\xff\xfe\x00bad", "not UTF-8 text"),
        ("export.csv", b"Delegation,Family name\nCHN,X\n", "missing: 'Given name', 'Function', 'E-mail', 'Speaker', 'Floor language'"),
    ],
)
def test_a_file_that_cannot_be_read_exits_2_with_a_clear_error(tmp_path, cli, name, content, expected):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = cli("registrations", "import", str(path), "--out", str(tmp_path / "out.yaml"))
    assert result.returncode == 2, result.stderr
    assert "Unreadable registrations" in result.stderr and str(path) in result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out.yaml").exists()


# --------------------------------------------------------------------------- registrations.yaml


def write_registrations(meeting: Path, persons: str, extra: str = "") -> Path:
    path = meeting / "registrations.yaml"
    path.write_text(f"{extra}persons:\n{persons}", encoding="utf-8")
    return path


PERSON = """\
  - {{id: {id}, delegation: {d}, family_name: Example-Delegate-1, given_name: Example, function: Delegate,
     email: {email}, speaker: {speaker}{more}}}
"""


def person(id="CHN.1", d="CHN", email="a@example.org", speaker="true", more=", floor_language: zh"):
    return PERSON.format(id=id, d=d, email=email, speaker=speaker, more=more)


@pytest.mark.parametrize(
    ("persons", "expected"),
    [
        (person(more=", floor_language: zh, phone: 1"), "person CHN.1, field 'phone'"),
        (person(more=""), "a speaker needs a floor_language"),
        (person(more=", floor_language: de"), "person CHN.1, field 'floor_language'"),
        (person() + person(id="CHN.2", email="A@example.org"), "email 'a@example.org' appears 2 times"),
        (person(id="ATL.1", d="ATL"), "person ATL.1: delegation 'ATL' is not on the roster"),
        (person(id="FRA.1"), "id 'FRA.1' does not start with its delegation 'CHN'"),
        (person(email="not-an-address"), "person CHN.1, field 'email'"),
    ],
)
def test_registrations_yaml_is_checked_naming_the_file_and_the_person(meeting, persons, expected):
    path = write_registrations(meeting, persons)
    with pytest.raises(DataError) as caught:
        load_meeting(meeting)
    assert str(path) in caught.value.render()
    assert expected in caught.value.render()


def test_a_delegation_without_a_speaker_is_a_warning(meeting):
    write_registrations(meeting, person(speaker="false", more=""))
    data = load_meeting(meeting)
    assert data.registrations.get("CHN.1").speaker is False
    assert any("delegation CHN has no registered speaker" in w for w in data.warnings)


def test_yaml_written_then_read_is_the_same(tmp_path, c21, meeting):
    result = import_registrations(EXAMPLE, c21.roster)
    (meeting / "registrations.yaml").write_text(registrations_yaml(result.registrations), encoding="utf-8")
    assert load_meeting(meeting).registrations == result.registrations
