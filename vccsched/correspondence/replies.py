"""Read filled correspondence forms (XLSX or CSV) into :class:`Reply` models.

The files, the Member State and date cells and the usual mix-ups (renamed
files, passwords, formulas without values) are read as for every reply form
(:mod:`vccsched.replyforms`); this module reads the table: per row the item
number, the conclusion text as the form showed it, and the answer. A reply cell
holding anything but approve, object, abstain or a blank is a problem on that
cell: that answer is not counted (the row is kept with ``invalid`` set, so that
the tally can name the Member State's invalid answer), and the rest of the
reply still counts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field

from vccsched.correspondence.layout import COLUMNS, HEADERS, REQUIRED, SHEET, Answer, parse_answer
from vccsched.errors import DataError
from vccsched.models import StrictModel
from vccsched.replyforms.cells import (
    CellRef,
    Problem,
    ReplyForm,
    blank,
    normalise,
    parse_number,
    shown,
)
from vccsched.replyforms.sheets import (
    Grid,
    Workbook,
    cell,
    csv_records,
    find_header,
    new_reply,
    read_csv_text,
    read_form,
    read_sender,
)


class Row(StrictModel):
    """One conclusion's row of a reply."""

    item: int = Field(description="Agenda item number as written in the row.")
    conclusion: str | None = Field(description="The conclusion text as the form shows it.")
    answer: Answer | None = Field(description="approve, object, abstain, or None (blank or invalid).")
    invalid: str | None = Field(
        default=None, description="The answer as written when it is none of the answers (not counted)."
    )
    cell: CellRef = Field(description="The reply cell.")
    number_cell: CellRef
    conclusion_cell: CellRef | None


class Reply(ReplyForm):
    """One filled correspondence form, as read; not yet checked against the roster."""

    rows: list[Row] = Field(default_factory=list)


def _read_table(grid: Grid, reply: dict[str, Any], *, csv_keys: bool) -> None:
    found = find_header(grid, COLUMNS, REQUIRED)
    if found is None:
        raise DataError(
            f"{grid.file}: no table header row found (sheet '{grid.sheet}'); expected a row with "
            f"the columns '{HEADERS['number']}' and '{HEADERS['reply']}' as in the form written "
            "by 'vccsched correspondence form'",
            title="Unreadable reply",
        )
    header_row, cols = found
    read_sender(grid, header_row, reply, csv_keys=csv_keys)
    problems: list[Problem] = reply["problems"]
    for row_number, values in grid.rows:
        if row_number <= header_row or all(blank(v) for v in values):
            continue
        raw_number = cell(values, cols["number"])
        raw_answer = cell(values, cols["reply"])
        reply_ref = grid.ref(row_number, cols["reply"], HEADERS["reply"])
        number_ref = grid.ref(row_number, cols["number"], HEADERS["number"])
        answer: Answer | None = None
        invalid: str | None = None
        if not blank(raw_answer):
            answer = parse_answer(normalise(raw_answer)) if isinstance(raw_answer, str) else None
            if answer is None:
                invalid = shown(raw_answer)
                problems.append(Problem(file=grid.file, cell=reply_ref, message=(
                    f"expected approve, object, abstain or blank, found {invalid}; "
                    "this answer is not counted (the rest of the reply is)")))
        elif (row_number, cols["reply"]) in grid.formulas:
            formula = grid.formulas[(row_number, cols["reply"])]
            invalid = f"the formula {formula!r} without a computed value"
            problems.append(Problem(file=grid.file, cell=reply_ref, message=(
                f"holds the formula {formula!r} without a computed value (the file was saved "
                "without recalculation); type approve, object or abstain in the cell; this answer "
                "is not counted (the rest of the reply is)")))
        try:
            number = parse_number(raw_number)
        except ValueError:
            if answer is None:
                continue  # a blank row under the table, or an invalid answer already reported
            what = "nothing" if blank(raw_number) else shown(raw_number)
            problems.append(Problem(file=grid.file, cell=number_ref, message=(
                f"expected an agenda item number, found {what}; the reply {answer!r} in this row "
                "is not counted")))
            continue
        conclusion_col = cols.get("conclusion")
        raw_conclusion = cell(values, conclusion_col)
        reply["rows"].append(Row(
            item=number,
            conclusion=None if blank(raw_conclusion) else str(raw_conclusion),
            answer=answer,
            invalid=invalid,
            cell=reply_ref,
            number_cell=number_ref,
            conclusion_cell=(
                grid.ref(row_number, conclusion_col, HEADERS["conclusion"]) if conclusion_col else None
            ),
        ))


def read_xlsx(path: Path, name: str | None = None) -> Reply:
    """Read a filled XLSX form; ``name`` is how messages call the file (default: ``path``)."""
    name = name or str(path)
    reply = new_reply(name, "xlsx", rows=[])
    with Workbook(path, name) as book:
        _read_table(book.table_sheet(SHEET, COLUMNS, REQUIRED), reply, csv_keys=False)
    return Reply(**reply)


def read_csv(path: Path, name: str | None = None) -> Reply:
    """Read a filled CSV form (UTF-8, with or without BOM; comma, semicolon or tab)."""
    name = name or str(path)
    return parse_csv_text(read_csv_text(path, name), name)


def parse_csv_text(text: str, name: str) -> Reply:
    """Parse the text of a CSV form; see :func:`read_csv`."""
    records = csv_records(text, name, SHEET, COLUMNS, REQUIRED)
    if records is None:
        raise DataError(
            f"{name}: no table header row found; expected a line starting "
            f"'{HEADERS['number']},{HEADERS['code']},...' with a column '{HEADERS['reply']}', "
            "as in the CSV written by 'vccsched correspondence form'",
            title="Unreadable reply",
        )
    reply = new_reply(name, "csv", rows=[])
    _read_table(Grid(name, SHEET, records, csv=True), reply, csv_keys=True)
    return Reply(**reply)


def read_reply(path: Path, name: str | None = None) -> Reply:
    """Read one reply file by its extension (.xlsx or .csv)."""
    return read_form(path, name, read_xlsx=read_xlsx, read_csv=read_csv, parse_csv=parse_csv_text)
