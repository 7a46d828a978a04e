"""The floor of one meeting: state, event log, sequence numbers, idempotency.

A :class:`Floor` is a pure object in the style of a sans-I/O protocol: give it
inputs, act on what it returns. It never reads the clock, a socket or a file.

A server does, for each authenticated client message carrying a command::

    answer = floor.handle(actor, command, now)   # now: aware datetime
    if answer.refusal:                           # tell the sender only
        send(sender, refusal_message(answer))
    else:
        if answer.fresh:                         # a repeat was broadcast before
            for event in answer.events: broadcast(event_message(event))
        send(sender, accepted_message(answer))
    store(answer.events)                         # append-only log, if fresh

To restart after a crash, rebuild with ``Floor(setup, events=stored_events)``.
For a client that resumes with the last ``seq`` it saw, send
``floor.events_since(seq)`` or, when that returns ``None``, ``floor.state``
(see :func:`vccsched.floor.protocol.resume_messages`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from vccsched.floor.asker import Asker
from vccsched.floor.commands import BaseCommand, command_problems, parse_command
from vccsched.floor.events import BaseEvent
from vccsched.floor.refusals import Refusal
from vccsched.floor.rules import decide, privilege_refusal
from vccsched.floor.state import FloorSetup, FloorState, apply, initial_state, time_left


@dataclass(frozen=True)
class Answer:
    """The floor's answer to one command: its events, or a refusal.

    ``fresh`` is False when the answer is a repeat for a command id already
    handled: the events were already applied (and broadcast) then.
    """

    command_id: str
    events: tuple[BaseEvent, ...] = ()
    refusal: Refusal | None = None
    fresh: bool = field(default=True, compare=False)

    @property
    def accepted(self) -> bool:
        return self.refusal is None

    @property
    def seqs(self) -> list[int]:
        return [e.seq for e in self.events]


def _check_aware(now: dt.datetime) -> None:
    if not isinstance(now, dt.datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("the floor needs a zone-aware datetime for 'now'")


class Floor:
    """One meeting's floor: feed it commands, broadcast the events it returns."""

    def __init__(
        self,
        setup: FloorSetup,
        events: Iterable[BaseEvent] = (),
        commands: Iterable[tuple[str, Mapping[str, Any]]] = (),
    ) -> None:
        """Start an empty floor, or rebuild one from its stored events.

        ``commands`` are the stored accepted commands as ``(actor, command as
        JSON)``: with them a rebuilt floor still tells a repeat (answered
        ``repeated``) from a different command under a used id (refused
        ``command_id_reused``), as before the restart. Without them (an old log)
        any command under a used id is taken as a repeat.
        """
        self.setup = setup
        self.state: FloorState = initial_state(setup)
        self.events: list[BaseEvent] = []
        # Accepted commands only: (actor, command id) -> (digest of the command, or
        # None if unknown; answer). Refusals are not kept: a refused command changed
        # nothing, so its id stays free, and a flood of refused commands costs no memory.
        self._answers: dict[tuple[str, str], tuple[bytes | None, Answer]] = {}
        self._undo: tuple[FloorState, int, tuple[str, str]] | None = None
        grouped: dict[tuple[str, str], list[BaseEvent]] = {}
        for event in events:
            self.state = apply(self.state, event)
            self.events.append(event)
            grouped.setdefault((event.actor, event.command_id), []).append(event)
        digests = {(actor, str(raw.get("id", ""))): command_digest(raw) for actor, raw in commands}
        for key, evs in grouped.items():
            self._answers[key] = (digests.get(key), Answer(command_id=key[1], events=tuple(evs), fresh=False))

    @property
    def seq(self) -> int:
        """Sequence number of the last event (0 before any)."""
        return self.state.seq

    def handle(
        self, actor: str, command: BaseCommand, now: dt.datetime, asker: Asker | None = None, *, from_record: bool = False
    ) -> Answer:
        """Decide ``command`` from the authenticated ``actor`` at ``now`` and apply its events.

        Same ``(actor, command.id)`` as an accepted command: the same answer
        with ``fresh=False`` and no new effect; the same id with a different
        command is refused with ``command_id_reused``. A refused command is not
        remembered: sent again, it is decided again. ``asker``: the registered person
        behind the command, when the server knows one (only speakers ask for the floor).
        ``from_record``: replaying a record (see :func:`vccsched.floor.rules.decide`).
        """
        _check_aware(now)
        key = (actor, command.id)
        known = self._answers.get(key)
        if known is not None:
            known_digest, answer = known
            if known_digest is not None and known_digest != _digest_of(command):
                return Answer(
                    command_id=command.id,
                    refusal=Refusal(
                        code="command_id_reused",
                        message=f"command id {command.id!r} was already used by {actor} for a "
                        f"different command ({answer.events[0].type}); choose a new id.",
                    ),
                )
            return Answer(command_id=answer.command_id, events=answer.events, fresh=False)
        result = decide(self.state, actor, command, now, asker, from_record=from_record)
        if isinstance(result, Refusal):
            return Answer(command_id=command.id, refusal=result)
        before = (self.state, len(self.events), key)
        for event in result:
            self.state = apply(self.state, event)
        self.events.extend(result)
        answer = Answer(command_id=command.id, events=tuple(result))
        self._answers[key] = (_digest_of(command), answer)
        self._undo = before
        return answer

    def undo_last(self) -> None:
        """Take back the last accepted command, as if it had never been handled.

        For a server whose commit of that command failed: nothing of it was
        stored, so nothing of it may remain. It costs nothing (the state before
        it is kept); only the last accepted command can be taken back, once.
        """
        if self._undo is None:
            raise RuntimeError("no accepted command to undo")
        state, count, key = self._undo
        self.state = state
        del self.events[count:]
        self._answers.pop(key, None)
        self._undo = None

    def precheck(self, actor: str, command_type: str) -> Refusal | None:
        """Whether ``actor`` may send a command of this type at all, before it is read.

        The refusal :meth:`handle` would give for the sender's category, so a
        server can refuse a delegate's ``publish_plan`` without validating (or
        keeping) its plan. None: read the command and :meth:`handle` it.
        """
        return privilege_refusal(self.state, actor, command_type)

    def handle_raw(
        self,
        actor: str,
        raw: Mapping[str, Any] | Any,
        now: dt.datetime,
        asker: Asker | None = None,
        *,
        from_record: bool = False,
    ) -> Answer:
        """Like :meth:`handle` for a decoded JSON command not yet validated.

        A command that does not match the schema is refused with
        ``invalid_command`` (nothing is remembered for its id).
        """
        _check_aware(now)
        try:
            command = parse_command(raw)
        except ValidationError as exc:
            command_id = raw.get("id") if isinstance(raw, Mapping) else None
            problems = "; ".join(command_problems(exc, raw))
            return Answer(
                command_id=command_id if isinstance(command_id, str) else "",
                refusal=Refusal(code="invalid_command", message=f"not a valid command: {problems}"),
            )
        return self.handle(actor, command, now, asker, from_record=from_record)

    def events_since(self, seq: int) -> list[BaseEvent] | None:
        """Events after ``seq`` for a client resuming; ``None`` if ``seq`` is not one we issued."""
        if seq < 0 or seq > self.seq:
            return None
        return self.events[seq:]

    def time_left(self, now: dt.datetime) -> float | None:
        """Seconds left to the current speaker at ``now`` (negative: overrun)."""
        _check_aware(now)
        return time_left(self.state, now)


def _digest_of(command: BaseCommand) -> bytes | None:
    # Digested only when needed (a used id, an accepted command): a refused command may
    # be nested deeper than pydantic serializes, and costs nothing then. None: unknown.
    try:
        return command_digest(command.model_dump(mode="json"))
    except ValueError:
        return None


def command_digest(command: Mapping[str, Any]) -> bytes:
    """What tells two commands apart: SHA-256 of the command as canonical JSON.

    ``command`` is its JSON form (``command.model_dump(mode="json")``, or a
    stored command), so a live command and the same one read back from the log
    have the same digest.
    """
    text = json.dumps(command, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).digest()
