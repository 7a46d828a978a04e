"""The server's heartbeat: a ``tick`` on connections that were sent nothing else for a while.

A connection can die without a FIN or RST (a Wi-Fi roam, a sleeping NAT): the
socket stays open on both sides and a page would go on showing a stale floor as
live. With a frame at least every :data:`HEARTBEAT_SECONDS`, a client that hears
nothing for twice that knows the connection is dead (docs/protocol.md, ``tick``).
The tick also carries the server's clock (clients keep their countdowns in step
with it) and the last ``seq`` (a client behind it has lost an event and syncs).

Cheap by construction: the task looks every half period; when an event went out
since the last look, every connection has just heard from the server and nothing
is sent. Otherwise one frame is serialized and written to every connection, like
an event's fan-out but of about 80 bytes, at most once per period, in slices of
:data:`SLICE` connections with the event loop free in between: a command that
arrives meanwhile waits for one slice, not for 2,000 writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from websockets.asyncio.server import broadcast

from vccsched.floor.protocol import TickMessage, serialize

if TYPE_CHECKING:  # pragma: no cover
    from server.app import FloorServer

logger = logging.getLogger("vccsched.server")

#: No connection goes longer than this without a frame (clients give up after twice this).
HEARTBEAT_SECONDS = 5.0

#: Tick even when events are flowing (the benchmark's worst case); never in a real server.
TICK_EVEN_WHEN_BUSY = False

#: Connections written to before the event loop is let go (a few milliseconds' work).
SLICE = 100


async def tick(shell: FloorServer) -> int:
    """Send one ``tick`` to every open connection, a slice at a time; returns how many."""
    text = serialize(TickMessage(server_time=shell.clock(), seq=shell.floor.seq))
    sockets = [client.ws for client in shell.clients]
    for start in range(0, len(sockets), SLICE):
        broadcast(sockets[start : start + SLICE], text)  # skips those closed meanwhile
        await asyncio.sleep(0)
    return len(sockets)


async def beat(shell: FloorServer, period: float = HEARTBEAT_SECONDS) -> None:
    """Tick whenever no event went out for ``period`` seconds; runs until cancelled."""
    loop = asyncio.get_running_loop()
    look = period / 2
    seq = shell.floor.seq
    # When every connection last surely heard something: a tick, or the look before an event.
    heard = loop.time()
    while True:
        before = loop.time()
        await asyncio.sleep(look)
        now = loop.time()
        if shell.floor.seq != seq and not TICK_EVEN_WHEN_BUSY:
            seq = shell.floor.seq
            heard = before  # the event went out after the previous look, at the earliest
            continue
        # A little early rather than late: the clients' 2 x period must never be reached.
        if now - heard >= period - look / 2 or TICK_EVEN_WHEN_BUSY:
            try:
                await tick(shell)
            except Exception:  # noqa: BLE001 - a heartbeat that died would make every client reconnect
                logger.exception("heartbeat: a tick failed; trying again next period")
            heard = now


@contextlib.asynccontextmanager
async def beating(shell: FloorServer, period: float = HEARTBEAT_SECONDS) -> AsyncIterator[None]:
    """The heartbeat task for as long as the block runs (the server's lifetime)."""
    task = asyncio.create_task(beat(shell, period))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
