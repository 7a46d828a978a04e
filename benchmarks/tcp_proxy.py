"""A TCP proxy between a browser (or the console) and the floor server, for the conditions
delegates have: a link that stalls without closing, and a slow link.

Browsers' network emulation does not slow WebSockets, and a real silent drop
(Wi-Fi roaming, a sleeping NAT) sends no FIN or RST: the only faithful way is
to sit on the TCP path.

    async with TcpProxy(server_port) as proxy:          # http://127.0.0.1:{proxy.port}/
        proxy.stall()     # nothing passes either way; sockets stay open, bytes wait
        proxy.resume()    # what waited goes through, in order

    TcpProxy(port, rtt=0.6, rate=50_000)   # every connection: a round trip of 600 ms
                                            # and 50 KB/s each way, shared, as one link
"""

from __future__ import annotations

import asyncio
import contextlib


class _Direction:
    """One direction of the emulated link: bytes leave one after the other at ``rate``,
    and arrive ``delay`` later."""

    def __init__(self, rate: float | None, delay: float) -> None:
        self.rate = rate
        self.delay = delay
        self.free_at = 0.0

    def arrival(self, size: int) -> float:
        now = asyncio.get_running_loop().time()
        start = max(now, self.free_at)
        self.free_at = start + (size / self.rate if self.rate else 0.0)
        return self.free_at + self.delay


class TcpProxy:
    def __init__(self, target_port: int, *, host: str = "127.0.0.1", rtt: float = 0.0, rate: float | None = None) -> None:
        self.target = (host, target_port)
        self.rtt = rtt
        self.up = _Direction(rate, rtt / 2)
        self.down = _Direction(rate, rtt / 2)
        self.open = asyncio.Event()
        self.open.set()
        self.port = 0
        self.bytes_down = 0  # server -> client, all connections
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    def stall(self) -> None:
        self.open.clear()

    def resume(self) -> None:
        self.open.set()

    async def __aenter__(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 2)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.CancelledError):  # the proxy closing: nothing to report
            await self._relay(client_reader, client_writer)

    async def _relay(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(client_writer)
        try:
            if self.rtt:
                await asyncio.sleep(self.rtt)  # the TCP handshake over the link
            await self.open.wait()
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            self._writers.discard(client_writer)
            return
        self._writers.add(server_writer)
        pumps = [
            asyncio.ensure_future(self._pump(client_reader, server_writer, self.up, count=False)),
            asyncio.ensure_future(self._pump(server_reader, client_writer, self.down, count=True)),
        ]
        for task in pumps:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        # One side hung up: give the other what is on its way, then hang up too.
        await asyncio.sleep(self.rtt)
        for writer in (client_writer, server_writer):
            with contextlib.suppress(Exception):
                writer.close()
            self._writers.discard(writer)
        for task in pumps:
            task.cancel()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: _Direction, *, count: bool) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                at, data = await queue.get()
                await asyncio.sleep(max(0.0, at - loop.time()))
                await self.open.wait()
                if not data:
                    writer.write_eof() if writer.can_write_eof() else writer.close()
                    return
                writer.write(data)
                if count:
                    self.bytes_down += len(data)
                await writer.drain()

        delivering = asyncio.ensure_future(deliver())
        try:
            while True:
                await self.open.wait()
                # Small pieces on a slow link, so that connections share it as packets would.
                data = await reader.read(1400 if link.rate else 65536)
                await self.open.wait()  # stalled meanwhile: the bytes wait here
                await queue.put((link.arrival(len(data)), data))
                if not data:
                    break
            await delivering
        except (ConnectionError, OSError):
            pass
        finally:
            delivering.cancel()
