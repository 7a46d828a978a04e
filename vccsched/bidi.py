"""Bidirectional control characters: refused in the roster, taken out where text is shown.

A name such as ``"\\u202eaniC"`` displays as "China" reversed, or reverses what
follows it on the line (a queue row, a report line). The explicit embeddings,
overrides and isolates (U+202A–U+202E, U+2066–U+2069) have no place in the
name of a delegation or in a line of the record; right-to-left text itself
(Arabic) needs none of them, and the marks U+200E/U+200F are left alone.
"""

from __future__ import annotations

import re
import unicodedata

_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def bidi_controls_in(text: str) -> list[str]:
    """The bidirectional controls in ``text``, named for a person (``U+202E RIGHT-TO-LEFT OVERRIDE``)."""
    return [f"U+{ord(c):04X} {unicodedata.name(c)}" for c in _CONTROLS.findall(text)]


def without_bidi_controls(text: str) -> str:
    """``text`` with its embeddings, overrides and isolates taken out, for display."""
    return _CONTROLS.sub("", text)
