"""``vccsched server run``: start the server, say where it is, stop cleanly on a signal."""

from __future__ import annotations

import asyncio
import errno
import signal
import sys

from server.app import ServerConfig, serve, settle_memory
from server.store import StoreError

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


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
        f"  delegates' page  {running.http_url}/",
        f"  WebSocket        {running.ws_url}",
        f"  health           {running.http_url}/healthz",
    ]
    if config.public:
        lines.append(f"  public view      {running.http_url}/public")
    lines.append("Stop with Ctrl+C.")
    print("\n".join(lines), flush=True)
    if not shell.token_hashes:
        print(
            "warning: no tokens issued yet, so nobody can join: run 'vccsched server tokens "
            f"--db {config.db_path} --out tokens.csv'",
            file=sys.stderr,
            flush=True,
        )
    if config.host not in _LOOPBACK and config.tls_cert is None:
        print(
            "warning: listening beyond this machine without TLS: tokens would travel in clear. "
            "Use --tls-cert/--tls-key, or a reverse proxy with TLS (README).",
            file=sys.stderr,
            flush=True,
        )
    try:
        await stop.wait()
    finally:
        count = len(shell.clients)
        print(f"Stopping: closing {count} connection(s).", flush=True)
        await context.__aexit__(None, None, None)
        print("Stopped; the database is closed.", flush=True)
