"""``vccsched grouping form``: the Annex 2 reply form in XLSX and CSV."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from test_grouping_fixtures import forms, meeting_dir  # noqa: F401  (fixtures)
from vccsched.grouping.form import form_csv, form_xlsx


def _validations(ws):
    return {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}


def test_xlsx_form_has_the_annex_2_table_and_reply_cells(forms):
    wb = openpyxl.load_workbook(forms["xlsx"])
    assert wb.sheetnames == ["Annex 2", "Additional items"]
    ws = wb["Annex 2"]
    assert ws["A4"].value == "Member State (name or ISO code):" and ws["C4"].value is None
    assert ws["A5"].value == "Date of reply (YYYY-MM-DD):" and ws["C5"].number_format == "yyyy-mm-dd"
    assert "reply by 12 March 2021" in ws["A2"].value
    header = [c.value for c in ws[7]]
    assert header == [
        "number", "agenda code", "title (zh)", "title (en)", "previously handled at a VCC",
        "documents", "proposed group", "Council Member's choice (1 or 2)",
    ]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=8)]
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5, 7]
    assert rows[0] == [1, "PL 1.01", "报告一", "Report one", "yes", "C21/8", "1 (en bloc)", None]
    assert rows[1][5] == "C20/33\nC21/33" and rows[1][6] == 1
    assert rows[4][6] == "-"  # no proposal, like item 32
    assert rows[5][4] == "yes, but still necessary"
    assert ws.freeze_panes == "A8"
    assert ws.column_dimensions["D"].width == 52
    assert ws["D9"].alignment.wrap_text


def test_xlsx_choice_column_is_restricted_to_1_or_2(forms):
    wb = openpyxl.load_workbook(forms["xlsx"])
    checks = _validations(wb["Annex 2"])
    choice = checks["H8:H13"]
    assert (choice.type, choice.formula1, choice.allow_blank) == ("list", '"1,2"', True)
    assert choice.showErrorMessage and choice.errorStyle == "stop" and "1" in choice.error
    assert choice.showInputMessage and choice.prompt
    assert checks["C5"].type == "date"
    extra = _validations(wb["Additional items"])
    assert extra["C3:C32"].type == "list" and extra["C3:C32"].formula1 == '"1,2"'
    assert [c.value for c in wb["Additional items"][2]] == [
        "title of the proposed additional item", "reason", "proposed group (1 or 2)",
    ]


def test_csv_form_has_the_same_columns_and_key_lines(forms):
    raw = forms["csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel shows the Chinese titles
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["member_state", ""] and rows[1] == ["reply_date", ""] and rows[2] == []
    assert rows[3][0] == "number" and rows[3][7] == "Council Member's choice (1 or 2)"
    assert rows[5] == ["2", "PL 1.02", "报告二", "Report <two> | piped", "no", "C20/33; C21/33", "1", ""]
    assert [r[0] for r in rows[4:10]] == ["1", "2", "3", "4", "5", "7"]
    assert rows[10] == [] and rows[11][0] == "title of the proposed additional item"


def test_forms_are_byte_for_byte_reproducible(meeting_dir, tmp_path, cli):
    first = tmp_path / "a.xlsx"
    second = tmp_path / "b.xlsx"
    for path in (first, second):
        assert cli("grouping", "form", "--meeting", str(meeting_dir), "--out", str(path)).returncode == 0
    assert first.read_bytes() == second.read_bytes()


def test_bundled_c21_form_lists_the_76_rows(c21):
    wb = openpyxl.load_workbook(io.BytesIO(form_xlsx(c21)))
    numbers = [row[0] for row in wb["Annex 2"].iter_rows(min_row=8, values_only=True)]
    assert len(numbers) == 76 and 75 not in numbers and numbers[-1] == 77
    assert _validations(wb["Annex 2"])["H8:H83"].formula1 == '"1,2"'
    row_32 = next(r for r in wb["Annex 2"].iter_rows(min_row=8, values_only=True) if r[0] == 32)
    assert row_32[6] == "-"
    assert form_csv(c21).count("\r\n") == 4 + 76 + 2


def test_a_note_about_a_title_stays_out_of_the_previous_vcc_column(c21):
    rows = {r[0]: r for r in openpyxl.load_workbook(io.BytesIO(form_xlsx(c21)))["Annex 2"].iter_rows(min_row=8, values_only=True)}
    assert rows[52][2:5] == ("信息通信技术发展基金（ICT-DF）（第11号决定）",
                             "Information and Communication Technology Development Fund (ICT-DF) (Decision 11)", "no")
    assert rows[47][4] == "no (the seed writes '否:' (no))"  # a note about that column is shown


@pytest.mark.parametrize("name", ["form.docx", "form"])
def test_form_refuses_an_unknown_format(tmp_path, meeting_dir, cli, name):
    result = cli("grouping", "form", "--meeting", str(meeting_dir), "--out", str(tmp_path / name))
    assert result.returncode == 2  # bad input (README); it was 1, against the README
    assert result.stderr.startswith("Form format: ")
    assert "name the form FILE.xlsx (Excel) or FILE.csv" in result.stderr
    assert "Traceback" not in result.stderr
