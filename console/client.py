"""The floor protocol client: a :class:`ClientSession` over a websockets connection.

Independent of Textual. Run :meth:`FloorClient.run` in a task; it connects,
says hello with the token and the last ``seq``, folds the server's events,
answers gaps with a sync, resends unanswered commands with their ids after a
reconnection, and reconnects with backoff until :meth:`FloorClient.close`.
Everything it learns goes to the ``on_update`` callback (called in the event
loop, one call per update, in order): the session's updates plus
:class:`Connection` whenever the connection state changes::

    client = FloorClient("ws://127.0.0.1:8765/ws", token, on_update=show)
    task = asyncio.create_task(client.run())
    answer = await client.send({"type": "next_speaker"})   # an Answered
    data = await client.fetch_meeting()   # the meeting's files, over HTTP beside the WebSocket
    await client.close()
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit, urlunsplit

import websockets
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from console.connection_errors import lasting_problem
from console.session import Answered, ClientSession, ServerError, SessionError, Update
from vccsched.errors import VccschedError

if TYPE_CHECKING:  # pragma: no cover
    from vccsched.loading import MeetingData

Status = Literal["connecting", "live", "reconnecting", "offline", "rejected", "closed"]

#: Seconds between attempts: quick at first (a blip), then every few seconds.
DEFAULT_BACKOFF: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 3.0, 5.0)

#: After this long without a connection, "reconnecting" becomes "offline".
OFFLINE_AFTER = dt.timedelta(seconds=10)

#: The server sends at least a ``tick`` this often; twice that without a frame, the connection is dead.
#: A server's welcome may say its own period (``heartbeat_seconds``); it is then taken instead,
#: but never below :data:`MIN_HEARTBEAT_SECONDS` (a bound on how often the watchdog looks).
HEARTBEAT_SECONDS = 5.0
SILENCE_SECONDS = 2 * HEARTBEAT_SECONDS
MIN_HEARTBEAT_SECONDS = 0.5


def silence_for(heartbeat_seconds: float | None) -> float:
    """Seconds without a frame after which a connection is dead, for a server's announced
    heartbeat (``None``: it said nothing, so the protocol's 5 s)."""
    if heartbeat_seconds is None:
        return SILENCE_SECONDS
    return 2 * max(heartbeat_seconds, MIN_HEARTBEAT_SECONDS)


def wall_now() -> dt.datetime:
    """The computer's clock, which NTP or a person may set forward or back at any moment."""
    return dt.datetime.now(dt.timezone.utc)


class SteadyClock:
    """Local time that only moves forward, evenly: the computer's clock read once, then the
    monotonic clock. Countdowns computed with it (plus the server's offset) survive the
    computer's clock being set while the console runs."""

    def __init__(self) -> None:
        self._wall = wall_now()
        self._mono = time.monotonic()

    def __call__(self) -> dt.datetime:
        return self._wall + dt.timedelta(seconds=time.monotonic() - self._mono)


local_now = SteadyClock()


class SilentConnection(Exception):
    """Nothing came from the server for :data:`SILENCE_SECONDS`: the link died without a word."""


@dataclass(frozen=True)
class Connection:
    """Where the connection stands, for the screen.

    ``since`` is when this status began (server clock): for ``reconnecting``
    and ``offline``, when the connection was lost. ``detail`` says why.
    """

    status: Status
    since: dt.datetime
    detail: str = ""
    attempt: int = 0

    @property
    def live(self) -> bool:
        return self.status == "live"


class NotConnected(Exception):
    """A command was sent while the connection is down; the console disables commands then."""


class MeetingFilesError(VccschedError):
    """The meeting's files (window, buffer, agenda minutes) could not be had from the server."""

    title = "Meeting files"


def meeting_files_url(ws_url: str) -> str:
    """Where the server serves the meeting's files, beside its WebSocket:
    ``ws://host:port/ws`` -> ``http://host:port/meeting-files.json`` (``wss`` ->
    ``https``; a path prefix before ``/ws``, as behind a proxy, is kept)."""
    parts = urlsplit(ws_url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme.lower(), parts.scheme)
    prefix = parts.path.rsplit("/", 1)[0] if "/" in parts.path else ""
    return urlunsplit((scheme, parts.netloc, f"{prefix}/meeting-files.json", "", ""))


def meeting_json_url(ws_url: str) -> str:
    """``/meeting.json`` beside the WebSocket, as :func:`meeting_files_url` finds its files."""
    return meeting_files_url(ws_url).removesuffix("/meeting-files.json") + "/meeting.json"


#: /meeting.json is a few hundred kB at most; a server that sends more is not read further.
MEETING_JSON_MAX = 4_000_000


def speakers_json_url(ws_url: str) -> str:
    """``/speakers.json`` beside the WebSocket: the names for the chair, the secretariat and
    the interpreters, whatever ``floor.public_speaker_names`` says."""
    return meeting_files_url(ws_url).removesuffix("/meeting-files.json") + "/speakers.json"


#: The categories whose token reads /speakers.json (the server's STAFF_CATEGORIES).
STAFF_CATEGORIES = ("chair", "secretariat", "interpreter")


def read_speakers(url: str, timeout: float = 10.0, token: str | None = None):
    """The registered speakers the server names in ``/meeting.json``, or in ``/speakers.json``
    with a staff ``token`` in the header (blocking; run it in a thread). Raises
    :class:`MeetingFilesError` when it cannot be had."""
    from console.model import speakers_from

    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(MEETING_JSON_MAX + 1)
        if len(body) > MEETING_JSON_MAX:
            raise MeetingFilesError(f"{url}: larger than {MEETING_JSON_MAX} bytes")
        return speakers_from(json.loads(body))
    except MeetingFilesError:
        raise
    except (OSError, ValueError) as exc:
        raise MeetingFilesError(f"{url}: {exc}") from exc


def read_meeting(url: str, token: str | None = None, timeout: float = 10.0) -> MeetingData:
    """GET the server's ``/meeting-files.json`` and load the meeting the floor runs with.

    The server gives the files to the chair's and the secretariat's tokens only,
    sent in the ``Authorization`` header (never in the URL).

    Blocking (run it in a thread). Raises :class:`MeetingFilesError` when the
    server cannot be reached or sends something else, and
    :class:`~vccsched.errors.DataError` when the files do not load.
    """
    from vccsched.meeting_files import load_meeting_files

    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            raise MeetingFilesError(
                f"{url}: the server gives the meeting files to the chair's and the secretariat's "
                "tokens only; re-planning needs one of them"
            ) from None
        raise MeetingFilesError(f"{url}: the server answered {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise MeetingFilesError(f"{url}: cannot reach the server ({reason})") from None
    try:
        files = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise MeetingFilesError(f"{url}: the server did not send JSON") from None
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise MeetingFilesError(f"{url}: expected an object of file name -> YAML text")
    return load_meeting_files(files, url)


class FloorClient:
    """A live connection to the floor server (see the module docstring)."""

    def __init__(
        self,
        url: str,
        token: str | None,
        *,
        on_update: Callable[[Update | Connection], None] | None = None,
        backoff: Sequence[float] = DEFAULT_BACKOFF,
        offline_after: dt.timedelta = OFFLINE_AFTER,
        clock: Callable[[], dt.datetime] = local_now,
        silence: float | None = None,
    ) -> None:
        self.url = url
        self.session = ClientSession(token)
        self.on_update = on_update or (lambda update: None)
        self.backoff = tuple(backoff)
        self.offline_after = offline_after
        self.clock = clock
        #: ``silence`` given: always that; otherwise from each welcome (see :func:`silence_for`).
        self.fixed_silence = silence
        self.silence = SILENCE_SECONDS if silence is None else silence
        self.connection = Connection("connecting", clock())
        self._ws: Any = None
        self._closing = False
        self._answers: dict[str, asyncio.Future[Answered]] = {}
        self._changed = asyncio.Event()

    # --- what the console reads ---------------------------------------------------------

    @property
    def state(self):
        return self.session.state

    @property
    def delegation(self) -> str | None:
        return self.session.delegation

    @property
    def category(self) -> str | None:
        return self.session.category

    def now(self) -> dt.datetime:
        """The server's clock now (as corrected by the last welcome)."""
        return self.session.server_now(self.clock())

    async def fetch_meeting(self) -> MeetingData:
        """The meeting the floor runs with (window, buffer, minutes), from the server over
        HTTP, in a thread; see :func:`read_meeting` for the errors."""
        return await asyncio.to_thread(read_meeting, meeting_files_url(self.url), self.session.token)

    async def fetch_speakers(self):
        """The registered speakers' names (see :func:`read_speakers`): the chair's, the
        secretariat's and the interpreters' consoles from ``/speakers.json`` with their token
        (names even when the meeting does not publish them), others from ``/meeting.json``."""
        token = self.session.token
        if token and self.category in STAFF_CATEGORIES:
            return await asyncio.to_thread(read_speakers, speakers_json_url(self.url), 10.0, token)
        return await asyncio.to_thread(read_speakers, meeting_json_url(self.url))

    # --- commands -----------------------------------------------------------------------------

    async def send(self, command: dict[str, Any]) -> Answered:
        """Send ``command`` (without ``id``) and wait for the server's answer.

        Raises :class:`NotConnected` at once if the connection is down. If it
        drops after sending, the command is resent with the same id on the
        next connection and this call keeps waiting for that answer.
        """
        if not self.connection.live or self._ws is None:
            raise NotConnected(f"not connected to the server ({self.connection.status})")
        command_id, text = self.session.command(command)
        future: asyncio.Future[Answered] = asyncio.get_running_loop().create_future()
        self._answers[command_id] = future
        with contextlib.suppress(ConnectionClosed):
            await self._ws.send(text)  # if it is lost, the resend after welcome covers it
        return await future

    # --- the connection loop -----------------------------------------------------------------

    def _set(self, status: Status, detail: str = "", attempt: int = 0) -> None:
        since = self.connection.since
        down = ("reconnecting", "offline")
        if not (status in down and self.connection.status in down):
            since = self.now()  # "offline since" is the time the link was lost (server clock)
        self.connection = Connection(status, since, detail, attempt)
        self._emit(self.connection)

    def _emit(self, update: Update | Connection) -> None:
        if isinstance(update, Answered):
            future = self._answers.pop(update.command_id, None)
            if future is not None and not future.done():
                future.set_result(update)
        self.on_update(update)
        self._changed.set()

    async def run(self) -> None:
        """Stay connected until :meth:`close` (or a fatal error such as a bad token)."""
        attempt = 0
        while not self._closing:
            try:
                fatal = await self._connect_once()
                if fatal is not None:
                    self._set("rejected", f"{fatal.message} ({fatal.code})")
                    return
            except SilentConnection as exc:
                reason = str(exc)
                attempt = 0  # the link was up and has just gone quiet: try again at once
            except (OSError, ConnectionClosed, InvalidHandshake, asyncio.TimeoutError) as exc:
                reason = str(exc) or type(exc).__name__
                if isinstance(exc, asyncio.TimeoutError):
                    attempt = min(attempt, 1)  # the attempt already waited: keep trying often
                lasting = lasting_problem(exc, self.url, attempt=attempt, ever_connected=self.state is not None)
                if lasting is not None:  # a wrong address: say so, and stop rather than retry for ever
                    reason, stop = lasting
                    if stop:
                        self._set("rejected", reason)
                        return
            except InvalidURI as exc:
                self._set("rejected", f"not a WebSocket URL: {exc}")
                return
            except SessionError as exc:
                # Something did not fold: start again from a fresh snapshot.
                self.session.reset()
                reason = f"resynchronising ({exc})"
            else:
                reason = "the server closed the connection"
            self._ws = None
            if self._closing:
                break
            if self.connection.live:
                attempt = 0  # the link was up: start the backoff again from the beginning
            now = self.now()
            down_for = now - (self.connection.since if self.connection.status in ("reconnecting", "offline") else now)
            status: Status = "offline" if down_for >= self.offline_after else "reconnecting"
            self._set(status, reason, attempt + 1)
            delay = self.backoff[min(attempt, len(self.backoff) - 1)]
            attempt += 1
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
        self._set("closed")

    async def _connect_once(self) -> ServerError | None:
        """One connection, until it drops; returns a fatal server error, if any."""
        async with websockets.connect(self.url, open_timeout=5, max_size=2**24) as ws:
            self._ws = ws
            self._heard = time.monotonic()
            watchdog = asyncio.create_task(self._watch_silence(ws))
            try:
                await ws.send(self.session.hello(self.clock()))
                async for text in ws:
                    self._heard = time.monotonic()
                    updates, replies = self.session.receive(text, self.clock())
                    for reply in replies:
                        await ws.send(reply)
                    for update in updates:
                        if isinstance(update, ServerError) and update.fatal:
                            self._emit(update)
                            return update
                        if type(update).__name__ == "Welcomed" and self.fixed_silence is None:
                            self.silence = silence_for(update.heartbeat_seconds)
                        if not self.connection.live and type(update).__name__ == "Welcomed":
                            self._set("live")
                        self._emit(update)
                        if self._closing:
                            return None
            except ConnectionClosed:
                if watchdog.done() and watchdog.result():
                    raise SilentConnection(f"nothing from the server for {self.silence:g} s") from None
                raise
            finally:
                watchdog.cancel()
        return None

    async def _watch_silence(self, ws) -> bool:
        """Abort the connection once nothing came for :attr:`silence` seconds; True if it did."""
        while True:
            await asyncio.sleep(min(1.0, self.silence / 4))
            if time.monotonic() - self._heard > self.silence:
                ws.transport.abort()  # no closing handshake over a dead link: it would wait 10 s
                return True

    async def close(self) -> None:
        """Stop: close the connection and end :meth:`run`; waiting sends are cancelled."""
        self._closing = True
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        for future in self._answers.values():
            future.cancel()
        self._answers.clear()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until ``predicate()`` holds after some update (for scripts and tests)."""
        async with asyncio.timeout(timeout):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()
