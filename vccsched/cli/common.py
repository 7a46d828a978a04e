"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from vccsched.loading import DEFAULT_MEETING_DIR, MeetingData, load_meeting

MeetingOption = Annotated[
    Path,
    typer.Option(
        "--meeting",
        help="Meeting data folder holding meeting.yaml, agenda.yaml and roster.yaml.",
        show_default="data/c21-vcc1",
    ),
]


def load(meeting_dir: Path | None, *, quiet: bool = False) -> MeetingData:
    """Load the meeting folder and print its warnings on stderr."""
    data = load_meeting(meeting_dir or DEFAULT_MEETING_DIR)
    if not quiet:
        for warning in data.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    return data


def write_output(text: str, out: Path | None) -> None:
    """Write ``text`` to ``out`` (creating folders) or to stdout, byte for byte."""
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(text.encode("utf-8"))
