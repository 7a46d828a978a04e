"""Connections at the door: those that have not said hello yet, and the open-file budget.

A connection holds a file descriptor from the moment the kernel accepts it,
long before its ``hello`` says who it is. Without a cap, anyone who can reach
the port can hold every descriptor the process has (and then nobody, not even
the chair, gets in). So:

* :class:`Door` counts connections from their TCP accept until they are
  greeted (or gone): at most ``pending_max`` in all, and at most
  ``pending_per_address`` from one address. When a new one arrives at a full
  door, the oldest of the address holding the most is closed, one from an
  address no delegation was greeted from first.
  An honest client says hello within milliseconds; only idlers grow old here.
  A connection from a trusted reverse proxy (server/proxies.py) is counted in
  all at once, and from its client's address once its request is read (a proxy
  sends it at once): :meth:`Door.place`.
* :func:`plan_capacity` raises the process's open-file limit toward what the
  system allows and divides it: every roster delegation's connections are
  reserved first, then the public view's budget and the door's.
* :class:`AcceptErrorLog` says "accept() failed" once per interval, not once
  per attempt, should the limit still be reached.

Nothing here awaits; the server calls it from the event loop.
"""

from __future__ import annotations

import logging
import resource
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.server import ServerConnection

from server.proxies import Caller, TrustedProxies, is_loopback

logger = logging.getLogger("vccsched.server")


@dataclass(frozen=True)
class DoorConfig:
    pending_max: int
    pending_per_address: int


class Door:
    """Connections accepted but not yet greeted, oldest first."""

    #: Addresses remembered as a delegation's (see :meth:`greeted`), the most recent last.
    KNOWN_MAX = 1024
    #: Prefix of the key under which a trusted proxy's connections wait for their request.
    VIA = "via "

    def __init__(self, config: DoorConfig) -> None:
        self.config = config
        self._pending: OrderedDict[object, str] = OrderedDict()
        self._per_address: dict[str, int] = {}
        self._known: OrderedDict[str, None] = OrderedDict()

    def greeted(self, address: str) -> None:
        """A delegation's token was accepted from ``address``: its connections are the last
        closed to make room, so that a chair or a delegate reconnecting during a flood of
        anonymous connections from many addresses still reaches its hello."""
        self._known[address] = None
        self._known.move_to_end(address)
        if len(self._known) > self.KNOWN_MAX:
            self._known.popitem(last=False)

    def arrive(self, connection: object, address: str, *, proxy: bool = False) -> tuple[bool, list[object]]:
        """A connection was accepted from ``address``.

        Returns whether to keep it, and the older connections to close to make room
        (close them: they have waited longest without a hello). From a trusted proxy
        (``proxy``) the address is the proxy's, not the caller's: only the cap in all
        applies until :meth:`place` says whose it is.
        """
        config = self.config
        if proxy:
            address = self.VIA + address
        elif self._per_address.get(address, 0) >= config.pending_per_address:
            return False, []
        evicted = []
        while len(self._pending) >= config.pending_max and self._pending:
            # The oldest of the address that holds the most: idlers re-opened in a loop
            # from a few addresses make room for each other, never for a delegate's one
            # connection on its way to its hello.
            # Addresses no delegation was greeted from go first.
            candidates = {a for a in self._per_address if a not in self._known} or set(self._per_address)
            most = max(self._per_address[a] for a in candidates)
            oldest = next(c for c, a in self._pending.items() if a in candidates and self._per_address[a] == most)
            self.leave(oldest)
            evicted.append(oldest)
        self._pending[connection] = address
        self._per_address[address] = self._per_address.get(address, 0) + 1
        return True, evicted

    def place(self, connection: object, address: str) -> bool:
        """A connection that arrived from a trusted proxy is its client's at ``address``
        (read from its request): counted there from now on, or, if that address already
        has ``pending_per_address`` waiting, out of the door (False: refuse it)."""
        if connection not in self._pending:
            return True  # already gone (or greeted): nothing to count
        self.leave(connection)
        if self._per_address.get(address, 0) >= self.config.pending_per_address:
            return False
        self._pending[connection] = address
        self._per_address[address] = self._per_address.get(address, 0) + 1
        return True

    def leave(self, connection: object) -> None:
        """Greeted, refused or closed: no longer waiting at the door. Idempotent."""
        address = self._pending.pop(connection, None)
        if address is None:
            return
        left = self._per_address[address] - 1
        if left:
            self._per_address[address] = left
        else:
            del self._per_address[address]

    def __len__(self) -> int:
        return len(self._pending)

    def addresses(self) -> int:
        return len(self._per_address)


def guarded_connection(door: Door, proxies: TrustedProxies | None = None) -> type[ServerConnection]:
    """A websockets connection class that checks in at ``door`` when the kernel accepts it.

    Its ``caller`` (server/proxies.py) is the TCP peer until the server reads its request
    and sets the caller the request names through a trusted proxy."""
    trusted = proxies or TrustedProxies()

    class GuardedConnection(ServerConnection):
        caller: Caller

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            peer = transport.get_extra_info("peername")
            address = str(peer[0]) if peer else "?"
            self.caller = Caller(address=address, local=is_loopback(address))
            keep, evicted = door.arrive(self, address, proxy=trusted.trusts(address))
            for old in evicted:
                old.transport.abort()  # type: ignore[attr-defined]
            if not keep:
                transport.abort()

        def connection_lost(self, exc: Exception | None) -> None:
            door.leave(self)
            super().connection_lost(exc)

    return GuardedConnection


@dataclass(frozen=True)
class Capacity:
    """How many connections of each kind the server holds, and the open-file limit behind it."""

    delegations: int  # roster delegations x connections per delegation: always reserved
    public: int
    pending: int
    open_files: int
    shrunk: bool  # the limit was too low for the configured budgets

    def describe(self) -> str:
        text = (
            f"holds {self.delegations + self.public:,} connections: {self.delegations:,} for the "
            f"delegations (reserved), {self.public:,} for the public view; {self.pending:,} more "
            f"may wait for their hello; open-file limit {self.open_files:,}"
        )
        return text + (" (too low for the configured budgets, which were reduced)" if self.shrunk else "")


def raise_open_file_limit(wanted: int) -> int:
    """Raise this process's soft limit on open files toward ``wanted`` (at most the hard
    limit); return the soft limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def plan_capacity(
    *, delegations: int, public: int, pending: int, reserved_files: int, open_files: int
) -> Capacity:
    """Divide ``open_files`` descriptors: the delegations' connections first (never reduced),
    then the public view's budget, then the door's, shrinking the last two if need be."""
    room = open_files - reserved_files - delegations
    shrunk = False
    if room < public + pending:
        shrunk = True
        # The door is never starved, even when the delegations' reservation takes every
        # descriptor: a delegate's connection waits there for its hello too (the
        # reservation is for all of them at once, which a meeting seldom reaches).
        pending = max(0, min(pending, max(room // 4, (open_files - reserved_files) // 8)))
        public = max(0, min(public, room - pending))
    return Capacity(delegations=delegations, public=public, pending=max(pending, 1), open_files=open_files, shrunk=shrunk)


class AcceptErrorLog:
    """An event-loop exception handler that reports failed ``accept()`` calls once per
    ``interval`` seconds with a count, and passes everything else on."""

    def __init__(self, interval: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self.count = 0
        self.last: float | None = None

    def __call__(self, loop: Any, context: dict) -> None:
        if "accept" not in str(context.get("message", "")):
            loop.default_exception_handler(context)
            return
        self.count += 1
        now = self.clock()
        if self.last is None or now - self.last >= self.interval:
            logger.error(
                "cannot accept connections: %s (%d time(s) since the last report); the open-file "
                "limit is reached",
                context.get("exception") or context.get("message"),
                self.count,
            )
            self.last, self.count = now, 0
