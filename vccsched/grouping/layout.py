"""The layout of the Annex 2 reply form, shared by the writer and the reader.

The form and the reader agree on the *texts* of labels and headers, not on cell
positions: the reader looks the header row and the labels up, so a Member State
that inserts a row above the table or widens a column does not break the tally.
"""

from __future__ import annotations

import re
import unicodedata

ANNEX_SHEET = "Annex 2"
ADDITIONAL_SHEET = "Additional items"

MEMBER_LABEL = "Member State (name or ISO code):"
DATE_LABEL = "Date of reply (YYYY-MM-DD):"
MEETING_LABEL = "Meeting:"

#: Column keys of the Annex 2 table, in order, with their header texts.
ANNEX_COLUMNS: tuple[tuple[str, str], ...] = (
    ("number", "number"),
    ("code", "agenda code"),
    ("title_zh", "title (zh)"),
    ("title_en", "title (en)"),
    ("previous_vcc", "previously handled at a VCC"),
    ("documents", "documents"),
    ("proposed_group", "proposed group"),
    ("choice", "Council Member's choice (1 or 2)"),
)
ADDITIONAL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("title", "title of the proposed additional item"),
    ("reason", "reason"),
    ("group", "proposed group (1 or 2)"),
)

#: CSV keys of the two lines above the table (first cell, value in the second).
CSV_MEMBER_KEY = "member_state"
CSV_DATE_KEY = "reply_date"

ANNEX_HEADERS = dict(ANNEX_COLUMNS)
ADDITIONAL_HEADERS = dict(ADDITIONAL_COLUMNS)


def normalise(text: object) -> str:
    """Compare texts the way a person would: case, accents, quotes and spaces ignored."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFKD", str(text))
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = value.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return re.sub(r"\s+", " ", value).strip().casefold()


def header_key(text: object, columns: tuple[tuple[str, str], ...]) -> str | None:
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
