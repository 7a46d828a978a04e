"""A real floor server for tests: in-process on port 0, or as a subprocess.

    async with live_server(tmp_path) as srv:
        async with ws_client(srv, "VC") as vc:
            await vc.command({"type": "open_item", "id": "vc-1", "item": 3})

``srv.tokens`` holds a token for every roster delegation ("VC" is the chair,
"SG" the secretariat). ``await srv.restart()`` stops the server and starts it
again on the same database and port, as after a crash or an upgrade.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from server.app import Limits, RunningServer, ServerConfig, serve
from server.tokens import issue_tokens
from vccsched.floor.protocol import PROTOCOL_VERSION
from vccsched.loading import DEFAULT_MEETING_DIR

ROOT = Path(__file__).resolve().parent.parent


@dataclasses.dataclass
class LiveServer:
    """A server started by :func:`live_server`."""

    config: ServerConfig
    tokens: dict[str, str]
    running: RunningServer | None = None
    _context: Any = None

    @property
    def db_path(self) -> Path:
        return self.config.db_path

    @property
    def meeting_dir(self) -> Path:
        return self.config.meeting_dir

    @property
    def port(self) -> int:
        assert self.running is not None
        return self.running.port

    @property
    def http_url(self) -> str:
        assert self.running is not None
        return self.running.http_url

    @property
    def ws_url(self) -> str:
        assert self.running is not None
        return self.running.ws_url

    @property
    def shell(self):
        """The :class:`server.app.FloorServer` (its ``floor``, ``clients``, ``store``)."""
        assert self.running is not None
        return self.running.server

    async def start(self) -> None:
        self._context = serve(self.config)
        self.running = await asyncio.wait_for(self._context.__aenter__(), 30)
        # A restart listens on the same port, as a restarted server would.
        self.config = dataclasses.replace(self.config, port=self.running.port)

    async def stop(self) -> None:
        if self._context is not None:
            context, self._context = self._context, None
            await asyncio.wait_for(context.__aexit__(None, None, None), 30)

    async def restart(self) -> None:
        await self.stop()
        await self.start()


@contextlib.asynccontextmanager
async def live_server(
    tmp_path: Path, *, meeting_dir: Path = DEFAULT_MEETING_DIR, **overrides: Any
) -> AsyncIterator[LiveServer]:
    """A server on 127.0.0.1, port 0, with a new database in ``tmp_path`` and tokens for all.

    ``overrides`` are :class:`ServerConfig` fields (``public=True``, ``clock=...``,
    ``limits=Limits(...)``, ``origins=(...)``).
    """
    db_path = Path(tmp_path) / "floor.db"
    tokens = issue_tokens(db_path, meeting_dir) if not db_path.exists() else {}
    config = ServerConfig(meeting_dir=meeting_dir, db_path=db_path, port=0, **overrides)
    server = LiveServer(config=config, tokens=tokens)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


class WsClient:
    """A bare protocol client for tests: send commands, read what the server says."""

    def __init__(self, ws: ClientConnection, delegation: str) -> None:
        self.ws = ws
        self.delegation = delegation
        self.welcome: dict | None = None
        self._n = 0

    async def send(self, message: dict | str, timeout: float = 5.0) -> None:
        await asyncio.wait_for(self.ws.send(message if isinstance(message, str) else json.dumps(message)), timeout)

    async def recv(self, timeout: float = 5.0) -> dict:
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def recv_until(self, type_: str, timeout: float = 5.0) -> tuple[dict, list[dict]]:
        """Read until a message of ``type_``; returns it and everything read before it."""
        before: list[dict] = []
        while True:
            message = await self.recv(timeout)
            if message["type"] == type_ or (type_ == "reply" and message["type"] in ("accepted", "refusal")):
                return message, before
            before.append(message)

    async def command(self, command: dict, timeout: float = 5.0) -> tuple[dict, list[dict]]:
        """Send a command (an id is added if missing); returns (accepted|refusal, events seen before it)."""
        if "id" not in command:
            self._n += 1
            command = {**command, "id": f"{self.delegation}-{self._n}"}
        await self.send({"type": "command", "command": command})
        reply, before = await self.recv_until("reply", timeout)
        return reply, [m["event"] for m in before if m["type"] == "event"]


@contextlib.asynccontextmanager
async def ws_client(
    server: LiveServer, delegation: str, *, last_seq: int | None = None, token: str | None = None, **connect_args: Any
) -> AsyncIterator[WsClient]:
    """Connect and say hello as ``delegation``; the welcome and the catch-up are read."""
    async with connect(server.ws_url, **connect_args) as ws:
        client = WsClient(ws, delegation)
        await client.send(
            {"type": "hello", "protocol": PROTOCOL_VERSION, "last_seq": last_seq, "token": token or server.tokens[delegation]}
        )
        client.welcome = await client.recv()
        assert client.welcome["type"] == "welcome", client.welcome
        client.catch_up = []
        # The catch-up is a snapshot, or the missed events (possibly none).
        if last_seq is None or last_seq != client.welcome["seq"]:
            first = await client.recv()
            client.catch_up.append(first)
            if first["type"] == "event":
                while client.catch_up[-1]["event"]["seq"] < client.welcome["seq"]:
                    client.catch_up.append(await client.recv())
        yield client


def http_get(url: str, headers: dict[str, str] | None = None, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    """GET ``url``: status, headers, body (an HTTP error status is returned, not raised)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


async def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    return await asyncio.wait_for(asyncio.to_thread(http_get, url, headers), 10)


# --- a server in its own process (crash tests, browser tests) ------------------------------


@dataclasses.dataclass
class ServerProcess:
    process: subprocess.Popen
    http_url: str
    port: int

    @property
    def ws_url(self) -> str:
        return self.http_url.replace("http://", "ws://") + "/ws"

    def kill(self) -> None:
        """SIGKILL: no chance to clean up, as in a power cut."""
        self.process.kill()
        self.process.wait(10)

    def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(10)


def start_server_process(
    db_path: Path, *args: str, port: int = 0, timeout: float = 20.0, open_files: int | None = None
) -> ServerProcess:
    """``vccsched server run --db DB --port PORT ARGS...`` in a subprocess; returns once it listens.

    ``open_files``: start it under that open-file limit (soft and hard), as on a host with
    ``ulimit -n``; the server cannot raise it.
    """
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    limit = None if open_files is None else (lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files)))
    process = subprocess.Popen(
        [sys.executable, "-m", "vccsched", "server", "run", "--db", str(db_path), "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
        preexec_fn=limit,
    )
    assert process.stdout is not None
    # Read its lines in a thread: a server that hangs before printing must fail the test
    # at the deadline, not block it for ever on readline().
    lines: list[str] = []
    said = threading.Event()

    def read() -> None:
        for line in process.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if re.search(r"https?://[^/\s]+/", line):
                said.set()
                return
        said.set()  # the output ended: the server exited

    threading.Thread(target=read, daemon=True).start()
    said.wait(timeout)
    for line in lines:
        found = re.search(r"(https?://[^/\s]+)/", line)
        if found:
            url = found.group(1)
            return ServerProcess(process=process, http_url=url, port=int(url.rsplit(":", 1)[1]))
    if process.poll() is None:
        process.kill()
        process.wait(10)
        raise RuntimeError(f"the server did not say where it listens within {timeout:g} s: {''.join(lines)!r}")
    stderr = process.stderr.read() if process.stderr else ""
    raise RuntimeError(f"server exited {process.returncode}: {stderr}")
