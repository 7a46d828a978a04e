"""A meeting's three data files as texts: what a floor database keeps at creation and what
the server hands to the console, and loading a meeting back from those texts.

Beside :mod:`vccsched.loading` (which reads the folder) so that the server and the
console need not import the command line's helpers.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from vccsched.errors import DataError
from vccsched.loading import MeetingData, load_meeting, read_text

MEETING_FILES = ("meeting.yaml", "agenda.yaml", "roster.yaml")


def meeting_file_texts(directory: Path) -> dict[str, str]:
    """The meeting folder's three files as text (what a floor database stores at creation)."""
    return {
        name: read_text(directory / name, kind="YAML file", missing_title="Missing data file")
        for name in MEETING_FILES
    }


def load_meeting_files(files: dict[str, str], label: str) -> MeetingData:
    """Load a meeting from the texts of its three files (as a floor database or a server keeps them).

    ``label`` says where they came from, for errors ("floor.db: the meeting data
    stored in the database").
    """
    with tempfile.TemporaryDirectory(prefix="vccsched-meeting-") as folder:
        for name in MEETING_FILES:
            if name not in files:
                raise DataError(f"{label}: {name} is missing")
            Path(folder, name).write_text(files[name], encoding="utf-8")
        try:
            return load_meeting(Path(folder))
        except DataError as exc:
            raise DataError(f"{label} cannot be read: {exc.message}", details=exc.details) from None
