"""What a participant asks the floor to do: one pydantic model per command.

A command is the ``command`` object of a client's wire message (see
``docs/protocol.md``) and of a line of a floor log. It carries a client-chosen
``id``: send the same command again with the same ``id`` after a lost reply
and the floor answers the same, with one effect.

Parse untrusted JSON with :func:`parse_command` (or, for whole wire messages,
:func:`vccsched.floor.protocol.parse_client_message`), then hand the command
to :meth:`vccsched.floor.engine.Floor.handle`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal, Union

from pydantic import AwareDatetime, Field, TypeAdapter, ValidationError, model_validator

from vccsched.models import StrictModel
from vccsched.validation import validation_messages

RequestKind = Literal["speech", "point_of_order", "right_of_reply"]
REQUEST_KINDS: tuple[RequestKind, ...] = ("speech", "point_of_order", "right_of_reply")

CommandId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        description="Client-chosen identifier; repeating it repeats the answer, not the effect.",
    ),
]
ItemNumber = Annotated[int, Field(ge=1, description="Agenda item number (Annex 2 row).")]
DelegationId = Annotated[str, Field(min_length=1, description="Roster delegation id, e.g. 'CHN'.")]

#: A floor language: one of the ITU's six, by ISO 639-1 code, in the ITU's order (the same
#: as ``vccsched.registrations.languages.FLOOR_LANGUAGES``; a test keeps them in step).
FloorLanguage = Literal["ar", "zh", "en", "fr", "ru", "es"]


class BaseCommand(StrictModel):
    """Fields every command has."""

    type: str = Field(description="The command type; each subclass fixes it.")
    id: CommandId


# --- commands any delegation on the speakers' list may send -----------------


class RequestFloor(BaseCommand):
    """Ask for the floor on the open item (a delegate raising its hand)."""

    type: Literal["request_floor"] = "request_floor"
    kind: RequestKind = Field(default="speech", description="What the delegation asks for.")
    item: ItemNumber | None = Field(
        default=None,
        description="The item the delegate sees as open; refused if it is no longer open. "
        "Omit to mean 'the open item'.",
    )
    language: FloorLanguage | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The language the speaker will use, when not the registered floor language "
        "(protocol 4); omit to mean the registered one. Absent from the stored command when omitted.",
    )


class Withdraw(BaseCommand):
    """Take back one's own waiting request of ``kind`` on the open item."""

    type: Literal["withdraw"] = "withdraw"
    kind: RequestKind = "speech"
    item: ItemNumber | None = None


class EndSpeech(BaseCommand):
    """End the current speech: the speaker finishing early, or the chair ending it."""

    type: Literal["end_speech"] = "end_speech"


# --- chair-only commands -------------------------------------------------------


class OpenItem(BaseCommand):
    """Open an agenda item (or reopen a closed one): it becomes the current item and takes requests."""

    type: Literal["open_item"] = "open_item"
    item: ItemNumber


class NextSpeaker(BaseCommand):
    """Give the floor to the first request of the waiting list (ending any speech)."""

    type: Literal["next_speaker"] = "next_speaker"


class GiveFloor(BaseCommand):
    """Give the floor to a named delegation, out of order if it is not first in line.

    If the delegation has a waiting request of ``kind`` it is consumed. Use this
    for the secretariat (introducing a document, answering questions). With
    ``person`` (a registered speaker of that delegation) the chair names who
    speaks; without it, the person who asked, if a person did.
    """

    type: Literal["give_floor"] = "give_floor"
    delegation: DelegationId
    kind: RequestKind = "speech"
    person: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        # Absent when not given, so that commands without it are stored as they always were.
        exclude_if=lambda value: value is None,
        description="A registered speaker of the delegation ('CHN.2') who takes the floor; "
        "default: the person who asked.",
    )
    language: FloorLanguage | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The speech's floor language, when the chair states it (a named speaker's "
        "registered one); default: the request's when the person who asked speaks, else none.",
    )


class SetFloorLanguage(BaseCommand):
    """Correct the language a delegation will speak in (or speaks in), for the interpreters.

    Applies to the current speaker when ``delegation`` has the floor (and ``kind`` is omitted
    or is the speech's kind), otherwise to the delegation's waiting request of ``kind``
    (``speech`` when omitted) on the open item.
    """

    type: Literal["set_floor_language"] = "set_floor_language"
    delegation: DelegationId
    language: FloorLanguage
    kind: RequestKind | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="Which waiting request; omit for the speaker, or else the speech request.",
    )


class SetSpeakingTime(BaseCommand):
    """Set the speaking-time limit of an item (the open item if ``item`` is omitted).

    Applies to speeches that start afterwards; the current speech keeps its limit.
    """

    type: Literal["set_speaking_time"] = "set_speaking_time"
    seconds: int = Field(ge=10, le=3600, description="Limit per speech, in seconds.")
    item: ItemNumber | None = None


class PauseClock(BaseCommand):
    """Stop the current speaker's clock (e.g. interpretation trouble)."""

    type: Literal["pause_clock"] = "pause_clock"


class ResumeClock(BaseCommand):
    """Restart the current speaker's clock."""

    type: Literal["resume_clock"] = "resume_clock"


class CloseList(BaseCommand):
    """Close the list of speakers of the open item (points of order and replies still taken)."""

    type: Literal["close_list"] = "close_list"


class ReopenList(BaseCommand):
    """Reopen the list of speakers of the open item."""

    type: Literal["reopen_list"] = "reopen_list"


class RemoveRequest(BaseCommand):
    """Strike a delegation's waiting request of ``kind`` from the open item's list."""

    type: Literal["remove_request"] = "remove_request"
    delegation: DelegationId
    kind: RequestKind = "speech"


class RecordConclusion(BaseCommand):
    """Record the proposed conclusion of the open item (replaces an earlier one)."""

    type: Literal["record_conclusion"] = "record_conclusion"
    conclusion: str = Field(min_length=1, max_length=5000, description="Proposed conclusion text.")
    by_correspondence: bool = Field(
        default=False,
        description="Flag for a decision by correspondence under Rule 3.2 of the Council's "
        "Rules of Procedure (simple majority of Council Members with the right to vote).",
    )


class DeferItem(BaseCommand):
    """Defer the open item, or its conclusion, to the next physical Council session.

    ``requested_by`` must be a Council Member (Annex 1: any Council Member may
    ask for it); anyone else is refused.
    """

    type: Literal["defer_item"] = "defer_item"
    requested_by: DelegationId
    scope: Literal["item", "conclusion"] = Field(
        default="item", description="Defer the whole item or only its proposed conclusion."
    )
    note: str | None = Field(default=None, max_length=2000, description="Free text for the record.")


class CloseItem(BaseCommand):
    """Close the open item: any speech ends, waiting requests are dropped."""

    type: Literal["close_item"] = "close_item"


class ConcludeEnBloc(BaseCommand):
    """Conclude and close several items approved en bloc in one go.

    Without ``items``: every item marked ``en_bloc`` on the agenda that is not
    closed yet. Every listed item must be marked ``en_bloc`` and not be closed.
    """

    type: Literal["conclude_en_bloc"] = "conclude_en_bloc"
    items: list[ItemNumber] | None = None
    conclusion: str = Field(default="Approved en bloc.", min_length=1, max_length=5000)


class SuspendMeeting(BaseCommand):
    """Suspend the meeting (end of the day's session, a break); any speech ends."""

    type: Literal["suspend_meeting"] = "suspend_meeting"


class ResumeMeeting(BaseCommand):
    """Resume a suspended meeting."""

    type: Literal["resume_meeting"] = "resume_meeting"


# --- the chair or the secretariat (protocol v2) --------------------------------


class PublishPlan(BaseCommand):
    """Publish the time-management plan in force (a first plan, or a re-plan).

    From the chair or a secretariat delegation; taken while the meeting is
    suspended (re-plans are made between sessions).
    """

    type: Literal["publish_plan"] = "publish_plan"
    plan: dict[str, Any] = Field(
        description="The plan as the public JSON object of plan.json "
        "(vccsched/render/json_plan.py): meeting, timezone, days, solver."
    )


# --- the decision by correspondence (protocol v4) ------------------------------

MajorityRule = Literal["of-voting-members", "of-replies"]
ReplyAnswer = Literal["approve", "object", "abstain"]
LANGUAGES: tuple[str, ...] = ("ar", "zh", "en", "fr", "ru", "es")


class OpenCorrespondence(BaseCommand):
    """Open the round of the decision by correspondence (Rule 3.2): the chair or the secretariat.

    The questions are the floor's own: every conclusion recorded "by correspondence"
    and not deferred since. Replies are taken until ``deadline``.
    """

    type: Literal["open_correspondence"] = "open_correspondence"
    deadline: AwareDatetime = Field(description="Replies are taken until this time (exclusive), with its offset.")
    majority: MajorityRule = Field(default="of-voting-members", description="How the majority is counted.")
    translations: dict[str, dict[str, Annotated[str, Field(min_length=1, max_length=5000)]]] = Field(
        default_factory=dict,
        max_length=200,
        description="Per item number (as a string), the conclusion's text in other languages: "
        "{\"12\": {\"fr\": \"...\"}}; languages ar, zh, en, fr, ru, es.",
    )


class ReplyEntry(StrictModel):
    """One answer on one conclusion."""

    item: ItemNumber
    answer: ReplyAnswer


class CastReply(BaseCommand):
    """A Council Member's reply, from its focal point: one answer per conclusion sent.

    Either ``replies`` (a list) or a single ``item`` and ``answer``. A conclusion left
    out is no reply on it; the last reply counts as a whole (a later one replaces every
    answer of the earlier, as a later e-mailed form does).
    """

    type: Literal["cast_reply"] = "cast_reply"
    replies: list[ReplyEntry] | None = Field(default=None, min_length=1, max_length=200)
    item: ItemNumber | None = None
    answer: ReplyAnswer | None = None

    @model_validator(mode="after")
    def _one_form(self) -> "CastReply":
        single = self.item is not None or self.answer is not None
        if self.replies is not None and single:
            raise ValueError("give either 'replies' or 'item' and 'answer', not both")
        if self.replies is None and (self.item is None or self.answer is None):
            raise ValueError("give 'replies' (a list of {item, answer}) or both 'item' and 'answer'")
        items = [r.item for r in self.entries]
        if len(set(items)) != len(items):
            raise ValueError("an item is answered twice in 'replies'; give one answer per item")
        return self

    @property
    def entries(self) -> list[ReplyEntry]:
        """The answers, in item order, whichever form was sent."""
        if self.replies is not None:
            return sorted(self.replies, key=lambda r: r.item)
        assert self.item is not None and self.answer is not None
        return [ReplyEntry(item=self.item, answer=self.answer)]


class PublishCorrespondenceResult(BaseCommand):
    """Put the tally's result on /ballot for everyone with a link: after the deadline."""

    type: Literal["publish_correspondence_result"] = "publish_correspondence_result"
    result: dict[str, Any] = Field(description="The tally's result as JSON (correspondence tally --out FILE.json).")


Command = Annotated[
    Union[
        RequestFloor,
        Withdraw,
        EndSpeech,
        OpenItem,
        NextSpeaker,
        GiveFloor,
        SetFloorLanguage,
        SetSpeakingTime,
        PauseClock,
        ResumeClock,
        CloseList,
        ReopenList,
        RemoveRequest,
        RecordConclusion,
        DeferItem,
        CloseItem,
        ConcludeEnBloc,
        SuspendMeeting,
        ResumeMeeting,
        PublishPlan,
        OpenCorrespondence,
        CastReply,
        PublishCorrespondenceResult,
    ],
    Field(discriminator="type"),
]

#: Commands only the chair may send; everyone else gets ``not_chair``.
CHAIR_COMMANDS: frozenset[str] = frozenset(
    {
        "open_item",
        "next_speaker",
        "give_floor",
        "set_floor_language",
        "set_speaking_time",
        "pause_clock",
        "resume_clock",
        "close_list",
        "reopen_list",
        "remove_request",
        "record_conclusion",
        "defer_item",
        "close_item",
        "conclude_en_bloc",
        "suspend_meeting",
        "resume_meeting",
    }
)

#: Commands a delegate may send (``end_speech`` only for its own speech).
DELEGATE_COMMANDS: frozenset[str] = frozenset({"request_floor", "withdraw", "end_speech", "cast_reply"})

#: Commands the chair or a secretariat delegation may send; anyone else gets
#: ``not_chair_or_secretariat``.
CHAIR_OR_SECRETARIAT_COMMANDS: frozenset[str] = frozenset(
    {"publish_plan", "open_correspondence", "publish_correspondence_result"}
)

COMMAND_TYPES: tuple[str, ...] = tuple(
    sorted(CHAIR_COMMANDS | DELEGATE_COMMANDS | CHAIR_OR_SECRETARIAT_COMMANDS)
)

command_adapter: TypeAdapter[Command] = TypeAdapter(Command)


def command_problems(error: ValidationError, raw: Any) -> list[str]:
    """One line per problem of an invalid command, naming fields as the client wrote them."""

    def locator(raw: Any, loc: Sequence[int | str]) -> str | None:
        # pydantic prefixes the location with the union tag ('request_floor.kind'): drop it.
        if len(loc) >= 2 and isinstance(raw, dict) and loc[0] == raw.get("type"):
            return "field '" + ".".join(str(p) for p in loc[1:]) + "'"
        return None

    return validation_messages(error, raw, locator=locator)


def parse_command(raw: Any) -> Command:
    """Validate a decoded JSON object as a command.

    Raises ``pydantic.ValidationError``; turn it into words with
    :func:`vccsched.validation.validation_messages`.
    """
    return command_adapter.validate_python(raw)
