"""The client side of the floor protocol, without I/O.

A :class:`ClientSession` holds what a console knows about the floor: the state
folded from the server's events (with :func:`vccsched.floor.state.apply`, the
server's own fold, so the view is exactly the server's state), the last
``seq``, the commands sent and not yet answered, and the offset of the server's
clock. It never reads a socket or the clock: the caller passes received text
and the local time, and sends the text it gets back::

    session = ClientSession(token)
    ws.send(session.hello(local_now))                # on every (re)connection
    for text in ws:
        updates, replies = session.receive(text, local_now)
        for reply in replies: ws.send(reply)         # a sync after a gap, resent commands
        for update in updates: show(update)
    command_id, text = session.command({"type": "next_speaker"})
    ws.send(text)                                    # answered later by an Answered update

Nothing is ever applied ahead of the server: a command changes the state only
when its events come back from the server.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from console.model import welcome_person
from vccsched.floor.commands import parse_command
from vccsched.floor.events import BaseEvent, parse_event
from vccsched.floor.protocol import PROTOCOL_VERSION
from vccsched.floor.state import FloorState, FoldError, apply
from vccsched.validation import validation_messages

# --- what the session tells its caller -------------------------------------------------


@dataclass(frozen=True)
class Welcomed:
    """The server accepted the hello: who this connection speaks for."""

    delegation: str
    category: str
    seq: int
    server_time: dt.datetime | None
    #: ``(id, name, function)`` of the registered person whose token this is; None for a delegation's.
    person: tuple[str, str, str] | None = None
    #: The server's heartbeat period, when its welcome says (docs/protocol.md, ``welcome``).
    heartbeat_seconds: float | None = None


@dataclass(frozen=True)
class StateReplaced:
    """A snapshot replaced whatever the session held (first connection, server reset)."""

    state: FloorState
    #: The record's head at the snapshot (docs/protocol.md, "The record's chain"); None from an older server.
    head: str | None = None


@dataclass(frozen=True)
class EventApplied:
    """One server event, folded in; ``state`` is the state after it."""

    event: BaseEvent
    state: FloorState
    #: The record's head after the event's command, on the last event of each command; else None.
    head: str | None = None


@dataclass(frozen=True)
class Answered:
    """The server's answer to one of our commands."""

    command_id: str
    command_type: str
    accepted: bool
    code: str | None = None
    message: str | None = None
    repeated: bool = False


@dataclass(frozen=True)
class ServerError:
    """An ``error`` message. ``fatal`` ones mean retrying cannot help (bad token, old protocol)."""

    code: str
    message: str

    @property
    def fatal(self) -> bool:
        return self.code in FATAL_ERRORS


@dataclass(frozen=True)
class StorageStatus:
    """The server's ``status``: whether it can store commands (while it cannot, none is carried out)."""

    failing: bool
    message: str


Update = Welcomed | StateReplaced | EventApplied | Answered | ServerError | StorageStatus

#: Errors after which reconnecting with the same credentials is pointless.
FATAL_ERRORS = frozenset({"not_authenticated", "unsupported_protocol", "hello_required", "token_revoked"})

#: How long clock estimates are kept (docs/protocol.md, ``tick``).
OFFSET_WINDOW = dt.timedelta(seconds=30)


class SessionError(Exception):
    """The server sent something this client cannot take (not a refusal: a broken message)."""


class InvalidCommand(ValueError):
    """A command the console built does not match the protocol (a bug, caught before sending)."""


def _head_of(raw: dict) -> str | None:
    head = raw.get("head")
    return head if isinstance(head, str) and len(head) == 64 else None


def _known_fields(model: type[BaseModel], raw: dict[str, Any]) -> dict[str, Any]:
    # docs/protocol.md: clients ignore fields they do not know (the server adds optional ones).
    return {k: v for k, v in raw.items() if k in model.model_fields}


def _event_classes() -> dict[str, type[BaseEvent]]:
    from vccsched.floor import events

    return {
        cls.model_fields["type"].default: cls
        for cls in vars(events).values()
        if isinstance(cls, type) and issubclass(cls, BaseEvent) and cls is not BaseEvent
    }


_EVENT_CLASSES = _event_classes()


def _event_from(raw: Any) -> BaseEvent:
    if not isinstance(raw, dict):
        raise SessionError(f"event is not an object: {raw!r:.80}")
    try:
        return parse_event(raw)
    except ValidationError:
        pass
    # Perhaps optional fields this client does not know: validate the ones of its type.
    cls = _EVENT_CLASSES.get(raw.get("type"))  # type: ignore[arg-type]
    if cls is None:
        raise SessionError(f"unknown event type {raw.get('type')!r}")
    try:
        return cls.model_validate(_known_fields(cls, raw))
    except ValidationError as exc:
        raise SessionError("bad event: " + "; ".join(validation_messages(exc, raw))) from None


@dataclass
class _Pending:
    command_type: str
    text: str


@dataclass
class ClientSession:
    """One console's view of the floor across connections (see the module docstring)."""

    token: str | None
    id_prefix: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    state: FloorState | None = None
    delegation: str | None = None
    category: str | None = None
    #: server time minus local time: from the welcome, then every tick and live event (zero until then).
    clock_offset: dt.timedelta = dt.timedelta(0)
    #: (local time received, estimate) of the last OFFSET_WINDOW; the largest counts (least delayed).
    _offsets: list[tuple[dt.datetime, dt.timedelta]] = field(default_factory=list)
    _welcome_seq: int | None = None
    _pending: dict[str, _Pending] = field(default_factory=dict)
    _counter: int = 0
    _hello_sent_at: dt.datetime | None = None
    _syncing_to: int | None = None

    # --- outgoing ---------------------------------------------------------------

    @property
    def last_seq(self) -> int | None:
        return None if self.state is None else self.state.seq

    def hello(self, local_now: dt.datetime) -> str:
        """The first message of each connection; resumes from :attr:`last_seq`."""
        self._hello_sent_at = local_now
        self._syncing_to = None
        return json.dumps(
            {"type": "hello", "protocol": PROTOCOL_VERSION, "last_seq": self.last_seq, "token": self.token}
        )

    def command(self, command: dict[str, Any]) -> tuple[str, str]:
        """Give ``command`` (without ``id``) a fresh unique id; returns ``(id, text to send)``.

        The command stays pending until the server answers; :meth:`resend` gives
        it again, with the same id, after a reconnection. Ids carry a random
        prefix so that a restarted console never reuses one the server remembers
        (a reused id would be answered as a repeat, with no effect).
        """
        self._counter += 1
        command_id = f"{self.delegation or 'c'}-{self.id_prefix}-{self._counter}"
        body = {**command, "id": command_id}
        try:
            parse_command(body)
        except ValidationError as exc:
            raise InvalidCommand("; ".join(validation_messages(exc, body))) from None
        text = json.dumps({"type": "command", "command": body})
        self._pending[command_id] = _Pending(command_type=str(command.get("type")), text=text)
        return command_id, text

    @property
    def pending(self) -> list[str]:
        """Ids of the commands sent and not yet answered, oldest first."""
        return list(self._pending)

    def resend(self) -> list[str]:
        """The unanswered commands, same ids, to send after the server's welcome."""
        return [p.text for p in self._pending.values()]

    # --- incoming ---------------------------------------------------------------

    def server_now(self, local_now: dt.datetime) -> dt.datetime:
        """The server's clock at ``local_now`` (countdowns are computed with it)."""
        return local_now + self.clock_offset

    def receive(self, text: str | bytes, local_now: dt.datetime) -> tuple[list[Update], list[str]]:
        """Take one server message; returns the updates to show and the texts to send.

        Raises :class:`SessionError` for a message that is not JSON or not a
        server message, or an event that cannot follow the state (the caller
        should then reconnect afresh with :meth:`reset`).
        """
        try:
            raw = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SessionError(f"the server sent something that is not JSON: {exc}") from None
        if not isinstance(raw, dict):
            raise SessionError("the server sent a JSON value that is not an object")
        kind = raw.get("type")
        handler = getattr(self, f"_on_{kind}", None)
        if handler is None:
            return [], []  # a message type from a newer server: ignore it
        return handler(raw, local_now)

    def reset(self) -> None:
        """Forget the state, so that the next hello asks for a full snapshot."""
        self.state = None
        self._syncing_to = None

    def _on_welcome(self, raw: dict, local_now: dt.datetime) -> tuple[list[Update], list[str]]:
        server_time = None
        if isinstance(raw.get("server_time"), str):
            try:
                server_time = dt.datetime.fromisoformat(raw["server_time"])
            except ValueError:
                server_time = None
        self._offsets = []  # perhaps another server, another clock
        if server_time is not None and server_time.tzinfo is not None:
            # The server stamped its time between our hello and this welcome: take the midpoint.
            sent = self._hello_sent_at or local_now
            self._offset_sample(server_time, sent + (local_now - sent) / 2)
        self._welcome_seq = int(raw.get("seq", 0)) if isinstance(raw.get("seq"), int) else None
        self.delegation = str(raw.get("delegation"))
        self.category = str(raw.get("category"))
        beat = raw.get("heartbeat_seconds")
        welcomed = Welcomed(
            delegation=self.delegation,
            category=self.category,
            seq=int(raw.get("seq", 0)),
            server_time=server_time,
            heartbeat_seconds=float(beat) if isinstance(beat, (int, float)) and not isinstance(beat, bool) and beat > 0 else None,
            person=welcome_person(raw.get("person")),
        )
        # The server answers hello (with the missed events) before reading these.
        return [welcomed], self.resend()

    def _on_snapshot(self, raw: dict, local_now: dt.datetime) -> tuple[list[Update], list[str]]:
        try:
            state = FloorState.model_validate(raw["state"])
        except (KeyError, ValidationError) as exc:
            raise SessionError(f"bad snapshot: {exc}") from None
        self.state = state
        self._syncing_to = None
        return [StateReplaced(state, _head_of(raw))], []

    def _on_event(self, raw: dict, local_now: dt.datetime) -> tuple[list[Update], list[str]]:
        event = _event_from(raw.get("event"))
        if self.state is None or event.seq <= self.state.seq:
            return [], []  # before our snapshot, or a repeat: already folded in
        if event.seq != self.state.seq + 1:
            # A gap: ask once for what is missing. The answer holds every event the
            # server sent before reading the sync, so those dropped meanwhile too.
            if self._syncing_to is not None:
                self._syncing_to = max(self._syncing_to, event.seq)
                return [], []
            self._syncing_to = event.seq
            return [], [json.dumps({"type": "sync", "last_seq": self.state.seq})]
        try:
            self.state = apply(self.state, event)
        except FoldError as exc:
            raise SessionError(str(exc)) from None
        if self._welcome_seq is not None and event.seq > self._welcome_seq:
            self._offset_sample(event.at, local_now)  # live, not caught up: stamped just before sending
        if self._syncing_to is not None and self.state.seq >= self._syncing_to:
            self._syncing_to = None
        return [EventApplied(event, self.state, _head_of(raw))], []

    def _answer(self, command_id: str | None, **fields) -> list[Update]:
        if command_id is None:
            return []
        pending = self._pending.pop(command_id, None)
        if pending is None:
            return []  # not ours, or answered already (a repeat after a resend)
        return [Answered(command_id=command_id, command_type=pending.command_type, **fields)]

    def _on_accepted(self, raw: dict, local_now: dt.datetime) -> tuple[list[Update], list[str]]:
        return self._answer(raw.get("command_id"), accepted=True, repeated=bool(raw.get("repeated"))), []

    def _on_refusal(self, raw: dict, local_now: dt.datetime) -> tuple[list[Update], list[str]]:
        updates = self._answer(
            raw.get("command_id"),
            accepted=False,
            code=str(raw.get("code")),
            message=str(raw.get("message")),
        )
        if not updates:
            # A refusal we cannot match (no readable id) still deserves to be seen.
            updates = [ServerError(code=str(raw.get("code")), message=str(raw.get("message")))]
        return updates, []

    def _on_status(self, raw: dict, local_now: dt.datetime) -> tuple[list[Update], list[str]]:
        return [StorageStatus(failing=raw.get("storage") == "failing", message=str(raw.get("message") or ""))], []

    def _on_tick(self, raw: dict, local_now: dt.datetime) -> tuple[list[Update], list[str]]:
        """The server's heartbeat: its clock, and its last seq (beyond ours: an event was lost)."""
        try:
            server_time = dt.datetime.fromisoformat(raw["server_time"])
        except (KeyError, TypeError, ValueError):
            server_time = None
        if server_time is not None and server_time.tzinfo is not None:
            self._offset_sample(server_time, local_now)
        seq = raw.get("seq")
        if self.state is not None and isinstance(seq, int) and seq > self.state.seq and self._syncing_to is None:
            self._syncing_to = seq
            return [], [json.dumps({"type": "sync", "last_seq": self.state.seq})]
        return [], []

    def _offset_sample(self, server_time: dt.datetime, local_now: dt.datetime) -> None:
        # A frame arrives a one-way delay after it was stamped, so each estimate is that much
        # too low; the largest of the recent ones is the best (adding half a measured round
        # trip would add the client's own delays in reading the welcome, too).
        estimate = server_time - local_now
        self._offsets = [(at, e) for at, e in self._offsets if local_now - at < OFFSET_WINDOW]
        self._offsets.append((local_now, estimate))
        self.clock_offset = max(e for _, e in self._offsets)

    def _on_error(self, raw: dict, local_now: dt.datetime) -> tuple[list[Update], list[str]]:
        return [ServerError(code=str(raw.get("code")), message=str(raw.get("message")))], []
