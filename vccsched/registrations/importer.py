"""Read the registration service's export (XLSX or CSV) into :class:`Registrations`.

Columns are found by their header text, anywhere in the first rows, in any order, as for
the reply forms (:mod:`vccsched.replyforms.sheets`); a delegation is written as its name
or ISO code, as the reply forms' Member State. A row that cannot be taken is reported by
file, row and column and left out; the others are taken, so the secretariat sees every
problem of the export in one run.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vccsched.errors import DataError
from vccsched.models import Roster
from vccsched.registrations.languages import FLOOR_LANGUAGES, floor_language
from vccsched.registrations.model import EMAIL, EMAIL_MAX, NAME_MAX, PERSONS_MAX, Person, Registrations, text_problem
from vccsched.replyforms.cells import Columns, blank, column_letter, normalise, shown
from vccsched.replyforms.senders import find_sender
from vccsched.replyforms.sheets import Grid, Workbook, cell, csv_records, find_header, read_csv_text

#: Header texts understood for each column (key, header); the first of each key is the one
#: messages name.
COLUMNS: Columns = (
    ("delegation", "Delegation"),
    ("delegation", "Member State"),
    ("family_name", "Family name"),
    ("family_name", "Surname"),
    ("family_name", "Last name"),
    ("given_name", "Given name"),
    ("given_name", "First name"),
    ("title", "Title"),
    ("function", "Function"),
    ("email", "E-mail"),
    ("email", "Email"),
    ("speaker", "Speaker"),
    ("floor_language", "Floor language"),
    ("correspondence_focal_point", "Correspondence focal point"),
    ("correspondence_focal_point", "Focal point"),
)
HEADERS = {key: header for key, header in reversed(COLUMNS)}
REQUIRED = ("delegation", "family_name", "given_name", "function", "email", "speaker", "floor_language")

_YES = {"yes", "y", "true", "1", "x", "oui", "si", "sí"}
_NO = {"no", "n", "false", "0", "non", ""}

#: The sheet looked at first in a workbook (any sheet with the header row is found).
SHEET = "Registrations"


@dataclass(frozen=True)
class RowProblem:
    """A row (or a delegation's rows) the import could not take, and where."""

    file: str
    row: int
    column: str | None
    header: str | None
    message: str
    sheet: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}" + (f", sheet '{self.sheet}'" if self.sheet else "") + f", row {self.row}"
        if self.column:
            where += f", column {self.column}" + (f" ({self.header})" if self.header else "")
        return f"{where}: {self.message}"


@dataclass
class Imported:
    """What :func:`import_registrations` made of a file."""

    registrations: Registrations
    rows: int
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def rows_not_taken(self) -> int:
        return self.rows - len(self.registrations.persons)


def parse_speaker(value: Any) -> bool:
    """yes/no (and y/n, true/false, 1/0, x); blank is no; ``ValueError`` otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = normalise(value)
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip() if value is not None else ""


def read_grid(path: Path, name: str | None = None) -> Grid:
    """The sheet (or CSV) holding the registrations table; ``DataError`` naming the file."""
    label = name or str(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            with Workbook(path, label) as book:
                return book.table_sheet(SHEET, COLUMNS, REQUIRED)
        if suffix == ".csv":
            text = read_csv_text(path, label)
            rows = csv_records(text, label, "", COLUMNS, REQUIRED)
            if rows is None:
                first = text.splitlines()[0] if text.strip() else ""
                rows = [(1, first.split(","))] if first else []
            return Grid(label, "", rows, csv=True)
    except DataError as exc:
        raise DataError(exc.message.replace("reply", "file"), title="Unreadable registrations") from None
    if not path.exists():
        raise DataError(f"{label}: file not found", title="Unreadable registrations")
    raise DataError(
        f"{label}: expected the registration service's export as .xlsx or .csv, found "
        f"'{path.suffix or 'no extension'}'",
        title="Unreadable registrations",
    )


def import_registrations(path: Path, roster: Roster, name: str | None = None) -> Imported:
    """Read the export at ``path`` against ``roster``: the persons it can take, and every problem."""
    grid = read_grid(path, name)
    label = grid.file
    sheet = grid.sheet if grid.place == "sheet" else None
    found = find_header(grid, COLUMNS, REQUIRED)
    if found is None:
        present = find_header(grid, COLUMNS, ()) or (0, {})
        missing = [HEADERS[k] for k in REQUIRED if k not in present[1]]
        raise DataError(
            f"{label}: no header row with the columns {', '.join(repr(HEADERS[k]) for k in REQUIRED)} "
            f"(and optionally 'Title') in its first rows; missing: {', '.join(repr(m) for m in missing)}",
            title="Unreadable registrations",
        )
    header_row, cols = found
    problems: list[RowProblem] = []
    taken: list[tuple[int, dict[str, Any]]] = []
    emails: dict[str, int] = {}
    rows = 0

    for row_number, values in grid.rows:
        if row_number <= header_row or all(blank(v) for v in values):
            continue
        rows += 1
        if rows > PERSONS_MAX:
            raise DataError(f"{label}: more than {PERSONS_MAX} rows; is this the registrations export?",
                            title="Unreadable registrations")
        row_problems: list[RowProblem] = []

        def problem(key: str, message: str) -> None:
            row_problems.append(RowProblem(label, row_number, column_letter(cols[key]), HEADERS[key], message, sheet))

        def value(key: str) -> Any:
            return cell(values, cols.get(key))

        person: dict[str, Any] = {}
        raw = value("delegation")
        delegation = None if blank(raw) else find_sender(_text(raw), roster)
        if blank(raw):
            problem("delegation", "no delegation; write the Member State's name or ISO code; row not taken")
        elif delegation is None:
            problem("delegation", f"unknown delegation {shown(raw)}: no delegation of the roster has this "
                                  "name or ISO code; row not taken")
        else:
            person["delegation"] = delegation.id
        for key, limit in (("family_name", NAME_MAX), ("given_name", NAME_MAX), ("function", NAME_MAX), ("title", 20)):
            text = _text(value(key)) if key in cols else ""
            if not text:
                if key != "title":
                    problem(key, f"no {HEADERS[key].lower()}; row not taken")
                continue
            if len(text) > limit:
                problem(key, f"longer than {limit} characters; row not taken")
            elif text_problem(text):
                problem(key, f"{text_problem(text)}; row not taken")
            else:
                person[key] = text
        email = _text(value("email"))
        if not email:
            problem("email", "no e-mail address; row not taken")
        elif len(email) > EMAIL_MAX or not EMAIL.match(email):
            problem("email", f"{shown(email)} is not an e-mail address; row not taken")
        elif text_problem(email):
            problem("email", f"{text_problem(email)}; row not taken")
        elif email.casefold() in emails:
            problem("email", f"the same e-mail as row {emails[email.casefold()]}; each person registers "
                             "once with their own address; row not taken")
        else:
            person["email"] = email
        try:
            speaker = parse_speaker(value("speaker"))
            person["speaker"] = speaker
        except ValueError:
            speaker = None
            problem("speaker", f"expected yes or no, found {shown(value('speaker'))}; row not taken")
        raw_language = value("floor_language")
        if blank(raw_language):
            if speaker:
                problem("floor_language", "a speaker without a floor language; write one of "
                                          f"{', '.join(FLOOR_LANGUAGES)} (or its name); row not taken")
        else:
            language = floor_language(raw_language)
            if language is None:
                problem("floor_language", f"unknown floor language {shown(raw_language)}; expected one of "
                                          f"{', '.join(FLOOR_LANGUAGES)} (or its name); row not taken")
            else:
                person["floor_language"] = language
        if "correspondence_focal_point" in cols:
            try:
                person["correspondence_focal_point"] = parse_speaker(value("correspondence_focal_point"))
            except ValueError:
                problem("correspondence_focal_point",
                        f"expected yes or no, found {shown(value('correspondence_focal_point'))}; row not taken")
        if row_problems:
            problems.extend(row_problems)
            continue
        emails[person["email"].casefold()] = row_number
        taken.append((row_number, person))

    by_delegation: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for row_number, person in taken:
        by_delegation[person["delegation"]].append((row_number, person))
    persons: list[Person] = []
    order = {d.id: i for i, d in enumerate(roster.delegations)}
    for delegation_id in sorted(by_delegation, key=order.__getitem__):
        group = by_delegation[delegation_id]
        for n, (_, person) in enumerate(group, start=1):
            persons.append(Person(id=f"{delegation_id}.{n}", **person))
        if not any(p["speaker"] for _, p in group):
            d = roster.get(delegation_id)
            rows_text = ", ".join(str(r) for r, _ in group)
            problems.append(RowProblem(
                label, group[0][0], column_letter(cols["speaker"]), HEADERS["speaker"],
                f"{d.name if d else delegation_id} has no speaker among its {len(group)} registered "
                f"person(s) (row(s) {rows_text}): nobody of it can take the floor; write 'yes' for "
                "the speaker(s)", sheet,
            ))
    problems.sort(key=lambda p: (p.row, len(p.column or ""), p.column or ""))
    note = f"Imported from {Path(label).name} by 'vccsched registrations import'."
    return Imported(Registrations(note=note, persons=persons), rows, problems)


def registrations_yaml(registrations: Registrations) -> str:
    """``registrations.yaml`` as text, the same bytes for the same registrations."""
    data = registrations.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
    if not data.get("example"):
        data.pop("example", None)
    header = (
        "# Registered participants of the meeting (vccsched registrations import).\n"
        "# One entry per person; the id (delegation.number) is what 'server tokens --revoke' takes.\n"
        "# The e-mail addresses are personal data: they go into tokens.csv and nowhere else.\n"
    )
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)
