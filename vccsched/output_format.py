"""An output's format, from the name the user gave its file: one rule and one message for
every command that writes a report, a result or a form."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from vccsched.errors import DataError, VccschedError


def format_from_suffix(
    path: Path,
    formats: Mapping[str, str],
    *,
    what: str,
    names: str,
    error: type[VccschedError] = DataError,
) -> str:
    """The format ``formats`` gives ``path``'s extension (any case), e.g. ``{".md": "md"}``.

    Otherwise ``error`` naming the file and saying how to name it: ``what`` is the kind of
    output ("report"), ``names`` the names to use ("FILE.md (Markdown) or FILE.json").
    """
    found = formats.get(path.suffix.lower())
    if found is None:
        raise error(
            f"{path}: unknown {what} format '{path.suffix or 'no extension'}'; name the {what} {names}",
            title=f"{what.capitalize()} format",
        )
    return found
