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


from serverproc import ServerProcess, get, http_get, start_server_process  # noqa: E402,F401 (shared with benchmarks/)


# --- a server in its own process (crash tests, browser tests) ------------------------------


