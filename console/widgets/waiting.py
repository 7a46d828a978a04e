"""The waiting list: a line-API widget that renders only the rows in view.

With hundreds of requests a DataTable rebuild costs tens of milliseconds per
event; here an event replaces the list of rows (already computed by
:func:`console.model.queue_rows`) and repaints the visible lines, so its cost
does not grow with the queue. The row under the cursor is the one ``x``
strikes (chair) or ``w`` withdraws (delegation).
"""

from __future__ import annotations

import datetime as dt

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from console.model import QueueRow, Speakers, clock_text, minutes_text, queue_rows, speaking_times
from console.widgets.table import Column, fit_columns
from vccsched.floor.state import FloorState

_KIND_LABELS = {"point_of_order": "⚑ POINT OF ORDER", "right_of_reply": "right of reply", "speech": "speech"}


class WaitingList(ScrollView, can_focus=True):
    """The open item's waiting list in the server's speaking order, with a header line."""

    COMPONENT_CLASSES = {
        "waiting-list--header",
        "waiting-list--cursor",
        "waiting-list--odd",
        "waiting-list--point-of-order",
        "waiting-list--mine",
    }
    DEFAULT_CSS = """
    WaitingList { overflow-x: hidden; }
    WaitingList > .waiting-list--header { text-style: bold; background: $panel; }
    WaitingList > .waiting-list--cursor { background: $primary 30%; }
    WaitingList:focus > .waiting-list--cursor { background: $primary; color: $text; }
    WaitingList > .waiting-list--odd { background: $surface; }
    WaitingList > .waiting-list--point-of-order { text-style: bold reverse; }
    WaitingList > .waiting-list--mine { text-style: bold; }
    """
    BINDINGS = [
        Binding("up", "move(-1)", "up", show=False),
        Binding("down", "move(1)", "down", show=False),
        Binding("pageup", "page(-1)", "page up", show=False),
        Binding("pagedown", "page(1)", "page down", show=False),
        Binding("home", "move(-100000)", "first", show=False),
        Binding("end", "move(100000)", "last", show=False),
    ]
    # On a narrow terminal the speaking times go first, then the waiting times:
    # names are read aloud, so they keep their room.
    COLUMNS = (
        Column("#", "place", 3, right=True),
        Column("delegation", "name", None),
        Column("tier", "tier", 4),
        Column("kind", "kind", 16),
        Column("wait", "waited", 4, drop=2, right=True),
        Column("item / all", "spoken", 11, drop=1, right=True),
    )
    #: Shown only when some waiting request has a known floor language (protocol 4), so that a
    #: meeting without registrations keeps its columns; on a narrow terminal it goes after the
    #: speaking and waiting times.
    LANGUAGE = Column("language", "language", 8, drop=3)
    MIN_FLEX = 14
    # Enough for most names; below it the least needed columns go. At 100 columns (the
    # screen's -narrow layout) every column stays, names cut at 16 (issue 16).
    WANTED_FLEX = 16

    cursor: reactive[int] = reactive(0)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows_shown: list[QueueRow] = []
        self.renders = 0  # how often the rows were replaced (the benchmark counts them)
        self.me: str | None = None
        self._now: dt.datetime | None = None
        self._source: tuple | None = None
        self._columns: tuple[Column, ...] = self.COLUMNS
        self._lines: LRUCache[tuple, Strip] = LRUCache(256)

    # --- data ----------------------------------------------------------------------

    @property
    def selected(self) -> QueueRow | None:
        rows = self.rows_shown
        return rows[self.cursor] if 0 <= self.cursor < len(rows) else None

    def show(self, state: FloorState, now: dt.datetime, speakers: Speakers | None = None) -> None:
        """Take the state's waiting list (``speakers``: the names the server publishes); repaint only if it changed."""
        item = state.current
        # The fold replaces a queue or the speeches only when they change: compare by identity.
        source = (item.queue if item else None, state.speeches, state.setup, speakers)
        if self._source is not None and all(a is b for a, b in zip(source, self._source)):
            return
        self._source = source
        self._now = now
        rows = queue_rows(state, speaking_times(state), speakers) if item is not None else []
        if rows == self.rows_shown:
            return
        self._columns = self._with_language if any(r.language for r in rows) else self.COLUMNS
        selected = self.selected
        self.rows_shown = rows
        self.renders += 1
        if selected is not None:
            same = ((r.delegation, r.kind) for r in rows)
            key = (selected.delegation, selected.kind)
            index = next((i for i, k in enumerate(same) if k == key), min(self.cursor, len(rows) - 1))
            self.cursor = max(0, index)
        else:
            self.cursor = min(self.cursor, max(0, len(rows) - 1))
        self._lines.clear()
        self.virtual_size = Size(self.size.width, len(rows) + 1)
        self.refresh()

    def refresh_waited(self, now: dt.datetime) -> None:
        """Bring the "wait" column (whole minutes) up to date: every few seconds, not per event."""
        before = self._now
        self._now = now
        if before is None or any(
            minutes_text(r.waited(before)) != minutes_text(r.waited(now)) for r in self.rows_shown
        ):
            self._lines.clear()
            self.refresh()

    def row_text(self, index: int) -> dict[str, str]:
        """The cells of a row as shown (for tests and screen readers)."""
        return self._cells(self.rows_shown[index])

    # --- drawing ---------------------------------------------------------------------

    def on_resize(self) -> None:
        self._lines.clear()
        self.virtual_size = Size(self.size.width, len(self.rows_shown) + 1)

    @property
    def _width(self) -> int:
        return self.scrollable_content_region.width

    def _layout(self) -> tuple[tuple[Column, ...], int]:
        # fit_columns keeps a cell for the scrollbar; this widget draws inside it already.
        return fit_columns(self._columns, self._width + 1, 2, self.MIN_FLEX, self.WANTED_FLEX)

    @property
    def _with_language(self) -> tuple[Column, ...]:
        at = next(i for i, c in enumerate(self.COLUMNS) if c.key == "kind") + 1
        return (*self.COLUMNS[:at], self.LANGUAGE, *self.COLUMNS[at:])

    def _cells(self, row: QueueRow) -> dict[str, str]:
        mine = "  ◀ you" if row.delegation == self.me else ""
        # A contributor is marked with its document: the chair invites it to present.
        contributed = f"  ✎ {row.contribution}" if row.contribution else ""
        return {
            "place": str(row.place),
            "name": row.name + contributed + mine,
            "tier": row.tier,
            "kind": _KIND_LABELS.get(row.kind, row.kind),
            "language": row.language or "–",
            "waited": minutes_text(row.waited(self._now)) if self._now else "",
            "spoken": f"{clock_text(row.item_seconds)}/{clock_text(row.meeting_seconds)}",
        }

    def _line(self, cells: dict[str, str], styles: dict[str, Style], base: Style) -> Strip:
        columns, flex = self._layout()
        segments = [Segment(" ", base)]
        for column in columns:
            width = column.width if column.width is not None else flex
            text = cells.get(column.key, "")
            if cell_len(text) > width:
                text = set_cell_size(text, width - 1) + "…"
            pad = " " * (width - cell_len(text))
            text = pad + text if column.right else text + pad
            segments.append(Segment(text, base + styles.get(column.key, Style())))
            segments.append(Segment("  ", base))
        return Strip(segments).adjust_cell_length(self._width, base)

    def render_line(self, y: int) -> Strip:
        base = self.rich_style
        if y == 0:
            header = {c.key: c.label for c in self._columns}
            return self._line(header, {}, base + self.get_component_rich_style("waiting-list--header"))
        index = int(self.scroll_offset.y) + y - 1
        if not 0 <= index < len(self.rows_shown):
            return Strip.blank(self._width, base)
        row = self.rows_shown[index]
        key = (index, self.cursor == index, self.has_focus, self._width)
        cached = self._lines.get(key)
        if cached is not None:
            return cached
        style = base
        if index % 2:
            style += self.get_component_rich_style("waiting-list--odd")
        if index == self.cursor:
            style += self.get_component_rich_style("waiting-list--cursor")
        styles = {}
        if row.kind == "point_of_order":
            point = self.get_component_rich_style("waiting-list--point-of-order", partial=True)
            styles = {"kind": point, "name": Style(bold=True)}
        elif row.kind == "right_of_reply":
            styles = {"kind": Style(italic=True)}
        if row.delegation == self.me:
            styles["name"] = self.get_component_rich_style("waiting-list--mine", partial=True)
        strip = self._line(self._cells(row), styles, style)
        self._lines[key] = strip
        return strip

    # --- the cursor --------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self._lines.clear()
        body = max(1, self.size.height - 1)
        top = int(self.scroll_offset.y)
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif new >= top + body:
            self.scroll_to(y=new - body + 1, animate=False)
        self.refresh()

    def on_focus(self) -> None:
        self._lines.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._lines.clear()
        self.refresh()

    def action_move(self, by: int) -> None:
        if self.rows_shown:
            self.cursor = max(0, min(len(self.rows_shown) - 1, self.cursor + by))

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(1, self.size.height - 2))

    def on_click(self, event) -> None:
        index = int(self.scroll_offset.y) + event.y - 1
        if event.y >= 1 and 0 <= index < len(self.rows_shown):
            self.cursor = index
