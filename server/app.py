"""The floor server: one process per meeting, a thin asyncio shell around ``vccsched.floor``.

It does the I/O the pure core leaves out, and nothing else:

* authenticates each WebSocket connection by the token of its ``hello`` and
  takes the actor of every command from that, never from a message;
* stamps each command with the server's clock and hands it to
  :class:`vccsched.floor.Floor`, which decides;
* stores an accepted command and its events durably (:mod:`server.store`)
  *before* broadcasting the events and sending ``accepted``;
* serves the delegates' page, ``/meeting.json`` and ``/healthz`` over HTTP.

Use :func:`serve` (an async context manager) in tests and tools, and
``vccsched server run`` from the command line.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import http
import json
import logging
import os
import re
import sqlite3
import ssl
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.server import ServerConnection, broadcast
from websockets.asyncio.server import serve as ws_serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from server.assets import page_assets
from server.heartbeat import HEARTBEAT_SECONDS, beating
from server.lock import ServerLock
from server.ratelimit import TokenBucket
from server.store import FloorStore, authenticate, hash_token
from vccsched.floor.engine import Floor
from vccsched.floor.protocol import (
    PROTOCOL_VERSION,
    CommandMessage,
    ErrorMessage,
    Hello,
    MessageError,
    RefusalMessage,
    SnapshotMessage,
    Sync,
    Welcome,
    answer_messages,
    check_hello,
    error_reply,
    parse_client_message,
    resume_messages,
    serialize,
    welcome,
    with_view,
)
from vccsched.floor.state import FloorSetup
from vccsched.loading import MeetingData, load_meeting

logger = logging.getLogger("vccsched.server")

STATIC_DIR = Path(__file__).parent / "static"

#: Close codes (RFC 6455): policy violation, message too big (sent by websockets), try again later.
CLOSE_POLICY = 1008
CLOSE_TRY_LATER = 1013

#: Pages and assets; ``Content-Security-Policy`` forbids inline script and anything from elsewhere.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
_ASSET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class Limits:
    """What one connection and the whole server may use; defaults suit a Council meeting."""

    hello_timeout: float = 10.0
    max_frame: int = 64 * 1024
    per_delegation: int = 5
    max_connections: int = 5000
    #: Token bucket per connection: a burst of ``rate_burst``, then ``rate_per_second``.
    rate_burst: int = 20
    rate_per_second: float = 5.0
    #: Messages refused in a row for the rate before the connection is closed (1008).
    flood_close_after: int = 50
    #: A client whose unsent data exceeds this misses broadcasts and catches up by seq gap + sync.
    slow_client_buffer: int = 1024 * 1024


@dataclass(frozen=True)
class ServerConfig:
    """Everything ``vccsched server run`` takes."""

    meeting_dir: Path
    db_path: Path
    host: str = "127.0.0.1"
    port: int = 8765
    #: Browser origins allowed besides the server's own (``--origin``).
    origins: tuple[str, ...] = ()
    tls_cert: Path | None = None
    tls_key: Path | None = None
    public: bool = False
    limits: Limits = field(default_factory=Limits)
    #: Returns the current time, zone-aware; the meeting's zone by default. Tests inject one.
    clock: Callable[[], dt.datetime] | None = None
    #: How often the token table is checked for revocations by ``server tokens``.
    token_poll_seconds: float = 0.5
    #: A ``tick`` on connections sent nothing else for this long (server/heartbeat.py).
    heartbeat_seconds: float = HEARTBEAT_SECONDS


@dataclass(eq=False)
class Client:
    """One open connection and what the server knows of it."""

    ws: ServerConnection
    actor: str | None  # None: the read-only public view
    token_hash: str | None
    bucket: TokenBucket


def rebuild_floor(setup: FloorSetup, store: FloorStore) -> Floor:
    """The floor as the database has it: on start, and after a commit that failed.

    The garbage collector is paused meanwhile: the objects a long meeting's events
    make would otherwise be scanned again and again (a sixth of the time at 50,000
    events), and folding events makes no reference cycles.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return Floor(setup, events=store.events())
    finally:
        if enabled:
            gc.enable()


def settle_memory() -> None:
    """Take what start-up made (modules, the meeting, the rebuilt floor) out of the collector's way.

    For the server process only (``vccsched server run``), once it listens: a full
    collection then scans only what came after, mostly the connections. At 2,000
    connections that halves its pause of the event loop (175 to 75 ms), which every
    broadcast caught behind it waits for.
    """
    gc.collect()
    gc.freeze()


def meeting_document(data: MeetingData) -> dict:
    """``/meeting.json``: what the page needs besides the floor (titles in two languages, names, zones)."""
    meeting = data.meeting
    title = meeting.title
    return {
        "protocol": PROTOCOL_VERSION,
        "meeting": {
            "id": meeting.id,
            "title": {"zh": title.zh, "en": title.en} if title else {"zh": meeting.id, "en": meeting.id},
            "timezone": meeting.timezone,
            "window": {"start": meeting.window.start.strftime("%H:%M"), "end": meeting.window.end.strftime("%H:%M")},
            "dates": [d.isoformat() for d in meeting.dates],
            "languages": meeting.languages,
        },
        "items": [
            {"number": i.number, "code": i.code, "title": {"zh": i.title.zh, "en": i.title.en}, "en_bloc": i.en_bloc}
            for i in data.agenda.items
        ],
        "participants": [
            {"id": d.id, "name": d.name, "category": d.category, "timezone": d.timezone}
            for d in data.roster.delegations
        ],
    }


def _origin_allowed(request: Request, extra: tuple[str, ...]) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser (the console, a script): the token decides
    host = request.headers.get("Host", "")
    own = {f"http://{host}", f"https://{host}"}
    return origin in own or origin in extra


class FloorServer:
    """The running shell: connections, the floor, the store. Made by :func:`serve`."""

    def __init__(self, config: ServerConfig, data: MeetingData, store: FloorStore) -> None:
        self.config = config
        self.limits = config.limits
        self.data = data
        self.store = store
        self.setup = FloorSetup.from_meeting(data)
        self.floor = rebuild_floor(self.setup, store)
        zone = data.meeting.zone
        self.clock = config.clock or (lambda: dt.datetime.now(zone))
        self.clients: set[Client] = set()
        self.token_hashes = store.token_hashes()
        self._data_version = store.data_version()
        self._meeting_json = json.dumps(meeting_document(data), ensure_ascii=False).encode()
        self._meeting_files_json = json.dumps(store.meeting_files(), ensure_ascii=False).encode()
        self._snapshot: tuple[object, str] = (None, "")  # (the state, its snapshot message)
        self.assets = page_assets(STATIC_DIR, CSP, data, self._meeting_json)
        self.port = 0

    # --- HTTP ----------------------------------------------------------------------------

    def _response(self, status: int, body: bytes, content_type: str, *, cache: bool = False) -> Response:
        headers = Headers(
            [
                ("Content-Type", content_type),
                ("Content-Length", str(len(body))),
                ("Content-Security-Policy", CSP),
                ("X-Content-Type-Options", "nosniff"),
                ("Referrer-Policy", "no-referrer"),
                ("Cache-Control", "max-age=300" if cache else "no-store"),
                ("Connection", "close"),
            ]
        )
        return Response(status, http.HTTPStatus(status).phrase, headers, body)

    def _not_found(self) -> Response:
        return self._response(404, b"Not found\n", "text/plain; charset=utf-8")

    def _file(self, name: str) -> Response:
        path = STATIC_DIR / name
        if not _ASSET_NAME.match(name) or not path.is_file():
            return self._not_found()
        content_type = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
        return self._response(200, path.read_bytes(), content_type)

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        """Route a request: WebSocket paths go on to the handshake, the rest is answered here."""
        path = request.path.split("?", 1)[0]
        if (page := self.assets.answer(request, path, public=self.config.public)) is not None:
            return page  # the page and its assets (server/assets.py)
        if path in ("/ws", "/ws/public"):
            if path == "/ws/public" and not self.config.public:
                return self._not_found()
            if not _origin_allowed(request, self.config.origins):
                logger.info("refused a WebSocket from origin %s", request.headers.get("Origin"))
                return self._response(
                    403, b"This origin may not open the floor's WebSocket.\n", "text/plain; charset=utf-8"
                )
            return None
        if path == "/healthz":
            body = json.dumps(
                {
                    "status": "ok",
                    "meeting": self.setup.meeting_id,
                    "protocol": PROTOCOL_VERSION,
                    "seq": self.floor.seq,
                    "connections": len(self.clients),
                }
            ).encode()
            return self._response(200, body, "application/json")
        if path == "/meeting.json":
            return self._response(200, self._meeting_json, "application/json")
        if path == "/meeting-files.json":
            # The meeting's three files as the floor runs with them: a console re-plans from these.
            return self._response(200, self._meeting_files_json, "application/json")
        if path in ("/", "/index.html"):
            return self._file("index.html")
        if path == "/public" and self.config.public:
            return self._file("public.html")
        if path.startswith("/static/"):
            return self._file(path[len("/static/"):])
        if path == "/favicon.ico":
            return self._file("favicon.ico")
        return self._not_found()

    # --- WebSocket -----------------------------------------------------------------------

    def _push(self, ws: ServerConnection, message) -> None:
        """Queue a message on one connection without awaiting (keeps every client's order)."""
        broadcast([ws], serialize(message))

    def _now(self) -> dt.datetime:
        now = self.clock()
        last = self.floor.state.last_at
        # The log's times never go backwards, even if the system clock is stepped back.
        return last if last is not None and now < last else now

    async def handler(self, ws: ServerConnection) -> None:
        public = ws.request is not None and ws.request.path.split("?", 1)[0] == "/ws/public"
        try:
            client = await self._greet(ws, public)
        except ConnectionClosed:
            return
        if client is None:
            return
        try:
            async for frame in ws:
                if not self._take(client, frame):
                    # Awaited here: returning first would let websockets close with 1000.
                    await ws.close(CLOSE_POLICY, "too many messages; reconnect later")
                    break
        except ConnectionClosed:
            pass
        finally:
            self.clients.discard(client)

    async def _greet(self, ws: ServerConnection, public: bool) -> Client | None:
        """Wait for ``hello``, authenticate, welcome and catch up; None if the connection was refused."""
        limits = self.limits
        try:
            first = await asyncio.wait_for(ws.recv(), limits.hello_timeout)
        except TimeoutError:
            await ws.close(CLOSE_POLICY, f"no hello within {limits.hello_timeout:g} s")
            return None
        try:
            hello = parse_client_message(first) if isinstance(first, str) else None
            if not isinstance(hello, Hello):
                raise MessageError(
                    "hello_required", "the first message of a connection must be a hello"
                )
            check_hello(hello)
        except MessageError as exc:
            reply = error_reply(exc)
            if exc.code == "invalid_command":  # a command before hello: still hello_required
                reply = ErrorMessage(code="hello_required", message="the first message of a connection must be a hello")
            self._push(ws, reply)
            await ws.close(CLOSE_POLICY, reply.code if isinstance(reply, ErrorMessage) else "hello_required")
            return None
        actor: str | None = None
        token_hash: str | None = None
        if not public:
            actor = authenticate(hello.token, self.token_hashes) if hello.token else None
            if actor is None:
                self._push(
                    ws,
                    ErrorMessage(
                        code="not_authenticated",
                        message="this token does not open the floor (unknown, rotated or revoked); "
                        "ask the secretariat for your delegation's link",
                    ),
                )
                await ws.close(CLOSE_POLICY, "not_authenticated")
                return None
            token_hash = hash_token(hello.token)
            if sum(1 for c in self.clients if c.actor == actor) >= limits.per_delegation:
                self._push(ws, ErrorMessage(code="too_many_connections", message=f"{actor} already has {limits.per_delegation} connections; close one (another tab or device), then reconnect"))
                await ws.close(
                    CLOSE_POLICY,
                    f"{actor} already has {limits.per_delegation} connections; close one first",
                )
                return None
        if len(self.clients) >= limits.max_connections:
            await ws.close(CLOSE_TRY_LATER, "the server is full; try again in a moment")
            return None
        client = Client(
            ws=ws,
            actor=actor,
            token_hash=token_hash,
            bucket=TokenBucket(capacity=limits.rate_burst, rate=limits.rate_per_second),
        )
        # Welcome, catch-up and registration happen without awaiting in between, so
        # no broadcast can slip between the catch-up and the first live event.
        now = self.clock()
        if actor is None:
            greeting = Welcome(delegation="public", category="public", seq=self.floor.seq, server_time=now)
        else:
            greeting = welcome(self.floor, actor, now)
        self._push(ws, greeting)
        self._catch_up(ws, hello.last_seq)
        self.clients.add(client)
        return client

    def _catch_up(self, ws: ServerConnection, last_seq: int | None) -> None:
        """Send what a client that applied the events up to ``last_seq`` missed.

        A snapshot is serialized once per state, not once per client: hundreds of
        pages open at the start of a session, and a long meeting's snapshot is large
        (2 MB after 50,000 events, 50 ms to serialize).
        """
        for message in resume_messages(self.floor, last_seq):
            if isinstance(message, SnapshotMessage):
                if self._snapshot[0] is not self.floor.state:
                    self._snapshot = (self.floor.state, serialize(message))
                broadcast([ws], self._snapshot[1])
            else:
                self._push(ws, message)

    def _take(self, client: Client, frame: str | bytes) -> bool:
        """Handle one frame after the hello; False to stop reading (connection closing)."""
        ws = client.ws
        if not client.bucket.allow(time.monotonic()):
            if client.bucket.refused_in_a_row >= self.limits.flood_close_after:
                return False  # the caller closes with 1008
            command_id = _command_id_of(frame)
            self._push(
                ws,
                RefusalMessage(
                    command_id=command_id,
                    code="rate_limited",
                    message=f"too many messages: at most {self.limits.rate_per_second:g} a second "
                    f"after a burst of {self.limits.rate_burst}; wait a moment and send it again "
                    "(with the same id)",
                ),
            )
            return True
        if isinstance(frame, bytes):
            self._push(ws, ErrorMessage(code="invalid_message", message="binary frames are not read; send JSON text"))
            return True
        try:
            message = parse_client_message(frame)
        except MessageError as exc:
            self._push(ws, error_reply(exc))
            return True
        if isinstance(message, Hello):
            self._push(ws, ErrorMessage(code="invalid_message", message="hello was already received on this connection"))
        elif isinstance(message, Sync):
            self._catch_up(ws, message.last_seq)
        elif isinstance(message, CommandMessage):
            self._command(client, message)
        return True

    def _command(self, client: Client, message: CommandMessage) -> None:
        command = message.command
        if client.actor is None:
            self._push(
                client.ws,
                RefusalMessage(command_id=command.id, code="read_only", message="the public view cannot send commands"),
            )
            return
        now = self._now()
        answer = self.floor.handle(client.actor, command, now)
        if answer.accepted and answer.fresh:
            try:
                self.store.append(client.actor, now, command.model_dump(mode="json"), answer.events)
            except Exception as exc:  # noqa: BLE001 (sqlite3.Error, or e.g. text SQLite cannot encode)
                # Not on disk, so it did not happen: forget it and tell the sender.
                logger.error("storing command %s failed: %s", command.id, exc)
                self.floor = rebuild_floor(self.setup, self.store)
                self._push(
                    client.ws,
                    RefusalMessage(
                        command_id=command.id,
                        code="storage_failed",
                        message="the server could not store this command, so it was not carried out; "
                        "send it again",
                    ),
                )
                return
        reply, events = answer_messages(answer)
        sender = client.ws
        if not events:
            self._push(sender, reply)
            return
        texts = [serialize(m) for m in with_view(events, self.floor.state)]
        limit = self.limits.slow_client_buffer
        # The sender first, its events then its accepted (the order it must see them in), so
        # that its answer does not wait behind the fan-out to thousands of others.
        if sender.transport.get_write_buffer_size() <= limit:
            for text in texts:
                broadcast([sender], text)
        self._push(sender, reply)
        # A client too slow to keep up is skipped: it sees the seq gap and syncs.
        others = [c.ws for c in self.clients if c.ws is not sender and c.ws.transport.get_write_buffer_size() <= limit]
        for text in texts:
            broadcast(others, text)

    # --- tokens revoked or rotated while running ---------------------------------------------

    async def watch_tokens(self) -> None:
        while True:
            await asyncio.sleep(self.config.token_poll_seconds)
            with contextlib.suppress(sqlite3.Error):
                self.refresh_tokens()

    def refresh_tokens(self) -> None:
        """Reload live token hashes after another process changed them; close what they no longer open."""
        version = self.store.data_version()
        if version == self._data_version:
            return
        self._data_version = version
        self.token_hashes = self.store.token_hashes()
        live = set(self.token_hashes.values())
        for client in list(self.clients):
            if client.token_hash is not None and client.token_hash not in live:
                self.clients.discard(client)
                asyncio.ensure_future(client.ws.close(CLOSE_POLICY, "token revoked"))


def _command_id_of(frame: str | bytes) -> str | None:
    # Only for the rate-limit refusal, so the client can match it; never trusted otherwise.
    try:
        raw = json.loads(frame)
        command_id = raw["command"]["id"]
        if not isinstance(command_id, str) or not 1 <= len(command_id) <= 100:
            return None
        command_id.encode("utf-8")  # a lone surrogate (\ud800 in JSON) could not be sent back
        return command_id
    except Exception:  # noqa: BLE001 (any malformed frame simply has no id)
        return None


@dataclass
class RunningServer:
    """A server started by :func:`serve`."""

    server: FloorServer
    port: int
    http_url: str
    ws_url: str


def _ssl_context(config: ServerConfig) -> ssl.SSLContext | None:
    if config.tls_cert is None and config.tls_key is None:
        return None
    from server.store import StoreError

    if config.tls_cert is None or config.tls_key is None:
        raise StoreError("give both --tls-cert and --tls-key, or neither", title="TLS")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(config.tls_cert, config.tls_key)
    except (OSError, ssl.SSLError) as exc:
        raise StoreError(
            f"{config.tls_cert} / {config.tls_key}: cannot load the certificate and key ({exc})", title="TLS"
        ) from None
    return context


def open_store(config: ServerConfig, data: MeetingData) -> FloorStore:
    """The meeting's database, created on first use, checked against the meeting data."""
    from vccsched.cli.common import meeting_file_texts

    return FloorStore.open_or_create(config.db_path, data.meeting.id, meeting_file_texts(config.meeting_dir))


@contextlib.asynccontextmanager
async def serve(config: ServerConfig) -> AsyncIterator[RunningServer]:
    """Run the floor server until the block ends; then close connections (1001) and the database."""
    data = load_meeting(config.meeting_dir)
    ssl_context = _ssl_context(config)
    lock = ServerLock(config.db_path)
    lock.acquire()
    try:
        store = open_store(config, data)
    except BaseException:
        lock.release()
        raise
    watcher = None
    try:
        shell = FloorServer(config, data, store)
        async with ws_serve(
            shell.handler,
            config.host,
            config.port,
            process_request=shell.process_request,
            max_size=config.limits.max_frame,
            compression=None,  # per-connection zlib state costs ~100 KiB; frames are small
            ssl=ssl_context,
            server_header=None,
            ping_interval=20,
            ping_timeout=20,
        ) as ws_server:
            port = next(iter(ws_server.sockets)).getsockname()[1]
            shell.port = port
            host = config.host if ":" not in config.host else f"[{config.host}]"
            scheme = "https" if ssl_context else "http"
            running = RunningServer(
                server=shell,
                port=port,
                http_url=f"{scheme}://{host}:{port}",
                ws_url=f"{'wss' if ssl_context else 'ws'}://{host}:{port}/ws",
            )
            lock.describe(f"pid {os.getpid()}, {running.http_url}/")
            watcher = asyncio.create_task(shell.watch_tokens())
            async with beating(shell, config.heartbeat_seconds):
                yield running
    finally:
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        store.close()
        lock.release()
