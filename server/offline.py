"""One command on a meeting's database when no server holds it (``correspondence open --db``).

The same floor and the same durable append as the server: the lock is taken first, so a
running server (the only writer while it runs) is never written behind; the clock is
the meeting's, never earlier than the last event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from server.lock import ServerLock
from server.store import FloorStore, StoreError
from vccsched.floor.commands import parse_command
from vccsched.floor.engine import Answer, Floor
from vccsched.floor.state import FloorSetup, FloorState
from vccsched.meeting_files import load_meeting_files


def actor_for(setup: FloorSetup, actor: str | None) -> str:
    """``--as``, checked against the roster; default: the first secretariat delegation."""
    if actor is not None:
        if setup.participant(actor) is None:
            raise StoreError(f"--as {actor!r}: not a delegation of the roster", title="Bad option")
        return actor
    for p in setup.participants:
        if p.category == "secretariat":
            return p.id
    raise StoreError("the roster has no secretariat delegation; give --as CHAIR_ID", title="Bad option")


def handle_on_db(
    db_path: Path,
    raw: Mapping[str, Any],
    *,
    actor: str | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> tuple[Answer, FloorState, str]:
    """Decide ``raw`` (a command as JSON) on the database's floor and store it if accepted.

    Returns the answer, the state after it and the actor. A ``StoreError`` if a server
    holds the database (send the command to it instead) or it cannot be written.
    """
    lock = ServerLock(db_path)
    try:
        lock.acquire()
    except StoreError as exc:
        raise StoreError(
            f"{exc.message}; while it runs, send the command to it with --server URL and --token-file",
            title="Database in use",
        ) from None
    try:
        store = FloorStore.open(db_path)
        try:
            store.check_sound()
            store.check_writable()
            data = load_meeting_files(store.meeting_files(), f"{db_path}: the meeting data stored in the database")
            setup = FloorSetup.from_meeting(data)
            who = actor_for(setup, actor)
            floor = Floor(setup, events=store.events(), commands=store.accepted_commands())
            now = (clock or (lambda: dt.datetime.now(data.meeting.zone)))()
            if floor.state.last_at is not None and now < floor.state.last_at:
                now = floor.state.last_at
            answer = floor.handle_raw(who, dict(raw), now)
            if answer.accepted and answer.fresh:
                # Stored as the server stores it: the validated command, as JSON.
                store.append(who, now, parse_command(dict(raw)).model_dump(mode="json"), list(answer.events))
            return answer, floor.state, who
        finally:
            store.close()
    finally:
        lock.release()
