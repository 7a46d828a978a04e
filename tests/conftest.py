"""Shared fixtures: the bundled C21/VCC-1 data and a way to run the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vccsched.loading import DEFAULT_MEETING_DIR, MeetingData, load_meeting

REPO = Path(__file__).resolve().parent.parent
# Tools the benchmarks and the tests share (the throttling TCP proxy) live in benchmarks/,
# which must not import from tests/; the tests take them from there.
sys.path.append(str(REPO / "benchmarks"))


@pytest.fixture(scope="session")
def c21() -> MeetingData:
    """The bundled C21/VCC-1 meeting data, loaded once."""
    return load_meeting(DEFAULT_MEETING_DIR)


@pytest.fixture(scope="session")
def c21_solved(c21):
    """The C21/VCC-1 plan (``plan_meeting(c21)``), solved once for the session, for the tests
    that only read it (a ``Plan`` is frozen; a test that changes one works on a copy). The
    planner's own tests (determinism, options, other meetings) solve their own."""
    from vccsched.planner import plan_meeting

    return plan_meeting(c21)


def run_cli_process(*args: str, cwd: Path | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m vccsched ARGS`` as a user would, in a process of its own, capturing its output."""
    return subprocess.run(
        [sys.executable, "-m", "vccsched", *args],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        input=input,
        timeout=120,
    )


#: Commands that run an event loop, a terminal app or a prompt: always in a process of their own.
PROCESS_ONLY = (("console",), ("demo",), ("server", "run"), ("server", "publish-plan"))

#: A process's default warning filters (``python -m vccsched``, no -W): what it would print.
FRESH_WARNING_FILTERS = [
    ("default", None, DeprecationWarning, "__main__", 0),
    ("ignore", None, DeprecationWarning, None, 0),
    ("ignore", None, PendingDeprecationWarning, None, 0),
    ("ignore", None, ImportWarning, None, 0),
    ("ignore", None, ResourceWarning, None, 0),
]


def run_cli(*args: str, cwd: Path | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """What ``python -m vccsched ARGS`` would give (exit status, stdout, stderr), run in this
    process: ``vccsched.cli.main`` with its own stdin, stdout and stderr, decoded as
    :func:`subprocess.run` with ``text=True`` decodes a child's output (universal newlines),
    with a fresh process's warning filters and logging's last-resort handler on stderr.

    A process costs ~0.3 s of start-up and imports per call, and the suite makes hundreds.
    The process boundary itself is tested through :func:`run_cli_process` (every command's
    ``--help``, the version, the last-resort error, Ctrl+C, closed pipes), and the commands of
    :data:`PROCESS_ONLY` always get a process. A command that hangs aborts the run after 120 s
    with every thread's traceback (a process would have been killed at the same deadline).
    """
    if any(args[: len(prefix)] == prefix for prefix in PROCESS_ONLY):
        return run_cli_process(*args, cwd=cwd, input=input)
    import faulthandler
    import io
    import locale
    import logging
    import os
    import threading
    import warnings

    from vccsched.cli import main

    encoding = locale.getpreferredencoding(False)
    out, err = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding=encoding)
    stderr = io.TextIOWrapper(err, encoding=encoding, errors="backslashreplace", line_buffering=True)
    stdin = io.TextIOWrapper(io.BytesIO((input or "").encode(encoding)), encoding=encoding)
    saved = sys.stdin, sys.stdout, sys.stderr, sys.argv, os.getcwd()
    last_resort = logging.StreamHandler(stderr)
    last_resort.setLevel(logging.WARNING)
    # Only the command's records: not those of a server the test runs in this process's threads.
    last_resort.addFilter(lambda record, caller=threading.get_ident(): record.thread == caller)
    status: int | str | None = 0
    faulthandler.dump_traceback_later(120, exit=True, file=sys.__stderr__)
    try:
        os.chdir(cwd or REPO)
        sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
        sys.argv = [str(REPO / "vccsched" / "__main__.py"), *args]
        logging.getLogger().addHandler(last_resort)
        with warnings.catch_warnings():
            warnings.filters[:] = FRESH_WARNING_FILTERS
            warnings._filters_mutated()  # forget which warnings were already shown or ignored
            warnings.showwarning = lambda message, category, filename, lineno, file=None, line=None: stderr.write(
                warnings.formatwarning(message, category, filename, lineno, line)
            )
            try:
                main(list(args))
            except SystemExit as exc:
                status = exc.code
    finally:
        faulthandler.cancel_dump_traceback_later()
        logging.getLogger().removeHandler(last_resort)
        sys.stdin, sys.stdout, sys.stderr, sys.argv, cwd_before = saved
        os.chdir(cwd_before)
    if status is None:
        status = 0
    elif not isinstance(status, int):  # SystemExit("message"): printed, status 1
        stderr.write(f"{status}\n")
        status = 1
    stdout.flush()
    stderr.flush()

    def text(raw: bytes) -> str:
        return raw.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")

    return subprocess.CompletedProcess(
        ["python", "-m", "vccsched", *args], status, text(out.getvalue()), text(err.getvalue())
    )


@pytest.fixture
def cli():
    return run_cli
