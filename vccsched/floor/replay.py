"""Replay a floor log: JSON Lines of ``{"actor", "at", "command"}``.

Each line is what an authenticated client sent and when: ``actor`` a roster
delegation id, ``at`` an ISO 8601 time with its offset, ``command`` the command
object exactly as on the wire; an optional ``comment`` string is ignored.
Blank lines are skipped. The first line may instead be a *header*,
``{"meeting": ID, "comment": ...}`` (``vccsched floor export`` writes one): a
log whose header names another meeting than the one it is replayed against is
refused before any command is applied, since its item numbers and delegations
would mean something else there.

Two kinds of trouble, treated differently on purpose:

* a *refused command* (including a command that does not match the schema,
  ``invalid_command``) is what the live server would have answered; it is
  recorded with its line number and the replay goes on;
* a *broken line* (not JSON, not an object, missing or unknown fields, a time
  without an offset, a time before the previous line's) means the log itself
  cannot be trusted: :func:`replay` stops with a
  :class:`~vccsched.errors.ProtocolError` naming the file and line.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import AwareDatetime, Field, ValidationError

from vccsched.errors import ProtocolError
from vccsched.floor import chain as chain_module
from vccsched.floor.asker import Asker
from vccsched.floor.commands import FloorLanguage
from vccsched.floor.engine import Floor
from vccsched.floor.refusals import Refusal
from vccsched.floor.state import FloorSetup, FloorState, fold
from vccsched.models import StrictModel
from vccsched.validation import validation_messages


class LogLine(StrictModel):
    """One line of a floor log."""

    actor: str = Field(min_length=1, description="Roster delegation id of the sender.")
    at: AwareDatetime = Field(description="When the command arrived, with its UTC offset.")
    command: dict[str, Any] = Field(description="The command object as a client sends it.")
    comment: str | None = Field(default=None, description="Ignored; for people reading the log.")
    person: str | None = Field(
        default=None, description="The registered person who asked for the floor ('CHN.1'), when one did."
    )
    language: str | None = Field(
        default=None,
        description="The floor language the floor recorded for that person's request ('en'), when it did; "
        "a replay then records it again without the registrations.",
    )
    events: list[dict[str, Any]] | None = Field(
        default=None, description="The events the command produced (exported logs; part of the chain)."
    )
    seqs: list[int] | None = Field(
        default=None, description="First and last seq of those events (exported logs; part of the chain)."
    )
    hash: str | None = Field(
        default=None, description="The chain's hash after this command (docs/protocol.md, \"The record's chain\")."
    )


class LogHeader(StrictModel):
    """The optional first line of a floor log: which meeting it is the record of."""

    meeting: str = Field(min_length=1, description="The meeting id (meeting.yaml's id).")
    comment: str | None = Field(default=None, description="Ignored; for people reading the log.")
    chain: str | None = Field(default=None, description=f"The chain's format, {chain_module.CHAIN_FORMAT!r}.")
    meeting_files: str | None = Field(default=None, description="SHA-256 of the meeting files (for the genesis).")
    genesis: str | None = Field(default=None, description="The chain's first value (hash 0).")
    head: str | None = Field(default=None, description="The hash after the last command exported.")
    commands: int | None = Field(default=None, ge=0, description="How many commands were exported.")


def header_line(meeting: str, comment: str | None = None, **chain_fields: Any) -> str:
    """The header line naming ``meeting`` (no newline), for the start of a log; ``chain_fields``:
    ``chain``, ``meeting_files``, ``genesis``, ``head``, ``commands`` of an exported record."""
    header = LogHeader(meeting=meeting, comment=comment, **chain_fields)
    return json.dumps(header.model_dump(exclude_none=True), ensure_ascii=False)


def _header(text: str, number: int, source: str) -> LogHeader | None:
    """The header if ``text`` is one (an object with "meeting" and no "command"), else None."""
    try:
        raw = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None
    if not isinstance(raw, dict) or "meeting" not in raw or "command" in raw:
        return None
    try:
        return LogHeader.model_validate(raw)
    except ValidationError as exc:
        raise ProtocolError(
            f"{source} line {number}: a header line names the meeting only: "
            + "; ".join(validation_messages(exc, raw, whole="the line"))
        ) from None


@dataclass
class ReplayResult:
    """What a replay produced; print ``refusals`` and show ``state``."""

    floor: Floor
    state: FloorState
    now: dt.datetime | None
    refusals: list[tuple[int, str, Refusal]] = field(default_factory=list)
    lines: int = 0
    until_reached: bool = True
    #: The meeting the log's header names; None for a log without a header.
    meeting: str | None = None
    #: The chain's head after the last line applied, and how many commands it covers
    #: (None: the log carries no chain).
    head: str | None = None
    commands: int = 0


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys; in an audit log that hides what was sent.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def parse_line(text: str, number: int, source: str) -> LogLine:
    """One log line, or a ``ProtocolError`` naming ``source`` and line ``number``."""
    where = f"{source} line {number}"
    try:
        raw = json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        raise ProtocolError(f"{where}: key {str(exc)!r} appears twice; keep one") from None
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"{where}: not JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise ProtocolError(f"{where}: not a log line (JSON nested too deeply)") from None
    if not isinstance(raw, dict):
        raise ProtocolError(
            f'{where}: expected an object {{"actor", "at", "command"}}, found {type(raw).__name__}'
        )
    try:
        return LogLine.model_validate(raw)
    except ValidationError as exc:
        details = validation_messages(exc, raw)
        for d in details:
            if d.startswith("field 'at'") and "timezone" in d:
                details = [f"field 'at': {raw.get('at')!r} has no UTC offset; write e.g. 2021-06-08T12:00:00+02:00"]
                break
        raise ProtocolError(f"{where}: " + "; ".join(details)) from None


def replay(
    lines: Iterable[str],
    setup: FloorSetup,
    *,
    until: int | None = None,
    source: str = "log",
) -> ReplayResult:
    """Apply every line of a log to a fresh floor built from ``setup``.

    With ``until``, stop after the event with that sequence number (the state
    is exactly the fold of events 1..until). Raises ``ProtocolError`` for a
    broken line (see the module docstring).
    """
    floor = Floor(setup)
    result = ReplayResult(floor=floor, state=floor.state, now=None)
    previous: dt.datetime | None = None
    first = True
    header_seen: LogHeader | None = None
    hashed_without_header: int | None = None  # a line with a hash in a log without the chain's header
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        header = _header(text, number, source) if first or '"meeting"' in text else None
        if header is not None:
            if not first:
                raise ProtocolError(
                    f"{source} line {number}: a header line ({{\"meeting\": ...}}) may only be the first line"
                )
            if header.meeting != setup.meeting_id:
                raise ProtocolError(
                    f"{source}: this floor log is the record of the meeting {header.meeting!r} (line "
                    f"{number}), not of {setup.meeting_id!r}; replay it with that meeting's data "
                    "(--meeting FOLDER)",
                    title="Another meeting",
                )
            result.meeting = header.meeting
            header_seen = header
            if header.chain is not None:
                result.head = checked_genesis(header, number, source)
            first = False
            continue
        first = False
        line = parse_line(text, number, source)
        if previous is not None and line.at < previous:
            raise ProtocolError(
                f"{source} line {number}: time {line.at.isoformat()} is before the previous "
                f"line's {previous.isoformat()}; a log is in arrival order"
            )
        previous = line.at
        result.lines = number
        result.now = line.at
        answer = floor.handle_raw(line.actor, line.command, line.at, _asker_of(line, setup), from_record=True)
        if answer.refusal is not None:
            result.refusals.append((number, line.actor, answer.refusal))
        if result.head is not None:
            result.head = _checked_link(result.head, text, line, answer, number, source)
            result.commands += 1
        elif line.hash is not None and hashed_without_header is None:
            hashed_without_header = number
        if until is not None and floor.seq >= until:
            break
    if hashed_without_header is not None:
        raise ProtocolError(
            f"{source} line {hashed_without_header}: the line carries a hash, but the log has no header "
            "with the chain's genesis (was its first line removed?)",
            title="Broken record",
        )
    if until is None and header_seen is not None and header_seen.head is not None:
        _check_complete(header_seen, result, source)
    if until is not None:
        result.until_reached = floor.seq >= until
        result.state = fold(setup, floor.events[:until]) if floor.seq > until else floor.state
    else:
        result.state = floor.state
    return result


def checked_genesis(header: LogHeader, number: int, source: str) -> str:
    """The genesis of a chained log's header, after checking it is the one its fields make."""
    where = f"{source} line {number}"
    if header.chain != chain_module.CHAIN_FORMAT:
        raise ProtocolError(
            f"{where}: the record's chain is {header.chain!r}; this vccsched checks {chain_module.CHAIN_FORMAT!r}"
        )
    if header.meeting_files is None or header.genesis is None:
        raise ProtocolError(f"{where}: a header with \"chain\" also gives \"meeting_files\" and \"genesis\"")
    expected = chain_module.genesis(header.meeting, header.meeting_files)
    if header.genesis != expected:
        raise ProtocolError(
            f"{where}: the header's genesis {chain_module.short(header.genesis)} is not the one its meeting "
            f"and meeting files make ({chain_module.short(expected)}): the header was changed",
            title="Broken record",
        )
    return expected


def _asker_of(line: LogLine, setup: FloorSetup) -> Asker | None:
    """The registered person who asked, from the line's ``person`` or its exported events (the
    live server checked that they were a speaker, or the focal point for a reply by
    correspondence: the meeting data a record keeps has no registrations); None for a
    delegation's token.

    Their floor language: for a plain line, the line's ``language`` (the server's log names
    it, from the request it recorded), else the one the meeting's registrations give them
    now; for an exported line, the one its event recorded (none before protocol 4), so that
    an exported log's events come out as recorded and its chain still checks.
    """
    if line.person is not None:
        speaker = setup.speaker(line.person)
        language = line.language if line.language is not None else speaker.floor_language if speaker else None
        return Asker(person=line.person, label=line.person, speaker=True, focal_point=True, floor_language=language)
    for event in line.events or ():
        person = event.get("person") if isinstance(event, dict) else None
        if event.get("type") in ("floor_requested", "reply_cast") and isinstance(person, str):
            language = event.get("language")
            language = language if language in FloorLanguage.__args__ else None  # type: ignore[attr-defined]
            return Asker(person=person, label=person, speaker=True, focal_point=True, floor_language=language)
    return None


def _checked_link(previous: str, text: str, line: LogLine, answer: Any, number: int, source: str) -> str:
    """The chain's hash after ``line``, checked against the hash the line carries."""
    events = [json.loads(e.model_dump_json()) for e in answer.events] if answer.fresh else []
    seqs = f"seq {events[0]['seq']}–{events[-1]['seq']}" if events else "no events"
    where = f"{source} line {number} ({seqs})"
    if line.hash is None:
        raise ProtocolError(f"{where}: the line has no hash, but the log is a chained record", title="Broken record")
    if not events:
        raise ProtocolError(
            f"{where}: the floor did not accept this command, yet the record says it was (hash "
            f"{chain_module.short(line.hash)}): the command was changed, or lines were moved",
            title="Broken record",
        )
    if line.events is not None and line.events != events:
        raise ProtocolError(
            f"{where}: its events are not those the floor produces for its command: the events "
            "were changed, or the command, or the lines before it",
            title="Broken record",
        )
    at = json.loads(text)["at"]
    computed = chain_module.link(previous, chain_module.canonical(chain_module.record(line.actor, at, line.command, events)))
    if computed != line.hash:
        raise ProtocolError(
            f"{where}: the line's hash {chain_module.short(line.hash)} does not match its content and the "
            f"lines before it ({chain_module.short(computed)}): the record was changed here",
            title="Broken record",
        )
    return computed


def _check_complete(header: LogHeader, result: ReplayResult, source: str) -> None:
    if result.head != header.head or (header.commands is not None and result.commands != header.commands):
        raise ProtocolError(
            f"{source}: the log ends after {result.commands} command(s) at head "
            f"{chain_module.short(result.head or '')}, but its header says the export had "
            f"{header.commands} ending at head {chain_module.short(header.head or '')}: lines are missing "
            "at the end",
            title="Broken record",
        )
