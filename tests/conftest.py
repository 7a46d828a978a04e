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


def run_cli(*args: str, cwd: Path | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m vccsched ARGS`` as a user would, capturing its output."""
    return subprocess.run(
        [sys.executable, "-m", "vccsched", *args],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        input=input,
        timeout=120,
    )


@pytest.fixture
def cli():
    return run_cli
