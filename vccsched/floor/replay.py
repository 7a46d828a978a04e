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


class LogHeader(StrictModel):
    """The optional first line of a floor log: which meeting it is the record of."""

    meeting: str = Field(min_length=1, description="The meeting id (meeting.yaml's id).")
    comment: str | None = Field(default=None, description="Ignored; for people reading the log.")


def header_line(meeting: str, comment: str | None = None) -> str:
    """The header line naming ``meeting`` (no newline), for the start of a log."""
    return json.dumps(LogHeader(meeting=meeting, comment=comment).model_dump(exclude_none=True), ensure_ascii=False)


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
        answer = floor.handle_raw(line.actor, line.command, line.at)
        if answer.refusal is not None:
            result.refusals.append((number, line.actor, answer.refusal))
        if until is not None and floor.seq >= until:
            break
    if until is not None:
        result.until_reached = floor.seq >= until
        result.state = fold(setup, floor.events[:until]) if floor.seq > until else floor.state
    else:
        result.state = floor.state
    return result
