"""The secretariat's "save the log so far": the floor's events as a floor log.

A floor log (:mod:`vccsched.floor.replay`) holds the *commands* the server
accepted, one ``{"actor", "at", "command"}`` per line, after a header naming the
meeting — what ``vccsched floor export`` writes from the database. A console has
no database, but it can ask the server for every event since the first (a
``hello`` with ``last_seq: 0``), and every accepted command left its events
together, under its id and actor: each group of events says which command made
it. So the file written here replays (``vccsched floor replay``, ``report --log``,
``plan --replan --log``) to the very state the server has, which a test checks.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from collections.abc import Iterable
from itertools import groupby
from pathlib import Path
from typing import Any

import websockets

from vccsched.errors import VccschedError
from vccsched.floor.events import BaseEvent, parse_event
from vccsched.floor.protocol import PROTOCOL_VERSION
from vccsched.floor.replay import header_line

#: A meeting's events are a few thousand; the limit only stops a runaway answer.
MAX_EVENTS = 200_000


class LogExportError(VccschedError):
    """The log could not be had from the server, or an event has no command to stand for it."""

    title = "Log export"


def command_of(events: list[BaseEvent]) -> dict[str, Any]:
    """The command (as a client sends it, with its id) that made ``events``, one command's
    events in order. The rules decide again on replay, so only what the command said is
    kept (the item to open, the delegation given the floor), never what followed from it."""
    types = [e.type for e in events]
    first = events[0]
    command: dict[str, Any]

    def last(kind: str) -> Any:
        return next(e for e in reversed(events) if e.type == kind)

    if "item_opened" in types:
        command = {"type": "open_item", "item": last("item_opened").item}
    elif "floor_given" in types:
        given = last("floor_given")
        if given.from_queue and not given.out_of_order and given.person is None and given.language is None:
            command = {"type": "next_speaker"}  # the first in line, which give_floor to it would also be
        else:
            # The person and the language as the floor recorded them (a named speaker, a
            # hand-over): give_floor stating both gives the same speech again, even to the
            # first in line and even on a replay without the registrations.
            command = {"type": "give_floor", "delegation": given.delegation, "kind": given.kind}
            command |= {"person": given.person} if given.person is not None else {}
            command |= {"language": given.language} if given.language is not None else {}
    elif "en_bloc_concluded" in types:
        bloc = last("en_bloc_concluded")
        command = {"type": "conclude_en_bloc", "items": list(bloc.items), "conclusion": bloc.conclusion}
    elif "item_closed" in types:
        command = {"type": "close_item"}
    elif "meeting_suspended" in types:
        command = {"type": "suspend_meeting"}
    else:
        command = _single(first, types)
    return {"id": first.command_id, **command}


def _single(event: Any, types: list[str]) -> dict[str, Any]:
    if len(types) != 1:
        raise LogExportError(f"events {', '.join(types)} of one command (seq {event.seq}) match no command")
    kind = event.type
    if kind == "floor_requested":
        request = {"type": "request_floor", "kind": event.kind, "item": event.item}
        # A person's request names them on the line (see log_text); a delegation's own
        # token's language can only have been stated with the request.
        return request | ({"language": event.language} if event.language is not None and event.person is None else {})
    if kind == "request_withdrawn":
        return {"type": "withdraw", "kind": event.kind, "item": event.item}
    if kind == "request_removed":
        return {"type": "remove_request", "delegation": event.delegation, "kind": event.kind}
    if kind == "speech_ended":
        return {"type": "end_speech"}
    if kind == "clock_paused":
        return {"type": "pause_clock"}
    if kind == "clock_resumed":
        return {"type": "resume_clock"}
    if kind == "speaking_time_set":
        return {"type": "set_speaking_time", "seconds": event.seconds, "item": event.item}
    if kind == "list_closed":
        return {"type": "close_list"}
    if kind == "list_reopened":
        return {"type": "reopen_list"}
    if kind == "conclusion_recorded":
        return {
            "type": "record_conclusion",
            "conclusion": event.conclusion,
            "by_correspondence": event.by_correspondence,
        }
    if kind == "item_deferred":
        deferred = {"type": "defer_item", "requested_by": event.requested_by, "scope": event.scope}
        return deferred | ({"note": event.note} if event.note is not None else {})
    if kind == "meeting_resumed":
        return {"type": "resume_meeting"}
    if kind == "plan_published":
        return {"type": "publish_plan", "plan": event.plan}
    if kind == "correspondence_opened":
        translations = {str(q.item): q.translations for q in event.questions if q.translations}
        opened = {"type": "open_correspondence", "deadline": event.deadline.isoformat(), "majority": event.majority}
        return opened | ({"translations": translations} if translations else {})
    if kind == "correspondence_result_published":
        return {"type": "publish_correspondence_result", "result": event.result}
    if kind == "reply_cast":
        raise LogExportError(
            f"event reply_cast (seq {event.seq}): the replies by correspondence are confidential and not "
            "broadcast, so the console cannot save them; save the record with 'vccsched floor export --db'")
    raise LogExportError(f"event {kind} (seq {event.seq}) has no command to stand for it")


def log_text(meeting: str, events: Iterable[BaseEvent], comment: str) -> str:
    """The floor log of ``events`` (in seq order): a header, then one line per command."""
    lines = [header_line(meeting, comment)]
    for _, group in groupby(events, key=lambda e: (e.actor, e.command_id)):
        batch = list(group)
        line = {"actor": batch[0].actor, "at": batch[0].at.isoformat(), "command": command_of(batch)}
        # Who asked, and the language the floor recorded for them, beside the actor as the
        # server's own log has them (docs/protocol.md, "Floor logs"): a replay records them
        # again without the registrations.
        request = next((e for e in batch if e.type == "floor_requested" and e.person is not None), None)
        if request is not None:
            line["person"] = request.person
            line |= {"language": request.language} if request.language is not None else {}
        lines.append(json.dumps(line, ensure_ascii=False, sort_keys=False))
    return "\n".join(lines) + "\n"


async def fetch_events(url: str, token: str | None, *, timeout: float = 20.0) -> list[BaseEvent]:
    """Every event of the floor, from the first: a connection of its own that asks to
    resume from ``last_seq`` 0, reads up to the seq the welcome names, and closes."""
    try:
        async with asyncio.timeout(timeout):
            async with websockets.connect(url, open_timeout=5, max_size=2**24) as ws:
                hello = {"type": "hello", "protocol": PROTOCOL_VERSION, "last_seq": 0, "token": token}
                await ws.send(json.dumps(hello))
                return await _read_events(ws)
    except TimeoutError:
        raise LogExportError(f"{url}: the server did not send the events within {timeout:.0f} s") from None
    except (OSError, websockets.exceptions.WebSocketException) as exc:
        raise LogExportError(f"{url}: cannot read the events ({exc or type(exc).__name__})") from None


async def _read_events(ws: Any) -> list[BaseEvent]:
    target: int | None = None
    events: list[BaseEvent] = []
    while target is None or len(events) < target:
        message = json.loads(await ws.recv())
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "welcome":
            target = int(message["seq"])
        elif kind == "event":
            event = parse_event(message["event"])
            if event.seq != len(events) + 1:
                raise LogExportError(f"the server sent event {event.seq} after {len(events)}")
            events.append(event)
        elif kind == "snapshot":
            raise LogExportError("the server sent its state, not its events: it cannot resume from the start")
        elif kind == "error":
            raise LogExportError(f"the server refused: {message.get('message')} ({message.get('code')})")
        if len(events) > MAX_EVENTS:
            raise LogExportError(f"more than {MAX_EVENTS} events: not a meeting's log")
    return events


def export_path(directory: Path, meeting: str, now: dt.datetime) -> Path:
    """``floor-log-C21-VCC-1-20210608-101500.jsonl`` in ``directory`` (never overwriting;
    the meeting's id, ``C21/VCC-1``, has a slash a file name cannot)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", meeting).strip("-.") or "meeting"
    stem = f"floor-log-{safe}-{now:%Y%m%d-%H%M%S}"
    path = directory / f"{stem}.jsonl"
    number = 1
    while path.exists():
        number += 1
        path = directory / f"{stem}-{number}.jsonl"
    return path
