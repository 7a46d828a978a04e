"""A tiny meeting and helpers that fill the reply form as a Member State would.

Imported by the other ``test_grouping_*`` modules; its own tests cover the
form layout helpers that the reader relies on.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from conftest import run_cli

from vccsched.grouping.layout import column_letter, header_key, is_label, normalise, ANNEX_COLUMNS

MEETING_YAML = """\
id: T21/VCC-1
timezone: Europe/Zurich
window: {start: "12:00", end: "15:00"}
dates: [2021-06-08, 2021-06-09, 2021-06-10]
max_days: 2
contribution_deadline: 2021-05-25
grouping_reply_deadline: 2021-03-12
buffer_minutes: 20
"""

# Items 1, 2, 7 proposed for Group 1 (10 + 30 + 60 = 100 minutes), 3 and 4 for
# Group 2, 5 without a proposal (like item 32 of C21/VCC-1); no item 6.
AGENDA_YAML = """\
items:
  - {number: 1, code: PL 1.01, title: {zh: 报告一, en: Report one}, previous_vcc: true, documents: [C21/8], proposed_group: 1, en_bloc: true, minutes: 10}
  - {number: 2, code: PL 1.02, title: {zh: 报告二, en: "Report <two> | piped"}, previous_vcc: false, documents: [C20/33, C21/33], proposed_group: 1, minutes: 30}
  - {number: 3, code: PL 1.03, title: {zh: 报告三, en: Report three}, previous_vcc: null, documents: [], proposed_group: 2}
  - {number: 4, code: PL 1.04, title: {zh: 报告四, en: Report four}, previous_vcc: false, documents: [C21/4], proposed_group: 2, minutes: 20}
  - {number: 5, code: PL 3.04, title: {zh: 报告五, en: Report five}, previous_vcc: null, documents: [], proposed_group: null, minutes: 15}
  - {number: 7, code: ADM 1, title: {zh: 预算, en: Budget}, previous_vcc: true, note: "yes, but still necessary", documents: [C21/65], proposed_group: 1, minutes: 60}
"""

ROSTER_YAML = """\
delegations:
  - {id: CHE, name: Switzerland, category: council_member, timezone: Europe/Zurich, voting_rights: true}
  - {id: FRA, name: France, category: council_member, timezone: Europe/Paris, voting_rights: true}
  - {id: KEN, name: Kenya, category: council_member, timezone: Africa/Nairobi, voting_rights: true}
  - {id: JPN, name: Japan, category: council_member, timezone: Asia/Tokyo, voting_rights: true}
  - {id: CIV, name: "Côte d'Ivoire", category: council_member, timezone: Africa/Abidjan, voting_rights: true}
  - {id: KOR, name: "Korea (Rep. of)", category: council_member, timezone: Asia/Seoul, voting_rights: false}
  - {id: AUT, name: Austria, category: observer_state, timezone: Europe/Vienna}
"""


def write_meeting(folder: Path, *, max_days: int = 2) -> Path:
    """A meeting folder with six items, six Council Members and one observer."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "meeting.yaml").write_text(MEETING_YAML.replace("max_days: 2", f"max_days: {max_days}"), encoding="utf-8")
    (folder / "agenda.yaml").write_text(AGENDA_YAML, encoding="utf-8")
    (folder / "roster.yaml").write_text(ROSTER_YAML, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def meeting_dir(tmp_path_factory) -> Path:
    """The tiny meeting folder; shared, so tests must not change it (use write_meeting)."""
    return write_meeting(tmp_path_factory.mktemp("grouping") / "meeting")


@pytest.fixture(scope="session")
def forms(meeting_dir: Path) -> dict[str, Path]:
    """The XLSX and CSV forms, written once by the CLI; tests fill copies of them."""
    out = {}
    for ext in ("xlsx", "csv"):
        path = meeting_dir.parent / f"form.{ext}"
        result = run_cli("grouping", "form", "--meeting", str(meeting_dir), "--out", str(path))
        assert result.returncode == 0, result.stderr
        out[ext] = path
    return out


def _label_row(ws, label: str) -> int:
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(label):
                return cell.row
    raise AssertionError(f"label {label!r} not in the form")


def fill_xlsx(
    form: Path,
    out: Path,
    *,
    member: str | None,
    date: dt.date | str | None,
    choices: dict[int, object] | None = None,
    additional: list[tuple[str, str | None, object]] = (),
) -> Path:
    """Fill the XLSX form: the Member State and date cells, choices found by item number."""
    wb = openpyxl.load_workbook(form)
    ws = wb["Annex 2"]
    if member is not None:
        ws.cell(row=_label_row(ws, "Member State"), column=3, value=member)
    if date is not None:
        ws.cell(row=_label_row(ws, "Date of reply"), column=3, value=date)
    rows = {ws.cell(row=r, column=1).value: r for r in range(1, ws.max_row + 1)}
    for number, value in (choices or {}).items():
        ws.cell(row=rows[number], column=8, value=value)
    extra = wb["Additional items"]
    for offset, (title, reason, group) in enumerate(additional):
        extra.cell(row=3 + offset, column=1, value=title)
        extra.cell(row=3 + offset, column=2, value=reason)
        extra.cell(row=3 + offset, column=3, value=group)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def fill_csv(
    form: Path,
    out: Path,
    *,
    member: str | None,
    date: str | None,
    choices: dict[int, object] | None = None,
    additional: list[tuple[str, str, str]] = (),
    delimiter: str = ",",
) -> Path:
    """Fill the CSV form with the csv module, as a spreadsheet program would save it."""
    rows = list(csv.reader(io.StringIO(form.read_text(encoding="utf-8-sig"), newline="")))
    choices = choices or {}
    for row in rows:
        if row and row[0] == "member_state" and member is not None:
            row[1] = member
        elif row and row[0] == "reply_date" and date is not None:
            row[1] = date
        elif row and row[0].isdigit() and int(row[0]) in choices:
            row[7] = str(choices[int(row[0])])
    for title, reason, group in additional:
        rows.append([title, reason, group])
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(buffer.getvalue(), encoding="utf-8")
    return out


# --------------------------------------------------------------------------- layout


def test_column_letters_as_spreadsheets_name_them():
    assert [column_letter(i) for i in (1, 8, 26, 27, 52)] == ["A", "H", "Z", "AA", "AZ"]


def test_headers_match_with_or_without_the_hint_and_in_any_case():
    assert header_key("Council Member's choice (1 or 2)", ANNEX_COLUMNS) == "choice"
    assert header_key("  COUNCIL MEMBER’S CHOICE ", ANNEX_COLUMNS) == "choice"
    assert header_key("title (zh)", ANNEX_COLUMNS) == "title_zh"
    assert header_key("title", ANNEX_COLUMNS) is None
    assert header_key("Number", ANNEX_COLUMNS) == "number"


def test_labels_and_names_compare_without_accents_case_or_spaces():
    assert is_label("Member State:", "Member State (name or ISO code):")
    assert not is_label("Member States of the Council", "Member State (name or ISO code):")
    assert normalise("  Côte  d’Ivoire ") == normalise("cote d'ivoire")
