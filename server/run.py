"""``vccsched server run``: start the server, say where it is, stop cleanly on a signal."""

from __future__ import annotations

import asyncio
import errno
import os
import signal
import sys

from server.app import ServerConfig, serve, settle_memory
from server.store import StoreError

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def say(text: str, *, error: bool = False) -> None:
    """Print a line for the operator; a closed stdout or stderr (``server run | tee log``,
    then Ctrl+C) must never stop the server or its clean shutdown."""
    stream = sys.stderr if error else sys.stdout
    try:
        print(text, file=stream, flush=True)
    except (BrokenPipeError, OSError, ValueError):
        _silence(stream)


def _silence(stream) -> None:
    # Point the descriptor at /dev/null, so that neither later prints nor the
    # interpreter's flush at exit raise again.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


async def run_forever(config: ServerConfig) -> None:
    """Serve until SIGINT or SIGTERM; then close connections with 1001 and the database."""
    try:
        context = serve(config)
        running = await context.__aenter__()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise StoreError(
                f"port {config.port} on {config.host} is in use (another server?); "
                "stop it or give another with --port",
                title="Cannot listen",
            ) from None
        raise StoreError(f"cannot listen on {config.host}:{config.port} ({exc.strerror or exc})", title="Cannot listen") from None
    settle_memory()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    shell = running.server
    lines = [
        f"vccsched server: {shell.setup.meeting_id}, floor at event {shell.floor.seq} (database {config.db_path})",
        f"  contributions    {shell.contributions_said}",
        f"  delegates' page  {running.http_url}/",
        f"  WebSocket        {running.ws_url}",
        f"  health           {running.http_url}/healthz",
    ]
    if config.public:
        lines.append(f"  public view      {running.http_url}/public")
    if shell.capacity is not None:
        lines.append(f"  capacity         {shell.capacity.describe()}")
    if shell.proxies:
        lines.append(
            f"  trusted proxies  {shell.proxies.describe()}: the caller's address is read from their "
            "X-Forwarded-For (ignored from anyone else)"
        )
    lines.append("Stop with Ctrl+C.")
    say("\n".join(lines))
    if not shell.token_hashes:
        say(
            "warning: no tokens issued yet, so nobody can join: run 'vccsched server tokens "
            f"--db {config.db_path} --out tokens.csv'",
            error=True,
        )
    if config.host not in _LOOPBACK and config.tls_cert is None:
        say(
            "warning: listening beyond this machine without TLS: tokens would travel in clear. "
            "Use --tls-cert/--tls-key, or a reverse proxy with TLS (README).",
            error=True,
        )
    if shell.capacity is not None and shell.capacity.shrunk:
        say(
            "warning: the open-file limit is too low for the configured budgets; raise it "
            "(ulimit -n, or LimitNOFILE= in a systemd unit) to hold more public viewers",
            error=True,
        )
    try:
        await stop.wait()
    finally:
        count = len(shell.clients)
        say(f"Stopping: closing {count} connection(s).")
        await context.__aexit__(None, None, None)
        say("Stopped; the database is closed.")
