"""Member States' contributions: the deadline and page limit of meeting.yaml, the register
(CSV and XLSX), page counts of real PDF and DOCX files, every flag by row, the report
formats and exit statuses of 'vccsched contributions check'."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from contribution_files import docx_bytes, pdf_bytes

from vccsched.contributions.check import check_register
from vccsched.contributions.pages import count_pages
from vccsched.contributions.register import read_register
from vccsched.contributions.render import render_check
from vccsched.errors import DataError
from vccsched.loading import DEFAULT_MEETING_DIR, load_meeting
from vccsched.models import Meeting

HEADER = "Document symbol,Member State,Items,Received,File name,Title\n"

# One row of each kind of problem, and rows without any (row numbers as a spreadsheet shows them).
REGISTER = HEADER + """\
C21/75,China,3,2021-05-20,one.pdf,Fine: one page
C21/81,Brazil,3,2021-05-24,two.pdf,Fine: two pages on the last day but one
C21/82,RUS,"36, 37",2021-05-25,counted.docx,Fine: Word says two pages
C21/83,India,4,2021-05-26,one.pdf,Late by a day
C21/84,United States,6,2021-05-21,three.pdf,Over length
C21/85,Germany,13,2021-05-18,one.pdf,On an item in Group 2
C21/86,SM-T1,4,2021-05-19,one.pdf,From a Sector Member
C21/75,Japan,5,2021-05-22,one.pdf,Symbol given twice (row 2 too)
C21/87,Mexico,3,2021-05-23,absent.pdf,File missing
C21/88,Kenya,4,2021-05-24,broken.pdf,File unreadable
C21/89,Canada,36,2021-05-24,uncounted.docx,Pages not known
C21/90,Narnia,3,2021-05-24,one.pdf,Not a Member State of the roster
C21/91,Spain,three,tomorrow,../../etc/passwd,Bad cells
"""

EXPECTED_FLAGS = {
    2: {"duplicate_symbol"},
    5: {"late"},
    6: {"over_length"},
    7: {"not_group_1"},
    8: {"not_member_state"},
    9: {"duplicate_symbol"},
    10: {"file_missing"},
    11: {"file_unreadable"},
    13: {"not_member_state"},
    14: {"bad_cell", "file_missing"},
}


@pytest.fixture
def files(tmp_path: Path) -> Path:
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "one.pdf").write_bytes(pdf_bytes(1))
    (folder / "two.pdf").write_bytes(pdf_bytes(2))
    (folder / "three.pdf").write_bytes(pdf_bytes(3))
    (folder / "counted.docx").write_bytes(docx_bytes(2))
    (folder / "uncounted.docx").write_bytes(docx_bytes(None))
    (folder / "broken.pdf").write_bytes(pdf_bytes(2)[:200])
    return folder


def flags_by_row(result) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for flag in result.flags:
        found.setdefault(flag.row, set()).add(flag.kind)
    return found


# --- the settings ------------------------------------------------------------------------


def test_the_deadline_is_14_days_before_the_first_date_25_may_for_8_june(c21):
    assert c21.meeting.contributions_due == dt.date(2021, 5, 25)
    assert c21.meeting.contributions.max_pages == 2


def meeting_on(first: dt.date, **contributions) -> Meeting:
    return Meeting(
        id="TEST", timezone="Europe/Zurich", window={"start": "12:00", "end": "15:00"},
        dates=[first], max_days=1, grouping_reply_deadline=first - dt.timedelta(days=60),
        contributions=contributions,
    )


def test_the_deadline_of_a_november_meeting_and_an_explicit_one():
    assert meeting_on(dt.date(2021, 11, 23)).contributions_due == dt.date(2021, 11, 9)
    assert meeting_on(dt.date(2021, 11, 23), deadline_days_before=7).contributions_due == dt.date(2021, 11, 16)
    assert meeting_on(dt.date(2021, 11, 23), deadline="2021-11-01").contributions_due == dt.date(2021, 11, 1)


def test_two_deadlines_that_differ_are_named(tmp_path):
    folder = tmp_path / "meeting"
    folder.mkdir()
    for name in ("agenda.yaml", "roster.yaml"):
        (folder / name).write_text((DEFAULT_MEETING_DIR / name).read_text(encoding="utf-8"), encoding="utf-8")
    text = (DEFAULT_MEETING_DIR / "meeting.yaml").read_text(encoding="utf-8")
    (folder / "meeting.yaml").write_text(
        text.replace("  max_pages: 2\n", "  max_pages: 2\n  deadline: 2021-05-20\ncontribution_deadline: 2021-05-25\n"),
        encoding="utf-8",
    )
    with pytest.raises(DataError) as caught:
        load_meeting(folder)
    assert "meeting.yaml" in caught.value.render() and "2021-05-20" in caught.value.render()


@pytest.mark.parametrize(
    ("first", "received", "late"),
    [
        # Geneva in June is UTC+2: 22:30 UTC on the deadline day is already the next day there.
        (dt.date(2021, 6, 8), "2021-05-25T22:30:00Z", True),
        (dt.date(2021, 6, 8), "2021-05-25T21:30:00Z", False),
        (dt.date(2021, 6, 8), "2021-05-25T23:59:00+02:00", False),
        # In November it is UTC+1: 22:30 UTC is still the deadline day, 23:30 UTC is not.
        (dt.date(2021, 11, 23), "2021-11-09T22:30:00Z", False),
        (dt.date(2021, 11, 23), "2021-11-09T23:30:00Z", True),
        (dt.date(2021, 11, 23), "2021-11-09", False),
        (dt.date(2021, 11, 23), "2021-11-10", True),
    ],
)
def test_late_is_judged_on_the_date_in_the_meetings_zone(c21, tmp_path, first, received, late):
    data = dataclasses.replace(c21, meeting=c21.meeting.model_copy(update={"dates": [first]}))
    register = tmp_path / "register.csv"
    register.write_text(HEADER + f"C21/75,China,3,{received},,\n", encoding="utf-8")
    result = check_register(data, read_register(register))
    assert ("late" in flags_by_row(result).get(2, set())) is late


# --- pages -------------------------------------------------------------------------------


def test_pages_of_real_pdf_and_docx_files(files):
    assert [count_pages(files / f"{n}.pdf").pages for n in ("one", "two", "three")] == [1, 2, 3]
    assert count_pages(files / "counted.docx").pages == 2
    uncounted = count_pages(files / "uncounted.docx")
    assert uncounted.pages is None and uncounted.unreadable is None and "not known" in uncounted.note
    assert count_pages(files / "broken.pdf").unreadable
    (files / "renamed.docx").write_bytes(pdf_bytes(1))
    assert "not a readable DOCX" in count_pages(files / "renamed.docx").unreadable
    (files / "text.pdf").write_text("not a pdf", encoding="utf-8")
    assert "not a PDF" in count_pages(files / "text.pdf").unreadable


# --- the register and its flags ----------------------------------------------------------


def test_every_kind_of_problem_is_flagged_on_its_row(c21, tmp_path, files):
    register = tmp_path / "register.csv"
    register.write_text(REGISTER, encoding="utf-8")
    result = check_register(c21, read_register(register), files=files)
    assert flags_by_row(result) == EXPECTED_FLAGS
    by_row = {line.row: line for line in result.lines}
    assert by_row[4].pages_text == "2" and by_row[12].pages_text == "not known"
    assert by_row[6].pages == 3 and by_row[11].pages_text == "unreadable"
    messages = {(f.row, f.kind): f for f in result.flags}
    assert messages[(14, "bad_cell")].cell.column in ("C", "D")
    assert "not a plain file name" in messages[(14, "file_missing")].message
    assert "Narnia" in messages[(13, "not_member_state")].message
    assert "Sector Member" in messages[(8, "not_member_state")].message
    assert "Group 2" in messages[(7, "not_group_1")].message
    assert "3 pages, more than 2" in messages[(6, "over_length")].message
    assert "also given in row 9" in messages[(2, "duplicate_symbol")].message
    # Per Group 1 item, in order of arrival (item 3: China 20 May, Mexico 23, Brazil 24, Narnia 24).
    item3 = next(i for i in result.items if i.number == 3)
    assert [line.symbol for line in item3.lines] == ["C21/75", "C21/87", "C21/81", "C21/90"]
    assert 13 not in [i.number for i in result.items]  # Group 2: flagged, not listed under an item
    assert [i.number for i in result.items] == [3, 4, 5, 6, 36, 37]


def test_the_same_register_as_xlsx_gives_the_same_flags(c21, tmp_path, files):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Register"
    sheet.append(["Contributions received for C21/VCC-1"])  # a title row above the table
    import csv
    import io

    for record in csv.reader(io.StringIO(REGISTER)):
        values: list[object] = list(record)
        if values[3][:4].isdigit() and len(values[3]) == 10:
            values[3] = dt.datetime.fromisoformat(values[3])  # a date cell, as Excel stores it
        if values[2].isdigit():
            values[2] = int(values[2])
        sheet.append(values)
    path = tmp_path / "register.xlsx"
    book.save(path)
    result = check_register(c21, read_register(path), files=files)
    # One row lower: the title row.
    assert flags_by_row(result) == {row + 1: kinds for row, kinds in EXPECTED_FLAGS.items()}
    assert "sheet 'Register', row 15" in str(next(f for f in result.flags if f.kind == "bad_cell"))


def test_a_final_grouping_decides_what_is_in_group_1(c21, tmp_path):
    register = tmp_path / "register.csv"
    register.write_text(HEADER + "C21/85,Germany,13,2021-05-18,,\nC21/75,China,3,2021-05-20,,\n", encoding="utf-8")
    result = check_register(c21, read_register(register), grouping={13: 1, 3: 2})
    assert flags_by_row(result) == {3: {"not_group_1"}}
    assert [i.number for i in result.items] == [13]


def test_reports_are_deterministic_and_name_every_flag(c21, tmp_path, files):
    register = tmp_path / "register.csv"
    register.write_text(REGISTER, encoding="utf-8")
    result = check_register(c21, read_register(register), files=files)
    again = check_register(c21, read_register(register), files=files)
    for fmt in ("md", "html", "csv"):
        assert render_check(result, fmt) == render_check(again, fmt)
    markdown = render_check(result, "md")
    for words in ("late", "over length", "not in Group 1", "not a Member State", "symbol given twice",
                  "file missing", "file unreadable", "row 5, column D"):
        assert words in markdown
    csv_lines = render_check(result, "csv").splitlines()
    assert csv_lines[0].startswith("row,symbol,member_state") and len(csv_lines) == 14
    assert "<script" not in render_check(result, "html")


# --- the command -------------------------------------------------------------------------


def test_the_command_writes_the_report_and_exits_0(cli, tmp_path, files):
    register = tmp_path / "register.csv"
    register.write_text(REGISTER, encoding="utf-8")
    out = tmp_path / "report.html"
    done = cli("contributions", "check", str(register), "--files", str(files), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "row 6" in done.stderr and "over length" in done.stderr
    assert "Traceback" not in done.stderr
    assert "C21/84" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("missing.csv", None, "file not found"),
        ("register.csv", "symbol;who\nC21/75;China\n", "no header row"),
        ("register.xlsx", "not a workbook", "register.xlsx"),
        ("register.txt", "Document symbol,Member State,Items,Received\n", "expected the register as .csv or .xlsx"),
    ],
)
def test_a_register_that_cannot_be_read_exits_2(tmp_path, name, content, words):
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_register(path)
    assert caught.value.exit_code == 2 and words in caught.value.render()


def test_the_command_exits_2_for_an_unreadable_register(cli, tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(b"\xff\xfe not utf-8")
    done = cli("contributions", "check", str(path))
    assert done.returncode == 2
    assert "register.csv" in done.stderr and "Traceback" not in done.stderr


def test_the_example_register_flags_each_kind_once_or_more(cli):
    example = DEFAULT_MEETING_DIR / "contributions"
    done = cli("contributions", "check", str(example / "register.csv"), "--files", str(example / "files"))
    assert done.returncode == 0, done.stderr
    for words in ("late", "over length", "not in Group 1", "not a Member State", "symbol given twice",
                  "file missing", "file unreadable"):
        assert f"**{words}**" in done.stdout


# --- the report to C22 -------------------------------------------------------------------


def test_the_report_lists_per_item_the_contributions_and_who_presented_them(cli, tmp_path):
    register = tmp_path / "register.csv"
    register.write_text(HEADER + "C21/75,China,3,2021-05-20,,\nC21/81,Brazil,3,2021-05-24,,\n"
                        "C21/83,Iran,4,2021-05-21,,\n", encoding="utf-8")
    log = Path(__file__).parent / "floor_logs" / "c21-vcc1-day1.jsonl"
    out = tmp_path / "report.md"
    done = cli("report", "--log", str(log), "--contributions", str(register), "--out", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    # China spoke on item 3, Brazil did not; Iran spoke on item 4.
    assert "Contributions considered: C21/75 (China), C21/81 (Brazil); presented by China." in text
    assert "Contributions considered: C21/83 (Iran (Islamic Republic of)); presented by Iran (Islamic Republic of)." in text
    assert text.count("Contributions considered") == 2
    html_out = tmp_path / "report.html"
    assert cli("report", "--log", str(log), "--contributions", str(register), "--out", str(html_out)).returncode == 0
    assert "presented by China" in html_out.read_text(encoding="utf-8")
    docx_out = tmp_path / "report.docx"
    assert cli("report", "--log", str(log), "--contributions", str(register), "--out", str(docx_out)).returncode == 0
    import docx

    paragraphs = [p.text for p in docx.Document(str(docx_out)).paragraphs]
    assert "Contributions considered: C21/75 (China), C21/81 (Brazil); presented by China." in paragraphs


def test_bad_options_are_named_with_exit_2(cli, tmp_path):
    register = tmp_path / "register.csv"
    register.write_text(REGISTER, encoding="utf-8")
    done = cli("contributions", "check", str(register), "--files", str(tmp_path / "nowhere"))
    assert done.returncode == 2 and "--files" in done.stderr and "no such folder" in done.stderr
    done = cli("contributions", "check", str(register), "--out", str(tmp_path / "report.txt"))
    assert done.returncode == 2 and "FILE.md, FILE.html or FILE.csv" in done.stderr
    done = cli("contributions", "check", str(register), "--out", str(register))
    assert done.returncode == 2 and "would destroy" in done.stderr
    assert register.read_text(encoding="utf-8") == REGISTER
