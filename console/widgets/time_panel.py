"""The time panel: today's session against the published plan.

Planned against used minutes for the day and for the open item, the items
still to come, the projected end of the session against the plan (ahead or
behind) and, once the projection passes the window's end less the buffer, a
warning in the error colour. The chair's form has every line; a delegation's
(``compact``) only the projected end and the items not reached.
"""

from __future__ import annotations

import datetime as dt

from textual.markup import escape
from textual.widgets import Static

from console.model import slip_text
from console.timing import TimeFigures
from console.widgets import show_text

#: Items named in the "not reached" line before "+n more".
NOT_REACHED_SHOWN = 4
LABEL = 8


def _minutes(value: float) -> str:
    return f"{round(value)}′"


def _signed(value: float) -> str:
    whole = round(value)
    return f"+{whole}′" if whole > 0 else ("±0′" if whole == 0 else f"−{-whole}′")


def _items(items: list[tuple[int, str]]) -> str:
    shown = [f"{number} {escape(code)}" for number, code in items[:NOT_REACHED_SHOWN]]
    more = len(items) - NOT_REACHED_SHOWN
    return " · ".join(shown) + (f" · +{more} more" if more > 0 else "")


def _day(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%B}"


def _line(label: str, text: str) -> str:
    return f"[dim]{label:<{LABEL}}[/]{text}"


def _not_reached(f: TimeFigures) -> str:
    return f"[dim]Not reached ({len(f.not_reached)})[/] {_items(f.not_reached)}"


class TimePanel(Static):
    """Shows :class:`~console.timing.TimeFigures`; :attr:`notice` adds a line under them
    (the meeting's files loading or failing, a re-plan under way)."""

    def __init__(self, *, compact: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.compact = compact
        self.figures: TimeFigures | None = None
        self.notice = ""
        self.border_title = "Time"

    def show(self, figures: TimeFigures | None, notice: str | None = None) -> None:
        """Show ``figures`` (None: not known yet) and, if given, a new notice ("" clears it)."""
        self.figures = figures
        if notice is not None:
            self.notice = notice
        late = figures is not None and figures.late
        self.set_class(late, "-late")
        if figures is not None and figures.revision is not None:
            title = f"Time · plan rev. {figures.revision}"
            if self.border_title != title:
                self.border_title = title
        lines = self._lines(figures) if figures is not None else []
        if self.notice:
            lines.append(self.notice)
        show_text(self, "\n".join(lines) or "[dim]…[/]")

    def _lines(self, f: TimeFigures) -> list[str]:
        if f.revision is None:
            lines = ["[dim]No plan published yet.[/]"]
            if f.today is not None and f.used_minutes and not self.compact:
                lines.append(_line("Today", f"used {_minutes(f.used_minutes)}"))
            return lines
        if f.today is None or (f.planned_end is None and f.open_item is None):
            what = "No session today" if f.today is None else "Nothing planned today"
            if f.outside:
                what = f.outside[:1].upper() + f.outside[1:]
            lines = [f"[b]{what}[/]" + (f" · next: {_day(f.next_day)}" if f.next_day else "")]
            if f.not_reached:
                lines.append(_not_reached(f))
            return lines
        if self.compact:
            return self._compact_lines(f)
        lines = [_line("Today", f"used {_minutes(f.used_minutes)} of {_minutes(f.planned_minutes)}")]
        item = f.open_item
        if item is not None:
            used = f"used {_minutes(item.minutes)}"
            if item.planned_minutes is None:
                text = f"{used}, not planned"
            else:
                text = f"{used} of {item.planned_minutes}′"
                over = item.over_minutes or 0.0
                if round(over) > 0:
                    text += f" [b $error]{_signed(over)}[/]"
            lines.append(_line(f"Item {item.number}", text))
        if f.to_come or f.still_minutes >= 0.5:
            count = len(f.to_come)
            lines.append(_line("To come", f"{count} item{'s' if count != 1 else ''} · {_minutes(f.still_minutes)}"))
        lines.append(_line("Ends", self._end_text(f)))
        if f.late:
            lines += self._warning(f, hint=" · [b]p[/] re-plans")
        if f.not_reached:
            lines.append(_not_reached(f))
        return lines

    def _compact_lines(self, f: TimeFigures) -> list[str]:
        lines = [f"Today ends {self._end_text(f)}"]
        if f.late:
            lines += self._warning(f)
        if f.not_reached:
            lines.append(_not_reached(f))
        return lines

    @staticmethod
    def _end_text(f: TimeFigures) -> str:
        if f.projected_end is None:
            return "—"
        text = f"[b]{f.projected_end:%H:%M}[/]"
        behind = f.behind_minutes
        if behind is not None:
            style = "$error" if f.late else ("$warning" if behind > 0 else "$success")
            text += f" · [b {style}]{slip_text(behind)}[/]"
        return text

    @staticmethod
    def _warning(f: TimeFigures, hint: str = "") -> list[str]:
        assert f.usable_end is not None and f.window_end is not None
        return [
            f"[b reverse $error] ⚠ {f.late_display}′ PAST {f.usable_end:%H:%M} [/]{hint}",
            f"[$error]{f.usable_end:%H:%M}: {f.window_end:%H:%M} less the {f.buffer_minutes}′ buffer[/]",
        ]
