"""The contributions the live floor shows: per agenda item, in order of arrival.

The floor takes the register as the secretariat keeps it (``server run
--contributions FILE``, or the meeting folder's ``contributions.csv``) and
shows, per item, who contributed and under which symbol. Rows the check would
flag for their lateness or length stay: whether to invite a late contributor is
the chair's call. Rows that name no Member State of the roster, no item of the
agenda, or a symbol an earlier row already has are left out, each with a note.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from vccsched.contributions.check import MEMBER_STATE_CATEGORIES, arrival_key
from vccsched.contributions.register import Register, read_register
from vccsched.floor.state import Contribution
from vccsched.loading import MeetingData
from vccsched.replyforms.cells import normalise
from vccsched.replyforms.senders import find_sender

#: The register a meeting folder may hold for the floor.
MEETING_REGISTER = "contributions.csv"

FloorContributions = dict[int, list[Contribution]]


def floor_contributions(data: MeetingData, register: Register) -> tuple[FloorContributions, list[str]]:
    """Per item number, its contributions in order of arrival; and a note per row left out."""
    zone = data.meeting.zone
    numbers = set(data.agenda.numbers)
    notes: list[str] = []
    seen: set[str] = set()
    found: dict[int, list[tuple[tuple, Contribution]]] = defaultdict(list)
    for row in register.rows:
        where = f"{register.file}, row {row.row}"
        if row.symbol is None or row.member is None or not row.items:
            notes.append(f"{where}: left out (no document symbol, Member State or item)")
            continue
        sender = find_sender(row.member, data.roster)
        if sender is None or sender.category not in MEMBER_STATE_CATEGORIES:
            notes.append(f"{where}: left out ({row.member!r} is not a Member State of the roster)")
            continue
        key = normalise(row.symbol).replace(" ", "")
        if key in seen:
            notes.append(f"{where}: left out ({row.symbol} is given in an earlier row)")
            continue
        seen.add(key)
        order = arrival_key(row, zone)
        for number in dict.fromkeys(row.items):
            if number not in numbers:
                notes.append(f"{where}: item {number} is not on the agenda; left out for that item")
                continue
            found[number].append((order, Contribution(symbol=row.symbol, delegation=sender.id)))
    return {n: [c for _, c in sorted(entries, key=lambda e: e[0])] for n, entries in sorted(found.items())}, notes


def load_floor_contributions(
    data: MeetingData, path: Path | None, meeting_dir: Path | None = None
) -> tuple[FloorContributions, list[str]]:
    """Read ``path``, or else the meeting folder's ``contributions.csv`` if there is one.

    A register that cannot be read is a :class:`~vccsched.errors.DataError`:
    the server does not start with half of what it was given.
    """
    if path is None and meeting_dir is not None and (meeting_dir / MEETING_REGISTER).is_file():
        path = meeting_dir / MEETING_REGISTER
    if path is None:
        return {}, []
    return floor_contributions(data, read_register(path))
