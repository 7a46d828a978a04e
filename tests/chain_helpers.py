"""A real floor database with a few dozen commands, made the way the server makes it
(the floor decides, the store appends each accepted command), without a server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from server.store import FloorStore
from vccsched.meeting_files import meeting_file_texts
from vccsched.floor.engine import Floor
from vccsched.floor.state import FloorSetup
from vccsched.loading import DEFAULT_MEETING_DIR, load_meeting

ZURICH = dt.timezone(dt.timedelta(hours=2))
START = dt.datetime(2021, 6, 8, 12, 0, tzinfo=ZURICH)


def session_commands(rounds: int = 4) -> list[tuple[str, dict]]:
    """(actor, command) of a short session: items opened, speeches, a conclusion, closing."""
    commands: list[tuple[str, dict]] = []
    for r in range(rounds):
        item = 3 + r
        commands += [
            ("VC", {"type": "open_item", "id": f"vc-open-{r}", "item": item}),
            ("CHN", {"type": "request_floor", "id": f"chn-{r}", "kind": "speech"}),
            ("USA", {"type": "request_floor", "id": f"usa-{r}", "kind": "speech"}),
            ("VC", {"type": "next_speaker", "id": f"vc-next-{r}"}),
            ("CHN", {"type": "end_speech", "id": f"chn-end-{r}"}),
            ("VC", {"type": "record_conclusion", "id": f"vc-concl-{r}", "conclusion": f"The Council noted document {r}."}),
            ("VC", {"type": "close_item", "id": f"vc-close-{r}"}),
        ]
    return commands


def make_database(path: Path, rounds: int = 4) -> FloorStore:
    """A database holding :func:`session_commands`, one command a minute; returned open."""
    data = load_meeting(DEFAULT_MEETING_DIR)
    store = FloorStore.create(path, data.meeting.id, meeting_file_texts(DEFAULT_MEETING_DIR))
    floor = Floor(FloorSetup.from_meeting(data))
    for i, (actor, command) in enumerate(session_commands(rounds)):
        at = START + dt.timedelta(minutes=i)
        answer = floor.handle_raw(actor, command, at)
        assert answer.refusal is None, (command, answer.refusal)
        store.append(actor, at, command, answer.events)
    return store
