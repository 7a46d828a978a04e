"""A DataTable whose one flexible column takes the width left by the fixed ones,
so that long delegation names and item titles use the room a terminal has."""

from __future__ import annotations

from textual.widgets import DataTable

#: Room for the vertical scrollbar (console.tcss makes it one cell wide).
_SCROLLBAR = 1


class FittedTable(DataTable):
    """Subclasses set ``COLUMNS`` as ``(label, key, width)``; ``None`` marks the
    flexible column. :meth:`rebuild` must add the rows again."""

    COLUMNS: tuple[tuple[str, str, int | None], ...] = ()
    MIN_FLEX = 12

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.flex_width = self.MIN_FLEX
        self._fitted_to: int | None = None

    def on_mount(self) -> None:
        self._add_columns()

    def set_columns(self, columns: tuple[tuple[str, str, int | None], ...]) -> None:
        """Change the columns (then add the rows again)."""
        if columns == self.COLUMNS:
            return
        self.COLUMNS = columns
        self._refit(self.size.width, force=True)

    def _add_columns(self) -> None:
        for label, key, width in self.COLUMNS:
            self.add_column(label, key=key, width=width if width is not None else self.flex_width)

    def on_resize(self) -> None:
        self._refit(self.size.width)

    def _refit(self, width: int, *, force: bool = False) -> None:
        if not force and (width == self._fitted_to or width <= 0):
            return
        self._fitted_to = width
        fixed = sum(w for _, _, w in self.COLUMNS if w is not None)
        flex = width - fixed - 2 * self.cell_padding * len(self.COLUMNS) - _SCROLLBAR
        flex = max(self.MIN_FLEX, flex)
        if flex == self.flex_width and not force:
            return
        self.flex_width = flex
        cursor = self.cursor_row
        self.clear(columns=True)
        self._add_columns()
        self.rebuild()
        if self.row_count:
            self.move_cursor(row=min(cursor, self.row_count - 1), animate=False)

    def rebuild(self) -> None:
        """Add the rows again (after the columns changed width)."""

    @staticmethod
    def clip(text: str, width: int) -> str:
        return text if len(text) <= width else text[: max(1, width - 1)] + "…"
