"""Who connected on which day, for the list of participants (issue 17).

Every welcome of a delegation's connection is noted here (the registered person whose token
opened it, or the delegation's own token) and written to the database's ``connections``
table (:meth:`server.store.FloorStore.record_connections`) in one fsync'd transaction per
flush. The server flushes twice a second and when it stops: a commit costs milliseconds
(``synchronous=FULL``), and a thousand pages opening at the start of a session must not
cost a thousand commits on the event loop. What is waiting is at most one entry per holder
and day, so it is bounded like the table.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from server.store import ConnectionDay, FloorStore

logger = logging.getLogger("vccsched.server.attendance")


@dataclass
class Attendance:
    """Welcomes not yet written, by (delegation, person or '', day in the meeting's zone)."""

    zone: ZoneInfo
    pending: dict[tuple[str, str, str], ConnectionDay] = field(default_factory=dict)
    failing: bool = False

    def seen(self, delegation: str, person: str | None, at: dt.datetime) -> None:
        """A connection of ``delegation`` (opened by ``person``'s token, or the delegation's)
        was welcomed at ``at`` (zone-aware)."""
        local = at.astimezone(self.zone)
        day, stamp = local.date().isoformat(), local.isoformat(timespec="seconds")
        key = (delegation, person or "", day)
        known = self.pending.get(key)
        if known is None:
            self.pending[key] = ConnectionDay(delegation, person, day, stamp, stamp, 1)
        else:
            self.pending[key] = ConnectionDay(
                delegation, person, day, min(known.first_at, stamp), max(known.last_at, stamp), known.count + 1
            )

    def flush(self, store: FloorStore) -> None:
        """Write what is waiting; on a failure keep it for the next flush (the floor goes on:
        the record of connections is not the floor's)."""
        if not self.pending:
            return
        try:
            store.record_connections(self.pending.values())
        except Exception as exc:  # noqa: BLE001 (sqlite3.Error, a full disk)
            if not self.failing:
                logger.warning("the record of connections could not be written (%s); kept for the next try", exc)
            self.failing = True
            return
        if self.failing:
            logger.warning("the record of connections is written again")
        self.failing = False
        self.pending.clear()
