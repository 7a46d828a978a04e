"""The console in a real terminal: tmux gives it a pseudo-terminal (TERM=xterm-256color,
no COLORTERM), the server runs in its own process; the console must draw the floor
and quit on q with status 0. (CI installs tmux, as it installs chromium.)"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time

import pytest

from live_server import ROOT, issue_tokens, start_server_process


def tmux(socket: str, *args: str) -> str:
    result = subprocess.run(
        ["tmux", "-L", socket, "-f", "/dev/null", *args], capture_output=True, text=True, timeout=10
    )
    return result.stdout


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.mark.slow
def test_the_console_starts_and_quits_in_a_real_terminal(tmp_path):
    if shutil.which("tmux") is None:
        # A fresh machine may lack tmux; CI installs it, so there the test must run.
        if os.environ.get("CI"):
            pytest.fail("CI=true but no tmux: .ci/run should have installed it")
        pytest.skip("no tmux on this machine (apt-get install tmux)")
    db_path = tmp_path / "floor.db"
    token_file = tmp_path / "vc.token"
    token_file.write_text(issue_tokens(db_path)["VC"] + "\n")
    server = start_server_process(db_path)
    socket = f"vccsched-test-{os.getpid()}"
    status_file = tmp_path / "status"
    command = (
        f"cd {shlex.quote(str(ROOT))} && env -u COLORTERM -u NO_COLOR TERM=xterm-256color "
        f"{shlex.quote(sys.executable)} -m vccsched console --server {server.http_url} "
        f"--token-file {shlex.quote(str(token_file))}; echo $? > {shlex.quote(str(status_file))}; sleep 30"
    )
    try:
        tmux(socket, "new-session", "-d", "-s", "console", "-x", "100", "-y", "30", command)
        pane = lambda: tmux(socket, "capture-pane", "-p", "-t", "console")  # noqa: E731
        wait_for(lambda: "● live" in pane() and "n next" in pane(), 30, "the console to draw the floor")
        screen = pane()
        assert "C21/VCC-1" in screen and "Chair" in screen and "n next" in screen
        assert "No item is open" in screen
        tmux(socket, "send-keys", "-t", "console", "q")
        wait_for(status_file.exists, 15, "the console to quit")
        assert status_file.read_text().strip() == "0"
    finally:
        tmux(socket, "kill-server")
        server.terminate()
