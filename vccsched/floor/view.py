"""A plain-JSON summary of the floor, for people and for ``floor replay``.

The snapshot (:class:`~vccsched.floor.state.FloorState`) is for programs; this
summary is what a chair or the secretariat reads: per item its status, the
waiting list in speaking order and the outcome; who has the floor and how
much time is left at ``now``; every finished speech.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from vccsched.floor.state import FloorState, time_left


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
        }
    items: dict[str, Any] = {}
    for info in state.setup.items:
        item = state.items[info.number]
        items[str(info.number)] = {
            "code": info.code,
            "status": item.status,
            "list_closed": item.list_closed,
            "speaking_time_seconds": item.speaking_time_seconds,
            "queue": [{"delegation": r.delegation, "kind": r.kind} for r in item.queue],
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
            }
            for sp in state.speeches
        ],
    }
