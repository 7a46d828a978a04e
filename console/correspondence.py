"""The secretariat's view of the decision by correspondence online (issue 19): who has
replied, who has not, time left. Only what every connection knows (who replied and when,
never how): the answers stay confidential until the result is published."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.markup import escape
from textual.widgets import Static

from console.dialogs import Dialog
from vccsched.floor.state import FloorState


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    votes: bool
    at: dt.datetime | None = None


@dataclass(frozen=True)
class RoundFigures:
    """The round as the secretariat follows it."""

    deadline: dt.datetime
    seconds_left: float
    majority: str
    required: int
    items: list[str]
    replied: list[Member]
    waiting: list[Member]
    published: bool

    @property
    def open(self) -> bool:
        return self.seconds_left > 0


def round_figures(state: FloorState, now: dt.datetime) -> RoundFigures | None:
    """The round of ``state`` at ``now``; None before one is opened."""
    round_ = state.correspondence
    if round_ is None:
        return None
    members = [p for p in state.setup.participants if p.category == "council_member"]
    replied = [Member(p.id, p.name or p.id, bool(p.voting_rights), round_.replied[p.id]) for p in members if p.id in round_.replied]
    waiting = [Member(p.id, p.name or p.id, bool(p.voting_rights)) for p in members if p.id not in round_.replied]
    return RoundFigures(
        deadline=round_.deadline,
        seconds_left=(round_.deadline - now).total_seconds(),
        majority=round_.majority,
        required=round_.required,
        items=[f"{q.code} (item {q.item})" for q in round_.questions],
        replied=sorted(replied, key=lambda m: (m.at, m.id)),  # type: ignore[arg-type, return-value]
        waiting=waiting,
        published=round_.result is not None,
    )


def left_text(seconds: float) -> str:
    """'2 d 04:05 left', '03:12:09 left', or 'closed'."""
    if seconds <= 0:
        return "closed"
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    return (f"{days} d {h:02d}:{m:02d} left" if days else f"{h:02d}:{m:02d}:{s:02d} left")


def rule_text(figures: RoundFigures, voters: int) -> str:
    """The counting rule in words ("Rule of-voting-members" read as a code); the number of
    approvals needed only where the rule fixes it (of the replies, it depends on them)."""
    if figures.majority == "of-replies":
        return "Majority of the replies: a conclusion is approved when more than half of the valid replies on it approve"
    return (f"Majority of the Council Members with the right to vote: {figures.required} approvals needed "
            f"of the {voters}")


def round_text(figures: RoundFigures | None, zone: ZoneInfo) -> str:
    """The view's text (Rich markup)."""
    if figures is None:
        return ("No decision by correspondence is open. The secretariat opens one with "
                "'vccsched correspondence open' once the conclusions are recorded by correspondence.")
    deadline = figures.deadline.astimezone(zone)
    voters = sum(1 for m in [*figures.replied, *figures.waiting] if m.votes)
    voted = sum(1 for m in figures.replied if m.votes)
    state = (f"[b $success]{left_text(figures.seconds_left)}[/]" if figures.open else "[b $error]closed[/]")
    lines = [
        f"Deadline [b]{deadline:%a %d %b %Y %H:%M}[/] ({deadline.tzname()}) · {state}"
        + (" · [b]result published[/]" if figures.published else ""),
        f"Conclusions: {escape(', '.join(figures.items))}",
        rule_text(figures, voters),
        "",
        f"[b]Replied online: {len(figures.replied)}[/] ({voted} of {voters} with the right to vote)",
    ]
    for m in figures.replied:
        assert m.at is not None
        vote = "" if m.votes else " [dim](no right to vote: not counted)[/]"
        lines.append(f"  ✓ {escape(m.name)} ({m.id}) {m.at.astimezone(zone):%d %b %H:%M}{vote}")
    lines += ["", f"[b]Not replied online: {len(figures.waiting)}[/] (forms e-mailed are not shown here)"]
    lines += [f"  · {escape(m.name)} ({m.id}){'' if m.votes else ' [dim](no right to vote)[/]'}" for m in figures.waiting]
    return "\n".join(lines)


#: Where the reminder list comes from (issue 19: "a reminder list ... as CSV").
REMINDERS_HINT = (
    "[b]Reminder list[/] (the focal points' names and e-mails, as CSV; forms e-mailed taken into "
    "account): [b]vccsched correspondence reminders --db floor.db \\[forms/] --out remind.csv[/]"
)


class CorrespondenceView(Dialog):
    """Who has replied, who has not, time left; refreshed every second. Escape or v closes."""

    BINDINGS = [Binding("v", "cancel", "close"), Binding("q", "cancel", "close")]

    def __init__(self, screen) -> None:
        super().__init__()
        self.floor_screen = screen

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-tall dialog-wide", id="correspondence") as box:
            box.border_title = "Decision by correspondence"
            box.border_subtitle = "Escape or v closes · ↑↓ scroll"
            with VerticalScroll(id="correspondence-scroll"):
                yield Static(self._text(), id="correspondence-body")
            # Outside the scroll, always in sight. The console has no names nor e-mails (nothing
            # broadcast carries them), and no e-mailed forms: the command line writes the list.
            yield Static(REMINDERS_HINT, id="correspondence-hint")

    def on_mount(self) -> None:
        self.set_interval(1.0, self.refresh_view)

    def _text(self) -> str:
        screen = self.floor_screen
        state = screen.state
        figures = round_figures(state, screen.source.now()) if state is not None else None
        return round_text(figures, screen.zone)

    def refresh_view(self) -> None:
        self.query_one("#correspondence-body", Static).update(self._text())
