"""Write a reply form, whatever the round: the pieces both forms share.

Every form is a workbook with a heading, the instructions, the Meeting, Member
State and date cells (:data:`MEMBER_CELL`, :data:`DATE_CELL`), a boxed table
whose last column is the one to fill in, and the same CSV twin. A round's
module (:mod:`vccsched.grouping.form`, :mod:`vccsched.correspondence.form`)
says what goes in them and adds what only it has (a deadline, a second sheet,
the validation of its reply column), then calls :func:`workbook_bytes` so that
the same input gives the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vccsched.ooxml import FIXED_TIME, deterministic_zip, document_safe
from vccsched.replyforms.cells import CSV_DATE_KEY, CSV_MEMBER_KEY, Columns, column_letter

#: Where the Member State and the date of reply are written on every XLSX form.
MEMBER_CELL, DATE_CELL = "C4", "C5"


@dataclass(frozen=True)
class FormStyles:
    """The fonts, fills and borders of a form (openpyxl objects, made by :func:`form_styles`)."""

    bold: Any
    wrap_top: Any
    to_fill: Any
    header_fill: Any
    box: Any


def form_styles() -> FormStyles:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="999999")
    return FormStyles(
        bold=Font(bold=True),
        wrap_top=Alignment(wrap_text=True, vertical="top"),
        to_fill=PatternFill("solid", fgColor="FFF2CC"),
        header_fill=PatternFill("solid", fgColor="D9E1F2"),
        box=Border(left=thin, right=thin, top=thin, bottom=thin),
    )


def new_workbook(title: str, sheet: str):
    """A workbook with fixed properties and its first sheet named; returns ``(wb, ws)``."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.properties.creator = "vccsched"
    wb.properties.title = title
    wb.properties.created = FIXED_TIME
    ws = wb.active
    ws.title = sheet
    return wb, ws


def write_heading(ws, styles: FormStyles, heading: str, instructions: str, columns: int, height: int) -> None:
    """Row 1 the heading, row 2 the instructions, both merged over the table's width."""
    from openpyxl.styles import Font

    last_col = column_letter(columns)
    ws["A1"] = heading
    ws["A1"].font = Font(bold=True, size=13)
    ws.merge_cells(f"A1:{last_col}1")
    ws["A2"] = instructions
    ws["A2"].alignment = styles.wrap_top
    ws.merge_cells(f"A2:{last_col}2")
    ws.row_dimensions[2].height = height


def write_labels(ws, styles: FormStyles, labels: Iterable[tuple[int, str, object]]) -> None:
    """Label in A:B, value in C; a ``None`` value is a cell to fill in (the Member State, the date)."""
    for row, label, value in labels:
        ws.cell(row=row, column=1, value=label).font = styles.bold
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        cell = ws.cell(row=row, column=3, value=value)
        if value is None:
            cell.fill = styles.to_fill
            cell.border = styles.box
        if isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
    ws[DATE_CELL].number_format = "yyyy-mm-dd"


def style_header(cell, styles: FormStyles) -> None:
    from openpyxl.styles import Alignment

    cell.font = styles.bold
    cell.fill = styles.header_fill
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    cell.border = styles.box


def write_table(
    ws, styles: FormStyles, header_row: int, columns: Columns, widths: Mapping[str, float],
    rows: Sequence[Sequence[object]],
) -> str:
    """The header, the rows boxed, the last column to fill in; returns its range, e.g. ``"F9:F12"``."""
    for col, (key, header) in enumerate(columns, start=1):
        style_header(ws.cell(row=header_row, column=col, value=header), styles)
        ws.column_dimensions[column_letter(col)].width = widths[key]
    for offset, values in enumerate(rows, start=1):
        for col, value in enumerate(values, start=1):
            # A record made before the server refused control characters may hold one.
            cell = ws.cell(row=header_row + offset, column=col, value=document_safe(value) if value != "" else None)
            cell.alignment = styles.wrap_top
            cell.border = styles.box
        ws.cell(row=header_row + offset, column=len(columns)).fill = styles.to_fill
    ws.freeze_panes = f"A{header_row + 1}"
    first, last = header_row + 1, header_row + max(len(rows), 1)
    reply_col = column_letter(len(columns))
    return f"{reply_col}{first}:{reply_col}{last}"


def add_list_validation(
    ws, cells: str, values: Sequence[str], *, error_title: str, error: str, prompt_title: str, prompt: str,
    stop: bool = True,
) -> None:
    """Restrict ``cells`` (e.g. ``"F9:F12"``) to ``values`` or blank, with a prompt and an error
    message; ``stop=False`` leaves Excel's error style unset."""
    from openpyxl.worksheet.datavalidation import DataValidation

    validation = DataValidation(
        type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
        showErrorMessage=True, errorStyle="stop" if stop else None, errorTitle=error_title, error=error,
        showInputMessage=True, promptTitle=prompt_title, prompt=prompt,
    )
    validation.add(cells)
    ws.add_data_validation(validation)


def add_sender_validation(ws, example: str) -> None:
    """Prompts and checks on the date and Member State cells; ``example`` is a date such as 2021-03-12."""
    from openpyxl.worksheet.datavalidation import DataValidation

    date = DataValidation(
        type="date", operator="greaterThan", formula1="DATE(2000,1,1)", allow_blank=True,
        showErrorMessage=True, errorTitle="A date", error=f"Write the date of your reply, e.g. {example}.",
        showInputMessage=True, promptTitle="Date of reply", prompt=f"YYYY-MM-DD, e.g. {example}",
    )
    date.add(DATE_CELL)
    ws.add_data_validation(date)
    member = DataValidation(
        type="textLength", operator="greaterThan", formula1="1", allow_blank=True,
        showInputMessage=True, promptTitle="Member State",
        prompt="Your Member State's name or ISO 3166 code, e.g. Switzerland or CHE.",
    )
    member.add(MEMBER_CELL)
    ws.add_data_validation(member)


def workbook_bytes(wb) -> bytes:
    """The saved workbook, the same bytes for the same content."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return deterministic_zip(buffer.getvalue())


def form_csv_text(
    columns: Columns, rows: Iterable[Sequence[object]], *,
    before: Sequence[Sequence[object]] = (), after: Sequence[Sequence[object]] = (),
) -> str:
    """``before`` lines, the Member State and date lines, a blank line, the table, ``after`` lines.

    Line breaks inside a cell become "; " so that each row stays one line.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(before)
    writer.writerow([CSV_MEMBER_KEY, ""])
    writer.writerow([CSV_DATE_KEY, ""])
    writer.writerow([])
    writer.writerow([header for _, header in columns])
    for row in rows:
        writer.writerow(["; ".join(v.split("\n")) if isinstance(v, str) else v for v in row])
    writer.writerows(after)
    return out.getvalue()
