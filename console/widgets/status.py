"""The top line (meeting, day, Geneva time and UTC, connection, seq, record head) and the
banner that covers the top of the screen while the connection is down."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.markup import escape
from textual.widgets import Static

from console.widgets import show_text
from console.client import Connection

UTC = dt.timezone.utc


def _hms(moment: dt.datetime, zone: ZoneInfo | dt.tzinfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M:%S")


def connection_text(connection: Connection, zone: ZoneInfo, now: dt.datetime) -> str:
    since = _hms(connection.since, zone)
    match connection.status:
        case "live":
            return "[b $success]● live[/]"
        case "connecting":
            return "[b $warning]◌ connecting…[/]"
        # The bar itself turns red while the link is down: plain bold text reads best on it.
        case "reconnecting":
            return f"[b]◌ reconnecting since {since}[/]"
        case "offline":
            return f"[b]✖ OFFLINE since {since}[/]"
        case "rejected":
            return "[b]✖ refused by the server[/]"
    return "[b]✖ closed[/]"


def head_note(head: str, at: dt.datetime, zone: ZoneInfo | dt.tzinfo) -> str:
    """The log line written when the meeting is suspended: the day's head, to note.

    At the end of a day the chair suspends the meeting; the head then is the day's, and
    a delegation that notes it can check any later copy of the record against it.
    """
    local = at.astimezone(zone)
    return (
        f"[b]record head[/] for {local:%a} {local.day} {local:%b} at {local:%H:%M}: {head} "
        f"(check a copy later with 'vccsched floor verify --head {head[:12]}')"
    )


class StatusBar(Horizontal):
    """Meeting · day · date · Geneva time (UTC) — who you are · connection · seq."""

    def compose(self) -> ComposeResult:
        yield Static(id="status-left")
        yield Static(id="status-right")

    def show(
        self,
        *,
        meeting: str,
        day: str,
        now: dt.datetime,
        zone: ZoneInfo,
        zone_label: str,
        connection: Connection,
        seq: int | None,
        who: str,
        head: str | None = None,
    ) -> None:
        local = now.astimezone(zone)
        parts = [f"[b]{meeting}[/]"]
        if day:
            parts.append(day)
        parts.append(f"{local:%a} {local.day} {local:%b %Y}")
        parts.append(f"[b]{local:%H:%M:%S}[/] {zone_label} ({now.astimezone(UTC):%H:%M} UTC)")
        show_text(self.query_one("#status-left", Static), " · ".join(parts))
        right = [who, connection_text(connection, zone, now)]
        if seq is not None:
            right.append(f"seq {seq}")
        if head is not None:
            # The record's head, short: delegations compare it with 'floor verify --head'.
            right.append(f"record {head[:12]}")
        show_text(self.query_one("#status-right", Static), "  ".join(right), sized_by_text=True)


class OfflineBanner(Static):
    """Says loudly that the floor shown may be stale and that commands are disabled."""

    def show(self, connection: Connection, zone: ZoneInfo, now: dt.datetime, *, never_connected: bool = False) -> None:
        self.display = not connection.live
        if connection.live:
            return
        since = _hms(connection.since, zone)
        down = int((now - connection.since).total_seconds()) if connection.status != "connecting" else 0
        if connection.status == "connecting":
            head = "CONNECTING TO THE SERVER…"
        elif never_connected and connection.status in ("reconnecting", "offline"):
            head = f"CANNOT REACH THE SERVER (trying since {since})"
        elif connection.status == "rejected":
            head = "THE SERVER REFUSED THIS CONSOLE"
        elif connection.status == "closed":
            head = "DISCONNECTED"
        else:
            head = f"CONNECTION LOST at {since} ({down // 60} min {down % 60:02d} s ago)"
        retry = f" · reconnecting, attempt {connection.attempt}" if connection.attempt else ""
        detail = f" · {connection.detail}" if connection.detail else ""
        advice = (
            "The console keeps trying; q leaves."
            if never_connected
            else "The floor shown may be out of date. Commands are disabled until the connection is back."
        )
        show_text(self, f"[b]{head}[/]{retry}{escape(detail)}\n{advice}")
