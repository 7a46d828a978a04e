"""A floor server in a process of its own, and plain HTTP GETs: what the tests and the
benchmarks both need (the benchmarks must not import from tests/)."""

from __future__ import annotations

import asyncio
import dataclasses
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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


@dataclasses.dataclass
class ServerProcess:
    process: subprocess.Popen
    http_url: str
    port: int
    #: The lines it printed on start, up to the first that says where it listens.
    output: list[str] = dataclasses.field(default_factory=list)

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
            return ServerProcess(process=process, http_url=url, port=int(url.rsplit(":", 1)[1]), output=lines)
    if process.poll() is None:
        process.kill()
        process.wait(10)
        raise RuntimeError(f"the server did not say where it listens within {timeout:g} s: {''.join(lines)!r}")
    stderr = process.stderr.read() if process.stderr else ""
    raise RuntimeError(f"server exited {process.returncode}: {stderr}")
