"""The secretariat's translations of the conclusions put to the Council by correspondence.

``correspondence open --translations FILE``: a CSV (UTF-8) with the columns ``item``,
``language`` and ``text``, one row per item and language, or a YAML mapping
``{12: {fr: "...", es: "..."}}``. Every problem names the file, the row and the field.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import yaml

from vccsched.errors import DataError
from vccsched.floor.commands import LANGUAGES

TEXT_MAX = 5000


def _check(file: str, where: str, item: object, language: object, text: object,
           out: dict[str, dict[str, str]], problems: list[str]) -> None:
    try:
        number = int(str(item).strip())
        if number < 1:
            raise ValueError
    except ValueError:
        problems.append(f"{file}, {where}, field 'item': expected an agenda item number, found {item!r}")
        return
    lang = str(language or "").strip().lower()
    if lang not in LANGUAGES:
        problems.append(f"{file}, {where}, field 'language': expected one of {', '.join(LANGUAGES)}, found {language!r}")
        return
    value = str(text or "").strip()
    if not value:
        problems.append(f"{file}, {where}, field 'text': empty; give the conclusion's text in {lang}")
        return
    if len(value) > TEXT_MAX:
        problems.append(f"{file}, {where}, field 'text': longer than {TEXT_MAX} characters")
        return
    texts = out.setdefault(str(number), {})
    if lang in texts:
        problems.append(f"{file}, {where}: item {number} has a second text in {lang}; give one")
        return
    texts[lang] = value


def read_translations(path: Path, items: list[int] | None = None) -> dict[str, dict[str, str]]:
    """``{"12": {"fr": "..."}}`` from ``path``; ``DataError`` listing every problem.

    ``items``: the items put to the vote; a translation of another item is a problem.
    """
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"--translations {file}: no such file", title="Bad translations") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"--translations {file}: cannot read it as UTF-8 text ({exc})", title="Bad translations") from None
    out: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    suffix = path.suffix.lower()
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        missing = [c for c in ("item", "language", "text") if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(f"{file}, row 1: missing column(s) {', '.join(missing)}; expected the header "
                            "item,language,text", title="Bad translations")
        for n, row in enumerate(reader, start=2):
            _check(file, f"row {n}", row.get("item"), row.get("language"), row.get("text"), out, problems)
    elif suffix in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise DataError(f"{file}: not valid YAML ({exc})", title="Bad translations") from None
        if not isinstance(data, dict):
            raise DataError(f"{file}: expected a mapping of item numbers to {{language: text}}", title="Bad translations")
        for item, texts in data.items():
            if not isinstance(texts, dict):
                problems.append(f"{file}, item {item}: expected a mapping of language to text")
                continue
            for language, value in texts.items():
                _check(file, f"item {item}", item, language, value, out, problems)
    else:
        raise DataError(f"--translations {file}: expected FILE.csv (item,language,text) or FILE.yaml",
                        title="Bad translations")
    if items is not None:
        for key in sorted(out, key=int):
            if int(key) not in items:
                problems.append(f"{file}: item {key} is not put to the Council by correspondence "
                                f"(the items are {', '.join(str(i) for i in items)})")
    if problems:
        raise DataError(f"{file}: {len(problems)} problem(s) in the translations", details=problems,
                        title="Bad translations")
    return out
