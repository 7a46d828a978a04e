"""Read filled Annex 2 forms (XLSX or CSV) into :class:`Reply` models.

Reading checks only what the file itself can tell: the shape of the table and
whether every value is a 1, a 2, a date, a number. Whether the sender is a
Council Member, whether item numbers exist and whether the reply is late are
the tally's business (:mod:`vccsched.grouping.tally`), because they need the
meeting's data.

A file that cannot be read at all (corrupt XLSX, CSV without the header row)
raises :class:`~vccsched.errors.DataError` naming the file: the tally stops
rather than silently dropping a Council Member's reply. A bad *cell* is a
:class:`Problem` on the reply, and the rest of the reply still counts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from vccsched.errors import DataError
from vccsched.grouping.layout import (
    ADDITIONAL_COLUMNS,
    ADDITIONAL_HEADERS,
    ADDITIONAL_SHEET,
    ANNEX_COLUMNS,
    ANNEX_HEADERS,
    ANNEX_SHEET,
    CSV_DATE_KEY,
    CSV_MEMBER_KEY,
    DATE_LABEL,
    MEMBER_LABEL,
    column_letter,
    header_key,
    is_label,
    normalise,
    short_header,
)
from vccsched.models import Group, StrictModel

#: Rows above the table searched for the header and the labels.
_HEADER_SEARCH_ROWS = 40


class CellRef(StrictModel):
    """Where a value was read: the provenance every problem message names."""

    file: str = Field(description="The reply file as given on the command line.")
    sheet: str = Field(description="XLSX sheet name; for CSV the section ('Annex 2', 'Additional items').")
    row: int = Field(ge=1, description="1-based row (CSV: record number) as a spreadsheet shows it.")
    column: str = Field(description="Column letter, e.g. 'H' (CSV columns are lettered the same way).")
    header: str | None = Field(default=None, description="The column's header or the cell's label.")

    def __str__(self) -> str:
        label = f" ({self.header})" if self.header else ""
        return f"{self.file}, sheet '{self.sheet}', row {self.row}, column {self.column}{label}"


class Problem(StrictModel):
    """Something wrong in one reply; ``cell`` is ``None`` for the reply as a whole."""

    file: str
    cell: CellRef | None = None
    message: str = Field(description="What is wrong and what the secretariat can do.")

    def __str__(self) -> str:
        return f"{self.cell if self.cell else self.file}: {self.message}"


class Choice(StrictModel):
    """A Council Member's 1 or 2 against one agenda item."""

    item: int = Field(description="Agenda item number as written in the reply's 'number' column.")
    group: Group
    cell: CellRef = Field(description="The choice cell.")
    number_cell: CellRef = Field(description="The cell holding the item number.")


class AdditionalItem(StrictModel):
    """An item a Member State asks to add to the agenda (second sheet of the form)."""

    title: str
    reason: str | None = None
    group: Group | None = Field(default=None, description="The group the proposer asks for.")
    cell: CellRef = Field(description="The title cell.")


class Reply(StrictModel):
    """One filled form, as read; not yet checked against the roster or the agenda."""

    file: str = Field(description="The file as given (a folder's files as folder/name).")
    format: Literal["xlsx", "csv"]
    member: str | None = Field(description="The Member State as written (name or ISO code).")
    member_cell: CellRef | None = Field(description="The Member State's cell; None if the label is missing.")
    reply_date: dt.date | None = Field(description="The date of reply as written; None if absent.")
    date_cell: CellRef | None = Field(description="The date cell; None if the label is missing.")
    choices: list[Choice] = Field(default_factory=list)
    additional: list[AdditionalItem] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list, description="Bad cells, ignored.")


# --------------------------------------------------------------------------- values


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _shown(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return repr(value) if isinstance(value, str) else str(value)


def parse_group(value: Any) -> int | None:
    """1 or 2 from a cell (1, 1.0, ' 2 ', '2.0', full-width '２'); ``None`` when blank;
    ``ValueError`` otherwise."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, (int, float)) and value in (1, 2):
        return int(value)
    if isinstance(value, str):
        # A number cell exported as text ("2.0"), or typed with an East Asian input method.
        text = unicodedata.normalize("NFKC", value).strip()
        if re.fullmatch(r"[12](?:\.0+)?", text):
            return int(text[0])
    raise ValueError


def parse_number(value: Any) -> int:
    """An agenda item number from a cell; ``ValueError`` unless a positive whole number."""
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and value >= 1:
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value) and int(value) >= 1:
        return int(value)
    raise ValueError


def parse_date(value: Any) -> dt.date | None:
    """A reply date from a date cell or from 'YYYY-MM-DD' / '12 March 2021' text."""
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for fmt in ("%Y-%m-%d", "%d %B %Y", "%d %b %Y"):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    raise ValueError


# --------------------------------------------------------------------------- tables


class _Grid:
    """A sheet (or CSV section) as rows of values with 1-based positions."""

    def __init__(
        self,
        file: str,
        sheet: str,
        rows: Sequence[tuple[int, Sequence[Any]]],
        covered: frozenset[tuple[int, int]] = frozenset(),
        formulas: dict[tuple[int, int], str] | None = None,
    ):
        self.file = file
        self.sheet = sheet
        self.rows = list(rows)
        #: (row, column) hidden inside a merged range: never where a value is written.
        self.covered = covered
        #: (row, column) -> formula of cells that hold a formula but no computed value.
        self.formulas = formulas or {}

    def ref(self, row: int, col: int, header: str | None = None) -> CellRef:
        return CellRef(
            file=self.file, sheet=self.sheet, row=row, column=column_letter(col),
            header=short_header(header) if header else None,
        )


def _find_header(grid: _Grid, columns, required: Iterable[str]) -> tuple[int, dict[str, int]] | None:
    """The header row's number and its column positions by key, or ``None``."""
    required = set(required)
    for row_number, values in grid.rows[:_HEADER_SEARCH_ROWS]:
        positions: dict[str, int] = {}
        for col, value in enumerate(values, start=1):
            key = header_key(value, columns)
            if key and key not in positions:
                positions[key] = col
        if required <= positions.keys():
            return row_number, positions
    return None


def _labelled_value(grid: _Grid, label: str, before_row: int) -> tuple[Any, CellRef] | None:
    """The value next to ``label`` above the table (the first non-blank cell to its right)."""
    for row_number, values in grid.rows:
        if row_number >= before_row:
            break
        for col, value in enumerate(values, start=1):
            if is_label(value, label):
                free = [c for c in range(col + 1, len(values) + 2) if (row_number, c) not in grid.covered]
                for right in free:
                    if right <= len(values) and not _blank(values[right - 1]):
                        return values[right - 1], grid.ref(row_number, right, label.rstrip(":"))
                return None, grid.ref(row_number, free[0], label.rstrip(":"))
    return None


def _cell(values: Sequence[Any], col: int | None) -> Any:
    if col is None or col > len(values):
        return None
    return values[col - 1]


def _read_annex(grid: _Grid, reply: dict[str, Any], *, csv_keys: bool) -> None:
    found = _find_header(grid, ANNEX_COLUMNS, ("number", "choice"))
    if found is None:
        raise DataError(
            f"{grid.file}: no Annex 2 header row found (sheet '{grid.sheet}'); expected a row "
            f"with the columns '{ANNEX_HEADERS['number']}' and '{ANNEX_HEADERS['choice']}' "
            "as in the form written by 'vccsched grouping form'",
            title="Unreadable reply",
        )
    header_row, cols = found
    problems: list[Problem] = reply["problems"]
    for key, label in (("member", MEMBER_LABEL), ("date", DATE_LABEL)):
        if csv_keys:
            located = _csv_value(grid, CSV_MEMBER_KEY if key == "member" else CSV_DATE_KEY, header_row)
        else:
            located = _labelled_value(grid, label, header_row)
        if located is None:
            value, ref = None, None
        else:
            value, ref = located
        reply[f"{key}_cell"] = ref
        if key == "member":
            reply["member"] = None if _blank(value) else str(value).strip()
        else:
            try:
                reply["reply_date"] = parse_date(value)
            except ValueError:
                reply["reply_date"] = None
                problems.append(Problem(file=grid.file, cell=ref, message=(
                    f"expected the date of reply as YYYY-MM-DD, found {_shown(value)}")))

    choice_header = ANNEX_HEADERS["choice"]
    number_header = ANNEX_HEADERS["number"]
    for row_number, values in grid.rows:
        if row_number <= header_row:
            continue
        if csv_keys and values and header_key(values[0], ADDITIONAL_COLUMNS) == "title":
            break
        raw_number = _cell(values, cols["number"])
        raw_choice = _cell(values, cols["choice"])
        choice_ref = grid.ref(row_number, cols["choice"], choice_header)
        try:
            group = parse_group(raw_choice)
        except ValueError:
            problems.append(Problem(file=grid.file, cell=choice_ref, message=(
                f"expected 1, 2 or blank, found {_shown(raw_choice)}; this choice is not counted")))
            continue
        if group is None:
            formula = grid.formulas.get((row_number, cols["choice"]))
            if formula is not None:
                # Blank to the reader, but the Member State wrote something: say so.
                problems.append(Problem(file=grid.file, cell=choice_ref, message=(
                    f"holds the formula {formula!r} without a computed value (the file was "
                    "saved without recalculation); type 1 or 2 in the cell; this choice is "
                    "not counted")))
            continue
        try:
            number = parse_number(raw_number)
        except ValueError:
            what = "nothing" if _blank(raw_number) else _shown(raw_number)
            problems.append(Problem(
                file=grid.file,
                cell=grid.ref(row_number, cols["number"], number_header),
                message=f"expected an agenda item number, found {what}; the choice {group} "
                "in this row is not counted",
            ))
            continue
        reply["choices"].append(Choice(
            item=number, group=group, cell=choice_ref,
            number_cell=grid.ref(row_number, cols["number"], number_header),
        ))


def _read_additional(grid: _Grid, reply: dict[str, Any], *, start_after: int | None = None) -> None:
    found = _find_header(grid, ADDITIONAL_COLUMNS, ("title",))
    if found is None:
        return
    header_row, cols = found
    problems: list[Problem] = reply["problems"]
    for row_number, values in grid.rows:
        if row_number <= header_row:
            continue
        title = _cell(values, cols.get("title"))
        reason = _cell(values, cols.get("reason"))
        raw_group = _cell(values, cols.get("group"))
        group_ref = grid.ref(row_number, cols.get("group", 3), ADDITIONAL_HEADERS["group"])
        if _blank(title):
            if not (_blank(reason) and _blank(raw_group)):
                problems.append(Problem(
                    file=grid.file,
                    cell=grid.ref(row_number, cols["title"], ADDITIONAL_HEADERS["title"]),
                    message="a proposed additional item without a title; write its title or clear the row",
                ))
            continue
        try:
            group = parse_group(raw_group)
        except ValueError:
            problems.append(Problem(file=grid.file, cell=group_ref, message=(
                f"expected 1, 2 or blank, found {_shown(raw_group)}; the item is listed without a group")))
            group = None
        reply["additional"].append(AdditionalItem(
            title=str(title).strip(),
            reason=None if _blank(reason) else str(reason).strip(),
            group=group,
            cell=grid.ref(row_number, cols["title"], ADDITIONAL_HEADERS["title"]),
        ))


def _csv_value(grid: _Grid, key: str, before_row: int) -> tuple[Any, CellRef] | None:
    for row_number, values in grid.rows:
        if row_number >= before_row:
            break
        if values and normalise(values[0]) == key:
            value = values[1] if len(values) > 1 else None
            header = MEMBER_LABEL if key == CSV_MEMBER_KEY else DATE_LABEL
            return value, grid.ref(row_number, 2, header.rstrip(":"))
    return None


def _new_reply(file: str, fmt: str) -> dict[str, Any]:
    return {"file": file, "format": fmt, "choices": [], "additional": [], "problems": []}


# --------------------------------------------------------------------------- files


def read_xlsx(path: Path, name: str | None = None) -> Reply:
    """Read a filled XLSX form; ``name`` is how messages call the file (default: ``path``)."""
    import openpyxl  # imported here: the CSV path and the core's import time do not need it

    name = name or str(path)
    try:
        workbook = openpyxl.load_workbook(path, data_only=True)
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

    # Formulas as written, for cells whose computed value was not saved (files
    # written by scripts or saved without recalculation): blank to data_only.
    try:
        formula_book = openpyxl.load_workbook(path, data_only=False)
    except Exception:  # noqa: BLE001 (the values were read; formulas are only for messages)
        formula_book = None

    def formulas_of(sheet_name: str, rows: list[tuple[int, list[Any]]]) -> dict[tuple[int, int], str]:
        if formula_book is None or sheet_name not in formula_book.sheetnames:
            return {}
        found = {}
        written = formula_book[sheet_name].iter_rows(values_only=True)
        for (i, values), raw in zip(rows, written):
            for col, (value, formula) in enumerate(zip(values, raw), start=1):
                if value is None and isinstance(formula, str) and formula.startswith("="):
                    found[(i, col)] = formula
        return found

    def grid_of(sheet_name: str) -> _Grid:
        ws = workbook[sheet_name]
        rows = [(i, list(values)) for i, values in enumerate(ws.iter_rows(values_only=True), start=1)]
        covered = frozenset(
            (r, c)
            for merged in ws.merged_cells.ranges
            for r in range(merged.min_row, merged.max_row + 1)
            for c in range(merged.min_col, merged.max_col + 1)
            if (r, c) != (merged.min_row, merged.min_col)
        )
        return _Grid(name, sheet_name, rows, covered, formulas_of(sheet_name, rows))

    names = workbook.sheetnames
    # Prefer the form's sheet names; a renamed sheet is still found by its header row.
    annex_order = sorted(names, key=lambda s: (normalise(s) != normalise(ANNEX_SHEET), names.index(s)))
    reply = _new_reply(name, "xlsx")
    annex_grid = None
    for sheet_name in annex_order:
        grid = grid_of(sheet_name)
        if _find_header(grid, ANNEX_COLUMNS, ("number", "choice")) is not None:
            annex_grid = grid
            break
    if annex_grid is None:
        annex_grid = grid_of(annex_order[0])  # raises the missing-header error below
    _read_annex(annex_grid, reply, csv_keys=False)
    for sheet_name in names:
        if sheet_name != annex_grid.sheet and normalise(sheet_name) == normalise(ADDITIONAL_SHEET):
            _read_additional(grid_of(sheet_name), reply)
    workbook.close()
    if formula_book is not None:
        formula_book.close()
    return Reply(**reply)


def read_csv(path: Path, name: str | None = None) -> Reply:
    """Read a filled CSV form (UTF-8, with or without BOM; comma, semicolon or tab)."""
    name = name or str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"{name}: file not found", title="Unreadable reply") from None
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{name}: not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8' or send the XLSX form",
            title="Unreadable reply",
        ) from None
    except OSError as exc:
        raise DataError(f"{name}: cannot be read ({exc.strerror})", title="Unreadable reply") from None
    return parse_csv_text(text, name)


def parse_csv_text(text: str, name: str) -> Reply:
    """Parse the text of a CSV form; see :func:`read_csv`."""
    best: list[tuple[int, list[str]]] | None = None
    # Excel writes ';' in locales with a decimal comma: take the delimiter that
    # yields the Annex 2 header row.
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
        if _find_header(_Grid(name, ANNEX_SHEET, rows), ANNEX_COLUMNS, ("number", "choice")):
            best = rows
            break
    if best is None:
        raise DataError(
            f"{name}: no Annex 2 header row found; expected a line starting "
            f"'{ANNEX_HEADERS['number']},{ANNEX_HEADERS['code']},...' with a column "
            f"'{ANNEX_HEADERS['choice']}', as in the CSV written by 'vccsched grouping form'",
            title="Unreadable reply",
        )
    # The additional items follow the Annex 2 table in the same file, under their own header.
    split = next(
        (i for i, record in best if record and header_key(record[0], ADDITIONAL_COLUMNS) == "title"),
        None,
    )
    annex_rows = [(i, r) for i, r in best if split is None or i < split]
    reply = _new_reply(name, "csv")
    _read_annex(_Grid(name, ANNEX_SHEET, annex_rows), reply, csv_keys=True)
    if split is not None:
        _read_additional(_Grid(name, ADDITIONAL_SHEET, [(i, r) for i, r in best if i >= split]), reply)
    return Reply(**reply)


_ZIP_MAGIC = b"PK\x03\x04"
# OLE2 compound file: an old .xls workbook or an encrypted (password-protected) .xlsx.
_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def _check_content(path: Path, label: str, suffix: str) -> None:
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
            parse_csv_text(path.read_bytes().decode("utf-8-sig"), label)
        except (OSError, UnicodeDecodeError, DataError):
            return  # not a CSV form either: the XLSX reader says the workbook is unreadable
        raise DataError(
            f"{label}: a CSV reply form named .xlsx, not an Excel workbook; rename it to .csv",
            title="Unreadable reply",
        )


def read_reply(path: Path, name: str | None = None) -> Reply:
    """Read one reply file by its extension (.xlsx or .csv)."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".csv"):
        _check_content(path, name or str(path), suffix)
    if suffix == ".xlsx":
        return read_xlsx(path, name)
    if suffix == ".csv":
        return read_csv(path, name)
    label = name or str(path)
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
