"""``vccsched console`` and ``vccsched demo``: the Vice-Chair's terminal console.

The console package (Textual, websockets, asyncio) is imported inside the
commands, so that the core and the rest of the CLI load without it.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit, urlunsplit

import typer

from vccsched.cli.common import MeetingOption
from vccsched.errors import DataError, VccschedError

#: Where the console looks for the token when there is no --token-file.
TOKEN_VARIABLE = "VCCSCHED_TOKEN"


class ConsoleError(VccschedError):
    """The console could not start or was turned away by the server."""

    title = "Console"
    exit_code = 1


def websocket_url(url: str) -> str:
    """The floor's WebSocket URL from what a user types: ``http://host:port`` (the
    delegates' page), ``ws://host:port/ws`` or ``host:port``."""
    text = url.strip()
    if "://" not in text:
        text = "ws://" + text
    parts = urlsplit(text)
    if parts.fragment or "t=" in parts.query:
        raise DataError(
            "--server: the URL carries a token; never put a token on the command line (other "
            f"users can see it): give the server's address only, and the token with --token-file "
            f"or the {TOKEN_VARIABLE} environment variable"
        )
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme.lower())
    if scheme is None or not parts.hostname:
        raise DataError(
            f"--server {url!r}: expected the server's address, e.g. http://127.0.0.1:8765 "
            "(as 'vccsched server run' prints it) or ws://127.0.0.1:8765/ws"
        )
    path = parts.path if parts.path not in ("", "/") else "/ws"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def read_token(token_file: Path | None) -> str:
    """The token from --token-file, else $VCCSCHED_TOKEN, else a prompt (not echoed)."""
    if token_file is not None:
        try:
            text = token_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise DataError(f"--token-file {token_file}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(f"--token-file {token_file}: cannot read it ({exc})") from None
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if len(lines) != 1 or "," in lines[0] or " " in lines[0]:
            raise DataError(
                f"--token-file {token_file}: expected one line holding your delegation's token "
                f"(found {len(lines)} non-empty lines); copy your token from the 'token' column "
                "of the file 'vccsched server tokens' wrote"
            )
        return lines[0]
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if token:
        return token
    if not sys.stdin.isatty():
        raise DataError(
            f"no token: give --token-file FILE or set {TOKEN_VARIABLE} (there is no terminal to ask for it)"
        )
    token = getpass.getpass("Token (not shown): ").strip()
    if not token:
        raise DataError("no token given")
    return token


def console_command(
    server: Annotated[
        str,
        typer.Option("--server", help="The floor server, e.g. http://127.0.0.1:8765 (as 'server run' prints it)."),
    ],
    token_file: Annotated[
        Path | None,
        typer.Option(
            "--token-file",
            help=f"File holding your token (one line). Default: ${TOKEN_VARIABLE}, else a prompt. "
            "Never give the token itself on the command line.",
        ),
    ] = None,
    bell: Annotated[bool, typer.Option("--bell/--no-bell", help="Ring at 30 s left and at 0.")] = True,
) -> None:
    """Open the live console: the chair's token gives the Vice-Chair's console, a
    secretariat token the secretariat's (plan and time, re-plan and publish, save the log so
    far), a delegation's token that delegation's view (ask for the floor, withdraw, end its
    own speech).

    Keys: ? shows them all; ctrl+p searches every action; q or ctrl+c leaves (the meeting goes on).
    """
    url = websocket_url(server)
    token = read_token(token_file)
    from console.app import ConsoleApp
    from console.client import FloorClient

    app = ConsoleApp(FloorClient(url, token), url=url, bell=bell)
    app.run()
    if app.refused is not None:
        raise ConsoleError(app.refused, title="The server refused this console")


def demo_command(
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port of the demo server (0: any free).")] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulated delegations.")] = 2021,
    wait: Annotated[
        float,
        typer.Option("--wait", min=0, help="Seconds the links stay on the terminal before the console "
                     "opens; Enter opens it at once."),
    ] = 5.0,
    meeting: MeetingOption = None,  # type: ignore[assignment]
) -> None:
    """A live C21/VCC-1 to try: a server on a temporary database, simulated delegations
    asking for the floor and speaking, and the console opened as the chair.

    It prints the delegates' page and one delegation's join link (each URL on a
    line of its own, also written to links.txt in the demo's temporary folder),
    to open in a browser beside the console. Ctrl+C (or q) ends everything.
    """
    import asyncio

    from console.demo import run_demo

    try:
        asyncio.run(run_demo(meeting, port=port, seed=seed, pause=wait))
    except KeyboardInterrupt:
        # Ctrl+C before the console took the terminal: everything is closed by now.
        print("Demo stopped (Ctrl+C).", file=sys.stderr)
        raise SystemExit(130) from None


def register(app: typer.Typer) -> None:
    """Add ``console`` and ``demo`` to ``app``."""
    app.command("console")(console_command)
    app.command("demo")(demo_command)
