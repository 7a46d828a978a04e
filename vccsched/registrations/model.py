"""``registrations.yaml``: the registered participants, one entry per person.

Written by ``vccsched registrations import`` from the registration service's export and
read, when the meeting folder has it, into ``MeetingData.registrations``. Each person
belongs to a roster delegation and has an id of the form ``CHN.1`` (the delegation's id,
a dot, a number): a dot never appears in a delegation id, so a person's id and a
delegation's are never confused (``server tokens --revoke`` takes either).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from vccsched.bidi import bidi_controls_in
from vccsched.errors import DataError
from vccsched.models import Roster, StrictModel
from vccsched.registrations.languages import FLOOR_LANGUAGES

FloorLanguage = Literal["ar", "zh", "en", "fr", "ru", "es"]
assert FloorLanguage.__args__ == FLOOR_LANGUAGES  # type: ignore[attr-defined]

#: A person's id: the delegation's id, a dot, a number from 1.
PERSON_ID = re.compile(r"^([A-Z0-9][A-Z0-9-]*)\.([1-9][0-9]{0,3})$")
#: What an e-mail address must look like here: one @, no spaces, a dot in the domain.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

#: Bounds on what one registration row may hold (a person, not a document).
NAME_MAX = 100
EMAIL_MAX = 254
PERSONS_MAX = 5000

#: What a spreadsheet takes as the start of a formula: tokens.csv and the focal points'
#: reminders list are CSV files the secretariat opens in one, with these cells in them.
FORMULA_START = ("=", "+", "-", "@")


def text_problem(text: str) -> str | None:
    """Why a name, a function or an e-mail address of a registration cannot be taken, or None.

    Bidirectional controls (they reverse a queue row), other control characters (a NUL, an
    escape sequence for a terminal) and a first character that starts a spreadsheet formula.
    """
    found = bidi_controls_in(text)
    if found:
        return f"holds the bidirectional control {', '.join(found)}; remove it"
    controls = sorted({f"U+{ord(c):04X}" for c in text if unicodedata.category(c) == "Cc"})
    if controls:
        return f"holds the control character {', '.join(controls)}; remove it"
    if text.startswith(FORMULA_START):
        return f"starts with {text[0]!r}, which a spreadsheet takes as a formula; remove it"
    return None


class Person(StrictModel):
    """One registered participant."""

    id: str = Field(pattern=PERSON_ID.pattern, description="'CHN.1': the delegation's id, a dot, a number.")
    delegation: str = Field(description="The roster id of the person's delegation.")
    family_name: str = Field(min_length=1, max_length=NAME_MAX, description="Family name, as registered.")
    given_name: str = Field(min_length=1, max_length=NAME_MAX, description="Given name, as registered.")
    title: str | None = Field(default=None, max_length=20, description="Mr, Ms, Dr, ... (optional).")
    function: str = Field(min_length=1, max_length=NAME_MAX, description="Head of delegation, Delegate, Adviser, ...")
    email: str = Field(max_length=EMAIL_MAX, pattern=EMAIL.pattern, description="E-mail address; shown nowhere but in tokens.csv.")
    speaker: bool = Field(description="Registered as a speaker: may ask for the floor.")
    floor_language: FloorLanguage | None = Field(
        default=None, description="The language the person will speak on the floor (required for speakers)."
    )
    correspondence_focal_point: bool = Field(
        default=False,
        exclude_if=lambda value: not value,
        description="The Council Member's focal point for a decision by correspondence: replies on /ballot "
        "(one per Council Member).",
    )

    @field_validator("family_name", "given_name", "title", "function", "email")
    @classmethod
    def _plain_text(cls, value: str | None) -> str | None:
        problem = text_problem(value) if value else None
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Person:
        if not self.id.startswith(self.delegation + "."):
            raise ValueError(f"id {self.id!r} does not start with its delegation {self.delegation!r} and a dot")
        if self.speaker and self.floor_language is None:
            raise ValueError("a speaker needs a floor_language (one of ar, zh, en, fr, ru, es)")
        return self

    @property
    def display_name(self) -> str:
        """'Ms Example-Delegate-1': title and family name, as the chair calls a speaker."""
        return f"{self.title} {self.family_name}" if self.title else f"{self.given_name} {self.family_name}"


class Registrations(StrictModel):
    """Every registered participant of the meeting."""

    example: bool = Field(default=False, description="True for example data (placeholder names).")
    note: str | None = Field(default=None, description="Where the list comes from, for people reading the file.")
    persons: list[Person] = Field(default_factory=list, max_length=PERSONS_MAX, description="One entry per person.")

    @model_validator(mode="after")
    def _unique(self) -> Registrations:
        problems = []
        for what, values in (("id", [p.id for p in self.persons]), ("email", [p.email.casefold() for p in self.persons])):
            for value, count in sorted(Counter(values).items()):
                if count > 1:
                    problems.append(f"{what} {value!r} appears {count} times")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def get(self, person_id: str) -> Person | None:
        return next((p for p in self.persons if p.id == person_id), None)

    def of(self, delegation: str) -> list[Person]:
        """The persons of ``delegation``, in the order of the file."""
        return [p for p in self.persons if p.delegation == delegation]

    @property
    def delegations(self) -> list[str]:
        """Delegations with at least one registered person, in order of first appearance."""
        return list(dict.fromkeys(p.delegation for p in self.persons))


def roster_problems(registrations: Registrations, roster: Roster) -> list[str]:
    """Persons whose delegation is not on the roster."""
    return [
        f"person {p.id}: delegation {p.delegation!r} is not on the roster"
        for p in registrations.persons
        if roster.get(p.delegation) is None
    ]


def speaker_warnings(registrations: Registrations, path: Path | str) -> list[str]:
    """Delegations with registered persons but no speaker: nobody of theirs can ask for the floor."""
    return [
        f"{path}: delegation {delegation} has no registered speaker; nobody of it can take the floor"
        for delegation in registrations.delegations
        if not any(p.speaker for p in registrations.of(delegation))
    ]


def focal_point_problems(registrations: Registrations, roster: Roster) -> list[str]:
    """Council Members with no focal point or with more than one, once any person is one.

    Without any focal point the column is not used: the delegations' own links reply.
    """
    focal = [p for p in registrations.persons if p.correspondence_focal_point]
    if not focal:
        return []
    problems = []
    for p in focal:
        d = roster.get(p.delegation)
        if d is not None and d.category != "council_member":
            problems.append(f"person {p.id} is a correspondence focal point of {d.name} ({d.id}), which is not a "
                            "Council Member: only Council Members reply by correspondence")
    for d in roster.council_members:
        mine = [p.id for p in focal if p.delegation == d.id]
        if not mine:
            problems.append(f"Council Member {d.name} ({d.id}) has no correspondence focal point; it will "
                            "reply with its delegation's own link")
        elif len(mine) > 1:
            problems.append(f"Council Member {d.name} ({d.id}) has {len(mine)} correspondence focal points "
                            f"({', '.join(mine)}); each Council Member names one")
    return problems


def check_against_roster(registrations: Registrations, roster: Roster, path: Path) -> None:
    """Raise a ``DataError`` naming ``path`` for persons of delegations not on the roster."""
    problems = roster_problems(registrations, roster)
    if problems:
        raise DataError(f"{path}: {len(problems)} person(s) of unknown delegations", details=problems)
