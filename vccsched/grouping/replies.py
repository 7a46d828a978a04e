"""Read filled Annex 2 forms (XLSX or CSV) into :class:`Reply` models.

Reading checks only what the file itself can tell: the shape of the table and
whether every value is a 1, a 2, a date, a number. Whether the sender is a
Council Member, whether item numbers exist and whether the reply is late are
the tally's business (:mod:`vccsched.grouping.tally`), because they need the
meeting's data.

The files, the sender and date cells and the usual mix-ups (renamed files,
passwords, formulas without values) are read as for every reply form
(:mod:`vccsched.replyforms.sheets`); this module reads the Annex 2 table and the
additional items. A file that cannot be read at all raises
:class:`~vccsched.errors.DataError` naming the file; a bad *cell* is a
:class:`Problem` on the reply, and the rest of the reply still counts.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from pydantic import Field

from vccsched.errors import DataError
from vccsched.grouping.layout import (
    ADDITIONAL_COLUMNS,
    ADDITIONAL_HEADERS,
    ADDITIONAL_SHEET,
    ANNEX_COLUMNS,
    ANNEX_HEADERS,
    ANNEX_SHEET,
    header_key,
    normalise,
)
from vccsched.models import Group, StrictModel
from vccsched.replyforms.cells import (  # noqa: F401 (CellRef, Problem, parse_*: part of this module's API)
    CellRef,
    Problem,
    ReplyForm,
    blank as _blank,
    parse_date,
    parse_number,
    shown as _shown,
)
from vccsched.replyforms.sheets import (  # noqa: F401 (collect_reply_files: part of this module's API)
    Grid as _Grid,
    Workbook,
    cell as _cell,
    collect_reply_files,
    csv_records,
    find_header as _find_header,
    new_reply,
    read_csv_text,
    read_form,
    read_sender,
)


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


class Reply(ReplyForm):
    """One filled Annex 2 form, as read; not yet checked against the roster or the agenda."""

    choices: list[Choice] = Field(default_factory=list)
    additional: list[AdditionalItem] = Field(default_factory=list)


# --------------------------------------------------------------------------- values


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


# --------------------------------------------------------------------------- tables


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
    read_sender(grid, header_row, reply, csv_keys=csv_keys)

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


# --------------------------------------------------------------------------- files


def read_xlsx(path: Path, name: str | None = None) -> Reply:
    """Read a filled XLSX form; ``name`` is how messages call the file (default: ``path``)."""
    name = name or str(path)
    reply = new_reply(name, "xlsx", choices=[], additional=[])
    with Workbook(path, name) as book:
        # Prefer the form's sheet names; a renamed sheet is still found by its header row.
        annex_grid = book.table_sheet(ANNEX_SHEET, ANNEX_COLUMNS, ("number", "choice"))
        _read_annex(annex_grid, reply, csv_keys=False)
        for sheet_name in book.sheetnames:
            if sheet_name != annex_grid.sheet and normalise(sheet_name) == normalise(ADDITIONAL_SHEET):
                _read_additional(book.grid(sheet_name), reply)
    return Reply(**reply)


def read_csv(path: Path, name: str | None = None) -> Reply:
    """Read a filled CSV form (UTF-8, with or without BOM; comma, semicolon or tab)."""
    name = name or str(path)
    return parse_csv_text(read_csv_text(path, name), name)


def parse_csv_text(text: str, name: str) -> Reply:
    """Parse the text of a CSV form; see :func:`read_csv`."""
    best = csv_records(text, name, ANNEX_SHEET, ANNEX_COLUMNS, ("number", "choice"))
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
    reply = new_reply(name, "csv", choices=[], additional=[])
    _read_annex(_Grid(name, ANNEX_SHEET, annex_rows, csv=True), reply, csv_keys=True)
    if split is not None:
        _read_additional(_Grid(name, ADDITIONAL_SHEET, [(i, r) for i, r in best if i >= split], csv=True), reply)
    return Reply(**reply)


def read_reply(path: Path, name: str | None = None) -> Reply:
    """Read one reply file by its extension (.xlsx or .csv)."""
    return read_form(path, name, read_xlsx=read_xlsx, read_csv=read_csv, parse_csv=parse_csv_text)
