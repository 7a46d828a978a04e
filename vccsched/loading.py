"""Read a meeting's data folder (``meeting.yaml``, ``agenda.yaml``, ``roster.yaml``).

Every problem is raised as :class:`~vccsched.errors.DataError` naming the file
and, for each problem, the item, delegation or field and what is expected.
Inconsistencies that the seed really contains (one document symbol given for two
unrelated items) are not errors: they come back as ``warnings`` for the caller
to show.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from vccsched.errors import DataError, VccschedError
from vccsched.models import Agenda, Meeting, Roster
from vccsched.registrations.model import Registrations, check_against_roster, focal_point_problems, speaker_warnings
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


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    # "2021-13-40" looks like a date but is none: keep the text, so that the
    # model's validation names the field instead of the YAML parser failing.
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
    # YAML keeps the last of two equal keys and drops the first without a word;
    # a secretariat officer who added "max_days" twice must hear about it.
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":  # "<<: *base" may override keys
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            first = seen.setdefault(key, key_node)
        except TypeError:  # an unhashable key: construct_mapping says so below
            continue
        if first is not key_node:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"key {key!r} appears twice (first on line {first.start_mark.line + 1}); "
                "keep one",
                key_node.start_mark,
            )
    return yaml.SafeLoader.construct_mapping(loader, node, deep=True)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


# The same reading, parsed by libyaml when PyYAML has it: about four times faster on the
# meeting's files (each command, server start and test loads them). Only a file that loads
# is read by it; anything it refuses is read again by _Loader, whose messages and marks the
# users see (and libyaml, unlike _Loader, stops at 1,000 levels of nesting).
_FastLoader: type | None = None
if getattr(yaml, "__with_libyaml__", False):  # pragma: no branch

    class _FastLoader(yaml.CSafeLoader):  # type: ignore[no-redef]
        yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
        yaml_constructors = _Loader.yaml_constructors


@dataclass(frozen=True)
class MeetingData:
    """Everything known about one meeting, as loaded from its folder."""

    directory: Path
    meeting: Meeting
    agenda: Agenda
    roster: Roster
    warnings: list[str] = field(default_factory=list)
    #: The registered participants (``registrations.yaml``); None when the folder has none.
    registrations: Registrations | None = None


def read_text(
    path: Path,
    *,
    kind: str = "text file",
    error: type[VccschedError] = DataError,
    missing_title: str = "Missing file",
) -> str:
    """The UTF-8 text of ``path`` (a BOM dropped); each failure an ``error`` naming the file.

    ``kind`` says what the file should be ("YAML file", "JSON plan"), for the
    message when a folder is given instead. Use this for every text input, so
    that all commands word these problems the same way.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: file not found", title=missing_title) from None
    except IsADirectoryError:
        raise error(f"{path}: is a folder, expected a {kind}") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        # Windows tools (Notepad, Excel) start UTF-8 files with a BOM: not part of the text.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}, line {line}); "
            "save it with the encoding UTF-8"
        ) from None


def read_yaml(path: Path) -> Any:
    """Parse a YAML file, turning every failure into a ``DataError`` naming the file."""
    text = read_text(path, kind="YAML file", missing_title="Missing data file")
    if _FastLoader is not None:
        with contextlib.suppress(Exception):
            return yaml.load(text, Loader=_FastLoader)  # noqa: S506 (a SafeLoader)
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        raise DataError(f"{path}: not valid YAML at {where}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: not valid YAML: {exc}") from None
    except RecursionError:
        raise DataError(f"{path}: not valid YAML: nested too deeply") from None


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


def _registrations_locator(raw: Any, loc: Sequence[int | str]) -> str | None:
    if len(loc) >= 2 and loc[0] == "persons" and isinstance(loc[1], int):
        row = raw["persons"][loc[1]]
        label = f"person {row.get('id', '#' + str(loc[1] + 1))}" if isinstance(row, dict) else f"person #{loc[1] + 1}"
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


#: The optional file of registered participants in a meeting folder.
REGISTRATIONS_FILE = "registrations.yaml"


def load_registrations(path: Path, roster: Roster) -> Registrations:
    """Read ``registrations.yaml`` and check every person's delegation against the roster."""
    registrations = parse_model(Registrations, read_yaml(path), path, _registrations_locator)
    check_against_roster(registrations, roster, path)
    return registrations


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


def _window_problems(meeting: Meeting) -> list[str]:
    """Dates on which a summer-time change falls inside the daily window.

    The plan counts the window's minutes on the clock; on such a date the
    session really lasts an hour more or less, so every time after the change
    would be wrong.
    """
    problems = []
    for i, day in enumerate(meeting.dates):
        start, end = meeting.session_bounds(day)
        utc = dt.timezone.utc
        lasts = int((end.astimezone(utc) - start.astimezone(utc)).total_seconds() // 60)
        shifted = any(
            moment.replace(fold=1).utcoffset() != moment.utcoffset() for moment in (start, end)
        ) or start.utcoffset() != end.utcoffset()
        if shifted or lasts != meeting.window.minutes:
            why = (
                f"it would last {lasts} min, not {meeting.window.minutes}"
                if lasts != meeting.window.minutes
                else "its start or end is a time skipped or repeated that day"
            )
            problems.append(
                f"dates[{i}] {day}: the window {meeting.window.start:%H:%M}-"
                f"{meeting.window.end:%H:%M} crosses a summer-time change in {meeting.timezone} "
                f"({why}); choose another date or window"
            )
    return problems


def load_meeting(directory: Path | str | None = None) -> MeetingData:
    """Load and cross-check the three files of a meeting folder.

    Use the returned ``warnings`` to tell the user about inconsistencies that
    were kept as the source has them.
    """
    directory = Path(directory) if directory is not None else DEFAULT_MEETING_DIR
    if not directory.is_dir():
        what = "is a file, not a folder" if directory.exists() else "no such meeting folder"
        raise DataError(
            f"{directory}: {what}; expected a folder holding "
            "meeting.yaml, agenda.yaml and roster.yaml",
            title="Missing data folder",
        )
    meeting = load_meeting_settings(directory / "meeting.yaml")
    agenda = load_agenda(directory / "agenda.yaml")
    roster = load_roster(directory / "roster.yaml")
    window_problems = _window_problems(meeting)
    if window_problems:
        raise DataError(
            f"{directory / 'meeting.yaml'}: {len(window_problems)} date(s) with a summer-time "
            "change inside the window",
            details=window_problems,
        )
    problems = _pin_problems(meeting, agenda)
    if problems:
        raise DataError(
            f"{directory / 'meeting.yaml'}: {len(problems)} pin problem(s)", details=problems
        )
    registrations_path = directory / REGISTRATIONS_FILE
    registrations = (
        load_registrations(registrations_path, roster) if registrations_path.exists() else None
    )
    warnings = document_conflicts(agenda)
    if registrations is not None:
        warnings += speaker_warnings(registrations, registrations_path)
        warnings += [f"{registrations_path}: {text}" for text in focal_point_problems(registrations, roster)]
    return MeetingData(
        directory=directory,
        meeting=meeting,
        agenda=agenda,
        roster=roster,
        warnings=warnings,
        registrations=registrations,
    )
