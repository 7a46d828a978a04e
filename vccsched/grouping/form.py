"""Write the Annex 2 reply form that the secretariat sends to the Council Members.

:func:`form_xlsx` returns the bytes of an Excel workbook: sheet "Annex 2" (the
agenda rows, the Member State and date cells, the choice column restricted to 1
or 2 by data validation) and sheet "Additional items". :func:`form_csv` returns
the same table as CSV text for those who do not use Excel. Both are
byte-for-byte deterministic for the same meeting data, so a re-run does not
produce a "changed" attachment.
"""

from __future__ import annotations

import csv
import io

from vccsched.grouping.layout import (
    ADDITIONAL_COLUMNS,
    ADDITIONAL_SHEET,
    ANNEX_COLUMNS,
    ANNEX_SHEET,
    CSV_DATE_KEY,
    CSV_MEMBER_KEY,
    DATE_LABEL,
    MEETING_LABEL,
    MEMBER_LABEL,
    column_letter,
)
from vccsched.loading import MeetingData
from vccsched.models import Item
from vccsched.ooxml import FIXED_TIME, deterministic_zip

#: Rows offered for additional items on the second sheet (validated 1/2).
ADDITIONAL_ROWS = 30

_WIDTHS = {"number": 8, "code": 11, "title_zh": 42, "title_en": 52, "previous_vcc": 13,
           "documents": 14, "proposed_group": 11, "choice": 16}


def _previous(item: Item) -> str:
    text = {True: "yes", False: "no", None: "-"}[item.previous_vcc]
    if not item.note or item.note_about != "previous_vcc":
        return text
    # A note such as "yes, but still necessary" already says yes or no.
    return item.note if item.note.casefold().startswith(text) else f"{text} ({item.note})"


def _proposed(item: Item) -> str | int:
    if item.proposed_group is None:
        return "-"
    return f"{item.proposed_group} (en bloc)" if item.en_bloc else item.proposed_group


def annex_rows(data: MeetingData) -> list[list[str | int]]:
    """The Annex 2 table's rows (without header), in agenda order, choice column empty."""
    return [
        [
            item.number,
            item.code,
            item.title.zh,
            item.title.en,
            _previous(item),
            "\n".join(item.documents) if item.documents else "-",
            _proposed(item),
            "",
        ]
        for item in data.agenda.items
    ]


def _instructions(data: MeetingData) -> str:
    deadline = data.meeting.grouping_reply_deadline
    return (
        f"Write 1 (urgent: on the {data.meeting.id} agenda) or 2 (defer to "
        f"{data.meeting.deferral_target}) in the rightmost column against each item; a blank "
        f"keeps the secretariat's proposal. Give your Member State and the date of reply "
        f"below and reply by {deadline.day} {deadline:%B %Y}. Proposed additional items go "
        f"on the sheet '{ADDITIONAL_SHEET}'."
    )


# --------------------------------------------------------------------------- XLSX


def form_xlsx(data: MeetingData) -> bytes:
    """The XLSX form as bytes; write them to a ``.xlsx`` file."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    wb.properties.creator = "vccsched"
    wb.properties.title = f"{data.meeting.id} Annex 2 reply form"
    wb.properties.created = FIXED_TIME
    ws = wb.active
    ws.title = ANNEX_SHEET

    bold = Font(bold=True)
    wrap_top = Alignment(wrap_text=True, vertical="top")
    to_fill = PatternFill("solid", fgColor="FFF2CC")
    header_fill = PatternFill("solid", fgColor="D9E1F2")
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    last_col = column_letter(len(ANNEX_COLUMNS))

    ws["A1"] = f"{data.meeting.id}: proposed grouping of the agenda items (Annex 2)"
    ws["A1"].font = Font(bold=True, size=13)
    ws.merge_cells(f"A1:{last_col}1")
    ws["A2"] = _instructions(data)
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(f"A2:{last_col}2")
    ws.row_dimensions[2].height = 45

    labels = ((3, MEETING_LABEL, data.meeting.id), (4, MEMBER_LABEL, None), (5, DATE_LABEL, None))
    for row, label, value in labels:
        ws.cell(row=row, column=1, value=label).font = bold
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        cell = ws.cell(row=row, column=3, value=value)
        if value is None:
            cell.fill = to_fill
            cell.border = box
    member_cell, date_cell = "C4", "C5"
    ws[date_cell].number_format = "yyyy-mm-dd"

    header_row = 7
    for col, (key, header) in enumerate(ANNEX_COLUMNS, start=1):
        cell = ws.cell(row=header_row, column=col, value=header)
        cell.font = bold
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = box
        ws.column_dimensions[column_letter(col)].width = _WIDTHS[key]
    rows = annex_rows(data)
    for offset, values in enumerate(rows, start=1):
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=header_row + offset, column=col, value=value if value != "" else None)
            cell.alignment = wrap_top
            cell.border = box
        ws.cell(row=header_row + offset, column=len(ANNEX_COLUMNS)).fill = to_fill
    ws.freeze_panes = f"A{header_row + 1}"
    first, last = header_row + 1, header_row + max(len(rows), 1)
    choice_col = column_letter(len(ANNEX_COLUMNS))

    choice = DataValidation(
        type="list", formula1='"1,2"', allow_blank=True, showDropDown=False,
        showErrorMessage=True, errorStyle="stop", errorTitle="1 or 2 only",
        error="Write 1 (keep or put the item on the VCC agenda) or 2 (defer it), or leave blank.",
        showInputMessage=True, promptTitle="Your choice",
        prompt="1 = urgent, discuss at the VCC; 2 = defer; blank = agree with the proposal.",
    )
    choice.add(f"{choice_col}{first}:{choice_col}{last}")
    ws.add_data_validation(choice)
    date = DataValidation(
        type="date", operator="greaterThan", formula1="DATE(2000,1,1)", allow_blank=True,
        showErrorMessage=True, errorTitle="A date", error="Write the date of your reply, e.g. 2021-03-12.",
        showInputMessage=True, promptTitle="Date of reply", prompt="YYYY-MM-DD, e.g. 2021-03-12",
    )
    date.add(date_cell)
    ws.add_data_validation(date)
    member = DataValidation(
        type="textLength", operator="greaterThan", formula1="1", allow_blank=True,
        showInputMessage=True, promptTitle="Member State",
        prompt="Your Member State's name or ISO 3166 code, e.g. Switzerland or CHE.",
    )
    member.add(member_cell)
    ws.add_data_validation(member)

    extra = wb.create_sheet(ADDITIONAL_SHEET)
    extra["A1"] = ("Items you propose to add to the agenda (not in Annex 2): one per row, "
                   "with the reason and the group you propose.")
    extra["A1"].alignment = Alignment(wrap_text=True, vertical="top")
    extra.merge_cells("A1:C1")
    extra.row_dimensions[1].height = 30
    for col, (key, header) in enumerate(ADDITIONAL_COLUMNS, start=1):
        cell = extra.cell(row=2, column=col, value=header)
        cell.font = bold
        cell.fill = header_fill
        cell.border = box
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        extra.column_dimensions[column_letter(col)].width = {"title": 50, "reason": 60, "group": 14}[key]
    for row in range(3, 3 + ADDITIONAL_ROWS):
        for col in range(1, len(ADDITIONAL_COLUMNS) + 1):
            extra.cell(row=row, column=col).alignment = wrap_top
            extra.cell(row=row, column=col).border = box
    extra.freeze_panes = "A3"
    group = DataValidation(
        type="list", formula1='"1,2"', allow_blank=True, showErrorMessage=True,
        errorTitle="1 or 2 only", error="Write 1 (urgent, on the VCC agenda) or 2 (defer).",
        showInputMessage=True, promptTitle="Proposed group", prompt="1 = urgent; 2 = defer.",
    )
    group.add(f"C3:C{2 + ADDITIONAL_ROWS}")
    extra.add_data_validation(group)

    buffer = io.BytesIO()
    wb.save(buffer)
    return deterministic_zip(buffer.getvalue())


# --------------------------------------------------------------------------- CSV


def form_csv(data: MeetingData) -> str:
    """The CSV form: two key lines, the Annex 2 table, then the additional-items table.

    Layout (documented in the README, "The grouping consultation")::

        member_state,<name or ISO code>
        reply_date,<YYYY-MM-DD>
        (blank line)
        number,agenda code,title (zh),...,Council Member's choice (1 or 2)
        1,PL 1.01,...,
        (blank line)
        title of the proposed additional item,reason,proposed group (1 or 2)

    Write the text with a UTF-8 BOM (``encoding="utf-8-sig"``) so that Excel shows
    the Chinese titles.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([CSV_MEMBER_KEY, ""])
    writer.writerow([CSV_DATE_KEY, ""])
    writer.writerow([])
    writer.writerow([header for _, header in ANNEX_COLUMNS])
    for row in annex_rows(data):
        writer.writerow(["; ".join(v.split("\n")) if isinstance(v, str) else v for v in row])
    writer.writerow([])
    writer.writerow([header for _, header in ADDITIONAL_COLUMNS])
    return out.getvalue()
