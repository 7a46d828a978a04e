"""The six languages of the ITU as floor languages: the code in the data, any name on input.

The registration service's export may write "French", "français" or "fr"; CLDR (babel)
gives each language's name in all six, so a name in any of them is understood.
"""

from __future__ import annotations

from functools import cache

from vccsched.replyforms.cells import normalise

#: ISO 639-1 codes, in the ITU's order (Arabic, Chinese, English, French, Russian, Spanish).
FLOOR_LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")


@cache
def _names() -> dict[str, str]:
    from babel import Locale  # here: loading a meeting does not need CLDR

    found: dict[str, str] = {}
    for code in FLOOR_LANGUAGES:
        found[normalise(code)] = code
        for where in FLOOR_LANGUAGES:
            name = Locale(where).languages.get(code)
            if name:
                found[normalise(name)] = code
    return found


def floor_language(text: object) -> str | None:
    """The code of the floor language ``text`` names (code or name in one of the six), else None."""
    return _names().get(normalise(text))


def language_name(code: str) -> str:
    """'French' for 'fr': the English name, for messages."""
    from babel import Locale

    return Locale("en").languages.get(code, code)
