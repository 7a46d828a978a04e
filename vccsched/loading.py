"""Read a meeting's data folder (``meeting.yaml``, ``agenda.yaml``, ``roster.yaml``).

Every problem is raised as :class:`~vccsched.errors.DataError` naming the file
and, for each problem, the item, delegation or field and what is expected.
Inconsistencies that the seed really contains (one document symbol given for two
unrelated items) are not errors: they come back as ``warnings`` for the caller
to show.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from vccsched.errors import DataError
from vccsched.models import Agenda, Meeting, Roster
from vccsched.validation import validation_messages

#: The bundled C21/VCC-1 data, used when no ``--meeting`` folder is given.
DEFAULT_MEETING_DIR = Path(__file__).resolve().parent.parent / "data" / "c21-vcc1"

M = TypeVar("M", bound=BaseModel)

# Placeholders the seed uses where no document number was assigned yet; they
# are not real symbols, so two items sharing one are not a conflict.
_PLACEHOLDER_SUFFIX = "/#"


class _Loader(yaml.SafeLoader):
    """YAML safe loading with the YAML 1.2 reading of booleans and times.

    PyYAML follows YAML 1.1, where ``on``, ``off``, ``yes``, ``no`` are booleans
    (a pin ``{item: 36, on: 2021-06-09}`` would get the key ``True``) and ``12:00``
    is the base-60 integer 720 (a window would silently start at 00:12). Here only
    true/false are booleans and ``12:00`` stays the text "12:00".
    """


# Base-60 numbers of YAML 1.1 ("12:00", "1:30:00"): read as text, as YAML 1.2 does.
_SEXAGESIMAL = (
    "tag:yaml.org,2002:str",
    re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$"),
)
_Loader.yaml_implicit_resolvers = {
    first: ([_SEXAGESIMAL] if first is not None and first in "+-0123456789" else [])
    + [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


@dataclass(frozen=True)
class MeetingData:
    """Everything known about one meeting, as loaded from its folder."""

    directory: Path
    meeting: Meeting
    agenda: Agenda
    roster: Roster
    warnings: list[str] = field(default_factory=list)


def read_yaml(path: Path) -> Any:
    """Parse a YAML file, turning every failure into a ``DataError`` naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{path}: file not found", title="Missing data file") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder, expected a YAML file") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        raise DataError(f"{path}: not valid YAML at {where}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: not valid YAML: {exc}") from None


def _agenda_locator(raw: Any, loc: Sequence[int | str]) -> str | None:
    """Name agenda rows by their Annex 2 number, as the secretariat knows them."""
    if len(loc) >= 2 and loc[0] in ("items", "inf") and isinstance(loc[1], int):
        row = raw[loc[0]][loc[1]]
        if loc[0] == "items":
            label = f"item {row.get('number', '?')}" if isinstance(row, dict) else f"item #{loc[1] + 1}"
        else:
            label = f"{row.get('code', 'INF row')}" if isinstance(row, dict) else f"INF row #{loc[1] + 1}"
        rest = [str(p) for p in loc[2:]]
        return f"{label}, field '{'.'.join(rest)}'" if rest else label
    return None


def _roster_locator(raw: Any, loc: Sequence[int | str]) -> str | None:
    if len(loc) >= 2 and loc[0] == "delegations" and isinstance(loc[1], int):
        row = raw["delegations"][loc[1]]
        label = (
            f"delegation {row.get('id', '#' + str(loc[1] + 1))}"
            if isinstance(row, dict)
            else f"delegation #{loc[1] + 1}"
        )
        rest = [str(p) for p in loc[2:]]
        return f"{label}, field '{'.'.join(rest)}'" if rest else label
    return None


def parse_model(model: type[M], raw: Any, path: Path, locator=None) -> M:
    """Validate ``raw`` (parsed YAML or JSON) as ``model``; errors name ``path``."""
    if not isinstance(raw, dict):
        raise DataError(
            f"{path}: expected a mapping of fields at the top level, found "
            f"{type(raw).__name__ if raw is not None else 'an empty file'}"
        )
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        details = validation_messages(exc, raw, locator=locator)
        noun = "problem" if len(details) == 1 else "problems"
        raise DataError(f"{path}: {len(details)} {noun}", details=details) from None


def load_agenda(path: Path) -> Agenda:
    return parse_model(Agenda, read_yaml(path), path, _agenda_locator)


def load_meeting_settings(path: Path) -> Meeting:
    return parse_model(Meeting, read_yaml(path), path)


def load_roster(path: Path) -> Roster:
    return parse_model(Roster, read_yaml(path), path, _roster_locator)


def document_conflicts(agenda: Agenda) -> list[str]:
    """Warnings for document symbols given for more than one item.

    Several rows legitimately share a code (``ADM 1``) but a document symbol is
    one document: the seed gives C21/65 for items 6 and 36 and C21/56 for items
    37 and 66, which the secretariat should check.
    """
    owners: dict[str, list[int]] = defaultdict(list)
    for item in agenda.items:
        for symbol in item.documents:
            if not symbol.endswith(_PLACEHOLDER_SUFFIX):
                owners[symbol].append(item.number)
    return [
        f"agenda.yaml: document {symbol} is given for items "
        f"{', '.join(str(n) for n in numbers)}; check which item it belongs to"
        for symbol, numbers in sorted(owners.items())
        if len(numbers) > 1
    ]


def _pin_problems(meeting: Meeting, agenda: Agenda) -> list[str]:
    numbers = set(agenda.numbers)
    problems = []
    for i, pin in enumerate(meeting.pins):
        if pin.item not in numbers:
            problems.append(f"pins[{i}]: item {pin.item} is not on the agenda")
        for name in ("on", "not_before"):
            day = getattr(pin, name)
            if name == "on" and day is not None and day not in meeting.dates:
                problems.append(f"pins[{i}] (item {pin.item}): 'on' {day} is not a meeting date")
    return problems


def load_meeting(directory: Path | str | None = None) -> MeetingData:
    """Load and cross-check the three files of a meeting folder.

    Use the returned ``warnings`` to tell the user about inconsistencies that
    were kept as the source has them.
    """
    directory = Path(directory) if directory is not None else DEFAULT_MEETING_DIR
    if not directory.is_dir():
        raise DataError(
            f"{directory}: no such meeting folder; expected a folder holding "
            "meeting.yaml, agenda.yaml and roster.yaml",
            title="Missing data folder",
        )
    meeting = load_meeting_settings(directory / "meeting.yaml")
    agenda = load_agenda(directory / "agenda.yaml")
    roster = load_roster(directory / "roster.yaml")
    problems = _pin_problems(meeting, agenda)
    if problems:
        raise DataError(
            f"{directory / 'meeting.yaml'}: {len(problems)} pin problem(s)", details=problems
        )
    return MeetingData(
        directory=directory,
        meeting=meeting,
        agenda=agenda,
        roster=roster,
        warnings=document_conflicts(agenda),
    )
