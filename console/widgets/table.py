"""A DataTable whose one flexible column takes the width the fixed ones leave, and
that drops its least needed columns when the terminal is narrow, so that long
delegation names and item titles use the room a terminal has."""

from __future__ import annotations

from typing import NamedTuple

from rich.text import Text
from textual.widgets import DataTable

#: Room for the vertical scrollbar (console.tcss makes it one cell wide).
_SCROLLBAR = 1


class Column(NamedTuple):
    label: str
    key: str
    #: Cells; None for the flexible column.
    width: int | None
    #: Dropped first (1), second (2)... when the flexible column is narrower than
    #: the table's ``WANTED_FLEX``; None: always shown.
    drop: int | None = None
    #: Label aligned right (over numbers).
    right: bool = False


def fit_columns(
    columns: tuple[Column, ...], width: int, gap: int, min_flex: int, wanted_flex: int
) -> tuple[tuple[Column, ...], int]:
    """The columns that fit in ``width`` (``gap`` cells between and around columns)
    and the width of the flexible one (0 if it was dropped).

    Droppable columns go in their ``drop`` order while the flexible column is
    narrower than ``wanted_flex``; the flexible column itself goes only when it
    would be narrower than ``min_flex``.
    """
    shown = list(columns)

    def flex_of(cols: list[Column]) -> int:
        fixed = sum(c.width for c in cols if c.width is not None)
        return width - fixed - gap * len(cols) - _SCROLLBAR

    for column in sorted((c for c in columns if c.drop is not None), key=lambda c: c.drop or 0):
        if flex_of(shown) >= wanted_flex:
            break
        if column.width is None and flex_of(shown) >= min_flex:
            continue
        shown.remove(column)
    has_flex = any(c.width is None for c in shown)
    return tuple(shown), max(min_flex, flex_of(shown)) if has_flex else 0


class FittedTable(DataTable):
    """Subclasses set ``COLUMNS``; :meth:`rebuild` adds the rows again with
    :meth:`add_cells` (cells by column key; the columns not shown are left out)."""

    COLUMNS: tuple[Column, ...] = ()
    MIN_FLEX = 6
    WANTED_FLEX = 12

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.flex_width = self.MIN_FLEX
        self.shown_columns: tuple[Column, ...] = self.COLUMNS
        self._fitted_to: int | None = None

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        for column in self.shown_columns:
            label = Text(column.label, justify="right" if column.right else "left")
            self.add_column(label, key=column.key, width=column.width if column.width is not None else self.flex_width)

    def set_columns(self, columns: tuple[Column, ...]) -> None:
        """Change the columns (and add the rows again)."""
        if columns == self.COLUMNS:
            return
        self.COLUMNS = columns
        self._refit(self.size.width, force=True)

    def on_resize(self) -> None:
        self._refit(self.size.width)

    def fit(self, width: int) -> tuple[tuple[Column, ...], int]:
        """The columns to show at ``width`` and the width of the flexible one (0: dropped)."""
        return fit_columns(self.COLUMNS, width, 2 * self.cell_padding, self.MIN_FLEX, self.WANTED_FLEX)

    def _refit(self, width: int, *, force: bool = False) -> None:
        if not force and (width <= 0 or width == self._fitted_to):
            return
        if width > 0:
            self._fitted_to = width
            columns, flex = self.fit(width)
        else:  # not laid out yet: every column for now, fitted on the first resize
            columns, flex = self.COLUMNS, self.MIN_FLEX
        if not force and (columns, flex) == (self.shown_columns, self.flex_width):
            return
        self.shown_columns, self.flex_width = columns, flex
        cursor = self.cursor_row
        self.clear(columns=True)
        self._add_columns()
        self.rebuild()
        if self.row_count:
            self.move_cursor(row=min(cursor, self.row_count - 1), animate=False)

    def add_cells(self, key: str, cells: dict[str, object]) -> None:
        self.add_row(*(cells[c.key] for c in self.shown_columns), key=key)

    def rebuild(self) -> None:
        """Add the rows again (after the columns changed)."""

    @staticmethod
    def clip(text: str, width: int) -> str:
        return text if len(text) <= width else text[: max(1, width - 1)] + "…"
