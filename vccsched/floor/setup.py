"""What is fixed for a meeting's floor: who takes part, which items, which rules.

A module of its own so that the events, the published plan and the state can all
name :class:`FloorSetup` without importing each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from pydantic import Field, PrivateAttr

from vccsched.models import Category, StrictModel


class Participant(StrictModel):
    """A roster delegation as the floor needs it."""

    id: str
    name: str = ""
    category: Category
    voting_rights: bool | None = None


class Contribution(StrictModel):
    """A Member State's written contribution on an item, from the secretariat's register.

    Only shown: who may speak, and in what order, never depends on it (Annex 1:
    Member States without a contribution may still speak).
    """

    symbol: str = Field(description="Document symbol, e.g. 'C21/75'.")
    delegation: str = Field(description="Roster id of the Member State that sent it.")


class Speaker(StrictModel):
    """A registered speaker as the floor needs one (issue 17): who, for whom, in which language.

    Names are not here (the snapshot goes to every connection and the public view); pages
    take them from ``/meeting.json``, which honours ``floor.public_speaker_names``.
    """

    id: str = Field(description="The person's id in registrations.yaml, e.g. 'CHN.1'.")
    delegation: str = Field(description="Roster id of the speaker's delegation.")
    floor_language: str = Field(description="The registered floor language: ar, zh, en, fr, ru or es.")


class FocalPoint(StrictModel):
    """A Council Member's focal point for the decision by correspondence (issue 19): who may reply."""

    id: str = Field(description="The person's id in registrations.yaml, e.g. 'CHN.2'.")
    delegation: str = Field(description="Roster id of the Council Member.")


class ItemInfo(StrictModel):
    """An agenda item as the floor needs it."""

    number: int
    code: str
    title: str = ""
    en_bloc: bool = False
    contributions: list[Contribution] = Field(
        default_factory=list, description="Member States' contributions on the item, in order of arrival."
    )


class FloorSetup(StrictModel):
    """Everything fixed for a meeting's floor: participants, items, settings.

    Build it with :meth:`from_meeting` from loaded meeting data; tests may build
    a small one directly.
    """

    meeting_id: str = "meeting"
    deferral_target: str = Field(default="C22", description="Where deferred items go.")
    speaking_time_seconds: int = Field(default=180, description="Default limit per speech.")
    tiers: list[list[Category]] = Field(
        default_factory=lambda: [
            ["council_member"],
            ["observer_state", "palestine_observer"],
            ["sector_member"],
        ]
    )
    participants: list[Participant]
    items: list[ItemInfo]
    timezone: str | None = Field(
        default=None, description="IANA zone of the meeting; a published plan must use it (unchecked if null)."
    )
    dates: list[dt.date] = Field(
        default_factory=list,
        description="The meeting's dates; a published plan may use only these (unchecked if empty).",
    )
    speakers: list[Speaker] = Field(
        default_factory=list,
        description="The registered speakers, in registrations.yaml's order (empty without registrations).",
    )
    focal_points: list[FocalPoint] = Field(
        default_factory=list,
        exclude_if=lambda value: not value,
        description="The Council Members' focal points for the decision by correspondence (protocol v4): "
        "a Council Member with one replies only through it; one without replies with its own token.",
    )

    _by_id: dict[str, Participant] = PrivateAttr(default_factory=dict)
    _category_of: dict[str, str] = PrivateAttr(default_factory=dict)
    _items: dict[int, ItemInfo] = PrivateAttr(default_factory=dict)
    _speakers: dict[str, Speaker] = PrivateAttr(default_factory=dict)

    def model_post_init(self, __context: object) -> None:
        self._by_id = {p.id: p for p in self.participants}
        self._category_of = {p.id: p.category for p in self.participants}
        self._items = {i.number: i for i in self.items}
        self._speakers = {s.id: s for s in self.speakers}

    @classmethod
    def from_meeting(cls, data, contributions: Mapping[int, Sequence[Contribution]] | None = None) -> FloorSetup:
        """Build from :class:`vccsched.loading.MeetingData` (``load_meeting(dir)``).

        ``contributions``: per item number, the contributions to show
        (:func:`vccsched.contributions.floor.floor_contributions`).
        """
        meeting, agenda, roster = data.meeting, data.agenda, data.roster
        registrations = getattr(data, "registrations", None)
        contributions = contributions or {}
        return cls(
            meeting_id=meeting.id,
            deferral_target=meeting.deferral_target,
            speaking_time_seconds=meeting.floor.speaking_time_seconds,
            tiers=[list(t) for t in meeting.floor.tiers],
            participants=[
                Participant(id=d.id, name=d.name, category=d.category, voting_rights=d.voting_rights)
                for d in roster.delegations
            ],
            items=[
                ItemInfo(
                    number=i.number, code=i.code, title=i.title.en, en_bloc=i.en_bloc,
                    contributions=list(contributions.get(i.number, ())),
                )
                for i in agenda.items
            ],
            timezone=meeting.timezone,
            dates=list(meeting.dates),
            speakers=[
                Speaker(id=p.id, delegation=p.delegation, floor_language=p.floor_language)
                for p in (registrations.persons if registrations is not None else ())
                if p.speaker and p.floor_language is not None
            ],
            focal_points=[
                FocalPoint(id=p.id, delegation=p.delegation)
                for p in (registrations.persons if registrations is not None else ())
                if p.correspondence_focal_point
            ],
        )

    def participant(self, delegation_id: str) -> Participant | None:
        return self._by_id.get(delegation_id)

    def speaker(self, person_id: str) -> Speaker | None:
        """The registered speaker with this id, or None (not registered, or not a speaker)."""
        return self._speakers.get(person_id)

    def speakers_of(self, delegation_id: str) -> list[Speaker]:
        """The delegation's registered speakers, in registration order."""
        return [s for s in self.speakers if s.delegation == delegation_id]

    def focal_points_of(self, delegation_id: str) -> list[str]:
        """The ids of the delegation's focal points for the decision by correspondence."""
        return [f.id for f in self.focal_points if f.delegation == delegation_id]

    @property
    def category_of(self) -> dict[str, str]:
        return self._category_of

    def item(self, number: int) -> ItemInfo | None:
        return self._items.get(number)

    @property
    def correspondence_majority(self) -> int:
        """Rule 3.2: simple majority of the Council Members that have the right to vote."""
        voters = sum(1 for p in self.participants if p.category == "council_member" and p.voting_rights)
        return voters // 2 + 1
