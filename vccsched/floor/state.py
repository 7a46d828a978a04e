"""The floor's state and the pure fold ``apply(state, event) -> state``.

Start from :func:`initial_state` (built from a :class:`FloorSetup`, i.e. the
roster, the agenda and the floor settings), then fold events with
:func:`apply` or :func:`fold`. The state never reads the clock: ask
:func:`time_left` with the current time. A :class:`FloorState` is the full
snapshot a late-joining client receives (``model_dump(mode="json")``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, Field

from vccsched.floor.commands import FloorLanguage, RequestKind
from vccsched.floor.events import (
    OFF_FLOOR_EVENTS,
    BaseEvent,
    ClockPaused,
    CorrespondenceOpened,
    CorrespondenceResultPublished,
    Question,
    ReplyCast,
    ClockResumed,
    ConclusionRecorded,
    EnBlocConcluded,
    FloorGiven,
    FloorLanguageSet,
    FloorRequested,
    ItemClosed,
    ItemDeferred,
    ItemOpened,
    ListClosed,
    ListReopened,
    MeetingResumed,
    MeetingSuspended,
    PlanPublished,
    RequestRemoved,
    RequestWithdrawn,
    SpeakingTimeSet,
    SpeechEnded,
    SpeechEndReason,
)
from vccsched.floor.published import PublishedPlan
from vccsched.floor.queue import speaking_order
from vccsched.floor.setup import Contribution, FloorSetup, ItemInfo, Participant  # noqa: F401 (re-exported)
from vccsched.models import StrictModel

# The fixed setup (who takes part, which items, which rules) is in vccsched.floor.setup;
# FloorSetup, Participant and ItemInfo are imported here for the modules that take them from here.

# --- the changing state --------------------------------------------------------


class Request(StrictModel):
    """A waiting request for the floor."""

    delegation: str
    kind: RequestKind
    order: int = Field(description="Arrival number: first come, first served.")
    at: AwareDatetime
    person: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The registered person who asked ('CHN.1'); absent when a delegation's own token asked.",
    )
    language: FloorLanguage | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The language the speaker will use (protocol 4); absent when unknown.",
    )


class Speaker(StrictModel):
    """Who has the floor, since when, and the state of their clock."""

    item: int
    delegation: str
    kind: RequestKind
    since: AwareDatetime
    limit_seconds: int
    out_of_order: bool
    person: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The registered person who asked and now speaks ('CHN.1'); absent otherwise.",
    )
    language: FloorLanguage | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The language of the speech (protocol 4), for the interpreters; absent when unknown.",
    )
    elapsed_seconds: float = Field(
        default=0.0, description="Speaking time accumulated before ``running_since``."
    )
    running_since: AwareDatetime | None = Field(
        description="When the clock last started; null while it is paused."
    )
    paused_seconds: float = 0.0

    def elapsed(self, now: dt.datetime) -> float:
        """Speaking time so far at ``now``, pauses excluded."""
        if self.running_since is None:
            return self.elapsed_seconds
        return self.elapsed_seconds + max(0.0, (now - self.running_since).total_seconds())

    def paused_total(self, now: dt.datetime) -> float:
        """Time the clock has stood still so far at ``now``."""
        return max(0.0, (now - self.since).total_seconds() - self.elapsed(now))


class Speech(StrictModel):
    """A finished speech: what the time-management plan is compared with."""

    item: int
    delegation: str
    kind: RequestKind
    start: AwareDatetime
    end: AwareDatetime
    duration_seconds: float = Field(description="Speaking time, pauses excluded.")
    paused_seconds: float
    limit_seconds: int
    out_of_order: bool
    reason: SpeechEndReason
    person: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The registered person who spoke ('CHN.1'), as on the speaker; absent otherwise.",
    )
    language: FloorLanguage | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The language of the speech (protocol 4), as on the speaker; absent when unknown.",
    )


class Outcome(StrictModel):
    """How an item ended (so far)."""

    kind: Literal["concluded", "deferred", "closed"] = Field(
        description="'concluded' with a proposed conclusion, 'deferred' to the next "
        "physical session, or 'closed' without either."
    )
    conclusion: str | None = None
    by_correspondence: bool = False
    majority_needed: int | None = None
    target: str | None = None
    requested_by: str | None = None
    scope: Literal["item", "conclusion"] | None = None
    note: str | None = None

    @property
    def by_correspondence_standing(self) -> bool:
        """A conclusion recorded "by correspondence" and not deferred since: put to the Council."""
        return self.kind == "concluded" and self.by_correspondence

    @property
    def defers_item(self) -> bool:
        """The whole item is deferred (``defer_item`` with scope "item"), not only its conclusion."""
        return self.kind == "deferred" and self.scope == "item"


class Correspondence(StrictModel):
    """The round of the decision by correspondence (protocol v4); no answers here (confidential)."""

    opened_seq: int = Field(description="The seq of correspondence_opened.")
    opened_at: AwareDatetime
    deadline: AwareDatetime = Field(description="Replies are taken before this time.")
    majority: Literal["of-voting-members", "of-replies"]
    required: int = Field(description="Approvals needed under of-voting-members.")
    questions: list[Question]
    replied: dict[str, AwareDatetime] = Field(
        default_factory=dict, description="Council Member -> time of its last reply (who replied, not how)."
    )
    versions: dict[str, int] = Field(
        default_factory=dict,
        exclude_if=lambda value: not value,
        description="Council Member -> how many replies it sent in this round (at most "
        "REPLY_VERSIONS_MAX, vccsched.floor.rules); absent before the first reply.",
    )
    result: dict | None = Field(default=None, description="The published result; null before.")

    def is_open(self, now: dt.datetime) -> bool:
        return now < self.deadline

    @property
    def items(self) -> list[int]:
        return [q.item for q in self.questions]


ItemStatus = Literal["pending", "open", "closed"]


class ItemState(StrictModel):
    number: int
    status: ItemStatus = "pending"
    list_closed: bool = False
    speaking_time_seconds: int
    queue: list[Request] = Field(default_factory=list, description="In speaking order.")
    spoken: list[str] = Field(
        default_factory=list, description="Delegations that made a speech on the item, sorted."
    )
    outcome: Outcome | None = None
    taken_at: AwareDatetime | None = Field(
        default=None, description="When the item was first taken up: opened, or concluded en bloc."
    )
    closed_at: AwareDatetime | None = Field(default=None, description="When it was last closed.")

    @property
    def done(self) -> bool:
        """Nothing is left to discuss or plan: closed, or deferred whole to the next session.

        After ``defer_item`` (scope "item") the item stays open until the chair
        closes it, but it is no longer waiting for time: re-plans, the progress
        figures and the console treat it as done (the minutes it was open still
        count as used). A conclusion recorded afterwards replaces the deferral.
        """
        return self.status == "closed" or (self.outcome is not None and self.outcome.defers_item)


class DayTime(StrictModel):
    """The floor's time on one meeting day (in the meeting's time zone), for time management.

    The meeting *sits* from one floor event to the next when it is not
    suspended and both fall on the same day: the time between the last event of
    a day and the first of the next never counts, even if the chair did not
    suspend. (Publishing a plan is not a floor event.) The figures count up to
    ``counted_to``; on the last day, the time from there to ``FloorState.floor_at``
    and on to *now* (the same day) is still to be added, as sitting when the
    meeting is not suspended and for ``current_item`` when one is open:
    :func:`vccsched.progress.day_times` does that.
    """

    date: dt.date
    first_at: AwareDatetime = Field(description="The day's first floor event.")
    counted_to: AwareDatetime = Field(
        description="The figures count up to here (for a past day, its last floor event)."
    )
    sitting_seconds: float = Field(default=0.0, description="In session (not suspended).")
    item_seconds: dict[int, float] = Field(
        default_factory=dict,
        description="Per item number: the seconds it was open while in session that day.",
    )

    def counted(self, until: dt.datetime, suspended: bool, current_item: int | None) -> DayTime:
        """This day with the time from ``counted_to`` to ``until`` added (the meeting being
        ``suspended`` or not, ``current_item`` open, all along)."""
        gap = max(0.0, (until - self.counted_to).total_seconds())
        if until <= self.counted_to:
            return self
        item_seconds = self.item_seconds
        if not suspended and current_item is not None and gap:
            item_seconds = {**item_seconds, current_item: item_seconds.get(current_item, 0.0) + gap}
        return self.model_copy(
            update={
                "counted_to": until,
                "sitting_seconds": self.sitting_seconds + (0.0 if suspended else gap),
                "item_seconds": item_seconds,
            }
        )


class FloorState(StrictModel):
    """The whole floor at one event: the snapshot a late-joining client receives."""

    setup: FloorSetup
    seq: int = Field(default=0, description="Sequence number of the last event folded in.")
    last_at: AwareDatetime | None = Field(default=None, description="Time of the last event.")
    suspended: bool = False
    current_item: int | None = None
    speaker: Speaker | None = None
    items: dict[int, ItemState]
    speeches: list[Speech] = Field(default_factory=list)
    next_order: int = 1
    plan: PublishedPlan | None = Field(
        default=None,
        description="The time-management plan in force (protocol v2): the latest plan_published; "
        "null before any.",
    )
    days: list[DayTime] = Field(
        default_factory=list, description="Time on the floor per meeting day, in date order."
    )
    floor_at: AwareDatetime | None = Field(
        default=None, description="Time of the last floor event (plan publications are not)."
    )
    correspondence: Correspondence | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The decision by correspondence (protocol v4); absent before it is opened.",
    )

    def item(self, number: int) -> ItemState:
        return self.items[number]

    @property
    def current(self) -> ItemState | None:
        return None if self.current_item is None else self.items[self.current_item]


def initial_state(setup: FloorSetup) -> FloorState:
    """The floor before any event: every item pending, no one speaking."""
    return FloorState(
        setup=setup,
        items={
            i.number: ItemState(number=i.number, speaking_time_seconds=setup.speaking_time_seconds)
            for i in setup.items
        },
    )


def time_left(state: FloorState, now: dt.datetime) -> float | None:
    """Seconds the current speaker has left at ``now`` (negative: overrun); None if no speaker."""
    if state.speaker is None:
        return None
    return state.speaker.limit_seconds - state.speaker.elapsed(now)


# --- the fold ----------------------------------------------------------------------


class FoldError(ValueError):
    """An event does not fit the state (gap in sequence numbers, unknown item)."""


def _sorted_queue(state: FloorState, item: ItemState, requests: Iterable[Request], spoken) -> list[Request]:
    return speaking_order(requests, state.setup.category_of, state.setup.tiers, spoken)


def _with_item(state: FloorState, item: ItemState, **changes) -> dict[int, ItemState]:
    items = dict(state.items)
    items[item.number] = item.model_copy(update=changes)
    return items


def _without_request(queue: list[Request], delegation: str, kind: str) -> list[Request]:
    return [r for r in queue if not (r.delegation == delegation and r.kind == kind)]


def _item_opened(state: FloorState, e: ItemOpened) -> dict:
    """Open a pending item, or reopen a closed one (docs/protocol.md, "Reopening an item").

    A reopened item starts a fresh round of discussion: its list of speakers is
    open and empty. Its speaking time and who has already spoken on it stay, and
    so does a conclusion or deferral until the chair records another; only the
    bare "closed" outcome goes, because the item is no longer closed.
    """
    item = state.items[e.item]
    outcome = None if item.outcome is not None and item.outcome.kind == "closed" else item.outcome
    return {
        "current_item": e.item,
        "items": _with_item(state, item, status="open", list_closed=False, queue=[], outcome=outcome),
    }


def _floor_requested(state: FloorState, e: FloorRequested) -> dict:
    item = state.items[e.item]
    request = Request(
        delegation=e.delegation, kind=e.kind, order=e.order, at=e.at, person=e.person, language=e.language
    )
    queue = _sorted_queue(state, item, [*item.queue, request], item.spoken)
    return {"items": _with_item(state, item, queue=queue), "next_order": max(state.next_order, e.order + 1)}


def _request_gone(state: FloorState, e: RequestWithdrawn | RequestRemoved) -> dict:
    item = state.items[e.item]
    return {"items": _with_item(state, item, queue=_without_request(item.queue, e.delegation, e.kind))}


def _floor_given(state: FloorState, e: FloorGiven) -> dict:
    item = state.items[e.item]
    queue = _without_request(item.queue, e.delegation, e.kind) if e.from_queue else item.queue
    spoken = item.spoken
    if e.kind == "speech" and e.delegation not in spoken:
        spoken = sorted([*spoken, e.delegation])
        queue = _sorted_queue(state, item, queue, spoken)
    speaker = Speaker(
        item=e.item,
        delegation=e.delegation,
        kind=e.kind,
        since=e.at,
        limit_seconds=e.limit_seconds,
        out_of_order=e.out_of_order,
        person=e.person,
        language=e.language,
        running_since=None if e.clock_paused else e.at,
    )
    return {"speaker": speaker, "items": _with_item(state, item, queue=queue, spoken=spoken)}


def _floor_language_set(state: FloorState, e: FloorLanguageSet) -> dict:
    if e.target == "speaker":
        s = state.speaker
        if s is None:
            raise FoldError(f"event {e.seq}: floor_language_set on the speaker but no one has the floor")
        return {"speaker": s.model_copy(update={"language": e.language})}
    item = state.items[e.item]
    queue = [
        r.model_copy(update={"language": e.language}) if (r.delegation, r.kind) == (e.delegation, e.kind) else r
        for r in item.queue
    ]
    return {"items": _with_item(state, item, queue=queue)}


def _speech_ended(state: FloorState, e: SpeechEnded) -> dict:
    s = state.speaker
    if s is None:
        raise FoldError(f"event {e.seq}: speech_ended but no one has the floor")
    speech = Speech(
        item=s.item,
        delegation=s.delegation,
        kind=s.kind,
        start=s.since,
        end=e.at,
        duration_seconds=e.duration_seconds,
        paused_seconds=e.paused_seconds,
        limit_seconds=s.limit_seconds,
        out_of_order=s.out_of_order,
        reason=e.reason,
        person=s.person,
        language=s.language,
    )
    return {"speaker": None, "speeches": [*state.speeches, speech]}


def _clock_paused(state: FloorState, e: ClockPaused) -> dict:
    s = state.speaker
    assert s is not None
    return {"speaker": s.model_copy(update={"elapsed_seconds": s.elapsed(e.at), "running_since": None})}


def _clock_resumed(state: FloorState, e: ClockResumed) -> dict:
    s = state.speaker
    assert s is not None
    return {"speaker": s.model_copy(update={"running_since": e.at})}


def _speaking_time_set(state: FloorState, e: SpeakingTimeSet) -> dict:
    return {"items": _with_item(state, state.items[e.item], speaking_time_seconds=e.seconds)}


def _list_closed(state: FloorState, e: ListClosed) -> dict:
    return {"items": _with_item(state, state.items[e.item], list_closed=True)}


def _list_reopened(state: FloorState, e: ListReopened) -> dict:
    return {"items": _with_item(state, state.items[e.item], list_closed=False)}


def _conclusion_recorded(state: FloorState, e: ConclusionRecorded) -> dict:
    outcome = Outcome(
        kind="concluded",
        conclusion=e.conclusion,
        by_correspondence=e.by_correspondence,
        majority_needed=e.majority_needed,
    )
    return {"items": _with_item(state, state.items[e.item], outcome=outcome)}


def _item_deferred(state: FloorState, e: ItemDeferred) -> dict:
    item = state.items[e.item]
    previous = item.outcome
    outcome = Outcome(
        kind="deferred",
        conclusion=previous.conclusion if (previous and e.scope == "conclusion") else None,
        target=e.target,
        requested_by=e.requested_by,
        scope=e.scope,
        note=e.note,
    )
    return {"items": _with_item(state, item, outcome=outcome)}


def _closed_item(item: ItemState) -> ItemState:
    outcome = item.outcome or Outcome(kind="closed")
    return item.model_copy(update={"status": "closed", "queue": [], "outcome": outcome})


def _item_closed(state: FloorState, e: ItemClosed) -> dict:
    items = dict(state.items)
    items[e.item] = _closed_item(state.items[e.item])
    current = None if state.current_item == e.item else state.current_item
    return {"items": items, "current_item": current}


def _en_bloc_concluded(state: FloorState, e: EnBlocConcluded) -> dict:
    items = dict(state.items)
    for number in e.items:
        concluded = state.items[number].model_copy(
            update={"outcome": Outcome(kind="concluded", conclusion=e.conclusion)}
        )
        items[number] = _closed_item(concluded)
    current = None if state.current_item in e.items else state.current_item
    return {"items": items, "current_item": current}


def _meeting_suspended(state: FloorState, e: MeetingSuspended) -> dict:
    return {"suspended": True}


def _meeting_resumed(state: FloorState, e: MeetingResumed) -> dict:
    return {"suspended": False}


def _plan_published(state: FloorState, e: PlanPublished) -> dict:
    published = PublishedPlan(revision=e.revision, at=e.at, by=e.actor, plan=e.plan, changes=e.changes)
    return {"plan": published}


def _correspondence_opened(state: FloorState, e: CorrespondenceOpened) -> dict:
    round_ = Correspondence(
        opened_seq=e.seq, opened_at=e.at, deadline=e.deadline, majority=e.majority,
        required=e.required, questions=e.questions,
    )
    return {"correspondence": round_}


def _reply_cast(state: FloorState, e: ReplyCast) -> dict:
    round_ = state.correspondence
    if round_ is None:
        raise FoldError(f"event {e.seq}: reply_cast but no correspondence round is open")
    versions = {**round_.versions, e.delegation: round_.versions.get(e.delegation, 0) + 1}
    return {"correspondence": round_.model_copy(update={"replied": {**round_.replied, e.delegation: e.at}, "versions": versions})}


def _result_published(state: FloorState, e: CorrespondenceResultPublished) -> dict:
    round_ = state.correspondence
    if round_ is None:
        raise FoldError(f"event {e.seq}: a result published but no correspondence round was opened")
    return {"correspondence": round_.model_copy(update={"result": e.result})}


_FOLDS = {
    "item_opened": _item_opened,
    "floor_requested": _floor_requested,
    "request_withdrawn": _request_gone,
    "request_removed": _request_gone,
    "floor_given": _floor_given,
    "floor_language_set": _floor_language_set,
    "speech_ended": _speech_ended,
    "clock_paused": _clock_paused,
    "clock_resumed": _clock_resumed,
    "speaking_time_set": _speaking_time_set,
    "list_closed": _list_closed,
    "list_reopened": _list_reopened,
    "conclusion_recorded": _conclusion_recorded,
    "item_deferred": _item_deferred,
    "item_closed": _item_closed,
    "en_bloc_concluded": _en_bloc_concluded,
    "meeting_suspended": _meeting_suspended,
    "meeting_resumed": _meeting_resumed,
    "plan_published": _plan_published,
    "correspondence_opened": _correspondence_opened,
    "reply_cast": _reply_cast,
    "correspondence_result_published": _result_published,
}


def apply(state: FloorState, event: BaseEvent) -> FloorState:
    """The state after ``event``; ``state`` itself is left unchanged.

    Raises :class:`FoldError` if the event's ``seq`` is not ``state.seq + 1``
    (a gap or a repeat in the log) or names an unknown item.
    """
    if event.seq != state.seq + 1:
        raise FoldError(f"event {event.seq} does not follow event {state.seq}: events missing or repeated")
    for number in getattr(event, "items", None) or [getattr(event, "item", None)]:
        if number is not None and number not in state.items:
            raise FoldError(f"event {event.seq}: item {number} is not on the agenda")
    changes = _FOLDS[event.type](state, event)  # type: ignore[attr-defined]
    if event.type not in OFF_FLOOR_EVENTS:  # publishing a plan is not sitting on the floor
        _keep_time(state, event, changes)
    changes["seq"] = event.seq
    changes["last_at"] = event.at
    return state.model_copy(update=changes)


def _keep_time(state: FloorState, event: BaseEvent, changes: dict) -> None:
    """Add to ``changes`` the floor's time (see :class:`DayTime`) and when items were
    taken up and closed.

    The day's figures are brought up to date only when the day changes or the
    event suspends, resumes, opens or closes: in between, the time runs the same
    way, so most events cost nothing here.
    """
    zone = state.setup.timezone
    day = event.at.astimezone(ZoneInfo(zone)).date() if zone else event.at.date()
    changes["floor_at"] = event.at
    last = state.days[-1] if state.days else None
    if last is None or last.date != day:
        days = list(state.days)
        if last is not None and state.floor_at is not None:
            days[-1] = last.counted(state.floor_at, state.suspended, state.current_item)
        days.append(DayTime(date=day, first_at=event.at, counted_to=event.at))
        changes["days"] = days
    elif (
        changes.get("suspended", state.suspended) != state.suspended
        or changes.get("current_item", state.current_item) != state.current_item
    ):
        changes["days"] = [*state.days[:-1], last.counted(event.at, state.suspended, state.current_item)]
    taken = [event.item] if event.type == "item_opened" else []  # type: ignore[attr-defined]
    closed = [event.item] if event.type == "item_closed" else []  # type: ignore[attr-defined]
    if event.type == "en_bloc_concluded":
        taken = closed = list(event.items)  # type: ignore[attr-defined]
    if taken or closed:
        items = dict(changes.get("items", state.items))
        for number in taken:
            if items[number].taken_at is None:
                items[number] = items[number].model_copy(update={"taken_at": event.at})
        for number in closed:
            items[number] = items[number].model_copy(update={"closed_at": event.at})
        changes["items"] = items


def fold(setup_or_state: FloorSetup | FloorState, events: Iterable[BaseEvent]) -> FloorState:
    """Apply ``events`` in order, from the initial state of a setup or from a given state."""
    state = initial_state(setup_or_state) if isinstance(setup_or_state, FloorSetup) else setup_or_state
    for event in events:
        state = apply(state, event)
    return state
