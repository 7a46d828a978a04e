"""The floor server: one process per meeting, a thin asyncio shell around ``vccsched.floor``.

It does the I/O the pure core leaves out, and nothing else:

* authenticates each WebSocket connection by the token of its ``hello`` and
  takes the actor of every command from that, never from a message;
* stamps each command with the server's clock and hands it to
  :class:`vccsched.floor.Floor`, which decides;
* stores an accepted command and its events durably (:mod:`server.store`)
  *before* broadcasting the events and sending ``accepted``;
* serves the delegates' page, ``/meeting.json`` and ``/healthz`` over HTTP;
* keeps every participant within its share (:mod:`server.door` for
  connections, :mod:`server.ratelimit` for messages), so that nothing one
  token or address sends costs the others their floor or the server its memory.

Use :func:`serve` (an async context manager) in tests and tools, and
``vccsched server run`` from the command line.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
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

from server.door import (
    AcceptErrorLog,
    Capacity,
    Door,
    DoorConfig,
    guarded_connection,
    plan_capacity,
    raise_open_file_limit,
)
from server.assets import page_assets
from server.heartbeat import HEARTBEAT_SECONDS, beating
from server.lock import ServerLock
from server.ratelimit import Rate, RateLimiter
from server.attendance import Attendance
from server.persons import asker_for, published_speakers, welcome_person
from server.proxies import Caller, IPNetwork, TrustedProxies, is_loopback
from server.store import FloorStore, StoreError, authenticate, hash_token, token_holder
from vccsched.correspondence.online import OnlineVersion, ballot_document, online_versions, version_of
from vccsched.floor.engine import Floor
from vccsched.floor.protocol import (
    PROTOCOL_VERSION,
    CommandMessage,
    ErrorMessage,
    Hello,
    MessageError,
    RefusalMessage,
    SnapshotMessage,
    StatusMessage,
    Sync,
    Welcome,
    answer_messages,
    check_hello,
    command_envelope,
    decode_client_frame,
    error_reply,
    parse_client_message,
    resume_messages,
    serialize,
    validate_client_message,
    welcome,
    with_view,
)
from vccsched.floor.state import FloorSetup
from vccsched.loading import MeetingData, load_meeting
from vccsched.names import delegation_names

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


@dataclass(frozen=True)
class Limits:
    """What one connection, one delegation, one address and the whole server may use.

    The defaults suit a Council meeting; ``docs/protocol.md`` (the server's
    limits) and the README ("Does it hold?") say the same numbers.
    """

    hello_timeout: float = 10.0
    max_frame: int = 64 * 1024
    #: Frames read ahead of the handler per connection (each at most ``max_frame``).
    max_queue: int = 4
    #: Connections per link: a delegation's own link, or each registered person's link (a
    #: leaked person's link never takes the places of the other persons of its delegation).
    per_delegation: int = 5
    #: One token bucket per link (delegation's or person's), across all its connections and reconnects.
    rate_burst: int = 20
    rate_per_second: float = 10.0
    #: The chair and the secretariat moderate: a share no real moderation reaches.
    moderator_burst: int = 200
    moderator_per_second: float = 50.0
    #: Messages refused in a row for the rate before the delegation's connections are closed.
    flood_close_after: int = 50
    #: The public view (``--public``): connections in all and from one address.
    public_max: int = 1000
    public_per_address: int = 20
    #: What each public address may send (only ``sync`` makes sense there).
    public_burst: int = 10
    public_per_second: float = 2.0
    #: Connections that have not yet said hello (from the TCP accept on): in all and per address.
    pending_max: int = 256
    pending_per_address: int = 32
    #: A client whose unsent data exceeds this misses broadcasts and catches up by seq gap + sync.
    slow_client_buffer: int = 1024 * 1024
    #: Open files the process keeps for itself (the database, its WAL, the lock, logs).
    reserved_files: int = 64


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
    #: How often a server whose commits fail tries to write again, to recover by itself.
    storage_probe_seconds: float = 5.0
    #: The register of Member States' contributions (``--contributions``); default: the
    #: meeting folder's contributions.csv, if any. Shown per item; the rules ignore it.
    contributions: Path | None = None
    #: A ``tick`` on connections sent nothing else for this long (server/heartbeat.py).
    heartbeat_seconds: float = HEARTBEAT_SECONDS
    #: ``/ballot.json`` per token: a burst, then so many a second.
    ballot_burst: int = 10
    ballot_per_second: float = 1.0
    #: Reverse proxies (``--trusted-proxy``) whose ``X-Forwarded-For`` names the caller
    #: (server/proxies.py); from any other peer the header is ignored.
    trusted_proxies: tuple[IPNetwork, ...] = ()


@dataclass(eq=False)
class Client:
    """One open connection and what the server knows of it."""

    ws: ServerConnection
    actor: str | None  # None: the read-only public view
    token_hash: str | None
    #: Whose share its messages and connections come from: the link's holder (the delegation,
    #: or the registered person ``CHN.2``), or the public caller's address.
    rate_key: str
    moderator: bool = False
    #: The registered person whose token opened it (``CHN.2``); None for a delegation's token.
    person: str | None = None
    #: Being closed by the server (flood, revoked token): what it still sends is dropped unread.
    closing: bool = False


@dataclass
class StorageHealth:
    """Whether commits succeed; what ``/healthz`` and the ``status`` message say."""

    failing: bool = False
    since: dt.datetime | None = None
    reason: str = ""
    last_failure: dt.datetime | None = None
    failures: int = 0

    def document(self) -> dict:
        if not self.failing:
            return {"storage": "ok"}
        return {
            "storage": "failing",
            "reason": self.reason,
            "since": self.since.isoformat() if self.since else None,
            "last_failure": self.last_failure.isoformat() if self.last_failure else None,
            "failed_commits": self.failures,
        }


def rebuild_floor(setup: FloorSetup, store: FloorStore) -> Floor:
    """The floor as the database has it, on start; with the stored commands, so that
    command ids keep their meaning across a restart.

    The garbage collector is paused meanwhile: the objects a long meeting's events
    make would otherwise be scanned again and again (a sixth of the time at 50,000
    events), and folding events makes no reference cycles.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return Floor(setup, events=store.events(), commands=store.accepted_commands())
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
            {"id": d.id, "name": d.name, "names": delegation_names(d), "category": d.category, "timezone": d.timezone}
            for d in data.roster.delegations
        ],
        "speakers": published_speakers(data.registrations, meeting.floor.public_speaker_names),
    }


#: Who may read /speakers.json: the chair, the secretariat and the interpreters.
STAFF_CATEGORIES = ("chair", "secretariat", "interpreter")


def _bearer(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header (never one in a URL)."""
    value = request.headers.get("Authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _caller(connection: ServerConnection) -> Caller:
    """Who the connection is from: set once, when its request is read (:meth:`FloorServer.process_request`)."""
    caller = getattr(connection, "caller", None)
    if caller is None:
        peer = connection.remote_address
        address = str(peer[0]) if peer else "?"
        caller = Caller(address=address, local=is_loopback(address))
    return caller


def _from_loopback(connection: ServerConnection) -> bool:
    """From this machine and not forwarded (a caller through a proxy on 127.0.0.1 is not)."""
    return _caller(connection).local


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
        self.limits = limits = config.limits
        self.data = data
        self.store = store
        contributions, self.contributions_said = floor_register(config, data, store)
        self.setup = FloorSetup.from_meeting(data, contributions)
        self.floor = rebuild_floor(self.setup, store)
        zone = data.meeting.zone
        self.clock = config.clock or (lambda: dt.datetime.now(zone))
        self.clients: set[Client] = set()
        #: delegation -> its open connections (the per-delegation cap, the flood close).
        self.by_actor: dict[str, set[Client]] = {}
        self._interpreters = frozenset(p.id for p in self.setup.participants if p.category == "interpreter")
        self.public_count = 0
        self.public_by_address: dict[str, int] = {}
        self.proxies = TrustedProxies(config.trusted_proxies)
        self._told_untrusted_proxy = False
        self.door = Door(
            DoorConfig(
                pending_max=limits.pending_max,
                pending_per_address=limits.pending_per_address,
            )
        )
        self.rates = RateLimiter(Rate(limits.rate_burst, limits.rate_per_second))
        self.moderator_rates = RateLimiter(Rate(limits.moderator_burst, limits.moderator_per_second))
        self.public_rates = RateLimiter(Rate(limits.public_burst, limits.public_per_second))
        self.storage = StorageHealth()
        #: Who connected on which day, written to the store twice a second (server/attendance.py).
        self.attendance = Attendance(data.meeting.zone)
        self.token_hashes = store.token_hashes()
        self._data_version = store.data_version()
        self._meeting_json = json.dumps(meeting_document(data), ensure_ascii=False).encode()
        self._meeting_files_json = json.dumps(store.meeting_files(), ensure_ascii=False).encode()
        self._speakers_json = json.dumps({"speakers": published_speakers(data.registrations)}, ensure_ascii=False).encode()
        self._snapshot: tuple[object, str] = (None, "")  # (the state, its snapshot message)
        self.assets = page_assets(STATIC_DIR, CSP, data, self._meeting_json)
        self._public_snapshot: tuple[object, str] = (None, "")  # the same without voting rights
        #: Every online reply version (issue 19), with its answers and receipt: for /ballot.json
        #: only; never broadcast. One per accepted cast_reply, bounded like the record.
        self.ballot_versions: list[OnlineVersion] = online_versions(
            self.setup.meeting_id, self.floor.events, store.accepted_commands()
        )
        self.ballot_rates = RateLimiter(Rate(config.ballot_burst, config.ballot_per_second))
        self.port = 0
        self.capacity: Capacity | None = None

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

    def _text(self, status: int, text: str) -> Response:
        return self._response(status, text.encode(), "text/plain; charset=utf-8")

    def _not_found(self) -> Response:
        return self._text(404, "Not found\n")

    def _moderator_of(self, request: Request, categories: tuple[str, ...] = ("chair", "secretariat")) -> str | None:
        """The chair or secretariat delegation (or one of ``categories``) whose token the
        request carries in its header."""
        token = _bearer(request)
        actor = authenticate(token, self.token_hashes) if token else None
        participant = self.setup.participant(actor) if actor else None
        return actor if participant is not None and participant.category in categories else None

    def _for_staff(self, request: Request, categories: tuple[str, ...], body: bytes, refused: str) -> Response:
        """``body`` (JSON) for a token of ``categories`` in the header; 401 without a token, 403 with another."""
        if self._moderator_of(request, categories) is None:
            return self._text(403 if _bearer(request) else 401, refused)
        return self._response(200, body, "application/json")

    def _health(self, connection: ServerConnection, request: Request) -> Response:
        """Whether the floor can store commands (503 while it cannot); attendance only for
        the chair, the secretariat, or a monitor on this machine."""
        body = {
            "status": "ok" if not self.storage.failing else "storage_failing",
            "meeting": self.setup.meeting_id,
            "protocol": PROTOCOL_VERSION,
            "seq": self.floor.seq,
            **self.storage.document(),
        }
        if _from_loopback(connection) or self._moderator_of(request) is not None:
            body["connections"] = len(self.clients)
            # Interpreters follow the floor; they are not delegations (attendance counts delegations).
            interpreters = sum(1 for actor in self.by_actor if actor in self._interpreters)
            body["delegations_connected"] = len(self.by_actor) - interpreters
            body["interpreters_connected"] = interpreters
            body["public"] = self.public_count
            body["not_greeted"] = len(self.door)  # HTTP requests in progress too
        return self._response(
            503 if self.storage.failing else 200, json.dumps(body).encode(), "application/json"
        )

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        """Route a request: WebSocket paths go on to the handshake, the rest is answered here."""
        peer = connection.remote_address
        address = str(peer[0]) if peer else "?"
        caller = connection.caller = self.proxies.caller(address, request.headers)  # type: ignore[attr-defined]
        trusted = self.proxies.trusts(address)
        if not trusted and not self._told_untrusted_proxy and "X-Forwarded-For" in request.headers:
            self._told_untrusted_proxy = True
            logger.warning(
                "a request from %s carries X-Forwarded-For, which is ignored: if this server is behind a "
                "reverse proxy at that address, give --trusted-proxy %s, or every caller shares its "
                "per-address bounds (said once)",
                address,
                address,
            )
        if trusted and not self.door.place(connection, caller.address):
            return self._text(
                429,
                f"Too many connections from your address ({caller.address}) are waiting for their hello "
                f"({self.limits.pending_per_address}); close some, then try again.\n",
            )
        path = request.path.split("?", 1)[0]
        if (page := self.assets.answer(request, path, public=self.config.public)) is not None:
            return page  # the page and its assets (server/assets.py)
        if path in ("/ws", "/ws/public"):
            if path == "/ws/public" and not self.config.public:
                return self._not_found()
            if not _origin_allowed(request, self.config.origins):
                logger.info("refused a WebSocket from origin %s", request.headers.get("Origin"))
                return self._text(403, "This origin may not open the floor's WebSocket.\n")
            return None
        if path == "/healthz":
            return self._health(connection, request)
        if path == "/meeting.json":
            return self._response(200, self._meeting_json, "application/json")
        if path == "/meeting-files.json":
            # The meeting's three files as the floor runs with them, for a console that
            # re-plans: the roster's voting rights and notes are not for everyone.
            return self._for_staff(
                request, ("chair", "secretariat"), self._meeting_files_json,
                "The meeting files are given to the chair's and the secretariat's consoles only: "
                "send their token as 'Authorization: Bearer <token>'.\n",
            )
        if path == "/speakers.json":
            # The speakers' names whatever floor.public_speaker_names says: for the chair, the
            # secretariat and the interpreters (accredited staff), never delegates or the webcast.
            return self._for_staff(
                request, STAFF_CATEGORIES, self._speakers_json,
                "The speakers' names are given to the chair's, the secretariat's and the interpreters' "
                "tokens only: send one as 'Authorization: Bearer <token>'.\n",
            )
        if path == "/ballot.json":
            return self._ballot_json(request)
        return self._not_found()

    def _ballot_json(self, request: Request) -> Response:
        """A focal point's (or any delegation's) view of the decision by correspondence: the
        round, its delegation's own replies with their receipts, the published result."""
        token = _bearer(request)
        holder = token_holder(token, self.token_hashes) if token else None
        actor = getattr(self.token_hashes, "delegation_of", {}).get(holder, holder) if holder else None
        if actor is None:
            return self._text(
                401,
                "Send your link's token as 'Authorization: Bearer <token>' (unknown, rotated or revoked "
                "tokens open nothing).\n",
            )
        if not self.ballot_rates.allow(holder, time.monotonic()):
            return self._text(429, f"Too many requests: {self.ballot_rates.rate.describe()} per link.\n")
        person = holder if holder != actor else None
        asker = asker_for(self.data.registrations, person, actor)
        document = ballot_document(self.floor.state, actor, asker, self.ballot_versions, self.clock())
        return self._response(200, json.dumps(document, ensure_ascii=False).encode(), "application/json")

    # --- WebSocket -----------------------------------------------------------------------

    def _push(self, ws: ServerConnection, message) -> None:
        """Queue a message on one connection without awaiting (keeps every client's order)."""
        broadcast([ws], serialize(message))

    async def _refuse_at_door(self, ws: ServerConnection, close_code: int, code: str, message: str) -> None:
        """Say why (an ``error`` the page can translate), then close."""
        self._push(ws, ErrorMessage(code=code, message=message))
        await ws.close(close_code, code)

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
        finally:
            self.door.leave(ws)  # greeted or gone: no longer waiting for its hello
        if client is None:
            return
        try:
            # Read until the connection is closed, even one the server is closing: frames
            # left unread would stop websockets from reading the client's close frame.
            async for frame in ws:
                if not client.closing:
                    self._take(client, frame)
        except ConnectionClosed:
            pass
        finally:
            self._forget(client)

    def _forget(self, client: Client) -> None:
        if client not in self.clients:
            return
        self.clients.discard(client)
        if client.actor is not None:
            mine = self.by_actor.get(client.actor)
            if mine is not None:
                mine.discard(client)
                if not mine:
                    del self.by_actor[client.actor]
        else:
            self.public_count -= 1
            left = self.public_by_address.get(client.rate_key, 1) - 1
            if left > 0:
                self.public_by_address[client.rate_key] = left
            else:
                self.public_by_address.pop(client.rate_key, None)

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
        if public:
            client = await self._admit_public(ws)
        else:
            client = await self._admit(ws, hello.token)
        if client is None:
            return None
        # Welcome, catch-up and registration happen without awaiting in between, so
        # no broadcast can slip between the catch-up and the first live event.
        now = self.clock()
        beat = self.config.heartbeat_seconds
        if client.actor is None:
            greeting = Welcome(delegation="public", category="public", seq=self.floor.seq, server_time=now, heartbeat_seconds=beat)
        else:
            greeting = welcome(
                self.floor, client.actor, now, beat, person=welcome_person(self.data.registrations, client.person)
            )
        self._push(ws, greeting)
        self._catch_up(ws, hello.last_seq, without_voting_rights=self._not_told_arrears(client))
        if self.storage.failing:
            self._push(ws, self._status_message())
        self.clients.add(client)
        if client.actor is not None:
            self.by_actor.setdefault(client.actor, set()).add(client)
            self.attendance.seen(client.actor, client.person, now)
        else:
            self.public_count += 1
            self.public_by_address[client.rate_key] = self.public_by_address.get(client.rate_key, 0) + 1
        return client

    async def _admit(self, ws: ServerConnection, token: str | None) -> Client | None:
        """A delegation's connection: its token, its cap, its share of the rate."""
        limits = self.limits
        holder = token_holder(token, self.token_hashes) if token else None
        actor = getattr(self.token_hashes, "delegation_of", {}).get(holder, holder)
        if actor is None:
            await self._refuse_at_door(
                ws,
                CLOSE_POLICY,
                "not_authenticated",
                "this token does not open the floor (unknown, rotated or revoked); "
                "ask the secretariat for your delegation's link",
            )
            return None
        # Per link: one person's leaked link cannot take the places of its delegation's others.
        if sum(1 for c in self.by_actor.get(actor, ()) if c.rate_key == holder) >= limits.per_delegation:
            whose = actor if holder == actor else f"{holder} ({actor})"
            await self._refuse_at_door(
                ws,
                CLOSE_POLICY,
                "too_many_connections",
                f"this link of {whose} already has {limits.per_delegation} connections; close the page on "
                "another tab or device, then connect again",
            )
            return None
        participant = self.setup.participant(actor)
        moderator = participant is not None and participant.category in ("chair", "secretariat")
        rates = self.moderator_rates if moderator else self.rates
        # A hello is a message too: a delegation reconnecting in a loop spends its share.
        if not rates.allow(holder, time.monotonic()):
            await self._refuse_at_door(
                ws,
                CLOSE_TRY_LATER,
                "rate_limited_closed",
                f"{holder} sent too many messages ({rates.rate.describe()}); wait a few seconds, then connect again",
            )
            return None
        self.door.greeted(_address_of(ws))
        person = holder if holder != actor else None
        return Client(ws=ws, actor=actor, token_hash=hash_token(token or ""), rate_key=holder, moderator=moderator, person=person)

    async def _admit_public(self, ws: ServerConnection) -> Client | None:
        """A webcast viewer: its own budget, so viewers never take a delegation's place."""
        limits = self.limits
        address = _address_of(ws)
        if self.public_count >= limits.public_max or self.public_by_address.get(address, 0) >= limits.public_per_address:
            await self._refuse_at_door(
                ws,
                CLOSE_TRY_LATER,
                "server_full",
                "the public view has as many viewers as it can hold; try again in a few minutes",
            )
            return None
        if not self.public_rates.allow(address, time.monotonic()):
            await self._refuse_at_door(
                ws, CLOSE_TRY_LATER, "rate_limited_closed", "too many connections from this address; wait a moment"
            )
            return None
        return Client(ws=ws, actor=None, token_hash=None, rate_key=address)

    def _not_told_arrears(self, client: Client) -> bool:
        """Voting rights depend on arrears: not for the public view, nor for the interpreters,
        who follow the floor and have no vote."""
        return client.actor is None or client.actor in self._interpreters

    def _catch_up(self, ws: ServerConnection, last_seq: int | None, *, without_voting_rights: bool = False) -> None:
        """Send what a client that applied the events up to ``last_seq`` missed.

        A snapshot is serialized once per state, not once per client: hundreds of
        pages open at the start of a session, and a long meeting's snapshot is large
        (2 MB after 50,000 events, 50 ms to serialize). The public view's and the
        interpreters' have no voting rights (they depend on arrears: not for anonymous
        viewers, and the interpreters have no vote).
        """
        for message in resume_messages(self.floor, last_seq, self.store.head):
            if isinstance(message, SnapshotMessage):
                slot = "_public_snapshot" if without_voting_rights else "_snapshot"
                state, text = getattr(self, slot)
                if state is not self.floor.state:
                    text = serialize(_without_voting_rights(message) if without_voting_rights else message)
                    setattr(self, slot, (self.floor.state, text))
                broadcast([ws], text)
            else:
                self._push(ws, message)

    def _limiter(self, client: Client) -> RateLimiter:
        if client.actor is None:
            return self.public_rates
        return self.moderator_rates if client.moderator else self.rates

    def _take(self, client: Client, frame: str | bytes) -> None:
        """Handle one frame after the hello."""
        ws = client.ws
        limiter = self._limiter(client)
        bucket = limiter.bucket(client.rate_key)
        if not bucket.allow(time.monotonic()):
            if bucket.refused_in_a_row >= self.limits.flood_close_after:
                self._close_flooder(client, limiter)
                return
            self._push(
                ws,
                RefusalMessage(
                    command_id=_command_id_of(frame),
                    code="rate_limited",
                    message=f"too many messages: {limiter.rate.describe()}"
                    f"{' for your link, on all its connections' if client.actor else ''}; "
                    "wait a moment and send it again (with the same id)",
                ),
            )
            return
        if isinstance(frame, bytes):
            self._push(ws, ErrorMessage(code="invalid_message", message="binary frames are not read; send JSON text"))
            return
        try:
            raw = decode_client_frame(frame)
            envelope = command_envelope(raw)
            if envelope is not None and client.actor is not None and set(raw) == {"type", "command"}:
                # Who may send it is decided before the command is read: a delegate's
                # large publish_plan is refused without being validated or kept.
                refusal = self.floor.precheck(client.actor, envelope[0])
                if refusal is not None:
                    self._push(ws, RefusalMessage(command_id=envelope[1], code=refusal.code, message=refusal.message))
                    return
            message = validate_client_message(raw)
        except MessageError as exc:
            self._push(ws, error_reply(exc))
            return
        if isinstance(message, Hello):
            self._push(ws, ErrorMessage(code="invalid_message", message="hello was already received on this connection"))
        elif isinstance(message, Sync):
            if ws.transport.get_write_buffer_size() <= self.limits.slow_client_buffer:
                self._catch_up(ws, message.last_seq, without_voting_rights=self._not_told_arrears(client))
            # else: it has not taken what it was sent; it syncs again at the next gap
        elif isinstance(message, CommandMessage):
            self._command(client, message)

    def _close_flooder(self, client: Client, limiter: RateLimiter) -> None:
        """A sender that kept sending while refused: close its link's connections (or this
        public connection), saying why; the others, of its delegation too, never notice."""
        if client.actor:
            victims = [c for c in self.by_actor.get(client.actor, ()) if c.rate_key == client.rate_key] or [client]
        else:
            victims = [client]
        logger.warning("closing %d connection(s) of %s: flooding", len(victims), client.actor or client.rate_key)
        error = ErrorMessage(
            code="rate_limited_closed",
            message=f"too many messages while refused ({limiter.rate.describe()}); the connections of "
            f"{client.rate_key if client.actor else 'this address'} are closed: fix the sender, then connect again",
        )
        for victim in victims:
            self._forget(victim)
            victim.closing = True
            self._push(victim.ws, error)
            asyncio.ensure_future(victim.ws.close(CLOSE_POLICY, "rate_limited_closed"))

    def _command(self, client: Client, message: CommandMessage) -> None:
        command = message.command
        if client.actor is None:
            self._push(
                client.ws,
                RefusalMessage(command_id=command.id, code="read_only", message="the public view cannot send commands"),
            )
            return
        now = self._now()
        asker = asker_for(self.data.registrations, client.person, client.actor)
        answer = self.floor.handle(client.actor, command, now, asker)
        if answer.accepted and answer.fresh:
            try:
                self.store.append(client.actor, now, command.model_dump(mode="json"), answer.events)
            except Exception as exc:  # noqa: BLE001 (sqlite3.Error, or e.g. text SQLite cannot encode)
                # Not on disk, so it did not happen: take it back, tell the sender, and
                # never broadcast it.
                self.floor.undo_last()
                self._storage_failed(exc)
                self._push(
                    client.ws,
                    RefusalMessage(
                        command_id=command.id,
                        code="storage_failed",
                        message="the server could not store this command, so it was not carried out "
                        f"({self.storage.reason}); send it again",
                    ),
                )
                return
            if self.storage.failing:
                self._storage_recovered()
        receipt = None
        if answer.accepted and command.type == "cast_reply":
            version = version_of(self.setup.meeting_id, answer.events[0], command.model_dump(mode="json"))
            receipt = version.receipt
            if answer.fresh:
                self.ballot_versions.append(version)
        reply, events = answer_messages(answer, self.store.head, receipt)
        sender = client.ws
        if not events:
            self._push(sender, reply)
            return
        texts = [serialize(m) for m in with_view(events, self.floor.state, self.store.head)]
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

    # --- storage faults ----------------------------------------------------------------------

    def _status_message(self) -> StatusMessage:
        health = self.storage
        return StatusMessage(
            storage="failing" if health.failing else "ok",
            since=health.since or self.clock(),
            message=f"the server cannot store commands: {health.reason}" if health.failing else "",
        )

    def _storage_failed(self, exc: BaseException) -> None:
        health = self.storage
        now = self.clock()
        reason = _storage_reason(exc)
        health.last_failure, health.failures, health.reason = now, health.failures + 1, reason
        logger.error("storing a command failed: %s", reason)
        if not health.failing:
            health.failing, health.since = True, now
            broadcast([c.ws for c in self.clients], serialize(self._status_message()))

    def _storage_recovered(self) -> None:
        health = self.storage
        logger.warning("storing commands works again after %d failed commit(s)", health.failures)
        self.storage = StorageHealth(since=self.clock())
        broadcast([c.ws for c in self.clients], serialize(self._status_message()))

    async def watch_storage(self) -> None:
        """While commits fail, try a small write now and then, so that the server says it
        is well again (``/healthz``, the consoles, the pages) as soon as there is room."""
        while True:
            await asyncio.sleep(self.config.storage_probe_seconds)
            if self.storage.failing:
                try:
                    self.store.probe_write()
                except Exception as exc:  # noqa: BLE001
                    self.storage.reason = _storage_reason(exc)
                else:
                    self._storage_recovered()

    # --- tokens revoked or rotated while running ---------------------------------------------

    async def watch_tokens(self) -> None:
        while True:
            await asyncio.sleep(self.config.token_poll_seconds)
            with contextlib.suppress(sqlite3.Error):
                self.refresh_tokens()
            self.attendance.flush(self.store)
            # Anonymous callers' buckets are dropped once full again, so addresses tried
            # once cost no memory that stays; the delegations' buckets are kept, so that
            # reconnecting never refills them.
            self.public_rates.forget_idle(time.monotonic())

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
                self._forget(client)
                client.closing = True
                self._push(
                    client.ws,
                    ErrorMessage(
                        code="token_revoked",
                        message="the secretariat revoked or replaced this link; use the new link it sent you",
                    ),
                )
                asyncio.ensure_future(client.ws.close(CLOSE_POLICY, "token revoked"))


def _address_of(ws: ServerConnection) -> str:
    return _caller(ws).address


def _without_voting_rights(message: SnapshotMessage) -> SnapshotMessage:
    setup = message.state.setup
    participants = [p.model_copy(update={"voting_rights": None}) for p in setup.participants]
    state = message.state.model_copy(update={"setup": setup.model_copy(update={"participants": participants})})
    return message.model_copy(update={"state": state})


def _storage_reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "…"


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
    from vccsched.meeting_files import meeting_file_texts

    return FloorStore.open_or_create(config.db_path, data.meeting.id, meeting_file_texts(config.meeting_dir))


def floor_register(config: ServerConfig, data: MeetingData, store: FloorStore) -> tuple[dict, str]:
    """The contributions the floor shows, and a line saying which register they come from.

    A register given now (``--contributions``, or the meeting folder's ``contributions.csv``)
    is stored in the database in place of the one stored before; without one, the stored
    register is used, so that a restart without the option shows the same contributions.
    """
    from vccsched.contributions.floor import MEETING_REGISTER, load_floor_contributions
    from vccsched.floor.setup import Contribution

    zone = data.meeting.zone
    path = config.contributions
    if path is None and (config.meeting_dir / MEETING_REGISTER).is_file():
        path = config.meeting_dir / MEETING_REGISTER
    before = store.stored_contributions()
    when = (lambda stored: dt.datetime.fromisoformat(stored.stored_at).astimezone(zone).strftime("%Y-%m-%d %H:%M %Z"))
    if path is not None:
        found, _ = load_floor_contributions(data, path)
        store.store_contributions({n: [(c.symbol, c.delegation) for c in cs] for n, cs in found.items()}, str(Path(path).resolve()))
        replacing = f", replacing the register stored on {when(before)}" if before is not None else ""
        return found, f"{_contributions_count(found)}: register given now ({path}), stored in the database{replacing}"
    if before is not None:
        found = {n: [Contribution(symbol=s, delegation=d) for s, d in entries] for n, entries in before.items.items()}
        return found, (f"{_contributions_count(found)}: the register stored on {when(before)} ({before.source}); "
                       "give --contributions to replace it")
    return {}, "none (give a register with --contributions)"


def _contributions_count(found: dict) -> str:
    symbols = {c.symbol for entries in found.values() for c in entries}
    return f"{len(symbols)} on {len(found)} item(s)"


def open_server_store(config: ServerConfig, data: MeetingData) -> FloorStore:
    """:func:`open_store`, then what a server needs besides: a sound file it can write to."""
    store = open_store(config, data)
    try:
        store.check_sound()
        store.check_writable()
    except BaseException:
        store.close_reader()
        raise
    return store


def _plan_capacity(config: ServerConfig, data: MeetingData) -> tuple[Limits, Capacity]:
    """The limits this process can keep with the open files the system allows it."""
    limits = config.limits
    # Every link: each delegation's own, and each registered person's.
    links = len(data.roster.delegations) + (len(data.registrations.persons) if data.registrations else 0)
    delegations = links * limits.per_delegation
    public = limits.public_max if config.public else 0
    wanted = limits.reserved_files + delegations + public + limits.pending_max
    capacity = plan_capacity(
        delegations=delegations,
        public=public,
        pending=limits.pending_max,
        reserved_files=limits.reserved_files,
        open_files=raise_open_file_limit(wanted),
    )
    if capacity.shrunk:
        limits = dataclasses.replace(
            limits, public_max=capacity.public if config.public else limits.public_max, pending_max=capacity.pending
        )
    return limits, capacity


def _remove_new_database(db_path: Path) -> None:
    """Undo a database this run created, when the server could not start after all."""
    for suffix in ("", "-wal", "-shm", ".lock"):
        with contextlib.suppress(OSError):
            Path(f"{db_path}{suffix}").unlink()


@contextlib.asynccontextmanager
async def serve(config: ServerConfig) -> AsyncIterator[RunningServer]:
    """Run the floor server until the block ends; then close connections (1001) and the database."""
    data = load_meeting(config.meeting_dir)
    ssl_context = _ssl_context(config)
    limits, capacity = _plan_capacity(config, data)
    config = dataclasses.replace(config, limits=limits)
    created = not Path(config.db_path).exists()
    lock = ServerLock(config.db_path)
    lock.acquire()
    store = None
    try:
        store = open_server_store(config, data)
        shell = FloorServer(config, data, store)
    except BaseException:
        if store is not None:
            store.close_reader()
        lock.release()
        if created:
            _remove_new_database(config.db_path)
        raise
    tasks: list[asyncio.Task] = []
    loop = asyncio.get_running_loop()
    previous_handler = loop.get_exception_handler()
    listening = False
    try:
        shell.capacity = capacity
        loop.set_exception_handler(AcceptErrorLog())
        async with ws_serve(
            shell.handler,
            config.host,
            config.port,
            process_request=shell.process_request,
            create_connection=guarded_connection(shell.door, shell.proxies),
            max_size=limits.max_frame,
            max_queue=limits.max_queue,
            compression=None,  # per-connection zlib state costs ~100 KiB; frames are small
            ssl=ssl_context,
            server_header=None,
            ping_interval=20,
            ping_timeout=20,
        ) as ws_server:
            listening = True
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
            tasks = [asyncio.create_task(shell.watch_tokens()), asyncio.create_task(shell.watch_storage())]
            async with beating(shell, config.heartbeat_seconds):
                yield running
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        loop.set_exception_handler(previous_handler)
        shell.attendance.flush(store)  # the last welcomes, before the database is closed
        store.close()
        lock.release()
        if created and not listening:
            _remove_new_database(config.db_path)  # e.g. the port was in use: leave nothing behind
