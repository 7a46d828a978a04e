"""What happened on the floor: one pydantic model per event.

Events are facts. :func:`vccsched.floor.rules.decide` produces them from a
command, :func:`vccsched.floor.state.apply` folds them into the state, and the
server broadcasts them (``{"type": "event", "event": {...}}``). Every event
carries the envelope ``seq`` (gap-free, from 1), ``at`` (zone-aware time the
floor was given by its caller), ``actor`` (delegation that sent the command)
and ``command_id``; the rest is enough to rebuild the state from the events
alone, without the roster's help for anything but tier ordering.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import AwareDatetime, Field, TypeAdapter

from vccsched.floor.commands import FloorLanguage, RequestKind
from vccsched.floor.published import PlanChange
from vccsched.models import StrictModel


class BaseEvent(StrictModel):
    """The envelope every event carries."""

    type: str = Field(description="The event type; each subclass fixes it.")
    seq: int = Field(ge=1, description="Gap-free sequence number assigned by the floor, from 1.")
    at: AwareDatetime = Field(description="When it happened (the time given with the command).")
    actor: str = Field(description="Delegation whose command caused the event.")
    command_id: str = Field(description="The client-chosen id of that command.")


class RequestRef(StrictModel):
    """A waiting request named by who and what."""

    delegation: str
    kind: RequestKind


class ItemOpened(BaseEvent):
    type: Literal["item_opened"] = "item_opened"
    item: int


class FloorRequested(BaseEvent):
    type: Literal["floor_requested"] = "floor_requested"
    item: int
    delegation: str
    kind: RequestKind
    order: int = Field(description="Arrival number of the request (first come, first served).")
    person: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The registered person who asked ('CHN.1'); absent when a delegation's own token asked.",
    )
    language: FloorLanguage | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The language the speaker will use (protocol 4): the one stated with the request, "
        "else the person's registered floor language; absent when unknown.",
    )


class RequestWithdrawn(BaseEvent):
    type: Literal["request_withdrawn"] = "request_withdrawn"
    item: int
    delegation: str
    kind: RequestKind


class RequestRemoved(BaseEvent):
    """The chair struck a request off the list."""

    type: Literal["request_removed"] = "request_removed"
    item: int
    delegation: str
    kind: RequestKind


class FloorGiven(BaseEvent):
    type: Literal["floor_given"] = "floor_given"
    item: int
    delegation: str
    kind: RequestKind
    out_of_order: bool = Field(
        description="True unless the delegation's request was first in the waiting list."
    )
    from_queue: bool = Field(description="A waiting request of this kind was consumed.")
    limit_seconds: int = Field(description="Speaking-time limit of this speech.")
    person: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The registered person whose waiting request was consumed ('CHN.1'): who speaks.",
    )
    language: FloorLanguage | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The language of the speech (protocol 4), from the request consumed; absent when unknown.",
    )
    handed_over: bool = Field(
        default=False,
        exclude_if=lambda value: not value,
        description="The delegation's speaker handed over to ``person`` for the rest of the "
        "speech's time (protocol 4); absent otherwise.",
    )
    clock_paused: bool = Field(
        default=False,
        exclude_if=lambda value: not value,
        description="A hand-over while the chair had paused the speaker's clock: the colleague's "
        "clock starts paused, until ``resume_clock`` (protocol 4); absent otherwise.",
    )


SpeechEndReason = Literal[
    "finished", "ended_by_chair", "next_speaker", "item_closed", "meeting_suspended", "handed_over"
]


class SpeechEnded(BaseEvent):
    type: Literal["speech_ended"] = "speech_ended"
    item: int
    delegation: str
    kind: RequestKind
    reason: SpeechEndReason
    duration_seconds: float = Field(description="Speaking time, pauses excluded.")
    paused_seconds: float = Field(description="Time the clock stood still during the speech.")


class ClockPaused(BaseEvent):
    type: Literal["clock_paused"] = "clock_paused"
    item: int
    delegation: str


class ClockResumed(BaseEvent):
    type: Literal["clock_resumed"] = "clock_resumed"
    item: int
    delegation: str


class FloorLanguageSet(BaseEvent):
    """The chair corrected the language of a waiting request or of the current speech (protocol 4)."""

    type: Literal["floor_language_set"] = "floor_language_set"
    item: int
    delegation: str
    kind: RequestKind
    language: FloorLanguage
    target: Literal["speaker", "request"] = Field(
        description="'speaker': the current speech; 'request': the delegation's waiting request of kind."
    )


class SpeakingTimeSet(BaseEvent):
    type: Literal["speaking_time_set"] = "speaking_time_set"
    item: int
    seconds: int


class ListClosed(BaseEvent):
    type: Literal["list_closed"] = "list_closed"
    item: int


class ListReopened(BaseEvent):
    type: Literal["list_reopened"] = "list_reopened"
    item: int


class ConclusionRecorded(BaseEvent):
    type: Literal["conclusion_recorded"] = "conclusion_recorded"
    item: int
    conclusion: str
    by_correspondence: bool
    majority_needed: int | None = Field(
        description="For Rule 3.2: simple majority of Council Members with the right to vote; "
        "null unless by_correspondence."
    )


class ItemDeferred(BaseEvent):
    type: Literal["item_deferred"] = "item_deferred"
    item: int
    target: str = Field(description="Where the item goes, e.g. 'C22'.")
    requested_by: str = Field(description="The Council Member who asked for the deferral.")
    scope: Literal["item", "conclusion"]
    note: str | None = None


class ItemClosed(BaseEvent):
    type: Literal["item_closed"] = "item_closed"
    item: int
    dropped: list[RequestRef] = Field(description="Waiting requests dropped with the item.")


class EnBlocConcluded(BaseEvent):
    """Several items concluded and closed together."""

    type: Literal["en_bloc_concluded"] = "en_bloc_concluded"
    items: list[int]
    conclusion: str


class MeetingSuspended(BaseEvent):
    type: Literal["meeting_suspended"] = "meeting_suspended"


class MeetingResumed(BaseEvent):
    type: Literal["meeting_resumed"] = "meeting_resumed"


class PlanPublished(BaseEvent):
    """A time-management plan was published (protocol v2); it replaces the previous one."""

    type: Literal["plan_published"] = "plan_published"
    revision: int = Field(ge=1, description="1 for the first plan published, then +1.")
    plan: dict[str, Any] = Field(
        description="The plan, in the public JSON format of plan.json (render/json_plan.py)."
    )
    changes: list[PlanChange] = Field(
        description="Items whose start differs from the previous revision, by item number "
        "(empty for revision 1)."
    )


class Question(StrictModel):
    """A conclusion put to the Council Members by correspondence."""

    item: int
    code: str
    title: str = Field(description="The item's title (English, as the agenda has it).")
    text: str = Field(description="The conclusion as recorded on the floor, in its language.")
    translations: dict[str, str] = Field(
        default_factory=dict, description="Optional translations by language code (ar, zh, en, fr, ru, es)."
    )


class CorrespondenceOpened(BaseEvent):
    """The round of the decision by correspondence is open until ``deadline``."""

    type: Literal["correspondence_opened"] = "correspondence_opened"
    deadline: AwareDatetime
    majority: Literal["of-voting-members", "of-replies"]
    required: int = Field(description="Approvals needed under of-voting-members (Rule 3.2).")
    questions: list[Question]


class ReplyCast(BaseEvent):
    """A Council Member replied (or changed its reply). No answers here: they stay in the
    stored command until the result is published."""

    type: Literal["reply_cast"] = "reply_cast"
    delegation: str
    person: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The focal point who replied ('CHN.1'); absent for a delegation's own token.",
    )
    items: list[int] = Field(description="The items this reply answers.")


class CorrespondenceResultPublished(BaseEvent):
    type: Literal["correspondence_result_published"] = "correspondence_result_published"
    result: dict[str, Any]


Event = Annotated[
    Union[
        ItemOpened,
        FloorRequested,
        RequestWithdrawn,
        RequestRemoved,
        FloorGiven,
        FloorLanguageSet,
        SpeechEnded,
        ClockPaused,
        ClockResumed,
        SpeakingTimeSet,
        ListClosed,
        ListReopened,
        ConclusionRecorded,
        ItemDeferred,
        ItemClosed,
        EnBlocConcluded,
        MeetingSuspended,
        MeetingResumed,
        PlanPublished,
        CorrespondenceOpened,
        ReplyCast,
        CorrespondenceResultPublished,
    ],
    Field(discriminator="type"),
]

EVENT_TYPES: tuple[str, ...] = (
    "item_opened",
    "floor_requested",
    "request_withdrawn",
    "request_removed",
    "floor_given",
    "floor_language_set",
    "speech_ended",
    "clock_paused",
    "clock_resumed",
    "speaking_time_set",
    "list_closed",
    "list_reopened",
    "conclusion_recorded",
    "item_deferred",
    "item_closed",
    "en_bloc_concluded",
    "meeting_suspended",
    "meeting_resumed",
    "plan_published",
    "correspondence_opened",
    "reply_cast",
    "correspondence_result_published",
)

#: Events that are not the floor's sitting (time management ignores them).
OFF_FLOOR_EVENTS: frozenset[str] = frozenset(
    {"plan_published", "correspondence_opened", "reply_cast", "correspondence_result_published"}
)

#: Events only a chair's command can cause (the stateful test checks it).
CHAIR_EVENTS: frozenset[str] = frozenset(EVENT_TYPES) - {
    "floor_requested",
    "request_withdrawn",
    "speech_ended",
    "plan_published",  # the secretariat publishes plans too
    "correspondence_opened",
    "reply_cast",
    "correspondence_result_published",
}

event_adapter: TypeAdapter[Event] = TypeAdapter(Event)
event_list_adapter: TypeAdapter[list[Event]] = TypeAdapter(list[Event])


def parse_event(raw: Any) -> Event:
    """Validate a decoded JSON object (e.g. a line of a stored event log) as an event."""
    return event_adapter.validate_python(raw)
