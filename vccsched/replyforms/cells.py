"""Cells, labels and problems of a reply form, whatever the round.

The forms and the readers agree on the *texts* of labels and headers, not on
cell positions: a reader looks the header row and the labels up, so a Member
State that inserts a row above the table or widens a column does not break a
tally.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar

from pydantic import Field

from vccsched.models import StrictModel

#: The labels above the table of every XLSX form (the value goes in the cell to the right).
MEMBER_LABEL = "Member State (name or ISO code):"
DATE_LABEL = "Date of reply (YYYY-MM-DD):"
MEETING_LABEL = "Meeting:"

#: CSV keys of the two lines above the table (first cell, value in the second).
CSV_MEMBER_KEY = "member_state"
CSV_DATE_KEY = "reply_date"

Columns = tuple[tuple[str, str], ...]


# --------------------------------------------------------------------------- texts


def normalise(text: object) -> str:
    """Compare texts the way a person would: case, accents, quotes and spaces ignored."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFKD", str(text))
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = value.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return re.sub(r"\s+", " ", value).strip().casefold()


def header_key(text: object, columns: Columns) -> str | None:
    """The column key a header cell stands for, or ``None``.

    A header matches when it equals the form's header or the form's header up to
    its parenthesis ("Council Member's choice" without "(1 or 2)").
    """
    found = normalise(text)
    if not found:
        return None
    for key, header in columns:
        wanted = normalise(header)
        short = normalise(header.split(" (")[0]) if " (" in header and not header.startswith("title (") else wanted
        if found in (wanted, short, key):
            return key
    return None


def is_label(text: object, label: str) -> bool:
    """Whether a cell holds ``label`` (the colon and the hint in parentheses are optional)."""
    found = normalise(text).rstrip(":").strip()
    wanted = normalise(label).rstrip(":").strip()
    return bool(found) and (found == wanted or found == wanted.split(" (")[0])


def short_header(text: str) -> str:
    """A header or label without its hint: "Council Member's choice (1 or 2)" -> "Council Member's choice"."""
    text = text.rstrip(":").strip()
    return text if text.startswith("title (") else text.split(" (")[0]


def column_letter(index: int) -> str:
    """1 -> 'A', 27 -> 'AA' (spreadsheet column names, also used for CSV columns)."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# --------------------------------------------------------------------------- values


def blank(value: Any) -> bool:
    """An empty cell: nothing, or only spaces."""
    return value is None or (isinstance(value, str) and value.strip() == "")


def shown(value: Any) -> str:
    """A cell's value as a message quotes it: text in quotes, 2.0 as 2."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return repr(value) if isinstance(value, str) else str(value)


def parse_date(value: Any) -> dt.date | None:
    """A reply date from a date cell or from 'YYYY-MM-DD' / '12 March 2021' text."""
    if blank(value):
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


# --------------------------------------------------------------------------- models


class CellRef(StrictModel):
    """Where a value was read: the provenance every problem message names."""

    file: str = Field(description="The reply file as given on the command line.")
    sheet: str = Field(description="XLSX sheet name; for CSV the section ('Annex 2', 'Additional items').")
    row: int = Field(ge=1, description="1-based row (CSV: record number) as a spreadsheet shows it.")
    column: str = Field(description="Column letter, e.g. 'H' (CSV columns are lettered the same way).")
    header: str | None = Field(default=None, description="The column's header or the cell's label.")
    place: Literal["sheet", "section"] = Field(
        default="sheet", exclude=True, description="What ``sheet`` names: an XLSX sheet, or a CSV's section."
    )

    def __str__(self) -> str:
        label = f" ({self.header})" if self.header else ""
        return f"{self.file}, {self.place} '{self.sheet}', row {self.row}, column {self.column}{label}"


class Problem(StrictModel):
    """Something wrong in one reply; ``cell`` is ``None`` for the reply as a whole."""

    file: str
    cell: CellRef | None = None
    message: str = Field(description="What is wrong and what the secretariat can do.")

    def __str__(self) -> str:
        return f"{self.cell if self.cell else self.file}: {self.message}"


class ReplyForm(StrictModel):
    """What every filled form carries besides its table: who sent it, and when.

    Not yet checked against the roster or a deadline (that is
    :func:`vccsched.replyforms.senders.screen_replies`); each round's reply
    model adds its table.
    """

    file: str = Field(description="The file as given (a folder's files as folder/name).")
    format: Literal["xlsx", "csv", "online"] = Field(
        description="'online': a reply given on /ballot, taken from the floor's record (issue 19)."
    )
    member: str | None = Field(description="The Member State as written (name or ISO code).")
    member_cell: CellRef | None = Field(description="The Member State's cell; None if the label is missing.")
    reply_date: dt.date | None = Field(description="The date of reply as written; None if absent.")
    date_cell: CellRef | None = Field(description="The date cell; None if the label is missing.")
    problems: list[Problem] = Field(default_factory=list, description="Bad cells, ignored.")


def problem_order(problem: Problem, first_sheet: str) -> tuple:
    """Problems of one file together, the reply as a whole first, then sheet by sheet, row by row."""
    cell = problem.cell
    if cell is None:
        return (problem.file, 0, 0, 0, 0, "")
    return (problem.file, 1, 0 if cell.sheet == first_sheet else 1, cell.row, len(cell.column), cell.column)


Entry = TypeVar("Entry")


def one_per_item(
    file: str, by_item: Mapping[int, list[Entry]], value: Callable[[Entry], object],
    word: tuple[str, str], problems: list[Problem],
) -> list[Entry]:
    """One entry per item, in item order: an item written in several rows counts once if they
    agree and not at all if they differ (each case a problem on the last row).

    ``by_item`` holds the rows of one reply by item number (each with ``cell`` and
    ``number_cell``); ``value`` is what they must agree on; ``word`` names it in
    the messages, singular and plural, e.g. ``("reply", "replies")``.
    """
    kept = []
    for number, found in sorted(by_item.items()):
        if len(found) > 1:
            rows = ", ".join(str(e.cell.row) for e in found)  # type: ignore[attr-defined]
            last = found[-1].number_cell  # type: ignore[attr-defined]
            if len({value(e) for e in found}) > 1:
                problems.append(Problem(file=file, cell=last, message=(
                    f"item {number} appears in rows {rows} with different {word[1]}; neither is counted")))
                continue
            problems.append(Problem(file=file, cell=last, message=(
                f"item {number} appears in rows {rows} with the same {word[0]}; counted once")))
        kept.append(found[-1])
    return kept
