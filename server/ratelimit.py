"""A token bucket per connection: bursts allowed, a steady flood refused.

Pure: the caller passes the time (``time.monotonic()`` in the server).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """``capacity`` messages at once, refilled at ``rate`` per second.

    Call :meth:`allow` for every message; a False answer means refuse it
    (``rate_limited``). ``refused_in_a_row`` lets the server close a
    connection that keeps sending while refused.
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
        if self.last is not None:
            self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            self.refused_in_a_row = 0
            return True
        self.refused_in_a_row += 1
        return False
