"""A token for every roster delegation at once: what the tests' live server and the load
benchmark need (``vccsched server tokens`` issues them one CSV at a time, with links)."""

from __future__ import annotations

from pathlib import Path

from server.store import FloorStore
from vccsched.loading import DEFAULT_MEETING_DIR, load_meeting
from vccsched.meeting_files import meeting_file_texts


def issue_tokens(db_path: Path, meeting_dir: Path = DEFAULT_MEETING_DIR) -> dict[str, str]:
    """Create the database (if needed) and issue a new token to every roster delegation."""
    data = load_meeting(meeting_dir)
    store = FloorStore.open_or_create(db_path, data.meeting.id, meeting_file_texts(meeting_dir))
    try:
        return store.issue_tokens([d.id for d in data.roster.delegations], replace=True)
    finally:
        store.close()
