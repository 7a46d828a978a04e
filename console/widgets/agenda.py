"""The agenda panel: today's items from the published plan (planned start, status,
planned and used minutes, ahead or behind), or every item before a plan exists;
``a`` switches to the whole agenda and back. The chair selects an item here and
opens it with ``o``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual import on
from textual.containers import Vertical
from textual.markup import escape
from textual.widgets import DataTable, Static

from console.widgets import show_text
from console.model import AgendaRow, PlannedDay, agenda_rows, meeting_zone, planned_day, slip_text
from console.widgets.table import Column, FittedTable
from vccsched.floor.state import FloorState

_STATUS_STYLE = {
    "open": "bold",
    "closed": "dim",
    "concluded": "dim",
    "approved en bloc": "dim",
    "en bloc": "italic",
    "deferred": "dim italic",
    "concl. deferred": "dim italic",
}

#: Statuses of items the meeting has finished with.
DONE = frozenset({"closed", "concluded", "approved en bloc", "deferred", "concl. deferred"})

# No cell padding: the room goes to the titles; the spaces are in the cells. The
# titles go first on a narrow terminal: the selected item's is shown in full below.
ALL_COLUMNS = (
    Column("", "mark", 2),
    Column(" # ", "number", 3),
    Column("code", "code", 8),
    Column("title", "title", None, drop=1),
    Column("used", "used", 5, right=True),
)
PLAN_COLUMNS = (
    Column("start", "start", 6),
    Column("", "mark", 2),
    Column(" # ", "number", 3),
    Column("code", "code", 8),
    Column("title", "title", None, drop=1),
    Column("plan", "plan", 5, right=True),
    Column("used", "used", 5, right=True),
)


class AgendaTable(FittedTable):
    """Rows keyed by item number, so the selection survives updates."""

    COLUMNS = ALL_COLUMNS
    MIN_FLEX = 6

    def __init__(self, **kwargs) -> None:
        super().__init__(cell_padding=0, **kwargs)
        self.rows_shown: list[AgendaRow] = []
        #: The open item when the rows were last shown.
        self.current_shown: int | None = None
        self.zone = None

    @property
    def selected_item(self) -> int | None:
        if not self.rows_shown or not 0 <= self.cursor_row < len(self.rows_shown):
            return None
        return self.rows_shown[self.cursor_row].number

    def show(self, rows: list[AgendaRow], current: int | None, *, planned: bool) -> None:
        columns = PLAN_COLUMNS if planned else ALL_COLUMNS
        if rows == self.rows_shown and columns == self.COLUMNS:
            return
        first = not self.rows_shown or columns != self.COLUMNS
        selected = self.selected_item
        was_open = selected is not None and selected == self.current_shown
        self.rows_shown = rows
        self.current_shown = current
        if columns != self.COLUMNS:
            self.set_columns(columns)  # adds the rows too
        else:
            self.rebuild()
        target = current if first or selected is None else selected
        if was_open and current != selected and any(r.number == selected and r.ran_start for r in rows):
            # The selected item was just closed: o must not reopen it, the next one is what comes.
            after = [r.number for r in rows if r.status in ("pending", "en bloc")]
            target = after[0] if after else selected
        if target is None:
            target = next((r.number for r in rows if r.status in ("pending", "en bloc")), None)
        index = next((i for i, r in enumerate(rows) if r.number == target), 0)
        self.move_cursor(row=index, animate=False, scroll=True)

    def rebuild(self) -> None:
        cursor = self.cursor_row
        self.clear()
        for row in self.rows_shown:
            style = _STATUS_STYLE.get(row.status, "")
            late = row.used_minutes is not None and row.planned_minutes is not None and row.used_minutes > row.planned_minutes
            start = row.start.astimezone(self.zone).strftime("%H:%M") if row.start else ""
            cells = {
                "start": Text(start, style=style),
                "mark": Text(f"{row.mark} ", style=style),
                "number": Text(f"{row.number:>2} ", style=style),  # the space parts it from the code
                "code": Text(f"{row.code} ", style=style),
                "title": Text(self.clip(row.title, self.flex_width - 1), style=style),
                "plan": Text(f"{row.planned_minutes}′" if row.planned_minutes else "", style=style, justify="right"),
                "used": Text(
                    "" if row.used_minutes is None else f"{row.used_minutes}′",
                    style="bold red" if late else style,
                    justify="right",
                ),
            }
            self.add_cells(str(row.number), cells)
        if self.rows_shown:
            self.move_cursor(row=min(cursor, len(self.rows_shown) - 1), animate=False, scroll=True)


class AgendaPanel(Vertical):
    """Border title names the day; a table of items and a one-line summary under it."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.whole_agenda = False

    def compose(self) -> ComposeResult:
        yield AgendaTable(id="agenda-table")
        # The day's figures under the table, the selected item's box last: its last line is
        # the item's own, never the day's span.
        yield Static(id="agenda-summary")
        yield Static(id="agenda-selected")

    @on(DataTable.RowHighlighted, "#agenda-table")
    def _highlighted(self) -> None:
        """The selected item in full: status, planned times, minutes used, title (the rows
        have room for a few words of it only)."""
        table = self.table
        row = next((r for r in table.rows_shown if r.number == table.selected_item), None)
        text = ""
        if row is not None:
            facts = [row.status]
            zone = table.zone
            if row.ran_start is not None and row.ran_end is not None and zone is not None:
                start, end = row.ran_start.astimezone(zone), row.ran_end.astimezone(zone)
                # Concluded en bloc: taken up and closed at one instant.
                facts.append(f"ran {start:%H:%M}–{end:%H:%M}" if end > start else f"closed at {end:%H:%M}")
            if row.planned_start is not None and row.planned_end is not None and zone is not None:
                start, end = row.planned_start.astimezone(zone), row.planned_end.astimezone(zone)
                facts.append(f"planned {start:%H:%M}–{end:%H:%M} ({row.planned_minutes}′)")
            if row.used_minutes is not None:
                facts.append(f"used {row.used_minutes}′")
            text = f"[b]{row.number} {escape(row.code)}[/] · {' · '.join(facts)}\n{escape(row.title)}"
        show_text(self.query_one("#agenda-selected", Static), text)

    @property
    def table(self) -> AgendaTable:
        return self.query_one(AgendaTable)

    @property
    def selected_item(self) -> int | None:
        return self.table.selected_item

    def show(self, state: FloorState, now: dt.datetime, history: Sequence = ()) -> None:
        """``history``: the plan revisions before the one in force (the slots of items done)."""
        zone = meeting_zone(state)
        self.table.zone = zone
        day: PlannedDay | None = None if self.whole_agenda else planned_day(state, now, history)
        summary = self.query_one("#agenda-summary", Static)
        if day is not None:
            self.table.show(day.rows, state.current_item, planned=True)
            self.border_title = f"{day.heading} · plan rev. {day.revision}"
            slip = slip_text(day.slip_minutes)
            style = "$error" if (day.slip_minutes or 0) > 0 else "$success"
            slip_markup = f" · [b {style}]{slip}[/]" if slip else ""
            show_text(
                summary,
                f"Day: {day.start.astimezone(zone):%H:%M}–{day.end.astimezone(zone):%H:%M}{slip_markup}"
            )
            return
        rows = agenda_rows(state, now)
        self.table.show(rows, state.current_item, planned=False)
        done = sum(1 for r in rows if r.status in DONE)
        deferred = sum(1 for r in rows if "deferred" in r.status)
        self.border_title = "Agenda (all items)" if state.plan is not None else "Agenda (no plan published yet)"
        show_text(summary, f"{done} of {len(rows)} items done" + (f" · {deferred} deferred" if deferred else ""))
