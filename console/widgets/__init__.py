"""The console's panels, one small module each; each takes the floor state and
shows it, and re-renders only when what it shows has changed."""

from rich.cells import cell_len
from textual.content import Content
from textual.widgets import Static


def show_text(widget: Static, text: str, *, sized_by_text: bool = False) -> None:
    """Update ``widget`` with markup ``text`` only if it changed, and lay the screen
    out again only if the widget's height may change (its lines, wrapped at its
    width) or, for a widget as wide as its text, its width: a layout repaints the
    whole screen, a plain update only the widget."""
    if getattr(widget, "_shown_text", None) == text:
        return
    content = Content.from_markup(text)
    width = max(1, widget.size.width)
    lines = sum(max(1, -(-cell_len(line) // width)) for line in content.plain.split("\n"))
    shape = (lines, cell_len(content.plain) if sized_by_text else 0)
    layout = getattr(widget, "_shown_shape", None) != shape
    widget._shown_text, widget._shown_shape = text, shape  # type: ignore[attr-defined]
    widget.update(content, layout=layout)
