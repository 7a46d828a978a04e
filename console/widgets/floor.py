"""The open item, the speaker with the big countdown, and the proposed conclusion."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.widgets import Digits, Static

from console.widgets import show_text
from console.model import KIND_LABELS, Countdown, clock_text, contributions_text, name_of
from vccsched.bidi import without_bidi_controls
from vccsched.floor.state import FloorState


class ItemHeader(Static):
    """Code, number and title of the open item; speaking time; list open or closed."""

    def show(
        self, state: FloorState, *, chair: bool, me: str | None = None, queues: bool = True, person: str | None = None
    ) -> None:
        """``me``: the delegation this console speaks for; ``queues``: whether it may join the
        list of speakers (the secretariat does not: the chair gives it the floor); ``person``:
        the registered person whose token it uses (the floor may be another of theirs)."""
        if state.suspended:
            self.set_class(True, "-suspended")
            show_text(
                self,
                "[b]THE MEETING IS SUSPENDED[/]\n"
                + ("Press s to resume it." if chair else "Wait for the chair to resume it.")
            )
            return
        self.set_class(False, "-suspended")
        item = state.current
        if item is None:
            hint = "Select an item in the agenda and press o to open it." if chair else "The chair will open the next item."
            show_text(self, f"[b]No item is open.[/]\n{hint}")
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
        contributions = contributions_text(state, item.number)
        if contributions:
            text += f"\n[b]Contributions:[/] {escape(contributions)}"
        if me is not None:
            places = [
                f"[b]{place}{_ordinal(place)}[/] in line ({KIND_LABELS.get(r.kind, r.kind)})"
                for place, r in enumerate(item.queue, start=1)
                if r.delegation == me
            ]
            speaker = state.speaker
            if speaker is not None and speaker.delegation == me and (
                person is None or speaker.person is None or speaker.person == person
            ):
                places.insert(0, "[b reverse] you have the floor [/]")
            if places:
                text += "\nYou: " + ", ".join(places)
            elif queues:
                text += "\nYou: no request (f to ask for the floor)"
            else:
                text += "\nYou: the chair gives you the floor (f: how to ask)"
        show_text(self, text)


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def detail_text(countdown: Countdown, zone, kind: str, width: int) -> str:
    """"CM · speech · Chinese · since 12:00:10 · limit 3:00" (markup), shortened to fit
    ``width`` cells (0: not laid out yet, the whole line): the start without its seconds,
    then without it; the tier, the kind, the language and the limit always stay (at 100
    columns the panel has 48 cells, and a point of order with a language needs 57)."""
    since = countdown.since.astimezone(zone)
    language = f" · [b]{escape(countdown.language)}[/]" if countdown.language else ""
    head = f"{countdown.tier} · {kind}{language}"
    limit = f"limit {clock_text(countdown.limit_seconds)}"
    candidates = (
        f"{head} · since {since:%H:%M:%S} · {limit}",
        f"{head} · since {since:%H:%M} · {limit}",
        f"{head} · {limit}",
    )
    if width <= 0:
        return candidates[0]
    return next((c for c in candidates if Text.from_markup(c).cell_len <= width), candidates[-1])


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
            show_text(name, "[dim]No one has the floor[/]")
            show_text(detail, "")
            self.tick(None)
            return
        kind = KIND_LABELS.get(countdown.kind, countdown.kind)
        if countdown.kind == "point_of_order":
            kind = f"[b reverse $warning] {kind.upper()} [/]"
        show_text(name, f"[b]{escape(countdown.name)}[/]")
        self._detail = (countdown, zone, kind)
        self._show_detail()
        self.tick(countdown)

    def _show_detail(self) -> None:
        """The detail line, as much of it as fits on its one line (:func:`detail_text`)."""
        shown = getattr(self, "_detail", None)
        if shown is None:
            return
        countdown, zone, kind = shown
        detail = self.query_one("#speaker-detail", Static)
        show_text(detail, detail_text(countdown, zone, kind, detail.size.width))

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._show_detail)

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
            text = "[b $warning]less than 30 s left[/]"
        else:
            text = "left"
        if countdown is not None and countdown.out_of_order and countdown.tier in ("CM", "Obs", "SM"):
            text += " · [b $warning]out of order[/]"
        show_text(state, text)


class ConclusionPanel(Static):
    """The open item's proposed conclusion or deferral, as recorded by the server."""

    def show(self, state: FloorState, *, chair: bool = True) -> None:
        item = state.current
        if item is None:
            show_text(self, "[dim]No item is open.[/]")
            return
        outcome = item.outcome
        if outcome is None:
            show_text(self, "[dim]No conclusion recorded yet" + (" (r)." if chair else ".") + "[/]")
            return
        lines = []
        if outcome.conclusion:
            lines.append(escape(without_bidi_controls(outcome.conclusion)))
        if outcome.kind == "deferred":
            what = "Conclusion deferred" if outcome.scope == "conclusion" else "Item deferred"
            who = name_of(state, outcome.requested_by or "")
            lines.append(f"[b $warning]{what} to {escape(outcome.target or '')}[/] at the request of {escape(who)}")
            if outcome.note:
                lines.append(f"[i]{escape(without_bidi_controls(outcome.note))}[/]")
        if outcome.by_correspondence:
            lines.append(
                f"[b]By correspondence[/] (Rule 3.2): needs {outcome.majority_needed} Council Members "
                "with the right to vote"
            )
        show_text(self, "\n".join(lines))
