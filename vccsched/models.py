"""The meeting's data: agenda items, the meeting's settings and the roster.

These models are the public contract of the files under ``data/<meeting>/``
(``agenda.yaml``, ``meeting.yaml``, ``roster.yaml``). They forbid unknown
fields so that a typo in a data file is reported rather than ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vccsched.bidi import bidi_controls_in


def _refuse_repeats(keys: Iterable[Hashable], message: str) -> None:
    """Raise ``ValueError(message.format(key))`` for the first key seen twice."""
    seen: set[Hashable] = set()
    for key in keys:
        if key in seen:
            raise ValueError(message.format(key))
        seen.add(key)


class StrictModel(BaseModel):
    """Base for every data model: unknown fields are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_timezone(name: str) -> str:
    """Raise ``ValueError`` unless ``name`` is an IANA time zone known to zoneinfo."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown IANA time zone {name!r}; use a name such as 'Europe/Zurich' "
            "(Geneva has no zone of its own)"
        ) from exc
    return name


TimeZoneName = Annotated[str, Field(description="IANA time zone name, e.g. 'Europe/Zurich'.")]


class LocalizedText(StrictModel):
    """A text in the original language of the seed (Chinese) and in English."""

    zh: str = Field(description="Chinese text as in the Council Chair's letter.")
    en: str = Field(description="Faithful English translation.")


Group = Literal[1, 2]


class Item(StrictModel):
    """One row of Annex 2: an agenda item proposed for the VCC or deferred to C22."""

    number: int = Field(ge=1, description="Row number in Annex 2 (the seed has no 75).")
    code: str = Field(
        pattern=r"^(PL \d\.\d\d|ADM \d+)$",
        description="Agenda code such as 'PL 1.04' or 'ADM 1'; several rows may share one.",
    )
    title: LocalizedText
    previous_vcc: bool | None = Field(
        description="Already handled at an earlier VCC; null where the seed has '-' or nothing."
    )
    note: str | None = Field(
        default=None,
        description="Remark kept from the seed, e.g. item 31's 'yes, but still necessary'.",
    )
    note_about: Literal["previous_vcc", "title"] = Field(
        default="previous_vcc",
        description="The Annex 2 column the note is about; the reply form shows a note about "
        "'previous_vcc' in that column and keeps the titles as the letter writes them.",
    )
    documents: list[str] = Field(
        default_factory=list,
        description="Document symbols exactly as the seed writes them ('C20/19R1', 'C21/#').",
    )
    proposed_group: Group | None = Field(
        description="Secretariat's proposal: 1 (urgent, on the VCC agenda), 2 (deferred to C22) "
        "or null where the seed proposes none."
    )
    en_bloc: bool = Field(default=False, description="Proposed for approval en bloc.")
    minutes: int | None = Field(
        default=None,
        ge=1,
        le=180,
        description="Estimated discussion time in minutes; required on every Group 1 item.",
    )
    block: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9_-]*$",
        description="Items sharing a block are scheduled on one day, back to back, in agenda order.",
    )

    @model_validator(mode="after")
    def _group_one_has_minutes(self) -> Item:
        if self.proposed_group == 1 and self.minutes is None:
            raise ValueError("a Group 1 item needs 'minutes' (its estimated discussion time)")
        return self


class InfDocument(StrictModel):
    """An information document published on the Council website, not discussed."""

    code: str = Field(pattern=r"^INF \d+$", description="'INF 1' ... 'INF 12'.")
    title: LocalizedText
    previous_vcc: bool | None
    documents: list[str] = Field(default_factory=list)


class Agenda(StrictModel):
    """Annex 2 of the letter: the agenda rows and the information documents."""

    items: list[Item]
    inf: list[InfDocument] = Field(default_factory=list)

    @field_validator("items")
    @classmethod
    def _unique_numbers(cls, items: list[Item]) -> list[Item]:
        _refuse_repeats((item.number for item in items), "item number {} appears twice")
        return items

    def item(self, number: int) -> Item:
        """The item with this number; ``KeyError`` if there is none."""
        for item in self.items:
            if item.number == number:
                return item
        raise KeyError(number)

    @property
    def numbers(self) -> list[int]:
        return [item.number for item in self.items]


class Window(StrictModel):
    """The daily session, in the meeting's time zone."""

    start: dt.time = Field(description="'HH:MM', e.g. '12:00'.")
    end: dt.time = Field(description="'HH:MM', e.g. '15:00'.")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _not_a_number(cls, value: object) -> object:
        # pydantic would read 720 as 720 seconds past midnight UTC.
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError("expected a time of day as 'HH:MM' in quotes, e.g. '12:00'")
        return value

    @field_validator("start", "end")
    @classmethod
    def _local_whole_minutes(cls, value: dt.time) -> dt.time:
        if value.tzinfo is not None:
            raise ValueError(
                "expected a time of day without a UTC offset, e.g. '12:00'; "
                "the meeting's 'timezone' applies"
            )
        if value.second or value.microsecond:
            raise ValueError("expected whole minutes as 'HH:MM', e.g. '12:00'")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end <= self.start:
            raise ValueError("the window must end after it starts")
        return self

    @property
    def minutes(self) -> int:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)


class Pin(StrictModel):
    """A secretariat constraint on one item of the plan."""

    item: int = Field(description="Agenda item number.")
    on: dt.date | None = Field(default=None, description="Schedule the item on this date.")
    not_before: dt.date | None = Field(default=None, description="Not before this date.")
    first: bool = Field(default=False, description="First item of its day.")


Category = Literal[
    "council_member",
    "observer_state",
    "palestine_observer",
    "sector_member",
    "secretariat",
    "chair",
    "interpreter",
]


class FloorSettings(StrictModel):
    """Configuration of the speaking rules (Annex 1 and ITU practice)."""

    speaking_time_seconds: int = Field(
        default=180, ge=10, description="Default speaking-time limit per speech."
    )
    tiers: list[list[Category]] = Field(
        default_factory=lambda: [
            ["council_member"],
            ["observer_state", "palestine_observer"],
            ["sector_member"],
        ],
        description="Speech priority, highest first; categories in one tier are first come, "
        "first served.",
    )
    public_speaker_names: bool = Field(
        default=True,
        description="Publish registered speakers' names (title, family name, function) in "
        "/meeting.json, so that the pages and the webcast name who has the floor; false: "
        "the delegation only, everywhere (/meeting.json is readable by anyone).",
    )

    @field_validator("tiers")
    @classmethod
    def _each_category_once(cls, tiers: list[list[Category]]) -> list[list[Category]]:
        # No tier, or an empty one, lets nobody ask for the floor; a category in two
        # tiers has no one priority. Both are slips in meeting.yaml, not choices.
        if not tiers or any(not tier for tier in tiers):
            raise ValueError(
                "expected one or more non-empty tiers, e.g. [[council_member], "
                "[observer_state, palestine_observer], [sector_member]]"
            )
        seen: set[str] = set()
        for tier in tiers:
            for category in tier:
                if category in seen:
                    raise ValueError(
                        f"category '{category}' is in more than one tier; keep it in one"
                    )
                seen.add(category)
        return tiers


class ContributionSettings(StrictModel):
    """Member States' written contributions (Annex 1): when they are due and how long."""

    deadline_days_before: int = Field(
        default=14,
        ge=0,
        le=366,
        description="Due this many days before the first meeting date (14: 25 May 2021 for 8 June).",
    )
    max_pages: int = Field(default=2, ge=1, le=1000, description="At most this many pages (two).")
    deadline: dt.date | None = Field(
        default=None, description="An explicit due date (YYYY-MM-DD) instead of the computed one."
    )


class Meeting(StrictModel):
    """``meeting.yaml``: when and how the consultation meets."""

    id: str = Field(description="Meeting symbol, e.g. 'C21/VCC-1'.")
    title: LocalizedText | None = None
    timezone: TimeZoneName
    window: Window
    dates: list[dt.date] = Field(min_length=1, description="Candidate meeting days.")
    max_days: int = Field(ge=1, description="At most this many meeting days.")
    contribution_deadline: dt.date | None = Field(
        default=None,
        description="Older spelling of contributions.deadline (an explicit due date); both may "
        "be given only if they agree.",
    )
    contributions: ContributionSettings = Field(
        default_factory=ContributionSettings,
        description="Member States' contributions: days before the meeting they are due, page limit.",
    )
    grouping_reply_deadline: dt.date = Field(description="Council Members' grouping replies due by.")
    registration_opens: dt.date | None = Field(
        default=None, description="Online registration of participants opens on this day."
    )
    buffer_minutes: int = Field(
        default=20, ge=0, description="Minutes of each day kept free for overruns (planner default)."
    )
    deferral_target: str = Field(default="C22", description="Where deferred items go.")
    page_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/\s#?]+(/[^\s#?]*)?$",
        description="The delegates' page as delegates reach it, e.g. 'https://vcc.example.org': "
        "'server tokens' writes each delegation's link to it (--url overrides it).",
    )
    languages: list[str] = Field(default_factory=list)
    pins: list[Pin] = Field(default_factory=list)
    floor: FloorSettings = Field(default_factory=FloorSettings)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("dates")
    @classmethod
    def _sorted_unique(cls, dates: list[dt.date]) -> list[dt.date]:
        if sorted(set(dates)) != dates:
            raise ValueError("dates must be in increasing order without repeats")
        return dates

    @model_validator(mode="after")
    def _buffer_leaves_time(self) -> Meeting:
        if self.buffer_minutes >= self.window.minutes:
            raise ValueError(
                f"buffer_minutes {self.buffer_minutes} leaves no time in the "
                f"{self.window.minutes}-min window; keep it below {self.window.minutes} "
                "(20 is usual)"
            )
        return self

    @model_validator(mode="after")
    def _one_contribution_deadline(self) -> Meeting:
        explicit = self.contributions.deadline
        if explicit is not None and self.contribution_deadline not in (None, explicit):
            raise ValueError(
                f"contribution_deadline {self.contribution_deadline} and contributions.deadline "
                f"{explicit} differ; keep one (contributions.deadline)"
            )
        return self

    @property
    def contributions_due(self) -> dt.date:
        """The last day contributions are on time, in the meeting's zone: the explicit
        deadline, else the first meeting date less ``deadline_days_before``."""
        explicit = self.contributions.deadline or self.contribution_deadline
        if explicit is not None:
            return explicit
        return self.dates[0] - dt.timedelta(days=self.contributions.deadline_days_before)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def session_bounds(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """Zone-aware start and end of the daily window on ``day``."""
        zone = self.zone
        return (
            dt.datetime.combine(day, self.window.start, tzinfo=zone),
            dt.datetime.combine(day, self.window.end, tzinfo=zone),
        )


class Delegation(StrictModel):
    """One participant of the roster: a delegation speaks with one voice."""

    id: str = Field(
        pattern=r"^[A-Z0-9][A-Z0-9-]*$",
        description="ISO 3166 alpha-3 code for states; an upper-case slug otherwise.",
    )
    name: str
    category: Category
    timezone: TimeZoneName
    voting_rights: bool | None = Field(
        default=None, description="Council Members only: has the right to vote (Rule 3.2)."
    )
    region: Literal["A", "B", "C", "D", "E"] | None = Field(
        default=None, description="ITU administrative region, for Member States."
    )
    sector: Literal["ITU-R", "ITU-T", "ITU-D"] | None = Field(
        default=None, description="Sector of a Sector Member."
    )

    @field_validator("name")
    @classmethod
    def _no_bidi_controls(cls, value: str) -> str:
        found = bidi_controls_in(value)
        if found:
            raise ValueError(
                f"the name contains {', '.join(found)}, which would display it (and what follows "
                "it) reversed or reordered; write the name without bidirectional control characters"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return check_timezone(value)

    @model_validator(mode="after")
    def _category_fields(self) -> Delegation:
        if self.category == "council_member" and self.voting_rights is None:
            raise ValueError("a council_member needs 'voting_rights' (true or false)")
        if self.category != "council_member" and self.voting_rights is not None:
            raise ValueError("only a council_member has 'voting_rights'")
        if self.category == "sector_member" and self.sector is None:
            raise ValueError("a sector_member needs 'sector' (ITU-R, ITU-T or ITU-D)")
        return self


class Roster(StrictModel):
    """``roster.yaml``: who takes part."""

    example: bool = Field(
        default=False, description="True when the roster is an illustration, not a registration."
    )
    note: str | None = None
    delegations: list[Delegation]

    @field_validator("delegations")
    @classmethod
    def _unique_ids(cls, delegations: list[Delegation]) -> list[Delegation]:
        _refuse_repeats((d.id for d in delegations), "delegation id '{}' appears twice")
        return delegations

    def get(self, delegation_id: str) -> Delegation | None:
        return next((d for d in self.delegations if d.id == delegation_id), None)

    def by_category(self, category: Category) -> list[Delegation]:
        return [d for d in self.delegations if d.category == category]

    @property
    def council_members(self) -> list[Delegation]:
        return self.by_category("council_member")
