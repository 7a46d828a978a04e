"""The speaking order of an item's waiting list (Annex 1 and ITU practice).

1. points of order first, first come first served (the chair rules on them at once);
2. then speeches by tier (default: Council Members; observer Member States and
   the Observer State of Palestine; Sector Members), first come first served
   within a tier;
3. within a tier, a delegation that has not yet made a speech on the item goes
   before one asking to speak again;
4. rights of reply after all speeches, first come first served.

``order`` is the request's arrival number, so "first come" never depends on
clock resolution. The state keeps each queue sorted with :func:`speaking_order`;
a client never sorts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from vccsched.floor.commands import RequestKind

#: Rank of each request kind: lower speaks first.
KIND_RANK: dict[str, int] = {"point_of_order": 0, "speech": 1, "right_of_reply": 2}


class QueuedRequest(Protocol):
    delegation: str
    kind: RequestKind
    order: int


def tier_index(category: str, tiers: Sequence[Sequence[str]]) -> int | None:
    """Position of ``category`` in the configured tiers, or ``None`` if in none.

    A delegation whose category is in no tier (by default the secretariat and
    the chair) cannot queue: it speaks when the chair gives it the floor.
    """
    for index, tier in enumerate(tiers):
        if category in tier:
            return index
    return None


def request_key(
    request: QueuedRequest,
    category_of: Mapping[str, str],
    tiers: Sequence[Sequence[str]],
    spoken: Iterable[str] | frozenset[str],
) -> tuple[int, int, int, int]:
    """Sort key of one waiting request: compare keys to compare places in line."""
    rank = KIND_RANK[request.kind]
    if request.kind != "speech":
        return (rank, 0, 0, request.order)
    tier = tier_index(category_of.get(request.delegation, ""), tiers)
    tier = len(tiers) if tier is None else tier
    again = 1 if request.delegation in spoken else 0
    return (rank, tier, again, request.order)


def speaking_order(
    requests: Iterable[QueuedRequest],
    category_of: Mapping[str, str],
    tiers: Sequence[Sequence[str]],
    spoken: Iterable[str],
) -> list:
    """The requests in the order the chair gives the floor.

    ``spoken`` holds the delegations that already made a speech on the item
    (including the current speaker if it is making one).
    """
    spoken_set = frozenset(spoken)
    return sorted(requests, key=lambda r: request_key(r, category_of, tiers, spoken_set))
