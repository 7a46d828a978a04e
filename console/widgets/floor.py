"""The open item, the speaker with the big countdown, and the waiting list."""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.widgets import Digits, Static

from console.widgets.table import FittedTable
from console.model import (
    KIND_LABELS,
    Countdown,
    QueueRow,
    clock_text,
    minutes_text,
    name_of,
    queue_rows,
    speaking_times,
)
from vccsched.floor.state import FloorState


class ItemHeader(Static):
    """Code, number and title of the open item; speaking time; list open or closed."""

    def show(self, state: FloorState, *, chair: bool, me: str | None = None) -> None:
        if state.suspended:
            self.set_class(True, "-suspended")
            self.update(
                "[b]THE MEETING IS SUSPENDED[/]\n"
                + ("Press s to resume it." if chair else "Wait for the chair to resume it.")
            )
            return
        self.set_class(False, "-suspended")
        item = state.current
        if item is None:
            hint = "Select an item in the agenda and press o to open it." if chair else "The chair will open the next item."
            self.update(f"[b]No item is open.[/]\n{hint}")
            return
        info = state.setup.item(item.number)
        code = info.code if info else ""
        title = info.title if info else ""
        listed = "[b $error]list CLOSED[/]" if item.list_closed else "list open"
        waiting = len(item.queue)
        text = (
            f"[b]{escape(code)} · item {item.number}[/]  {escape(title)}\n"
            f"Speaking time [b]{clock_text(item.speaking_time_seconds)}[/] · {listed} · "
            f"{waiting} waiting"
        )
        if me is not None:
            places = [
                f"[b]{place}{_ordinal(place)}[/] in line ({KIND_LABELS.get(r.kind, r.kind)})"
                for place, r in enumerate(item.queue, start=1)
                if r.delegation == me
            ]
            if state.speaker is not None and state.speaker.delegation == me:
                places.insert(0, "[b reverse] you have the floor [/]")
            text += "\nYou: " + (", ".join(places) if places else "no request (f to ask for the floor)")
        self.update(text)


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


class SpeakerPanel(Horizontal):
    """Who has the floor, and the countdown (warning at 30 s, overrun shown, not enforced)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="speaker-info"):
            yield Static(id="speaker-name")
            yield Static(id="speaker-detail")
            yield Static(id="speaker-clock-state")
        yield Digits("", id="countdown")

    def show(self, countdown: Countdown | None, zone) -> None:
        """The speaker's lines; the digits are :meth:`tick`'s."""
        name = self.query_one("#speaker-name", Static)
        detail = self.query_one("#speaker-detail", Static)
        if countdown is None:
            name.update("[dim]No one has the floor[/]")
            detail.update("")
            self.tick(None)
            return
        kind = KIND_LABELS.get(countdown.kind, countdown.kind)
        if countdown.kind == "point_of_order":
            kind = f"[b reverse $warning] {kind.upper()} [/]"
        name.update(f"[b]{escape(countdown.name)}[/]")
        since = countdown.since.astimezone(zone)
        detail.update(f"{countdown.tier} · {kind} · since {since:%H:%M:%S} · limit {clock_text(countdown.limit_seconds)}")
        self.tick(countdown)

    def tick(self, countdown: Countdown | None) -> None:
        """Update the digits and the phase only: called every fraction of a second."""
        digits = self.query_one("#countdown", Digits)
        state = self.query_one("#speaker-clock-state", Static)
        phase = countdown.phase if countdown else "none"
        for name in ("normal", "warning", "overrun", "none"):
            self.set_class(phase == name, f"-{name}")
        self.set_class(bool(countdown and countdown.paused), "-paused")
        value = countdown.display if countdown else ""
        if digits.value != value:
            digits.update(value)
        if countdown is None:
            text = ""
        elif countdown.paused:
            text = "[b reverse] ⏸ CLOCK PAUSED [/]"
        elif countdown.phase == "overrun":
            text = f"[b $error]OVERRUN +{clock_text(-countdown.left)}[/] (not enforced)"
        elif countdown.phase == "warning":
            text = "[b $warning]30 seconds left[/]" if countdown.left > 29 else "[b $warning]time nearly up[/]"
        else:
            text = "left"
        if countdown is not None and countdown.out_of_order and countdown.tier in ("CM", "Obs", "SM"):
            text += " · [b $warning]out of order[/]"
        state.update(text)


_KIND_CELL = {
    "point_of_order": ("⚑ POINT OF ORDER", "bold reverse"),
    "right_of_reply": ("right of reply", "italic"),
    "speech": ("speech", ""),
}


class QueueTable(FittedTable):
    """The waiting list as the server orders it; rows keyed ``delegation/kind``."""

    COLUMNS = (
        ("#", "place", 2),
        ("delegation", "name", None),
        ("tier", "tier", 4),
        ("kind", "kind", 16),
        ("wait", "waited", 4),
        ("item / all", "spoken", 11),
    )
    MIN_FLEX = 14

    def __init__(self, **kwargs) -> None:
        super().__init__(zebra_stripes=True, **kwargs)
        self.rows_shown: list[QueueRow] = []
        self.renders = 0  # for the benchmark: how often the list was rebuilt
        self.me: str | None = None
        self._now: dt.datetime | None = None

    @property
    def selected(self) -> QueueRow | None:
        if not self.rows_shown:
            return None
        index = self.cursor_row
        return self.rows_shown[index] if 0 <= index < len(self.rows_shown) else None

    def show(self, state: FloorState, now: dt.datetime) -> None:
        rows = queue_rows(state, speaking_times(state)) if state.current is not None else []
        self._now = now
        if rows == self.rows_shown:
            return
        selected = self.selected
        self.rows_shown = rows
        self.rebuild()
        if selected is not None:
            index = next(
                (i for i, r in enumerate(rows) if (r.delegation, r.kind) == (selected.delegation, selected.kind)),
                min(self.cursor_row, max(0, len(rows) - 1)),
            )
            self.move_cursor(row=index, animate=False)

    def rebuild(self) -> None:
        self.renders += 1
        cursor = self.cursor_row
        self.clear()
        now = self._now
        for row in self.rows_shown:
            label, style = _KIND_CELL.get(row.kind, (row.kind, ""))
            mine = row.delegation == self.me
            name_style = "bold" if mine or row.kind == "point_of_order" else ""
            name = self.clip(row.name + ("  ◀ you" if mine else ""), self.flex_width)
            self.add_row(
                Text(str(row.place), justify="right"),
                Text(name, style=name_style),
                row.tier,
                Text(label, style=style),
                Text(minutes_text(row.waited(now)) if now else "", justify="right"),
                Text(f"{clock_text(row.item_seconds)}/{clock_text(row.meeting_seconds)}", justify="right"),
                key=f"{row.delegation}/{row.kind}",
            )
        if self.rows_shown:
            self.move_cursor(row=min(cursor, len(self.rows_shown) - 1), animate=False)

    def refresh_waited(self, now: dt.datetime) -> None:
        """Only the "waited" column (whole minutes): called every few seconds, not per event."""
        self._now = now
        for row in self.rows_shown:
            key = f"{row.delegation}/{row.kind}"
            text = minutes_text(row.waited(now))
            if self.get_cell(key, "waited").plain != text:
                self.update_cell(key, "waited", Text(text, justify="right"))


class ConclusionPanel(Static):
    """The open item's proposed conclusion or deferral, as recorded by the server."""

    def show(self, state: FloorState) -> None:
        item = state.current
        if item is None:
            self.update("[dim]No item is open.[/]")
            return
        outcome = item.outcome
        if outcome is None:
            self.update("[dim]No conclusion recorded yet (r).[/]")
            return
        lines = []
        if outcome.conclusion:
            lines.append(escape(outcome.conclusion))
        if outcome.kind == "deferred":
            what = "Conclusion deferred" if outcome.scope == "conclusion" else "Item deferred"
            who = name_of(state, outcome.requested_by or "")
            lines.append(f"[b $warning]{what} to {escape(outcome.target or '')}[/] at the request of {escape(who)}")
            if outcome.note:
                lines.append(f"[i]{escape(outcome.note)}[/]")
        if outcome.by_correspondence:
            lines.append(
                f"[b]By correspondence[/] (Rule 3.2): needs {outcome.majority_needed} Council Members "
                "with the right to vote"
            )
        self.update("\n".join(lines))
