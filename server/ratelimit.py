"""Rate limits: a token bucket per link (a delegation's or a registered person's), shared by all its connections.

Pure: the caller passes the time (``time.monotonic()`` in the server). The
buckets outlive connections, so closing and reopening connections never
refills a delegation's share: only time does.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """``capacity`` messages at once, refilled at ``rate`` per second, never above ``capacity``.

    Call :meth:`allow` for every message; a False answer means refuse it
    (``rate_limited``). ``refused_in_a_row`` counts refusals since the last
    message allowed, so the server can close a sender that keeps sending while
    refused, and never one that is refused now and then.
    """

    capacity: float
    rate: float
    tokens: float = field(default=-1.0)
    last: float | None = None
    refused_in_a_row: int = 0

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.capacity

    def allow(self, now: float) -> bool:
        if self.last is not None and now > self.last:
            # Capped: an idle sender does not save up an unlimited burst.
            self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now if self.last is None else max(self.last, now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            self.refused_in_a_row = 0
            return True
        self.refused_in_a_row += 1
        return False


@dataclass(frozen=True)
class Rate:
    """A burst and a sustained rate per second."""

    burst: int
    per_second: float

    def describe(self) -> str:
        return f"at most {self.per_second:g} a second after a burst of {self.burst}"


class RateLimiter:
    """One bucket per key (a delegation id, or an address for the public view).

    The buckets of a meeting's delegations are few and kept for the whole run;
    anonymous keys are forgotten once their bucket is full again, so a caller
    that tries many addresses costs no memory that stays.
    """

    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        self._buckets: dict[str, TokenBucket] = {}

    def bucket(self, key: str) -> TokenBucket:
        found = self._buckets.get(key)
        if found is None:
            found = self._buckets[key] = TokenBucket(capacity=self.rate.burst, rate=self.rate.per_second)
        return found

    def allow(self, key: str, now: float) -> bool:
        return self.bucket(key).allow(now)

    def forget_idle(self, now: float) -> None:
        """Drop the buckets that have refilled to full (they would behave as new ones)."""
        rate = self.rate
        for key in [
            k
            for k, b in self._buckets.items()
            if b.last is None or b.tokens + (now - b.last) * rate.per_second >= rate.burst
        ]:
            del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)
