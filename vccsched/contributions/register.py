"""Read the secretariat's register of contributions (CSV or XLSX).

The register is a table with a header row; its columns are found by their
header text, as the reply forms' are (:mod:`vccsched.replyforms`), so a
secretariat officer may reorder them or add columns of their own. A register
that cannot be read at all (missing, not a spreadsheet, no header row) is a
:class:`~vccsched.errors.DataError` (exit status 2); a bad *cell* is a problem
on its row, and the rest of the register is still checked.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path
from typing import Any

from pydantic import Field

from vccsched.errors import DataError
from vccsched.models import StrictModel
from vccsched.replyforms.cells import CellRef, blank, parse_date, shown
from vccsched.loading import read_text
from vccsched.replyforms.sheets import Grid, Workbook, cell, csv_records, find_header

SHEET = "Contributions"
TITLE = "Unreadable register"

#: Column keys of the register, with the header texts the example register uses.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("symbol", "Document symbol"),
    ("member_state", "Member State (name or ISO code)"),
    ("items", "Items (Annex 2 numbers)"),
    ("received", "Received (YYYY-MM-DD)"),
    ("file", "File name"),
    ("title", "Title"),
)
HEADERS = dict(COLUMNS)
REQUIRED = ("symbol", "member_state", "items", "received")

#: At most this many rows are read: a register has tens of rows, never a million.
MAX_ROWS = 10_000


class RegisterRow(StrictModel):
    """One row of the register as written; not yet checked against the meeting."""

    row: int = Field(ge=1, description="The row as the spreadsheet numbers it (CSV: the line's record).")
    symbol: str | None = Field(description="Document symbol such as 'C21/75', spaces tidied; None if blank.")
    member: str | None = Field(description="The Member State as written (name or ISO code).")
    items: list[int] = Field(default_factory=list, description="Annex 2 item numbers, in the order written.")
    received: dt.datetime | dt.date | None = Field(
        description="When it arrived: a date, or a time (with an offset, or in the meeting's zone)."
    )
    file: str | None = Field(default=None, description="The file name, as written.")
    title: str | None = None
    cells: dict[str, CellRef] = Field(description="Column key -> the cell read.")
    problems: list[tuple[str, str]] = Field(
        default_factory=list, description="(column key, message) for each cell that could not be read."
    )

    def ref(self, key: str) -> CellRef:
        return self.cells[key] if key in self.cells else self.cells["symbol"]


class Register(StrictModel):
    file: str
    format: str
    rows: list[RegisterRow]


# --------------------------------------------------------------------------- values


def parse_items(value: Any) -> list[int]:
    """'3', 3, 3.0, '3, 36', '3;36', '3 36' -> item numbers; ``ValueError`` for anything else."""
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        if value < 1:
            raise ValueError
        return [value]
    text = unicodedata.normalize("NFKC", str(value)).strip()
    parts = [p for p in re.split(r"[,;\s]+|\band\b", text) if p]
    if not parts or not all(re.fullmatch(r"\d{1,4}", p) and int(p) >= 1 for p in parts):
        raise ValueError
    return [int(p) for p in parts]


def parse_received(value: Any) -> dt.datetime | dt.date | None:
    """A date, or a time of arrival (e-mail time stamps: '2021-05-25T23:40:00+02:00')."""
    if blank(value):
        return None
    if isinstance(value, dt.datetime):
        # A spreadsheet date cell comes as midnight: that is a date, not a time.
        return value.date() if value.time() == dt.time(0) and value.tzinfo is None else value
    try:
        return parse_date(value)
    except ValueError:
        pass
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError


def tidy_symbol(value: Any) -> str | None:
    if blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(value))).strip()


def _text(value: Any) -> str | None:
    return None if blank(value) else re.sub(r"\s+", " ", str(value)).strip()


# --------------------------------------------------------------------------- tables


def _rows(grid: Grid) -> list[RegisterRow]:
    found = find_header(grid, COLUMNS, REQUIRED)
    if found is None:
        wanted = ", ".join(f"'{HEADERS[k].split(' (')[0]}'" for k in REQUIRED)
        raise DataError(
            f"{grid.file}: no header row found; expected a row with the columns {wanted} "
            "(and optionally 'File name', 'Title'), as in data/c21-vcc1/contributions/register.csv",
            title=TITLE,
        )
    header_row, cols = found
    rows: list[RegisterRow] = []
    for row_number, values in grid.rows:
        if row_number <= header_row:
            continue
        raw = {key: cell(values, col) for key, col in cols.items()}
        if all(blank(v) for v in raw.values()):
            continue
        if len(rows) >= MAX_ROWS:
            raise DataError(f"{grid.file}: more than {MAX_ROWS} rows; is this the register?", title=TITLE)
        cells = {key: grid.ref(row_number, col, HEADERS[key]) for key, col in cols.items()}
        problems: list[tuple[str, str]] = []
        items: list[int] = []
        if blank(raw["items"]):
            problems.append(("items", "no item given; write the Annex 2 number(s), e.g. 3 or '36, 37'"))
        else:
            try:
                items = parse_items(raw["items"])
            except ValueError:
                problems.append(("items", f"expected Annex 2 item numbers such as 3 or '36, 37', "
                                          f"found {shown(raw['items'])}"))
        try:
            received = parse_received(raw["received"])
            if received is None:
                problems.append(("received", "no date of arrival; write it as YYYY-MM-DD"))
        except ValueError:
            received = None
            problems.append(("received", f"expected the date of arrival as YYYY-MM-DD, found {shown(raw['received'])}"))
        symbol = tidy_symbol(raw["symbol"])
        if symbol is None:
            problems.append(("symbol", "no document symbol; write it as the secretariat assigned it, e.g. C21/75"))
        member = _text(raw["member_state"])
        if member is None:
            problems.append(("member_state", "no Member State; write its name or ISO code"))
        rows.append(RegisterRow(
            row=row_number, symbol=symbol, member=member, items=items, received=received,
            file=_text(raw.get("file")), title=_text(raw.get("title")), cells=cells, problems=problems,
        ))
    return rows


def read_register(path: Path, name: str | None = None) -> Register:
    """Read the register by its extension (.csv or .xlsx); ``DataError`` (exit 2) if it cannot be."""
    name = name or str(path)
    suffix = path.suffix.lower()
    if path.is_dir():
        raise DataError(f"{name}: is a folder; give the register file (.csv or .xlsx)", title=TITLE)
    if not path.exists():
        raise DataError(f"{name}: file not found", title="Missing register")
    if suffix == ".csv":
        text = read_text(path, kind="register (.csv or .xlsx)", missing_title="Missing register")
        try:
            records = csv_records(text, name, SHEET, COLUMNS, REQUIRED)
        except DataError as exc:
            raise DataError(exc.message.replace(" or send the XLSX form", ""), title=TITLE) from None
        grid = Grid(name, SHEET, records or [], csv=True)
        return Register(file=name, format="csv", rows=_rows(grid))
    if suffix == ".xlsx":
        try:
            with Workbook(path, name) as book:
                grid = book.table_sheet(SHEET, COLUMNS, REQUIRED)
        except DataError as exc:
            raise DataError(exc.message.replace("ask the sender for the file again or ", ""), title=TITLE) from None
        return Register(file=name, format="xlsx", rows=_rows(grid))
    raise DataError(
        f"{name}: expected the register as .csv or .xlsx, found '{path.suffix or 'no extension'}'",
        title=TITLE,
    )
