"""The online replies of a decision by correspondence, from the floor's record (issue 19).

The floor's ``reply_cast`` events say who replied and when; the answers are in the
stored ``cast_reply`` commands (they are never broadcast). :func:`online_versions`
joins the two into every version of every Member State's reply, with its receipt;
:func:`ballot_document` is what ``/ballot.json`` gives one delegation or focal point.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import AwareDatetime, Field

from vccsched.correspondence.receipt import receipt, replies_of_command
from vccsched.floor.asker import Asker
from vccsched.floor.rules import reply_refusal
from vccsched.floor.state import FloorState
from vccsched.models import StrictModel


class OnlineVersion(StrictModel):
    """One ``cast_reply`` accepted: a version of a Member State's reply."""

    seq: int
    at: AwareDatetime
    delegation: str
    person: str | None = None
    replies: list[dict[str, Any]] = Field(description="[{item, answer}] in item order.")
    receipt: str


def version_of(meeting_id: str, event, command: Mapping[str, Any]) -> OnlineVersion:
    """The version made by one ``reply_cast`` event and its stored command (as JSON)."""
    replies = replies_of_command(command)
    return OnlineVersion(
        seq=event.seq,
        at=event.at,
        delegation=event.delegation,
        person=event.person,
        replies=replies,
        receipt=receipt(meeting_id, event.seq, event.delegation, event.person, replies),
    )


def online_versions(
    meeting_id: str, events: Iterable, commands: Iterable[tuple[str, Mapping[str, Any]]], *, after_seq: int = 0
) -> list[OnlineVersion]:
    """Every reply version after ``after_seq`` (the round's ``opened_seq``), in seq order.

    ``commands`` are the stored accepted commands as ``(actor, command JSON)``. A
    ``reply_cast`` whose command is missing from them means a damaged record: ``ValueError``.
    """
    by_key: dict[tuple[str, str], Mapping[str, Any]] = {}
    for actor, raw in commands:
        if isinstance(raw, Mapping) and raw.get("type") == "cast_reply":
            by_key.setdefault((actor, str(raw.get("id"))), raw)  # the first: a log's later line under a used id was refused
    versions = []
    for event in events:
        if event.type != "reply_cast" or event.seq <= after_seq:
            continue
        raw = by_key.get((event.actor, event.command_id))
        if raw is None:
            raise ValueError(f"event {event.seq}: reply_cast without its stored cast_reply command")
        versions.append(version_of(meeting_id, event, raw))
    return versions


def counted_answers(versions: Iterable[OnlineVersion]) -> dict[int, str]:
    """The answers that count: the last version's, as a whole (a later reply replaces the
    earlier one, as a later form does; a conclusion it leaves out is no reply)."""
    last = None
    for last in versions:
        pass
    return {int(r["item"]): str(r["answer"]) for r in last.replies} if last is not None else {}


def why_not(state: FloorState, actor: str, asker: Asker | None) -> str | None:
    """None if ``actor`` (through ``asker``) may reply; else ``not_council_member`` or ``not_focal_point``."""
    p = state.setup.participant(actor)
    if p is None or p.category != "council_member":
        return "not_council_member"
    return None if reply_refusal(state, actor, asker) is None else "not_focal_point"


def ballot_document(
    state: FloorState,
    actor: str,
    asker: Asker | None,
    versions: Iterable[OnlineVersion],
    now: dt.datetime,
) -> dict[str, Any]:
    """``/ballot.json`` for ``actor`` (and the person behind the token): the round, who
    they are, their delegation's reply versions (with receipts), the published result."""
    round_ = state.correspondence
    p = state.setup.participant(actor)
    reason = why_not(state, actor, asker)
    mine = [
        {"seq": v.seq, "at": v.at.isoformat(), "person": v.person, "replies": v.replies, "receipt": v.receipt}
        for v in versions
        if v.delegation == actor and round_ is not None and v.seq > round_.opened_seq
    ]
    return {
        "round": None
        if round_ is None
        else {
            "deadline": round_.deadline.isoformat(),
            "open": round_.is_open(now),
            "majority": round_.majority,
            "required": round_.required,
            "questions": [q.model_dump(mode="json") for q in round_.questions],
        },
        "you": {
            "delegation": actor,
            "name": p.name if p is not None else actor,
            "person": asker.person if asker is not None else None,
            "may_reply": reason is None,
            "why_not": reason,
        },
        "replies": mine,
        "result": round_.result if round_ is not None else None,
        "server_time": now.isoformat(),
    }
