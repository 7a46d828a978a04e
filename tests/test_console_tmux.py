"""The console in a real terminal: tmux gives it a pseudo-terminal (TERM=xterm-256color,
no COLORTERM), the server runs in its own process; the console must draw the floor
and quit on q with status 0. The demo too: its join link on one line of the terminal
(opened in headless Chromium), and Ctrl+C ending it cleanly before and in the console.
(CI installs tmux, as it installs chromium.)"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_page import Watch, browser, browser_test, open_page  # noqa: F401 (browser: a fixture)

from live_server import ROOT, issue_tokens, start_server_process

try:
    from playwright.async_api import expect
except ImportError:  # pragma: no cover - test_page skips the browser tests then
    expect = None


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


# --- the demo --------------------------------------------------------------------------------


def need_tmux() -> None:
    if shutil.which("tmux") is None:
        if os.environ.get("CI"):
            pytest.fail("CI=true but no tmux: .ci/run should have installed it")
        pytest.skip("no tmux on this machine (apt-get install tmux)")


class DemoInTmux:
    """``vccsched demo`` in a tmux pane, as a newcomer runs it. The pane's shell traps
    SIGINT (as an interactive shell does), so that Ctrl+C reaches the demo alone and the
    pane stays to show what it printed; it records the demo's pid and exit status."""

    def __init__(self, tmp_path, *args: str) -> None:
        self.socket = f"vccsched-demo-{os.getpid()}-{id(self)}"
        self.pid_file, self.status_file = tmp_path / "demo.pid", tmp_path / "demo.status"
        script = tmp_path / "demo.sh"
        demo = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "vccsched", "demo", *args])
        script.write_text(
            "trap : INT\n"
            f"sh -c 'echo $$ > {self.pid_file}; cd {shlex.quote(str(ROOT))} && "
            f"exec env -u COLORTERM -u NO_COLOR TERM=xterm-256color {demo}'\n"
            f"echo $? > {self.status_file}\nsleep 60\n"
        )
        tmux(self.socket, "new-session", "-d", "-s", "demo", "-x", "100", "-y", "32", f"bash --norc {script}")

    def pane(self) -> str:
        return tmux(self.socket, "capture-pane", "-p", "-t", "demo")

    def keys(self, *keys: str) -> None:
        tmux(self.socket, "send-keys", "-t", "demo", *keys)

    async def until(self, predicate, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}:\n{self.pane()}")
            await asyncio.sleep(0.1)

    def running(self) -> bool:
        try:
            os.kill(int(self.pid_file.read_text()), 0)
        except ProcessLookupError:
            return False
        return True

    def close(self) -> None:
        if self.pid_file.exists() and self.running():
            os.kill(int(self.pid_file.read_text()), signal.SIGKILL)
        tmux(self.socket, "kill-server")


@pytest.mark.slow
@browser_test
async def test_the_demo_prints_a_join_link_that_copies_whole_and_opens_the_page(browser, tmp_path):  # noqa: F811
    need_tmux()
    demo = DemoInTmux(tmp_path, "--wait", "120")
    try:
        await demo.until(lambda: "press Enter to open it now" in demo.pane(), 60, "the links and the pause")
        screen = demo.pane()
        # Each URL alone on a line of the terminal: copied whole, nothing wrapped into it.
        join = [line for line in screen.splitlines() if re.fullmatch(r"http://127\.0\.0\.1:\d+/#t=[\w-]{43}", line)]
        assert len(join) == 1, screen
        assert re.search(r"^http://127\.0\.0\.1:\d+/$", screen, re.M) and "Join as United Kingdom (GBR)" in screen
        links_file = Path(re.search(r"^\(also in (\S+/links\.txt)\)$", screen, re.M).group(1))
        assert join[0] in links_file.read_text(encoding="utf-8").splitlines()
        watch = Watch()
        page = await open_page(browser, join[0], watch)
        await expect(page.locator("body")).to_have_attribute("data-conn", "live")
        await expect(page.locator("#whoami")).to_have_text("United Kingdom")
        demo.keys("Enter")  # the console opens at once
        # (The links file's path is also the first line of the console's log: the simulated
        # delegations' requests scroll it out of a small terminal at once, so it is looked for on
        # the terminal above, before the console opens; the log's notes have their own test.)
        await demo.until(lambda: "● live" in demo.pane(), 30, "the console")
        demo.keys("C-c")
        await demo.until(demo.status_file.exists, 20, "the demo to end")
        assert demo.status_file.read_text().strip() == "0"
        assert not demo.running() and not links_file.parent.exists()  # no process, no folder left
        after = demo.pane()
        assert join[0] in after.splitlines() and "Demo stopped." in after  # the links stay on the terminal
        watch.check()
    finally:
        demo.close()


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["Preparing the first session", "press Enter to open it now"])
def test_ctrl_c_before_the_console_ends_the_demo_cleanly(tmp_path, moment):
    need_tmux()
    demo = DemoInTmux(tmp_path, "--wait", "120")
    try:
        asyncio.run(demo.until(lambda: moment in demo.pane(), 60, moment))
        folder = Path(re.search(r"on a temporary database \((\S+)\)", demo.pane()).group(1))
        demo.keys("C-c")
        asyncio.run(demo.until(demo.status_file.exists, 20, "the demo to end"))
        assert demo.status_file.read_text().strip() == "130"
        assert "Demo stopped (Ctrl+C)." in demo.pane() and "Traceback" not in demo.pane()
        assert not demo.running() and not folder.exists()
    finally:
        demo.close()
