"""A plain-JSON summary of the floor, for people and for ``floor replay``.

The snapshot (:class:`~vccsched.floor.state.FloorState`) is for programs; this
summary is what a chair or the secretariat reads: per item its status, the
waiting list in speaking order and the outcome; who has the floor and how
much time is left at ``now``; every finished speech.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import AwareDatetime, Field

from vccsched.floor.state import FloorState, Outcome, Request, Speaker, time_left
from vccsched.models import StrictModel


def _outcome(item) -> dict[str, Any] | None:
    if item.outcome is None:
        return None
    return item.outcome.model_dump(mode="json", exclude_none=True)


def floor_summary(state: FloorState, now: dt.datetime | None = None) -> dict[str, Any]:
    """The state as a JSON-ready dict; ``now`` (default: last event time) sets ``time_left``."""
    now = now or state.last_at
    speaker = None
    if state.speaker is not None:
        s = state.speaker
        speaker = {
            "delegation": s.delegation,
            "kind": s.kind,
            "item": s.item,
            "since": s.since.isoformat(),
            "limit_seconds": s.limit_seconds,
            "elapsed_seconds": round(s.elapsed(now), 3) if now else 0.0,
            "time_left_seconds": round(time_left(state, now), 3) if now else s.limit_seconds,
            "clock": "running" if s.running_since is not None else "paused",
            "out_of_order": s.out_of_order,
            **({"person": s.person} if s.person else {}),  # issue 17; absent as before otherwise
            **({"language": s.language} if s.language else {}),  # protocol 4
        }
    items: dict[str, Any] = {}
    for info in state.setup.items:
        item = state.items[info.number]
        items[str(info.number)] = {
            "code": info.code,
            "status": item.status,
            "list_closed": item.list_closed,
            "speaking_time_seconds": item.speaking_time_seconds,
            "queue": [
                {
                    "delegation": r.delegation, "kind": r.kind,
                    **({"person": r.person} if r.person else {}),
                    **({"language": r.language} if r.language else {}),
                }
                for r in item.queue
            ],
            "outcome": _outcome(item),
        }
    return {
        "meeting": state.setup.meeting_id,
        "seq": state.seq,
        "at": now.isoformat() if now else None,
        "suspended": state.suspended,
        "current_item": state.current_item,
        "speaker": speaker,
        "items": items,
        "speeches": [
            {
                "item": sp.item,
                "delegation": sp.delegation,
                "kind": sp.kind,
                "start": sp.start.isoformat(),
                "end": sp.end.isoformat(),
                "duration_seconds": round(sp.duration_seconds, 3),
                "paused_seconds": round(sp.paused_seconds, 3),
                "limit_seconds": sp.limit_seconds,
                "out_of_order": sp.out_of_order,
                "reason": sp.reason,
                **({"person": sp.person} if sp.person else {}),
                **({"language": sp.language} if sp.language else {}),
            }
            for sp in state.speeches
        ],
    }


# --- the compact view sent with every event, for clients that do not fold -----------------


class ContributionView(StrictModel):
    """A Member State's contribution on the open item, and whether it has presented it."""

    symbol: str
    delegation: str
    name: str = Field(description="The Member State's roster name.")
    presented: bool = Field(description="The Member State has made a speech on the item.")


def item_contributions(state: FloorState, number: int) -> list[ContributionView]:
    """The contributions on item ``number`` in order of arrival; a contributor has
    presented once it has spoken on the item (derived from the floor, never recorded)."""
    info = state.setup.item(number)
    if info is None or not info.contributions:
        return []
    spoken = set(state.items[number].spoken)
    views = []
    for c in info.contributions:
        participant = state.setup.participant(c.delegation)
        views.append(ContributionView(
            symbol=c.symbol, delegation=c.delegation, name=participant.name if participant else c.delegation,
            presented=c.delegation in spoken,
        ))
    return views


class OpenItemView(StrictModel):
    """The open item as a delegate sees it."""

    number: int
    code: str
    title: str = Field(description="English title; clients take other languages from /meeting.json.")
    status: str
    list_closed: bool
    speaking_time_seconds: int
    outcome: Outcome | None = None
    contributions: list[ContributionView] = Field(
        default_factory=list,
        description="Member States' contributions on the item with their symbols (protocol 2, optional).",
    )


class FloorView(StrictModel):
    """What a browser shows after an event: the open item, the speaker, the waiting list.

    Sent as ``view`` with every event and snapshot (protocol 1, optional field)
    so that a page renders the server's state as given, without folding events
    itself. Derived from the state by :func:`floor_view`; never an input.
    """

    seq: int
    at: AwareDatetime | None = None
    suspended: bool
    current_item: OpenItemView | None = None
    speaker: Speaker | None = None
    queue: list[Request] = Field(default_factory=list, description="The open item's, in speaking order.")


def floor_view(state: FloorState) -> FloorView:
    """The compact view of ``state`` (see :class:`FloorView`)."""
    current = None
    queue: list[Request] = []
    if state.current_item is not None:
        info = state.setup.item(state.current_item)
        item = state.items[state.current_item]
        queue = item.queue
        current = OpenItemView(
            number=item.number,
            code=info.code if info else "",
            title=info.title if info else "",
            status=item.status,
            list_closed=item.list_closed,
            speaking_time_seconds=item.speaking_time_seconds,
            outcome=item.outcome,
            contributions=item_contributions(state, item.number),
        )
    return FloorView(
        seq=state.seq,
        at=state.last_at,
        suspended=state.suspended,
        current_item=current,
        speaker=state.speaker,
        queue=queue,
    )
