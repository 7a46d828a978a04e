"""The floor's wire protocol: JSON text messages with a ``type`` field.

Pure functions and pydantic models only; the websockets server does the I/O.
A server session goes like this (``docs/protocol.md`` has every field)::

    hello = parse_client_message(first_text)        # MessageError -> send error_reply(exc), close
    check_hello(hello)                              # MessageError unsupported_protocol
    send(welcome(floor, actor))
    for m in resume_messages(floor, hello.last_seq): send(m)
    for text in incoming:
        try:
            message = parse_client_message(text)
        except MessageError as exc:
            send(error_reply(exc)); continue
        if message.type == "sync":
            for m in resume_messages(floor, message.last_seq): send(m)
        elif message.type == "command":
            answer = floor.handle(actor, message.command, now())
            to_sender, to_everyone = answer_messages(answer)
            broadcast(to_everyone); send(to_sender)

Encode every outgoing message with :func:`serialize`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated, Any, Literal, Union

from pydantic import AwareDatetime, Field, TypeAdapter, ValidationError

from vccsched.errors import ProtocolError
from vccsched.floor.commands import Command, command_problems, parse_command
from vccsched.floor.engine import Answer, Floor
from vccsched.floor.events import Event
from vccsched.floor.state import FloorState
from vccsched.floor.view import FloorView, floor_view
from vccsched.models import StrictModel
from vccsched.validation import validation_messages

#: The protocol version; a client's ``hello`` must name exactly this.
#: Version 2 added the published plan (``publish_plan``, ``plan_published``, ``FloorState.plan``);
#: version 3 the server's ``tick`` (liveness and clock) and ``status`` (whether it can store commands).
PROTOCOL_VERSION = "vccsched.floor/4"

#: Codes of ``error`` messages (problems with a message rather than a refusal of a command).
ERROR_CODES: dict[str, str] = {
    "bad_json": "The text is not a JSON object.",
    "invalid_message": "The JSON does not match any client message (unknown type, missing or wrong field).",
    "unsupported_protocol": "The hello names a protocol version this server does not speak.",
    "hello_required": "The first message of a connection must be a hello (sent by the server shell).",
    "not_authenticated": "The server could not tell which delegation this connection speaks for (sent by the server shell).",
    "too_many_connections": "This link (a delegation's own, or a registered person's) already has as many connections as it may; the server closes this one (server shell).",
    "server_full": "The server holds as many connections of this kind as it can; the server closes this one (server shell).",
    "rate_limited_closed": "This link kept sending while refused for its rate; its connections are closed (server shell).",
    "token_revoked": "The token of this connection was revoked or rotated; the server closes it (server shell).",
}


#: Refusal codes the server shell adds to the floor's (``vccsched.floor.refusals.REFUSAL_CODES``).
SHELL_REFUSAL_CODES: dict[str, str] = {
    "rate_limited": "The connection sent more than its share of messages; send it again after a moment, with the same id.",
    "storage_failed": "The server could not store the command, so it was not carried out; send it again.",
}


class MessageError(ProtocolError):
    """A client message that cannot be taken; answer it with :func:`error_reply`."""

    def __init__(self, code: str, message: str, *, command_id: str | None = None) -> None:
        super().__init__(message, title=f"Protocol error ({code})")
        self.code = code
        self.command_id = command_id


# --- client -> server ---------------------------------------------------------------------


class Hello(StrictModel):
    """First message of every connection."""

    type: Literal["hello"] = "hello"
    protocol: str = Field(description=f"Protocol version, '{PROTOCOL_VERSION}'.")
    last_seq: int | None = Field(
        default=None,
        ge=0,
        description="Last event seq the client has applied (resuming); null for a fresh client.",
    )
    token: str | None = Field(
        default=None, description="Credentials for the server shell; the core never reads it."
    )


class CommandMessage(StrictModel):
    """A command for the floor, from the connection's delegation."""

    type: Literal["command"] = "command"
    command: Command


class Sync(StrictModel):
    """Ask for what was missed after ``last_seq`` (e.g. after seeing a gap in seq)."""

    type: Literal["sync"] = "sync"
    last_seq: int = Field(ge=0)


ClientMessage = Annotated[Union[Hello, CommandMessage, Sync], Field(discriminator="type")]
client_message_adapter: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)


# --- server -> client ---------------------------------------------------------------------


class WelcomePerson(StrictModel):
    """The registered person whose token opened the connection, as the welcome names them."""

    id: str = Field(description="The person's id in registrations.yaml, e.g. 'CHN.1'.")
    name: str = Field(description="Title and family name as registered ('Ms Example-Delegate-1').")
    function: str = Field(description="Function as registered ('Head of delegation').")


class Welcome(StrictModel):
    """Answer to hello: who the server thinks you are, and where the log stands."""

    type: Literal["welcome"] = "welcome"
    protocol: str = PROTOCOL_VERSION
    delegation: str = Field(description="The delegation this connection speaks for.")
    category: str = Field(description="Its roster category, e.g. 'council_member' or 'chair'.")
    seq: int = Field(description="Sequence number of the last event so far.")
    server_time: AwareDatetime | None = Field(
        default=None,
        description="The server's clock when it sent the welcome, so that clients showing "
        "countdowns can correct their own clock (optional).",
    )
    person: WelcomePerson | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The registered person whose token opened the connection (issue 17); sent to "
        "that connection only, never broadcast. Absent for a delegation's own token.",
    )
    heartbeat_seconds: float | None = Field(
        default=None,
        gt=0,
        description="The server's heartbeat: the longest a connection goes without a frame; "
        "clients take 2 x this of silence as a dead connection (optional; 5 s without it).",
    )


class SnapshotMessage(StrictModel):
    """The full state at ``seq``; replace whatever the client held."""

    type: Literal["snapshot"] = "snapshot"
    seq: int
    state: FloorState
    view: FloorView | None = Field(default=None, description="The compact view of ``state`` (optional).")
    head: str | None = Field(
        default=None,
        description="The record's head: the hash chain's value after the command of ``seq`` (optional; see "
        "docs/protocol.md, \"The record's chain\").",
    )


class EventMessage(StrictModel):
    """One event, broadcast to every connection in seq order."""

    type: Literal["event"] = "event"
    event: Event
    view: FloorView | None = Field(
        default=None,
        description="The floor after this event (optional; sent on the last event of each "
        "command and of each catch-up).",
    )
    head: str | None = Field(
        default=None,
        description="The record's head: the hash chain's value after this event's command (with ``view`` only) (optional; see "
        "docs/protocol.md, \"The record's chain\").",
    )


class AcceptedMessage(StrictModel):
    """To the sender only: the command was carried out; its events are ``seqs``."""

    type: Literal["accepted"] = "accepted"
    command_id: str
    seqs: list[int]
    repeated: bool = Field(description="True if this id was handled before (no new effect).")
    head: str | None = Field(
        default=None,
        description="The record's head: the hash chain's value after this command (for a repeat: the head when the answer was sent) (optional; see "
        "docs/protocol.md, \"The record's chain\").",
    )
    receipt: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="For an accepted cast_reply: the reply's receipt ('K7QM-3XHD-PA2C'), derived from "
        "the stored reply; absent otherwise.",
    )


class RefusalMessage(StrictModel):
    """To the sender only: the command was refused; nothing changed."""

    type: Literal["refusal"] = "refusal"
    command_id: str | None
    code: str
    message: str


class ErrorMessage(StrictModel):
    """To the sender only: a message that could not be taken at all."""

    type: Literal["error"] = "error"
    code: str
    message: str


class StatusMessage(StrictModel):
    """To every connection: whether the server can store commands (and so carry them out)."""

    type: Literal["status"] = "status"
    storage: Literal["ok", "failing"] = Field(
        description="'failing' while the server cannot write its database: every command is "
        "refused storage_failed until it can again."
    )
    since: AwareDatetime = Field(description="When the storage became ok or started failing.")
    message: str = Field(default="", description="What failed, for people (empty when ok).")


class TickMessage(StrictModel):
    """The server's heartbeat on a connection sent nothing else for a while (liveness, clock, seq)."""

    type: Literal["tick"] = "tick"
    server_time: AwareDatetime = Field(description="The server's clock when it sent the tick.")
    seq: int = Field(ge=0, description="Sequence number of the last event so far (a client behind it syncs).")


ServerMessage = Annotated[
    Union[Welcome, SnapshotMessage, EventMessage, AcceptedMessage, RefusalMessage, ErrorMessage, StatusMessage, TickMessage],
    Field(discriminator="type"),
]
server_message_adapter: TypeAdapter[ServerMessage] = TypeAdapter(ServerMessage)


# --- functions -------------------------------------------------------------------------------


def _encodable(raw: Any) -> bool:
    """True if every string in ``raw`` (keys too) is valid Unicode, i.e. encodes as UTF-8."""
    stack = [raw]
    while stack:  # a loop, not recursion: the JSON may be nested as deep as json.loads allows
        value = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(value, dict):
            stack.extend(value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return True


def decode_client_frame(text: str | bytes) -> dict:
    """The JSON object of one client text frame, not yet validated.

    Raises :class:`MessageError` ``bad_json``. Then either
    :func:`validate_client_message`, or first :func:`command_envelope` to
    decide from the command's type alone whether to read it at all.
    """
    try:
        raw = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MessageError("bad_json", f"not JSON: {exc}") from None
    except (ValueError, RecursionError):
        # Valid JSON that Python will not read: an integer of over 4300 digits, or
        # nesting deeper than the interpreter's stack. Still the client's fault.
        raise MessageError(
            "bad_json", "not JSON this server reads: a number of over 4300 digits or nesting too deep"
        ) from None
    if not isinstance(raw, dict):
        raise MessageError("bad_json", f"expected a JSON object, found {type(raw).__name__}")
    if ("\\u" if isinstance(text, str) else b"\\u") in text and not _encodable(raw):
        # A \ud800-style escape decodes to a lone surrogate, which no reply, log or
        # database could hold as UTF-8: refuse it here, before anything echoes it.
        raise MessageError(
            "bad_json", "the JSON escapes an unpaired UTF-16 surrogate (\\ud800-\\udfff); send valid Unicode"
        )
    return raw


def command_envelope(raw: dict) -> tuple[str, str] | None:
    """``(command type, command id)`` of a decoded ``command`` message, when both are
    well-formed strings; None for anything else (validate it to learn what is wrong)."""
    command = raw.get("command")
    if raw.get("type") != "command" or not isinstance(command, dict):
        return None
    kind, command_id = command.get("type"), command.get("id")
    if not isinstance(kind, str) or not isinstance(command_id, str) or not 1 <= len(command_id) <= 100:
        return None
    return kind, command_id


#: Characters no XML document (the report's .docx, the reply form's .xlsx) can hold: the C0
#: controls but tab, line feed and carriage return, and U+FFFE/U+FFFF. A command carrying one
#: would put it into the record for good, and every document written from it would fail.
_NOT_IN_DOCUMENTS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text_no_document_holds(raw: Any, path: str = "") -> str | None:
    """Why a command's texts cannot be taken ("field 'conclusion' holds U+000B ..."), or None."""
    stack: list[tuple[Any, str]] = [(raw, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            found = _NOT_IN_DOCUMENTS.search(value)
            if found:
                return (f"field '{where or 'the command'}' holds the control character U+{ord(found.group()):04X}, "
                        "which no document can hold; remove it (tabs and line breaks are fine)")
        elif isinstance(value, dict):
            stack.extend((v, f"{where}.{k}" if where else str(k)) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(value))
    return None


def validate_client_message(raw: dict) -> Hello | CommandMessage | Sync:
    """Validate a frame decoded by :func:`decode_client_frame` (see :func:`parse_client_message`)."""
    try:
        message = client_message_adapter.validate_python(raw)
    except ValidationError as exc:
        problems = "; ".join(validation_messages(exc, raw, whole="the message"))
        command = raw.get("command")
        if raw.get("type") == "command" and isinstance(command, dict) and set(raw) == {"type", "command"}:
            command_id = command.get("id")
            try:
                parse_command(command)
            except ValidationError as inner:
                problems = "; ".join(command_problems(inner, command))
            raise MessageError(
                "invalid_command",
                f"not a valid command: {problems}",
                command_id=command_id if isinstance(command_id, str) else None,
            ) from None
        raise MessageError("invalid_message", f"not a valid client message: {problems}") from None
    if isinstance(message, CommandMessage):
        problem = _text_no_document_holds(raw["command"])
        if problem:
            raise MessageError("invalid_command", f"not a valid command: {problem}", command_id=message.command.id)
    return message


def parse_client_message(text: str | bytes) -> Hello | CommandMessage | Sync:
    """Decode and validate one client text frame.

    Raises :class:`MessageError` with code ``bad_json``, ``invalid_message`` or,
    for a well-formed ``command`` envelope whose command is wrong,
    ``invalid_command`` (with ``command_id`` when the client gave one) so that
    the reply can be a refusal the client can match to its command.
    """
    return validate_client_message(decode_client_frame(text))


def parse_server_message(text: str | bytes) -> Any:
    """Decode a server message (for Python clients and tests)."""
    return server_message_adapter.validate_json(text)


def serialize(message: StrictModel) -> str:
    """One message as compact JSON text, the same bytes for the same message."""
    return message.model_dump_json()


def check_hello(hello: Hello) -> None:
    """Raise :class:`MessageError` ``unsupported_protocol`` unless the versions match."""
    if hello.protocol != PROTOCOL_VERSION:
        raise MessageError(
            "unsupported_protocol",
            f"this server speaks {PROTOCOL_VERSION}, the client asked for {hello.protocol!r}",
        )


def welcome(
    floor: Floor,
    actor: str,
    server_time: dt.datetime | None = None,
    heartbeat_seconds: float | None = None,
    person: WelcomePerson | None = None,
) -> Welcome:
    """The welcome for a connection authenticated as ``actor`` (a roster delegation id);
    give ``server_time`` (aware) so that the client can correct its clock, the server's
    ``heartbeat_seconds`` so that it knows when a silent connection is dead, and ``person``
    when a registered person's token opened it."""
    participant = floor.setup.participant(actor)
    if participant is None:
        raise MessageError("not_authenticated", f"{actor!r} is not a delegation on the roster")
    return Welcome(
        delegation=actor,
        category=participant.category,
        seq=floor.seq,
        server_time=server_time,
        heartbeat_seconds=heartbeat_seconds,
        person=person,
    )


def snapshot(floor: Floor, head: str | None = None) -> SnapshotMessage:
    return SnapshotMessage(seq=floor.seq, state=floor.state, view=floor_view(floor.state), head=head)


def with_view(messages: list, state: FloorState, head: str | None = None) -> list:
    """Put the view of ``state`` (and the record's ``head``) on the last message of ``messages``
    (events of one command or of one catch-up, ``state`` being the floor after them) and
    return the list."""
    if messages and isinstance(messages[-1], EventMessage):
        messages[-1] = messages[-1].model_copy(update={"view": floor_view(state), "head": head})
    return messages


def resume_messages(
    floor: Floor, last_seq: int | None, head: str | None = None
) -> list[SnapshotMessage | EventMessage]:
    """What a client that has applied events up to ``last_seq`` needs to catch up.

    The missed events when ``last_seq`` is one the floor issued, otherwise
    (fresh client, or a seq from another server run) a full snapshot.
    """
    if last_seq is None:
        return [snapshot(floor, head)]
    missed = floor.events_since(last_seq)
    if missed is None:
        return [snapshot(floor, head)]
    return with_view([EventMessage(event=e) for e in missed], floor.state, head)  # type: ignore[arg-type]


def answer_messages(
    answer: Answer, head: str | None = None, receipt: str | None = None
) -> tuple[AcceptedMessage | RefusalMessage, list[EventMessage]]:
    """Split an answer into the reply for the sender and the events for everyone.

    A repeated command (``answer.fresh`` False) broadcasts nothing: its events
    went out the first time.
    """
    if answer.refusal is not None:
        return (
            RefusalMessage(
                command_id=answer.command_id or None,
                code=answer.refusal.code,
                message=answer.refusal.message,
            ),
            [],
        )
    reply = AcceptedMessage(
        command_id=answer.command_id, seqs=answer.seqs, repeated=not answer.fresh, head=head, receipt=receipt
    )
    events = [EventMessage(event=e) for e in answer.events] if answer.fresh else []  # type: ignore[arg-type]
    return reply, events


def error_reply(exc: MessageError) -> RefusalMessage | ErrorMessage:
    """The reply to a message :func:`parse_client_message` rejected."""
    if exc.code == "invalid_command":
        return RefusalMessage(command_id=exc.command_id, code=exc.code, message=exc.message)
    return ErrorMessage(code=exc.code, message=exc.message)
