"""The layout of the Annex 2 reply form, shared by the writer and the reader.

The form and the reader agree on the *texts* of labels and headers, not on cell
positions: the reader looks the header row and the labels up, so a Member State
that inserts a row above the table or widens a column does not break the tally.
"""

from __future__ import annotations

# The sender and date labels, and how headers and labels are matched, are the
# same on every reply form: they live in vccsched.replyforms.cells.
from vccsched.replyforms.cells import (  # noqa: F401 (re-exported for the grouping's modules)
    CSV_DATE_KEY,
    CSV_MEMBER_KEY,
    DATE_LABEL,
    MEETING_LABEL,
    MEMBER_LABEL,
    column_letter,
    header_key,
    is_label,
    normalise,
    short_header,
)

ANNEX_SHEET = "Annex 2"
ADDITIONAL_SHEET = "Additional items"

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

ANNEX_HEADERS = dict(ANNEX_COLUMNS)
ADDITIONAL_HEADERS = dict(ADDITIONAL_COLUMNS)
