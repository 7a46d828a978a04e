"""The speaking rules: ``decide(state, actor, command, now) -> list[Event] | Refusal``.

``decide`` is pure: it reads the state, the authenticated ``actor`` (a roster
delegation id), the command and the time, and either returns the events the
command causes (numbered from ``state.seq + 1``) or a :class:`Refusal`. It
changes nothing: fold the events with :func:`vccsched.floor.state.apply`, or
let :class:`vccsched.floor.engine.Floor` do both and keep the log.

Each rule is one small function returning a refusal or ``None``; the handler
of each command lists the rules it checks, in order.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from vccsched.floor import events as ev
from vccsched.floor.asker import Asker
from vccsched.floor.commands import (
    CHAIR_COMMANDS,
    CHAIR_OR_SECRETARIAT_COMMANDS,
    LANGUAGES,
    BaseCommand,
    CastReply,
    CloseItem,
    CloseList,
    ConcludeEnBloc,
    DeferItem,
    EndSpeech,
    GiveFloor,
    NextSpeaker,
    OpenCorrespondence,
    OpenItem,
    PauseClock,
    PublishCorrespondenceResult,
    PublishPlan,
    RecordConclusion,
    RemoveRequest,
    ReopenList,
    RequestFloor,
    ResumeClock,
    ResumeMeeting,
    SetFloorLanguage,
    SetSpeakingTime,
    SuspendMeeting,
    Withdraw,
)
from vccsched.floor.published import canonical, check_published_plan, plan_changes, plan_of
from vccsched.floor.queue import tier_index
from vccsched.floor.refusals import Refusal
from vccsched.floor.setup import Participant
from vccsched.floor.state import FloorState

Rule = Callable[["Context"], Refusal | None]

#: Commands still taken while the meeting is suspended (re-plans are published between sessions).
TAKEN_WHILE_SUSPENDED = frozenset(
    {
        "resume_meeting",
        "suspend_meeting",
        "withdraw",
        "publish_plan",
        # the decision by correspondence happens after the meeting, suspended or not
        "open_correspondence",
        "cast_reply",
        "publish_correspondence_result",
    }
)

_WHAT = {
    "publish_plan": "publish a plan",
    "open_correspondence": "open a decision by correspondence",
    "publish_correspondence_result": "publish the result of a decision by correspondence",
}


@dataclass
class Context:
    """One command being decided: inputs plus the events emitted so far."""

    state: FloorState
    actor: str
    command: BaseCommand
    now: dt.datetime
    events: list = field(default_factory=list)
    #: The registered person behind the command; None for a delegation's own token or a log.
    asker: Asker | None = None
    #: Replaying a record the live server decided: the persons it names were checked then,
    #: against registrations a replay may not have (``report --db``).
    from_record: bool = False

    @property
    def participant(self) -> Participant | None:
        return self.state.setup.participant(self.actor)

    @property
    def is_chair(self) -> bool:
        p = self.participant
        return p is not None and p.category == "chair"

    def emit(self, cls: type, **fields) -> None:
        self.events.append(
            cls(
                seq=self.state.seq + len(self.events) + 1,
                at=self.now,
                actor=self.actor,
                command_id=self.command.id,
                **fields,
            )
        )


def refuse(code: str, message: str) -> Refusal:
    return Refusal(code=code, message=message)


# --- general rules -------------------------------------------------------------------


def _not_on_roster(actor: str) -> Refusal:
    return refuse("unknown_delegation", f"{actor!r} is not a delegation on the roster.")


def _a(category: str) -> str:
    """'an observer state', 'a sector member': a category in a sentence."""
    words = category.replace("_", " ")
    return f"an {words}" if words[0] in "aeiou" else f"a {words}"


def _not_chair(command_type: str) -> Refusal:
    return refuse("not_chair", f"only the chair may {command_type.replace('_', ' ')}.")


#: Replies one Council Member may send in a round of the decision by correspondence. Every
#: version is kept in the record and given back on /ballot.json, so the rate limit alone would
#: let a leaked focal point's link write ten a second until the deadline; a Member State that
#: changes its mind fifty times has said what it means (the last accepted version counts).
REPLY_VERSIONS_MAX = 50

#: Categories whose connections follow the floor and never act on it (protocol 4).
READ_ONLY_CATEGORIES = frozenset({"interpreter"})


def _read_only(p: Participant, command_type: str) -> Refusal:
    return refuse(
        "read_only",
        f"{p.id} is an interpreters' connection: it follows the floor and sends no commands "
        f"({command_type.replace('_', ' ')} refused).",
    )


def _not_chair_or_secretariat(p: Participant, command_type: str = "publish_plan") -> Refusal:
    return refuse(
        "not_chair_or_secretariat",
        f"only the chair or the secretariat may {_WHAT.get(command_type, command_type)}; {p.id} is "
        f"{_a(p.category)}.",
    )


def privilege_refusal(state: FloorState, actor: str, command_type: str) -> Refusal | None:
    """Whether ``actor`` may send commands of ``command_type`` at all, from its category alone.

    The same refusals :func:`decide` gives (its first checks), without the
    command itself: a server asks this before reading a large command, so
    that a delegate's ``publish_plan`` costs it nothing to refuse.
    """
    p = state.setup.participant(actor)
    if p is None:
        return _not_on_roster(actor)
    if p.category in READ_ONLY_CATEGORIES:
        return _read_only(p, command_type)
    if command_type in CHAIR_COMMANDS and p.category != "chair":
        return _not_chair(command_type)
    if command_type in CHAIR_OR_SECRETARIAT_COMMANDS and p.category not in ("chair", "secretariat"):
        return _not_chair_or_secretariat(p, command_type)
    return None


def actor_on_roster(ctx: Context) -> Refusal | None:
    if ctx.participant is None:
        return _not_on_roster(ctx.actor)
    return None


def not_read_only(ctx: Context) -> Refusal | None:
    """Interpreters follow the floor; whatever they send is refused, whatever its type."""
    p = ctx.participant
    if p is not None and p.category in READ_ONLY_CATEGORIES:
        return _read_only(p, ctx.command.type)  # type: ignore[attr-defined]
    return None


def chair_only(ctx: Context) -> Refusal | None:
    if ctx.command.type in CHAIR_COMMANDS and not ctx.is_chair:  # type: ignore[attr-defined]
        return _not_chair(ctx.command.type)  # type: ignore[attr-defined]
    return None


def meeting_in_session(ctx: Context) -> Refusal | None:
    if ctx.state.suspended and ctx.command.type not in TAKEN_WHILE_SUSPENDED:  # type: ignore[attr-defined]
        # Said to the chair too, who would be told to wait for itself.
        who = "resume it first" if ctx.is_chair else "wait for the chair to resume it"
        return refuse("meeting_suspended", f"the meeting is suspended; {who}.")
    return None


def chair_or_secretariat(ctx: Context) -> Refusal | None:
    """Plans are published by the chair or the secretariat, no one else."""
    p = ctx.participant
    assert p is not None
    if ctx.command.type in CHAIR_OR_SECRETARIAT_COMMANDS and p.category not in ("chair", "secretariat"):  # type: ignore[attr-defined]
        return _not_chair_or_secretariat(p, ctx.command.type)  # type: ignore[attr-defined]
    return None


GENERAL_RULES: tuple[Rule, ...] = (actor_on_roster, not_read_only, chair_only, meeting_in_session)


# --- item rules ---------------------------------------------------------------------------


def item_is_open(ctx: Context) -> Refusal | None:
    """The command applies to the open item (and to the one it names, if any)."""
    current = ctx.state.current_item
    named = getattr(ctx.command, "item", None)
    if current is None:
        return refuse("item_not_open", "no item is open; the chair opens one first.")
    if named is not None and named != current:
        return refuse("item_not_open", f"item {named} is not open; the open item is {current}.")
    return None


def item_exists(number: int) -> Rule:
    def check(ctx: Context) -> Refusal | None:
        if number not in ctx.state.items:
            return refuse("unknown_item", f"there is no item {number} on the agenda.")
        return None

    return check


def item_not_closed(number: int) -> Rule:
    def check(ctx: Context) -> Refusal | None:
        if ctx.state.items[number].status == "closed":
            return refuse("item_closed", f"item {number} is closed.")
        return None

    return check


def delegation_on_roster(delegation: str) -> Rule:
    def check(ctx: Context) -> Refusal | None:
        if ctx.state.setup.participant(delegation) is None:
            return refuse("unknown_delegation", f"{delegation!r} is not a delegation on the roster.")
        return None

    return check


# --- request rules -----------------------------------------------------------------


def may_queue(ctx: Context) -> Refusal | None:
    """The secretariat speaks when the chair gives it the floor; it does not queue."""
    p = ctx.participant
    assert p is not None
    if tier_index(p.category, ctx.state.setup.tiers) is None:
        return refuse(
            "speaks_when_given_floor",
            f"{p.id} ({p.category.replace('_', ' ')}) does not join the list of speakers; "
            "the chair gives it the floor when needed.",
        )
    return None


def registered_speaker(ctx: Context) -> Refusal | None:
    """With registrations, only the delegation's registered speakers ask for the floor."""
    asker = ctx.asker
    if asker is None or asker.speaker:
        return None
    who = (
        f"its registered speakers: {', '.join(asker.speakers)}"
        if asker.speakers
        else "it has no registered speaker; the secretariat can register one"
    )
    delegation = ctx.participant.name if ctx.participant and ctx.participant.name else ctx.actor
    return refuse(
        "not_a_speaker",
        f"{asker.label} is not registered as a speaker of {delegation} and follows the meeting; "
        f"the floor is asked by {who}.",
    )


def list_open_for_speeches(ctx: Context) -> Refusal | None:
    """A closed list still takes points of order (and rights of reply)."""
    item = ctx.state.current
    assert item is not None
    if ctx.command.kind == "speech" and item.list_closed:  # type: ignore[attr-defined]
        return refuse(
            "list_closed",
            f"the list of speakers on item {item.number} is closed; points of order are still taken.",
        )
    return None


def one_voice(ctx: Context) -> Refusal | None:
    """One waiting request of each kind per delegation and item."""
    item = ctx.state.current
    assert item is not None
    kind = ctx.command.kind  # type: ignore[attr-defined]
    if any(r.delegation == ctx.actor and r.kind == kind for r in item.queue):
        return refuse(
            "duplicate_request",
            f"{ctx.actor} already has a waiting {kind.replace('_', ' ')} request on item {item.number}.",
        )
    return None


def request_waiting(delegation: str, kind: str) -> Rule:
    def check(ctx: Context) -> Refusal | None:
        item = ctx.state.current
        assert item is not None
        if not any(r.delegation == delegation and r.kind == kind for r in item.queue):
            return refuse(
                "no_such_request",
                f"{delegation} has no waiting {kind.replace('_', ' ')} request on item {item.number}.",
            )
        return None

    return check


# --- floor rules ---------------------------------------------------------------------


def someone_speaking(ctx: Context) -> Refusal | None:
    if ctx.state.speaker is None:
        return refuse("no_speaker", "no one has the floor.")
    return None


def own_speech_or_chair(ctx: Context) -> Refusal | None:
    """A delegate may end only its own speech; the chair may end any."""
    speaker = ctx.state.speaker
    assert speaker is not None
    if not ctx.is_chair and speaker.delegation != ctx.actor:
        return refuse("not_speaker", f"{ctx.actor} does not have the floor; {speaker.delegation} has.")
    return None


def queue_not_empty(ctx: Context) -> Refusal | None:
    item = ctx.state.current
    assert item is not None
    if not item.queue:
        return refuse("queue_empty", f"no one is waiting for the floor on item {item.number}.")
    return None


def can_take_floor(delegation: str, person: str | None = None, kind: str = "speech") -> Rule:
    """The chair, an interpreters' entry and the speaking delegation cannot be given the floor;
    the speaking delegation can hand its speech over to another of its speakers (``person``)."""

    def check(ctx: Context) -> Refusal | None:
        p = ctx.state.setup.participant(delegation)
        assert p is not None
        if p.category == "chair":
            return refuse("chair_presides", "the chair presides; it does not take the floor.")
        if p.category in READ_ONLY_CATEGORIES:
            return refuse("is_interpreter", f"{delegation} is an interpreters' connection; it does not take the floor.")
        speaker = ctx.state.speaker
        if speaker is None or speaker.delegation != delegation:
            return None
        if person is None or person == speaker.person:
            who = person or delegation
            return refuse(
                "already_has_floor",
                f"{who} already has the floor; to hand it over, name another registered speaker of {delegation}.",
            )
        if kind != speaker.kind:
            return refuse(
                "already_has_floor",
                f"{delegation} has the floor for a {speaker.kind.replace('_', ' ')}; a hand-over to {person} "
                f"continues it (kind {speaker.kind}), not a {kind.replace('_', ' ')}.",
            )
        return None

    return check


def named_speaker(delegation: str, person: str | None) -> Rule:
    """The chair names a registered speaker of the delegation it gives the floor to (issue 17)."""

    def check(ctx: Context) -> Refusal | None:
        if person is None:
            return None
        setup = ctx.state.setup
        if ctx.from_record:
            # The live server checked the person against registrations; a replay may have none.
            known = person.startswith(delegation + ".")
        else:
            found = setup.speaker(person)
            known = found is not None and found.delegation == delegation
        if known:
            return None
        p = setup.participant(delegation)
        name = p.name if p is not None and p.name else delegation
        speakers = setup.speakers_of(delegation)
        if speakers:
            listed = ", ".join(f"{s.id} ({s.floor_language})" for s in speakers)
            who = f"its registered speakers are {listed}"
        else:
            who = f"{name} has no registered speaker: give it the floor without naming a person"
        return refuse(
            "not_a_registered_speaker",
            f"{person} is not a registered speaker of {name} ({delegation}); {who}.",
        )

    return check


def clock_running(ctx: Context) -> Refusal | None:
    assert ctx.state.speaker is not None
    if ctx.state.speaker.running_since is None:
        return refuse("clock_already_paused", "the speaker's clock is already paused.")
    return None


def clock_paused(ctx: Context) -> Refusal | None:
    assert ctx.state.speaker is not None
    if ctx.state.speaker.running_since is not None:
        return refuse("clock_not_paused", "the speaker's clock is running.")
    return None


# --- list and outcome rules ----------------------------------------------------------


def list_is_open(ctx: Context) -> Refusal | None:
    item = ctx.state.current
    assert item is not None
    if item.list_closed:
        return refuse("list_already_closed", f"the list of speakers on item {item.number} is already closed.")
    return None


def list_is_closed(ctx: Context) -> Refusal | None:
    item = ctx.state.current
    assert item is not None
    if not item.list_closed:
        return refuse("list_not_closed", f"the list of speakers on item {item.number} is not closed.")
    return None


def deferral_by_council_member(requested_by: str) -> Rule:
    """Annex 1: a deferral to the next physical session is asked for by a Council Member."""

    def check(ctx: Context) -> Refusal | None:
        p = ctx.state.setup.participant(requested_by)
        assert p is not None
        if p.category != "council_member":
            return refuse(
                "deferral_needs_council_member",
                f"{requested_by} is not a Council Member ({p.category.replace('_', ' ')}); "
                "only a Council Member may ask for a deferral.",
            )
        return None

    return check


def has_conclusion(ctx: Context) -> Refusal | None:
    item = ctx.state.current
    assert item is not None
    if item.outcome is None or item.outcome.conclusion is None:
        return refuse("no_conclusion", f"item {item.number} has no recorded conclusion to defer.")
    return None


def not_suspended_yet(ctx: Context) -> Refusal | None:
    if ctx.state.suspended:
        return refuse("already_suspended", "the meeting is already suspended.")
    return None


def is_suspended(ctx: Context) -> Refusal | None:
    if not ctx.state.suspended:
        return refuse("not_suspended", "the meeting is not suspended.")
    return None


def check(ctx: Context, *rules: Rule) -> Refusal | None:
    """The first refusal among ``rules``, checked in order, or ``None``."""
    for rule in rules:
        refusal = rule(ctx)
        if refusal is not None:
            return refusal
    return None


# --- events helpers ---------------------------------------------------------------------


def _end_speech(ctx: Context, reason: str) -> None:
    s = ctx.state.speaker
    assert s is not None
    duration = s.elapsed(ctx.now)
    ctx.emit(
        ev.SpeechEnded,
        item=s.item,
        delegation=s.delegation,
        kind=s.kind,
        reason=reason,
        duration_seconds=duration,
        paused_seconds=max(0.0, (ctx.now - s.since).total_seconds() - duration),
    )


def _language_of(person: str | None, request, stated: str | None) -> str | None:
    """The floor language of a speech: the one the chair stated; else the request's, unless
    the chair named another person than the one who asked (then unknown). Never looked up in
    the registrations, so that a replay without them gives the same events."""
    if stated is not None:
        return stated
    if request is None or (person is not None and request.person != person):
        return None
    return request.language


def _give_floor(
    ctx: Context, delegation: str, kind: str, person: str | None = None, language: str | None = None
) -> None:
    item = ctx.state.current
    assert item is not None
    if ctx.state.speaker is not None:
        _end_speech(ctx, "next_speaker")
    head = item.queue[0] if item.queue else None
    first_in_line = head is not None and head.delegation == delegation and head.kind == kind
    request = next((r for r in item.queue if r.delegation == delegation and r.kind == kind), None)
    ctx.emit(
        ev.FloorGiven,
        item=item.number,
        delegation=delegation,
        kind=kind,
        out_of_order=not first_in_line,
        from_queue=request is not None,
        limit_seconds=item.speaking_time_seconds,
        # The person the chair named; else the person who asked (the delegation's request,
        # whoever of it asked). A named speaker other than the asker speaks in their own
        # registered language, not the language the asker stated.
        person=person if person is not None else request.person if request is not None else None,
        language=_language_of(person, request, language),
    )


def _hand_over(ctx: Context, person: str, language: str | None) -> None:
    """The delegation's speaker hands over to a colleague: the same intervention goes on, so
    the colleague has the rest of its time (never a fresh limit), it is not out of turn and
    it consumes no request; a pause the chair made holds until ``resume_clock``
    (docs/protocol.md, "Handing over within a delegation")."""
    s = ctx.state.speaker
    assert s is not None
    # Rounded to the millisecond first, so that float noise never adds a second.
    left = max(0, math.ceil(round(s.limit_seconds - s.elapsed(ctx.now), 3)))
    _end_speech(ctx, "handed_over")
    ctx.emit(
        ev.FloorGiven,
        item=s.item,
        delegation=s.delegation,
        kind=s.kind,
        out_of_order=False,
        from_queue=False,
        limit_seconds=left,
        person=person,
        language=language,
        handed_over=True,
        clock_paused=s.running_since is None,
    )


# --- command handlers -----------------------------------------------------------------------

#: What a handler returns: a refusal, or None once it has emitted its events.
Result = Refusal | None


def _request_floor(ctx: Context, c: RequestFloor) -> Result:
    refusal = check(ctx, may_queue, registered_speaker, item_is_open, list_open_for_speeches, one_voice)
    if refusal:
        return refusal
    ctx.emit(
        ev.FloorRequested,
        item=ctx.state.current_item,
        delegation=ctx.actor,
        kind=c.kind,
        order=ctx.state.next_order,
        person=ctx.asker.person if ctx.asker else None,
        # Stated with the request, else the person's registered one; unknown for a delegation's token.
        language=c.language or (ctx.asker.floor_language if ctx.asker else None),
    )
    return None


def _withdraw(ctx: Context, c: Withdraw) -> Result:
    refusal = check(ctx, item_is_open, request_waiting(ctx.actor, c.kind))
    if refusal:
        return refusal
    ctx.emit(ev.RequestWithdrawn, item=ctx.state.current_item, delegation=ctx.actor, kind=c.kind)
    return None


def _end_speech_command(ctx: Context, c: EndSpeech) -> Result:
    refusal = check(ctx, someone_speaking, own_speech_or_chair)
    if refusal:
        return refusal
    assert ctx.state.speaker is not None
    own = ctx.state.speaker.delegation == ctx.actor
    _end_speech(ctx, "finished" if own else "ended_by_chair")
    return None


def _open(ctx: Context, c: OpenItem) -> Result:
    """Open a pending item, or reopen a closed one.

    Reopening is the chair's call, as in a room: to correct or complete a
    conclusion, or to take up again an item approved en bloc. The fold gives
    the item an open, empty list and keeps its outcome until a new one is
    recorded (docs/protocol.md, "Reopening an item").
    """

    def not_open_already(ctx: Context) -> Refusal | None:
        current = ctx.state.current_item
        if current == c.item:
            return refuse("item_already_open", f"item {c.item} is already open.")
        if current is not None:
            return refuse("another_item_open", f"item {current} is open; close it before opening item {c.item}.")
        return None

    refusal = check(ctx, item_exists(c.item), not_open_already)
    if refusal:
        return refusal
    ctx.emit(ev.ItemOpened, item=c.item)
    return None


def _next_speaker(ctx: Context, c: NextSpeaker) -> Result:
    refusal = check(ctx, item_is_open, queue_not_empty)
    if refusal:
        return refusal
    head = ctx.state.current.queue[0]  # type: ignore[union-attr]
    _give_floor(ctx, head.delegation, head.kind)
    return None


def _give(ctx: Context, c: GiveFloor) -> Result:
    refusal = check(
        ctx,
        item_is_open,
        delegation_on_roster(c.delegation),
        can_take_floor(c.delegation, c.person, c.kind),
        named_speaker(c.delegation, c.person),
    )
    if refusal:
        return refusal
    speaker = ctx.state.speaker
    if speaker is not None and speaker.delegation == c.delegation and c.person is not None:
        _hand_over(ctx, c.person, c.language)
    else:
        _give_floor(ctx, c.delegation, c.kind, c.person, c.language)
    return None


def _set_floor_language(ctx: Context, c: SetFloorLanguage) -> Result:
    """The current speech of ``delegation`` (``kind`` omitted or its kind), else its waiting request."""
    refusal = check(ctx, item_is_open, delegation_on_roster(c.delegation))
    if refusal:
        return refusal
    speaker = ctx.state.speaker
    if speaker is not None and speaker.delegation == c.delegation and c.kind in (None, speaker.kind):
        ctx.emit(
            ev.FloorLanguageSet, item=speaker.item, delegation=c.delegation, kind=speaker.kind,
            language=c.language, target="speaker",
        )
        return None
    kind = c.kind or "speech"
    item = ctx.state.current
    assert item is not None
    if not any(r.delegation == c.delegation and r.kind == kind for r in item.queue):
        return refuse(
            "no_such_request",
            f"{c.delegation} is not making a {kind.replace('_', ' ')} and has no waiting one on item "
            f"{item.number}; there is no language to correct.",
        )
    ctx.emit(
        ev.FloorLanguageSet, item=item.number, delegation=c.delegation, kind=kind, language=c.language,
        target="request",
    )
    return None


def _set_speaking_time(ctx: Context, c: SetSpeakingTime) -> Result:
    if c.item is None:
        refusal = check(ctx, item_is_open)
        number = ctx.state.current_item
    else:
        number = c.item
        refusal = check(ctx, item_exists(number), item_not_closed(number))
    if refusal:
        return refusal
    ctx.emit(ev.SpeakingTimeSet, item=number, seconds=c.seconds)
    return None


def _pause(ctx: Context, c: PauseClock) -> Result:
    refusal = check(ctx, someone_speaking, clock_running)
    if refusal:
        return refusal
    s = ctx.state.speaker
    ctx.emit(ev.ClockPaused, item=s.item, delegation=s.delegation)  # type: ignore[union-attr]
    return None


def _resume(ctx: Context, c: ResumeClock) -> Result:
    refusal = check(ctx, someone_speaking, clock_paused)
    if refusal:
        return refusal
    s = ctx.state.speaker
    ctx.emit(ev.ClockResumed, item=s.item, delegation=s.delegation)  # type: ignore[union-attr]
    return None


def _close_list(ctx: Context, c: CloseList) -> Result:
    refusal = check(ctx, item_is_open, list_is_open)
    if refusal:
        return refusal
    ctx.emit(ev.ListClosed, item=ctx.state.current_item)
    return None


def _reopen_list(ctx: Context, c: ReopenList) -> Result:
    refusal = check(ctx, item_is_open, list_is_closed)
    if refusal:
        return refusal
    ctx.emit(ev.ListReopened, item=ctx.state.current_item)
    return None


def _remove_request(ctx: Context, c: RemoveRequest) -> Result:
    refusal = check(ctx, item_is_open, delegation_on_roster(c.delegation), request_waiting(c.delegation, c.kind))
    if refusal:
        return refusal
    ctx.emit(ev.RequestRemoved, item=ctx.state.current_item, delegation=c.delegation, kind=c.kind)
    return None


def _record_conclusion(ctx: Context, c: RecordConclusion) -> Result:
    refusal = check(ctx, item_is_open)
    if refusal:
        return refusal
    ctx.emit(
        ev.ConclusionRecorded,
        item=ctx.state.current_item,
        conclusion=c.conclusion,
        by_correspondence=c.by_correspondence,
        majority_needed=ctx.state.setup.correspondence_majority if c.by_correspondence else None,
    )
    return None


def _defer(ctx: Context, c: DeferItem) -> Result:
    rules: list[Rule] = [
        item_is_open,
        delegation_on_roster(c.requested_by),
        deferral_by_council_member(c.requested_by),
    ]
    if c.scope == "conclusion":
        rules.append(has_conclusion)
    refusal = check(ctx, *rules)
    if refusal:
        return refusal
    ctx.emit(
        ev.ItemDeferred,
        item=ctx.state.current_item,
        target=ctx.state.setup.deferral_target,
        requested_by=c.requested_by,
        scope=c.scope,
        note=c.note,
    )
    return None


def _close(ctx: Context, c: CloseItem) -> Result:
    refusal = check(ctx, item_is_open)
    if refusal:
        return refusal
    item = ctx.state.current
    assert item is not None
    if ctx.state.speaker is not None:
        _end_speech(ctx, "item_closed")
    ctx.emit(
        ev.ItemClosed,
        item=item.number,
        dropped=[ev.RequestRef(delegation=r.delegation, kind=r.kind) for r in item.queue],
    )
    return None


def _conclude_en_bloc(ctx: Context, c: ConcludeEnBloc) -> Result:
    state = ctx.state
    if c.items is None:
        numbers = [
            i.number for i in state.setup.items if i.en_bloc and state.items[i.number].status != "closed"
        ]
        if not numbers:
            return refuse("nothing_to_conclude", "every item marked en bloc is already closed.")
    else:
        numbers = sorted(set(c.items))
        for number in numbers:

            def marked_en_bloc(ctx: Context, number: int = number) -> Refusal | None:
                info = ctx.state.setup.item(number)
                if info is None or not info.en_bloc:
                    return refuse("not_en_bloc", f"item {number} is not marked for approval en bloc.")
                return None

            refusal = check(ctx, item_exists(number), marked_en_bloc, item_not_closed(number))
            if refusal:
                return refusal
    if state.speaker is not None and state.speaker.item in numbers:
        _end_speech(ctx, "item_closed")
    ctx.emit(ev.EnBlocConcluded, items=numbers, conclusion=c.conclusion)
    return None


def _suspend(ctx: Context, c: SuspendMeeting) -> Result:
    refusal = check(ctx, not_suspended_yet)
    if refusal:
        return refusal
    if ctx.state.speaker is not None:
        _end_speech(ctx, "meeting_suspended")
    ctx.emit(ev.MeetingSuspended)
    return None


def _resume_meeting(ctx: Context, c: ResumeMeeting) -> Result:
    refusal = check(ctx, is_suspended)
    if refusal:
        return refusal
    ctx.emit(ev.MeetingResumed)
    return None


def _publish_plan(ctx: Context, c: PublishPlan) -> Result:
    refusal = check(ctx, chair_or_secretariat)
    if refusal:
        return refusal
    plan = check_published_plan(ctx.state.setup, c.plan)
    if isinstance(plan, Refusal):
        return plan
    previous = ctx.state.plan
    closed = frozenset(n for n, item in ctx.state.items.items() if item.status == "closed")
    ctx.emit(
        ev.PlanPublished,
        revision=previous.revision + 1 if previous else 1,
        plan=canonical(plan),
        changes=plan_changes(plan_of(previous.plan) if previous else None, plan, closed=closed),
    )
    return None


# --- the decision by correspondence (protocol v4) -------------------------------------


def questions_by_correspondence(state: FloorState) -> list[ev.Question]:
    """The conclusions recorded "by correspondence" and not deferred since, in agenda order
    (what ``correspondence form`` lists)."""
    questions = []
    for info in state.setup.items:
        outcome = state.items[info.number].outcome
        if outcome is None or not outcome.by_correspondence_standing:
            continue
        questions.append(
            ev.Question(item=info.number, code=info.code, title=info.title, text=outcome.conclusion or "")
        )
    return questions


def _open_correspondence(ctx: Context, c: OpenCorrespondence) -> Result:
    refusal = check(ctx, chair_or_secretariat)
    if refusal:
        return refusal
    round_ = ctx.state.correspondence
    if round_ is not None and round_.is_open(ctx.now):
        return refuse(
            "correspondence_open",
            f"a decision by correspondence is already open until {round_.deadline.isoformat()}.",
        )
    if c.deadline <= ctx.now:
        return refuse(
            "invalid_deadline",
            f"the deadline {c.deadline.isoformat()} is not after now ({ctx.now.isoformat()}).",
        )
    questions = questions_by_correspondence(ctx.state)
    if not questions:
        return refuse(
            "nothing_by_correspondence",
            "no conclusion is recorded for a decision by correspondence (record_conclusion with "
            "by_correspondence: true, not deferred since); there is nothing to put to the Council.",
        )
    by_item = {str(q.item): q for q in questions}
    for key, texts in sorted(c.translations.items()):
        if key not in by_item:
            return refuse(
                "item_not_in_round",
                f"translations: item {key} is not put to the Council by correspondence; "
                f"the items are {', '.join(by_item)}.",
            )
        unknown = sorted(set(texts) - set(LANGUAGES))
        if unknown:
            return refuse(
                "invalid_command",
                f"translations of item {key}: unknown language {', '.join(unknown)}; "
                f"expected {', '.join(LANGUAGES)}.",
            )
    questions = [
        q.model_copy(update={"translations": dict(sorted(c.translations.get(str(q.item), {}).items()))})
        for q in questions
    ]
    ctx.emit(
        ev.CorrespondenceOpened,
        deadline=c.deadline,
        majority=c.majority,
        required=ctx.state.setup.correspondence_majority,
        questions=questions,
    )
    return None


def round_open(ctx: Context) -> Refusal | None:
    round_ = ctx.state.correspondence
    if round_ is None:
        return refuse("no_correspondence_open", "no decision by correspondence has been opened.")
    if not round_.is_open(ctx.now):
        return refuse(
            "correspondence_closed",
            f"the decision by correspondence closed at {round_.deadline.isoformat()}; replies are no longer taken.",
        )
    return None


def reply_refusal(
    state: FloorState, actor: str, asker: Asker | None, *, from_record: bool = False
) -> Refusal | None:
    """Whether ``actor`` (through ``asker``, if a registered person) may reply by correspondence.

    A Council Member replies; one with a registered focal point only through that person,
    one without (or a meeting without registrations) with the delegation's own link or
    through any of its registered persons. ``from_record``: the live server checked the
    focal point against the registrations of the time; a replay's may name one registered
    later (the delegation's own link replied before), so only the roster is checked.
    """
    p = state.setup.participant(actor)
    if p is None:
        return _not_on_roster(actor)
    if p.category != "council_member":
        return refuse(
            "not_focal_point",
            f"{p.name or p.id} ({p.id}) is {_a(p.category)}, not a Council Member; "
            "only the Council Members reply by correspondence.",
        )
    if from_record:
        return None
    focal = state.setup.focal_points_of(p.id)
    # Without a focal point (none registered, or the meeting has no registrations) the
    # Council Member is not locked out: its own link, or any of its registered persons, replies
    # (the import reports it).
    if focal and (asker is None or not asker.focal_point):
        who = asker.label if asker is not None else f"the delegation's own link of {p.id}"
        return refuse(
            "not_focal_point",
            f"{who} is not the focal point of {p.name or p.id} for the decision by correspondence; "
            f"its focal point ({', '.join(focal)}) replies.",
        )
    return None


def focal_point(ctx: Context) -> Refusal | None:
    return reply_refusal(ctx.state, ctx.actor, ctx.asker, from_record=ctx.from_record)


def _cast_reply(ctx: Context, c: CastReply) -> Result:
    refusal = check(ctx, round_open, focal_point)
    if refusal:
        return refusal
    round_ = ctx.state.correspondence
    assert round_ is not None
    items = [r.item for r in c.entries]
    outside = [n for n in items if n not in round_.items]
    if outside:
        return refuse(
            "item_not_in_round",
            f"item {outside[0]} is not put to the Council by correspondence; the items are "
            f"{', '.join(str(n) for n in round_.items)}.",
        )
    if round_.versions.get(ctx.actor, 0) >= REPLY_VERSIONS_MAX:
        return refuse(
            "too_many_replies",
            f"{ctx.actor} has already replied {REPLY_VERSIONS_MAX} times in this round, the most "
            "a Council Member may online; its last reply stands. To change it, send the reply form to the "
            "secretariat by e-mail (a later form replaces it; if this link leaked, ask for a new one).",
        )
    ctx.emit(
        ev.ReplyCast,
        delegation=ctx.actor,
        person=ctx.asker.person if ctx.asker is not None else None,
        items=items,
    )
    return None


def _publish_correspondence_result(ctx: Context, c: PublishCorrespondenceResult) -> Result:
    refusal = check(ctx, chair_or_secretariat)
    if refusal:
        return refusal
    round_ = ctx.state.correspondence
    if round_ is None:
        return refuse("no_correspondence_open", "no decision by correspondence has been opened.")
    if round_.is_open(ctx.now):
        return refuse(
            "correspondence_not_closed",
            f"the decision by correspondence is open until {round_.deadline.isoformat()}; "
            "publish its result after the deadline.",
        )
    ctx.emit(ev.CorrespondenceResultPublished, result=c.result)
    return None


HANDLERS: dict[str, Callable[[Context, BaseCommand], Result]] = {
    "request_floor": _request_floor,
    "withdraw": _withdraw,
    "end_speech": _end_speech_command,
    "open_item": _open,
    "next_speaker": _next_speaker,
    "give_floor": _give,
    "set_floor_language": _set_floor_language,
    "set_speaking_time": _set_speaking_time,
    "pause_clock": _pause,
    "resume_clock": _resume,
    "close_list": _close_list,
    "reopen_list": _reopen_list,
    "remove_request": _remove_request,
    "record_conclusion": _record_conclusion,
    "defer_item": _defer,
    "close_item": _close,
    "conclude_en_bloc": _conclude_en_bloc,
    "suspend_meeting": _suspend,
    "resume_meeting": _resume_meeting,
    "publish_plan": _publish_plan,
    "open_correspondence": _open_correspondence,
    "cast_reply": _cast_reply,
    "publish_correspondence_result": _publish_correspondence_result,
}


def decide(
    state: FloorState,
    actor: str,
    command: BaseCommand,
    now: dt.datetime,
    asker: Asker | None = None,
    *,
    from_record: bool = False,
) -> list | Refusal:
    """Events caused by ``command`` from ``actor`` at ``now``, or why it is refused.

    ``now`` must be zone-aware; a time before the last event counts as the
    time of the last event (a clock stepping back never makes a negative
    duration). Accepted commands give at least one event. Apply the events in
    order (:func:`vccsched.floor.state.fold`) to get the new state. ``from_record``: the
    command is replayed from a record the live server decided, so the persons it names are
    taken as the server checked them (a replay may lack the registrations).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("decide() needs a zone-aware time, e.g. datetime.now(ZoneInfo('Europe/Zurich'))")
    if state.last_at is not None and now < state.last_at:
        now = state.last_at
    ctx = Context(state=state, actor=actor, command=command, now=now, asker=asker, from_record=from_record)
    refusal = check(ctx, *GENERAL_RULES)
    if refusal:
        return refusal
    refusal = HANDLERS[command.type](ctx, command)  # type: ignore[attr-defined]
    if refusal:
        return refusal
    return ctx.events
