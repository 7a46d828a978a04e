"""Read reply files (XLSX or CSV) into grids of cells, whatever the form.

A file that cannot be read at all (corrupt XLSX, a CSV renamed .xlsx, a
password-protected workbook, no header row) raises
:class:`~vccsched.errors.DataError` naming the file: a tally stops rather than
silently dropping a Council Member's reply. A bad *cell* is a
:class:`~vccsched.replyforms.cells.Problem` on the reply, and the rest of the
reply still counts.

A round's reader (:mod:`vccsched.grouping.replies`,
:mod:`vccsched.correspondence.replies`) finds its table with
:func:`find_header`, reads the sender and date with :func:`read_sender`, and
its own columns row by row.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from vccsched.errors import DataError
from vccsched.replyforms.cells import (
    CSV_DATE_KEY,
    CSV_MEMBER_KEY,
    DATE_LABEL,
    MEMBER_LABEL,
    CellRef,
    Columns,
    Problem,
    blank,
    column_letter,
    header_key,
    is_label,
    normalise,
    parse_date,
    short_header,
    shown,
)

#: Rows above the table searched for the header and the labels.
HEADER_SEARCH_ROWS = 40

R = TypeVar("R")


class Grid:
    """A sheet (or CSV section) as rows of values with 1-based positions."""

    def __init__(
        self,
        file: str,
        sheet: str,
        rows: Sequence[tuple[int, Sequence[Any]]],
        covered: frozenset[tuple[int, int]] = frozenset(),
        formulas: dict[tuple[int, int], str] | None = None,
        *,
        csv: bool = False,
    ):
        self.file = file
        self.sheet = sheet
        #: A CSV has no sheets: its places are named by section ("section 'Annex 2'").
        self.place = "section" if csv else "sheet"
        self.rows = list(rows)
        #: (row, column) hidden inside a merged range: never where a value is written.
        self.covered = covered
        #: (row, column) -> formula of cells that hold a formula but no computed value.
        self.formulas = formulas or {}

    def ref(self, row: int, col: int, header: str | None = None) -> CellRef:
        return CellRef(
            file=self.file, sheet=self.sheet, row=row, column=column_letter(col),
            header=short_header(header) if header else None, place=self.place,
        )


def cell(values: Sequence[Any], col: int | None) -> Any:
    """The value in column ``col`` (1-based) of a row, ``None`` past its end."""
    if col is None or col > len(values):
        return None
    return values[col - 1]


def find_header(grid: Grid, columns: Columns, required: Iterable[str]) -> tuple[int, dict[str, int]] | None:
    """The header row's number and its column positions by key, or ``None``."""
    required = set(required)
    for row_number, values in grid.rows[:HEADER_SEARCH_ROWS]:
        positions: dict[str, int] = {}
        for col, value in enumerate(values, start=1):
            key = header_key(value, columns)
            if key and key not in positions:
                positions[key] = col
        if required <= positions.keys():
            return row_number, positions
    return None


def _labelled_value(grid: Grid, label: str, before_row: int) -> tuple[Any, CellRef] | None:
    """The value next to ``label`` above the table (the first non-blank cell to its right)."""
    for row_number, values in grid.rows:
        if row_number >= before_row:
            break
        for col, value in enumerate(values, start=1):
            if is_label(value, label):
                free = [c for c in range(col + 1, len(values) + 2) if (row_number, c) not in grid.covered]
                for right in free:
                    if right <= len(values) and not blank(values[right - 1]):
                        return values[right - 1], grid.ref(row_number, right, label.rstrip(":"))
                return None, grid.ref(row_number, free[0], label.rstrip(":"))
    return None


def _csv_value(grid: Grid, key: str, before_row: int) -> tuple[Any, CellRef] | None:
    for row_number, values in grid.rows:
        if row_number >= before_row:
            break
        if values and normalise(values[0]) == key:
            value = values[1] if len(values) > 1 else None
            header = MEMBER_LABEL if key == CSV_MEMBER_KEY else DATE_LABEL
            return value, grid.ref(row_number, 2, header.rstrip(":"))
    return None


def read_sender(grid: Grid, header_row: int, reply: dict[str, Any], *, csv_keys: bool) -> None:
    """Fill ``member``, ``member_cell``, ``reply_date``, ``date_cell`` of ``reply`` from above the table.

    XLSX forms have labelled cells (:data:`MEMBER_LABEL`, :data:`DATE_LABEL`);
    CSV forms have ``member_state,...`` and ``reply_date,...`` lines. A date
    that is not a date is a problem on its cell and leaves ``reply_date`` empty.
    """
    problems: list[Problem] = reply["problems"]
    for key, label in (("member", MEMBER_LABEL), ("date", DATE_LABEL)):
        if csv_keys:
            located = _csv_value(grid, CSV_MEMBER_KEY if key == "member" else CSV_DATE_KEY, header_row)
        else:
            located = _labelled_value(grid, label, header_row)
        value, ref = located if located is not None else (None, None)
        reply[f"{key}_cell"] = ref
        if key == "member":
            reply["member"] = None if blank(value) else str(value).strip()
        else:
            try:
                reply["reply_date"] = parse_date(value)
            except ValueError:
                reply["reply_date"] = None
                problems.append(Problem(file=grid.file, cell=ref, message=(
                    f"expected the date of reply as YYYY-MM-DD, found {shown(value)}")))


def new_reply(file: str, fmt: str, **tables: list) -> dict[str, Any]:
    """The fields of a reply being read; ``tables`` names the round's lists (``choices=[]``)."""
    return {"file": file, "format": fmt, "problems": [], **tables}


# --------------------------------------------------------------------------- XLSX


class Workbook:
    """An XLSX reply opened for reading: its sheets as :class:`Grid` s.

    Cells holding a formula whose value was not saved (files written by scripts
    or saved without recalculation) read as blank; :attr:`Grid.formulas` keeps
    the formula so that a reader can say so instead of taking a blank.
    """

    def __init__(self, path: Path, name: str):
        import openpyxl  # imported here: the CSV path and the core's import time do not need it

        self.name = name
        try:
            self._book = openpyxl.load_workbook(path, data_only=True)
        except FileNotFoundError:
            raise DataError(f"{name}: file not found", title="Unreadable reply") from None
        except (zipfile.BadZipFile, OSError) as exc:
            raise DataError(
                f"{name}: not a readable XLSX workbook ({exc}); ask the sender for the file again "
                "or save it from Excel as .xlsx",
                title="Unreadable reply",
            ) from None
        except Exception as exc:  # openpyxl raises many kinds on damaged parts of the archive
            raise DataError(
                f"{name}: damaged XLSX workbook ({type(exc).__name__}: {exc}); ask the sender "
                "for the file again or save it from Excel as .xlsx",
                title="Unreadable reply",
            ) from None
        try:
            self._formula_book = openpyxl.load_workbook(path, data_only=False)
        except Exception:  # noqa: BLE001 (the values were read; formulas are only for messages)
            self._formula_book = None

    @property
    def sheetnames(self) -> list[str]:
        return list(self._book.sheetnames)

    def _formulas(self, sheet_name: str, rows: list[tuple[int, list[Any]]]) -> dict[tuple[int, int], str]:
        book = self._formula_book
        if book is None or sheet_name not in book.sheetnames:
            return {}
        found = {}
        written = book[sheet_name].iter_rows(values_only=True)
        for (i, values), raw in zip(rows, written):
            for col, (value, formula) in enumerate(zip(values, raw), start=1):
                if value is None and isinstance(formula, str) and formula.startswith("="):
                    found[(i, col)] = formula
        return found

    def grid(self, sheet_name: str) -> Grid:
        ws = self._book[sheet_name]
        rows = [(i, list(values)) for i, values in enumerate(ws.iter_rows(values_only=True), start=1)]
        covered = frozenset(
            (r, c)
            for merged in ws.merged_cells.ranges
            for r in range(merged.min_row, merged.max_row + 1)
            for c in range(merged.min_col, merged.max_col + 1)
            if (r, c) != (merged.min_row, merged.min_col)
        )
        return Grid(self.name, sheet_name, rows, covered, self._formulas(sheet_name, rows))

    def table_sheet(self, preferred: str, columns: Columns, required: Iterable[str]) -> Grid:
        """The sheet holding the table: ``preferred`` first, then any sheet with the header row.

        A renamed sheet is still found by its header row; when none has it, the
        first sheet in that order is returned (the caller reports the missing header).
        """
        names = self.sheetnames
        order = sorted(names, key=lambda s: (normalise(s) != normalise(preferred), names.index(s)))
        required = tuple(required)
        for sheet_name in order:
            grid = self.grid(sheet_name)
            if find_header(grid, columns, required) is not None:
                return grid
        return self.grid(order[0])

    def close(self) -> None:
        self._book.close()
        if self._formula_book is not None:
            self._formula_book.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------- CSV


def read_csv_text(path: Path, name: str) -> str:
    """The text of a CSV reply (UTF-8, with or without BOM); ``DataError`` naming the file."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"{name}: file not found", title="Unreadable reply") from None
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{name}: not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8' or send the XLSX form",
            title="Unreadable reply",
        ) from None
    except OSError as exc:
        raise DataError(f"{name}: cannot be read ({exc.strerror})", title="Unreadable reply") from None


def csv_records(
    text: str, name: str, sheet: str, columns: Columns, required: Iterable[str]
) -> list[tuple[int, list[str]]] | None:
    """The numbered records of a CSV form, split by the delimiter that yields its header row.

    Excel writes ';' in locales with a decimal comma, and some tools a tab, so
    ',', ';' and tab are tried in turn. ``None`` if no delimiter gives the header.
    """
    required = tuple(required)
    for delimiter in (",", ";", "\t"):
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            records = list(reader)
        except csv.Error as exc:  # e.g. a cell longer than the csv module's limit
            raise DataError(
                f"{name}: not a readable CSV form ({exc}, line {reader.line_num}); save it "
                "again from the spreadsheet as CSV UTF-8 or send the XLSX form",
                title="Unreadable reply",
            ) from None
        rows = [(i, record) for i, record in enumerate(records, start=1)]
        if find_header(Grid(name, sheet, rows), columns, required):
            return rows
    return None


# --------------------------------------------------------------------------- files


_ZIP_MAGIC = b"PK\x03\x04"
# OLE2 compound file: an old .xls workbook or an encrypted (password-protected) .xlsx.
_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def _check_content(path: Path, label: str, suffix: str, parse_csv: Callable[[str, str], object]) -> None:
    """Name the usual mix-ups (renamed files, passwords) instead of a parser's error."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError:
        return  # the reader reports it, with its own wording
    if head.startswith(_OLE_MAGIC):
        raise DataError(
            f"{label}: a password-protected workbook or an old Excel (.xls) file, which cannot "
            "be read; ask the sender for the form without a password, saved as .xlsx",
            title="Unreadable reply",
        )
    if suffix == ".csv" and head.startswith(_ZIP_MAGIC):
        raise DataError(
            f"{label}: an Excel workbook named .csv; rename it to .xlsx",
            title="Unreadable reply",
        )
    if suffix == ".xlsx" and head and not head.startswith(_ZIP_MAGIC):
        try:
            parse_csv(path.read_bytes().decode("utf-8-sig"), label)
        except (OSError, UnicodeDecodeError, DataError):
            return  # not a CSV form either: the XLSX reader says the workbook is unreadable
        raise DataError(
            f"{label}: a CSV reply form named .xlsx, not an Excel workbook; rename it to .csv",
            title="Unreadable reply",
        )


def read_form(
    path: Path,
    name: str | None,
    *,
    read_xlsx: Callable[[Path, str | None], R],
    read_csv: Callable[[Path, str | None], R],
    parse_csv: Callable[[str, str], object],
) -> R:
    """Read one reply file by its extension (.xlsx or .csv) with a round's readers.

    ``parse_csv(text, name)`` parses CSV text as the round's form (raising
    ``DataError`` if it is not one): it tells a CSV renamed .xlsx from a
    damaged workbook.
    """
    suffix = path.suffix.lower()
    label = name or str(path)
    if suffix in (".xlsx", ".csv"):
        _check_content(path, label, suffix, parse_csv)
    if suffix == ".xlsx":
        return read_xlsx(path, name)
    if suffix == ".csv":
        return read_csv(path, name)
    if suffix == ".xls":
        raise DataError(
            f"{label}: old Excel format (.xls) cannot be read; open it and save it as .xlsx",
            title="Unreadable reply",
        )
    raise DataError(
        f"{label}: expected a .xlsx or .csv reply form, found '{path.suffix or 'no extension'}'",
        title="Unreadable reply",
    )


def collect_reply_files(paths: Sequence[Path]) -> tuple[list[tuple[Path, str]], list[str]]:
    """Expand files and folders into ``(path, name)`` pairs, sorted within each folder.

    Returns the files and notes about what was skipped in folders (other file
    types, Excel's '~$' lock files). Raises ``DataError`` for a path that does
    not exist.
    """
    files: list[tuple[Path, str]] = []
    notes: list[str] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            for child in sorted(path.iterdir(), key=lambda p: p.name):
                if not child.is_file():
                    continue
                suffix = child.suffix.lower()
                if child.name.startswith("~$") or child.name.startswith(".~lock"):
                    notes.append(f"skipped {child}: a spreadsheet lock file, not a reply")
                    continue
                if suffix not in (".xlsx", ".csv", ".xls"):
                    notes.append(f"skipped {child}: not a .xlsx or .csv reply form")
                    continue
                resolved = child.resolve()
                if resolved not in seen:
                    seen.add(resolved)
                    files.append((child, str(child)))
        elif path.exists():
            resolved = path.resolve()
            if resolved not in seen:
                seen.add(resolved)
                files.append((path, str(path)))
        else:
            raise DataError(f"{path}: no such reply file or folder", title="Missing reply")
    return files, notes
