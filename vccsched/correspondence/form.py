"""Write the reply form of a decision by correspondence.

:func:`form_xlsx` returns an Excel workbook: sheet "Correspondence" with the
Member State and date cells, and one row per proposed conclusion with a reply
cell that Excel restricts to approve, object or abstain. :func:`form_csv`
returns the same as CSV text. Both are the same bytes for the same input.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence

from vccsched.correspondence.layout import ANSWERS, COLUMNS, SHEET
from vccsched.correspondence.proposals import Proposal, voters
from vccsched.loading import MeetingData
from vccsched.ooxml import FIXED_TIME, deterministic_zip
from vccsched.render.view import date_text
from vccsched.replyforms.cells import (
    CSV_DATE_KEY,
    CSV_MEMBER_KEY,
    DATE_LABEL,
    MEETING_LABEL,
    MEMBER_LABEL,
    column_letter,
)

DEADLINE_LABEL = "Reply by:"
#: The CSV form's deadline line (first, so that it is not taken for a line to fill in).
CSV_DEADLINE_KEY = "reply_deadline"

_WIDTHS = {"number": 8, "code": 11, "title_zh": 34, "title_en": 40, "conclusion": 60, "reply": 18}


def majority_text(data: MeetingData) -> str:
    """'25 of the 48 Council Members with the right to vote' for the meeting's roster."""
    count = len(voters(data))
    return f"{count // 2 + 1} of the {count} Council Members with the right to vote"


def rows(proposals: Sequence[Proposal]) -> list[list[str | int]]:
    """The table's rows (without header), reply column empty."""
    return [[p.number, p.code, p.title.zh, p.title.en, p.conclusion, ""] for p in proposals]


def instructions(data: MeetingData, deadline: dt.date | None) -> str:
    by = f" and reply by {date_text(deadline, weekday=False)}" if deadline else ""
    return (
        f"Decision by correspondence (Rule 3.2 of the Rules of Procedure of the Council) on the "
        f"proposed conclusions of {data.meeting.id}. Write approve, object or abstain in the "
        f"rightmost column against each conclusion; a blank is no reply on that conclusion. "
        f"A proposal is approved by a simple majority of the Council Members with the right "
        f"to vote ({majority_text(data)}). Give your Member State and the date of reply "
        f"below{by}."
    )


def form_xlsx(data: MeetingData, proposals: Sequence[Proposal], deadline: dt.date | None = None) -> bytes:
    """The XLSX form as bytes; write them to a ``.xlsx`` file."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    wb.properties.creator = "vccsched"
    wb.properties.title = f"{data.meeting.id} decision by correspondence: reply form"
    wb.properties.created = FIXED_TIME
    ws = wb.active
    ws.title = SHEET

    bold = Font(bold=True)
    wrap_top = Alignment(wrap_text=True, vertical="top")
    to_fill = PatternFill("solid", fgColor="FFF2CC")
    header_fill = PatternFill("solid", fgColor="D9E1F2")
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    last_col = column_letter(len(COLUMNS))

    ws["A1"] = f"{data.meeting.id}: decision by correspondence on proposed conclusions"
    ws["A1"].font = Font(bold=True, size=13)
    ws.merge_cells(f"A1:{last_col}1")
    ws["A2"] = instructions(data, deadline)
    ws["A2"].alignment = wrap_top
    ws.merge_cells(f"A2:{last_col}2")
    ws.row_dimensions[2].height = 60

    labels = [(3, MEETING_LABEL, data.meeting.id), (4, MEMBER_LABEL, None), (5, DATE_LABEL, None)]
    if deadline is not None:
        labels.append((6, DEADLINE_LABEL, deadline))
    for row, label, value in labels:
        ws.cell(row=row, column=1, value=label).font = bold
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        cell = ws.cell(row=row, column=3, value=value)
        if value is None:
            cell.fill = to_fill
            cell.border = box
        if isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
    member_cell, date_cell = "C4", "C5"
    ws[date_cell].number_format = "yyyy-mm-dd"

    header_row = 8
    for col, (key, header) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=header_row, column=col, value=header)
        cell.font = bold
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = box
        ws.column_dimensions[column_letter(col)].width = _WIDTHS[key]
    table = rows(proposals)
    for offset, values in enumerate(table, start=1):
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=header_row + offset, column=col, value=value if value != "" else None)
            cell.alignment = wrap_top
            cell.border = box
        ws.cell(row=header_row + offset, column=len(COLUMNS)).fill = to_fill
    ws.freeze_panes = f"A{header_row + 1}"
    first, last = header_row + 1, header_row + max(len(table), 1)
    reply_col = column_letter(len(COLUMNS))

    reply = DataValidation(
        type="list", formula1='"' + ",".join(ANSWERS) + '"', allow_blank=True,
        showErrorMessage=True, errorStyle="stop", errorTitle="approve, object or abstain",
        error="Choose approve, object or abstain, or leave blank.",
        showInputMessage=True, promptTitle="Your reply",
        prompt="approve, object or abstain; blank = no reply on this conclusion.",
    )
    reply.add(f"{reply_col}{first}:{reply_col}{last}")
    ws.add_data_validation(reply)
    date = DataValidation(
        type="date", operator="greaterThan", formula1="DATE(2000,1,1)", allow_blank=True,
        showErrorMessage=True, errorTitle="A date", error="Write the date of your reply, e.g. 2021-06-25.",
        showInputMessage=True, promptTitle="Date of reply", prompt="YYYY-MM-DD, e.g. 2021-06-25",
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

    buffer = io.BytesIO()
    wb.save(buffer)
    return deterministic_zip(buffer.getvalue())


def form_csv(proposals: Sequence[Proposal], deadline: dt.date | None = None) -> str:
    """The CSV form: the deadline line (with a deadline), two key lines, then the table.

    Layout (documented in the README, "The decision by correspondence")::

        reply_deadline,<YYYY-MM-DD>  (only with a deadline; the reader ignores it)
        member_state,<name or ISO code>
        reply_date,<YYYY-MM-DD>
        (blank line)
        number,agenda code,title (zh),title (en),proposed conclusion,Council Member's reply (...)
        36,ADM 1,...,approve

    Write the text with a UTF-8 BOM (``encoding="utf-8-sig"``) so that Excel shows
    the Chinese titles.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if deadline is not None:
        writer.writerow([CSV_DEADLINE_KEY, deadline.isoformat()])
    writer.writerow([CSV_MEMBER_KEY, ""])
    writer.writerow([CSV_DATE_KEY, ""])
    writer.writerow([])
    writer.writerow([header for _, header in COLUMNS])
    for row in rows(proposals):
        writer.writerow(["; ".join(v.split("\n")) if isinstance(v, str) else v for v in row])
    return out.getvalue()
