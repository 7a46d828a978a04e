"""The layout of the correspondence reply form, shared by the writer and the reader."""

from __future__ import annotations

from typing import Literal

SHEET = "Correspondence"

#: Column keys of the table, in order, with their header texts.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("number", "number"),
    ("code", "agenda code"),
    ("title_zh", "title (zh)"),
    ("title_en", "title (en)"),
    ("conclusion", "proposed conclusion"),
    ("reply", "Council Member's reply (approve, object or abstain)"),
)
HEADERS = dict(COLUMNS)
REQUIRED = ("number", "reply")

Answer = Literal["approve", "object", "abstain"]
ANSWERS: tuple[Answer, ...] = ("approve", "object", "abstain")

#: What a Member State may write for each answer (compared after normalising case and spaces).
_SPELLINGS: dict[str, Answer] = {
    "approve": "approve", "approves": "approve", "approved": "approve", "approval": "approve",
    "object": "object", "objects": "object", "objection": "object",
    "abstain": "abstain", "abstains": "abstain", "abstention": "abstain",
}


def parse_answer(text: str) -> Answer | None:
    """The answer a normalised reply cell stands for, or ``None`` if it is none of them."""
    return _SPELLINGS.get(text)
