"""Turn pydantic ``ValidationError`` s into messages a person can act on."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import ValidationError

#: Describes a location for humans: given the raw input and the location path
#: from pydantic, return a short label such as ``"item 37"`` or ``None`` to use
#: the default rendering.
Locator = Callable[[Any, Sequence[int | str]], str | None]


def _default_loc(loc: Sequence[int | str]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(f".{part}" if parts else str(part))
    return "".join(parts) or "(top level)"


def _describe_input(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validation_messages(
    error: ValidationError,
    raw: Any = None,
    *,
    locator: Locator | None = None,
    whole: str = "whole file",
) -> list[str]:
    """One line per problem: where it is, what was found and what is expected.

    ``locator`` lets the caller name a place the way its users know it (an agenda
    item by its number rather than its position in a list); ``whole`` names the
    place of a problem with no field (a file, or a message on the wire).
    """
    messages: list[str] = []
    for err in error.errors(include_url=False):
        loc = tuple(err.get("loc", ()))
        where = None
        if locator is not None:
            try:
                where = locator(raw, loc)
            except (LookupError, TypeError, AttributeError):
                where = None
        # A rule on the whole file has no field; its message names the fields.
        where = where or (f"field '{_default_loc(loc)}'" if loc else whole)
        msg = err.get("msg", "invalid value")
        # pydantic prefixes the text of our own validators; the user needs only the text.
        msg = msg.removeprefix("Value error, ")
        kind = err.get("type", "")
        if kind == "missing":
            messages.append(f"{where}: missing; this field is required")
        elif kind == "extra_forbidden":
            messages.append(f"{where}: unknown field; remove it or check its spelling")
        else:
            found = err.get("input")
            # A whole mapping or list (a model-level rule) is no help to quote.
            quote = not isinstance(found, dict | list) and not (
                isinstance(found, str) and repr(found) in msg
            )
            suffix = f" (found {_describe_input(found)})" if quote else ""
            messages.append(f"{where}: {msg}{suffix}")
    return messages
