"""One server per meeting database: an exclusive lock beside the database file.

Two servers on one database would each hold their own floor in memory and
never hear of the other's commands. ``vccsched server run`` takes an
``flock`` on ``DB.lock`` for as long as it runs; the operating system drops
it when the process ends, even by SIGKILL, so a restart after a crash is never
blocked. Readers (``floor export``, ``report``, ``server tokens``) take no lock.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from server.store import StoreError


class ServerLock:
    """Hold with :meth:`acquire`; say who holds it with :meth:`describe`; :meth:`release` at the end."""

    def __init__(self, db_path: Path) -> None:
        self.path = Path(db_path).with_name(Path(db_path).name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot create the server's lock file ({exc.strerror or exc})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 500).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise StoreError(
                f"{self.path.with_suffix('')}: another server is running on this database ({holder}); "
                "stop it first: two servers would each keep their own floor",
                title="Database in use",
            ) from None
        self._fd = fd

    def describe(self, text: str) -> None:
        """Write who holds the lock (pid, address), for the message a second server shows."""
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, text.encode(), 0)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None
