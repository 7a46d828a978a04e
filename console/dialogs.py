"""The console's dialogs: each asks for what one command needs and returns it
(``None`` when cancelled); the screen sends the command. Escape always cancels."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    DataTable,
    Input,
    Label,
    OptionList,
    RadioButton,
    RadioSet,
    Static,
    Switch,
    TextArea,
)
from textual.widgets.option_list import Option
from rich.text import Text

from console.actions import KeyAction
from console.model import language_text
from console.replanning import ReplanPreview


def folded(text: str) -> str:
    """Lower case without accents: "cote" finds "Côte d'Ivoire"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True)
class Choice:
    """A delegation in a picker: id, full name and tier label; ``persons``: its registered
    speakers as ``(id, label)`` ("CHN.2", "Mr Example-Delegate-2"), found by name too."""

    id: str
    name: str
    tier: str
    persons: tuple[tuple[str, str], ...] = ()


_WORDS = re.compile(r"[\s(),'.-]+")


def person_match(choice: Choice, query: str) -> tuple[str, str] | None:
    """The first of the choice's registered speakers whose name (a word of it, e.g. the family
    name) or id starts with ``query``, accents and case ignored; None if none does."""
    needle = folded(query.strip())
    if not needle:
        return None
    for person, label in choice.persons:
        text = folded(label)
        # From the start of any word: "delegate-2" finds "Mr Example-Delegate-2".
        starts = [0, *(m.end() for m in _WORDS.finditer(text))]
        if folded(person) == needle or any(text.startswith(needle, i) for i in starts):
            return person, label
    return None


def ranked(choices: list[Choice], query: str) -> list[Choice]:
    """The choices matching ``query`` (name or id, accents and case ignored), best first:
    the id itself, then names that start with it, then a word that does, then a registered
    speaker's name (the family name finds the delegation), then anywhere."""
    needle = folded(query.strip())
    if not needle:
        return list(choices)
    scored = []
    for index, choice in enumerate(choices):
        name, ident = folded(choice.name), folded(choice.id)
        if ident == needle:
            rank = 0
        elif name.startswith(needle):
            rank = 1
        elif any(word.startswith(needle) for word in re.split(r"[\s(),'-]+", name)):
            rank = 2
        elif person_match(choice, query) is not None:
            rank = 3
        elif needle in name or needle in ident:
            rank = 4
        else:
            continue
        scored.append((rank, index, choice))
    return [choice for _, _, choice in sorted(scored)]


class DelegationPicker(Vertical):
    """Type to filter (name or id, accents ignored), arrows to move, Enter to pick."""

    class Picked(Message):
        def __init__(self, picker: DelegationPicker, choice: Choice, person: str | None = None) -> None:
            super().__init__()
            self.picker = picker
            self.choice = choice
            #: The registered speaker whose name the filter found the delegation by, if it did.
            self.person = person

    def __init__(self, choices: list[Choice], *, placeholder: str = "Type a name…", **kwargs) -> None:
        super().__init__(**kwargs)
        self.choices = choices
        self.placeholder = placeholder
        self.shown: list[Choice] = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self.placeholder, id="picker-filter")
        yield OptionList(id="picker-options")

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, query: str) -> None:
        self.query_text = query
        self.shown = ranked(self.choices, query)
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(Option(self._label(c, query), id=c.id) for c in self.shown)
        if self.shown:
            options.highlighted = 0

    @staticmethod
    def _label(choice: Choice, query: str) -> str:
        label = f"{escape(choice.name)}  [dim]{choice.tier} · {escape(choice.id)}[/]"
        found = person_match(choice, query) if choice.persons else None
        if found is not None and query.strip() and folded(query.strip()) not in folded(choice.name):
            label += f"  — {escape(found[1])}"  # found by a speaker's name: say whose
        return label

    @on(Input.Changed, "#picker-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_key(self, event) -> None:
        # Arrows move the list while the cursor stays in the filter.
        options = self.query_one(OptionList)
        if event.key in ("down", "up") and self.query_one(Input).has_focus:
            options.action_cursor_down() if event.key == "down" else options.action_cursor_up()
            event.stop()

    @on(Input.Submitted, "#picker-filter")
    def _submit_filter(self, event: Input.Submitted) -> None:
        event.stop()
        self._pick(self.query_one(OptionList).highlighted)

    @on(OptionList.OptionSelected, "#picker-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._pick(event.option_index)

    def _pick(self, index: int | None) -> None:
        if index is not None and 0 <= index < len(self.shown):
            choice = self.shown[index]
            found = person_match(choice, getattr(self, "query_text", "")) if choice.persons else None
            self.post_message(self.Picked(self, choice, found[0] if found else None))


class Dialog(ModalScreen):
    """Common frame: a bordered box in the middle; Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(Dialog):
    """Yes / no for an action that cannot be taken back. ``y`` or Enter confirms."""

    BINDINGS = [Binding("y", "confirm", "yes"), Binding("n", "cancel", "no")]

    def __init__(self, title: str, body: str, confirm: str = "Yes") -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.confirm_label = confirm

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = self.title_text
            yield Static(self.body, classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.confirm_label} (y)", variant="error", id="yes")
                yield Button("Cancel (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def set_body(self, body: str) -> None:
        """Say again what confirming does, when the floor changed while the dialog is open."""
        if body != self.body:
            self.body = body
            if self.is_mounted:
                self.query_one(".dialog-body", Static).update(body)

    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def _no(self) -> None:
        self.dismiss(None)


class GiveFloorDialog(Dialog):
    """Give the floor to anyone on the roster but the chair; returns ``(id, kind, person)``,
    ``person`` the registered speaker whose name found the delegation (None otherwise)."""

    def __init__(self, choices: list[Choice]) -> None:
        super().__init__()
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-tall") as box:
            box.border_title = "Give the floor to"
            yield DelegationPicker(self.choices)
            with RadioSet(id="give-kind"):
                yield RadioButton("speech", value=True, id="kind-speech")
                yield RadioButton("point of order", id="kind-point_of_order")
                yield RadioButton("right of reply", id="kind-right_of_reply")
            yield Static("[dim]Enter gives the floor · Escape cancels · out of order unless first in line[/]")

    def on_mount(self) -> None:
        self.query_one("#picker-filter", Input).focus()

    @on(DelegationPicker.Picked)
    def _picked(self, event: DelegationPicker.Picked) -> None:
        pressed = self.query_one("#give-kind", RadioSet).pressed_button
        kind = (pressed.id or "kind-speech").removeprefix("kind-") if pressed else "speech"
        self.dismiss((event.choice.id, kind, event.person))


@dataclass(frozen=True)
class SpeakerOption:
    """A registered speaker the chair may name: id, how the console names them, floor language."""

    id: str
    label: str
    language: str
    asked: bool = False


#: The option of :class:`NamedSpeakerDialog` that names no one (the delegation, as before).
NO_ONE = ""


class NamedSpeakerDialog(Dialog):
    """Which of a delegation's registered speakers takes the floor; returns the person's id,
    or :data:`NO_ONE` to give the floor without naming anyone. Arrows and Enter; the person
    who asked is highlighted first (else ``default``); Escape cancels the whole give."""

    def __init__(
        self, delegation: str, speakers: list[SpeakerOption], *, default: str | None, kind: str, handover: bool = False
    ) -> None:
        super().__init__()
        self.delegation = delegation
        self.speakers = speakers
        self.default = default
        self.kind = kind
        #: The delegation has the floor: its speaker hands over (no "no one named").
        self.handover = handover

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide") as box:
            box.border_title = (
                f"{self.delegation} has the floor: hand over to?" if self.handover
                else f"Give the floor to {self.delegation}: who speaks?"
            )
            options = [
                Option(
                    (f"{escape(s.label)}  [dim]{escape(s.id)} · " if s.label != s.id else f"{escape(s.id)}  [dim]")
                    + f"speaks {escape(language_text(s.language) or s.language)}[/]"
                    + ("  [b]asked[/]" if s.asked else ""),
                    id=s.id,
                )
                for s in self.speakers
            ]
            if not self.handover:
                options.append(Option(f"[dim]{escape(self.delegation)}, no one named[/]", id="no-one"))
            yield OptionList(*options, id="named-speaker")
            what = "" if self.kind == "speech" else f" ({self.kind.replace('_', ' ')})"
            if self.handover:
                yield Static(f"[dim]↑↓ choose · Enter hands the speech{what} over, for the rest of its time · Escape cancels[/]")
            else:
                yield Static(f"[dim]↑↓ choose · Enter gives the floor{what} · Escape cancels[/]")

    def on_mount(self) -> None:
        options = self.query_one("#named-speaker", OptionList)
        ids = [s.id for s in self.speakers]
        options.highlighted = ids.index(self.default) if self.default in ids else 0 if self.handover else len(ids)
        options.focus()

    @on(OptionList.OptionSelected, "#named-speaker")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = event.option.id
        self.dismiss(NO_ONE if chosen == "no-one" else chosen)


class DeferDialog(Dialog):
    """Defer the open item (or its conclusion) to the next Council; the requesting
    Council Member is picked from Council Members only. Returns the command fields."""

    BINDINGS = [Binding("ctrl+s", "submit", "defer")]

    def __init__(self, council_members: list[Choice], *, item_label: str, target: str, has_conclusion: bool) -> None:
        super().__init__()
        self.council_members = council_members
        self.item_label = item_label
        self.target = target
        self.has_conclusion = has_conclusion
        self.requested_by: Choice | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-tall") as box:
            box.border_title = f"Defer to {self.target}: {self.item_label}"
            yield Label("Requested by (a Council Member):")
            yield DelegationPicker(self.council_members, placeholder="Type the Council Member's name…")
            yield Static("[dim]No Council Member picked yet[/]", id="defer-requested-by")
            with RadioSet(id="defer-scope"):
                yield RadioButton("the whole item", value=True, id="scope-item")
                yield RadioButton("its conclusion only", id="scope-conclusion", disabled=not self.has_conclusion)
            yield Input(placeholder="Note for the record (optional), e.g. No consensus.", id="defer-note")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"Defer to {self.target} (ctrl+s)", variant="warning", id="defer", disabled=True)
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#picker-filter", Input).focus()

    @on(DelegationPicker.Picked)
    def _picked(self, event: DelegationPicker.Picked) -> None:
        self.requested_by = event.choice
        self.query_one("#defer-requested-by", Static).update(
            f"Requested by [b]{escape(event.choice.name)}[/]"
        )
        button = self.query_one("#defer", Button)
        button.disabled = False
        button.focus()

    @on(Button.Pressed, "#defer")
    def action_submit(self) -> None:
        if self.requested_by is None:
            self.notify("Pick the Council Member who asks for the deferral.", severity="warning")
            return
        pressed = self.query_one("#defer-scope", RadioSet).pressed_button
        scope = "conclusion" if pressed is not None and pressed.id == "scope-conclusion" else "item"
        note = self.query_one("#defer-note", Input).value.strip() or None
        self.dismiss({"requested_by": self.requested_by.id, "scope": scope, "note": note})

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class ConclusionDialog(Dialog):
    """The proposed conclusion of the open item; returns ``(text, by_correspondence)``."""

    BINDINGS = [Binding("ctrl+s", "submit", "record")]

    def __init__(self, *, item_label: str, text: str, by_correspondence: bool, majority: int, voters: int) -> None:
        super().__init__()
        self.item_label = item_label
        self.text = text
        self.by_correspondence = by_correspondence
        self.majority = majority
        self.voters = voters

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-tall dialog-wide") as box:
            box.border_title = f"Proposed conclusion: {self.item_label}"
            yield TextArea(self.text, id="conclusion-text", soft_wrap=True, show_line_numbers=False)
            with Horizontal(id="correspondence-row"):
                yield Switch(value=self.by_correspondence, id="by-correspondence")
                yield Static(id="correspondence-note")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Record (ctrl+s)", variant="primary", id="record")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self._explain(self.by_correspondence)
        self.query_one(TextArea).focus()

    @on(Switch.Changed, "#by-correspondence")
    def _switched(self, event: Switch.Changed) -> None:
        self._explain(event.value)

    def _explain(self, on: bool) -> None:
        rule = (
            f"to a decision by correspondence (Rule 3.2): a simple majority of the Council Members "
            f"with the right to vote, [b]{self.majority} of {self.voters}[/]"
        )
        self.query_one("#correspondence-note", Static).update(
            f"[b]By correspondence: yes[/], {rule}" if on else f"By correspondence: no  [dim](switch on to send it {rule})[/]"
        )

    @on(Button.Pressed, "#record")
    def action_submit(self) -> None:
        text = self.query_one(TextArea).text.strip()
        if not text:
            self.notify("Write the proposed conclusion first.", severity="warning")
            return
        self.dismiss((text, self.query_one(Switch).value))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


def parse_duration(text: str) -> int | None:
    """``3:00``, ``3m``, ``2m30``, ``90`` or ``90s`` -> seconds; ``None`` if unreadable."""
    text = text.strip().lower().replace(" ", "")
    if m := re.fullmatch(r"(\d+):([0-5]\d)", text):
        return int(m[1]) * 60 + int(m[2])
    if m := re.fullmatch(r"(\d+)m(?:in)?(?:(\d+)s?)?", text):
        return int(m[1]) * 60 + int(m[2] or 0)
    if m := re.fullmatch(r"(\d+)s?", text):
        return int(m[1])
    return None


class FloorLanguageDialog(Dialog):
    """The floor language of a speech or a waiting request, for the interpreters; returns the code."""

    def __init__(self, *, who: str, current: str | None, languages: dict[str, str]) -> None:
        super().__init__()
        self.who = who
        self.current = current
        self.languages = languages

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = f"Floor language: {self.who}"
            yield OptionList(*(Option(name, id=code) for code, name in self.languages.items()), id="floor-language")
            yield Static("[dim]Enter sets it (the interpreters see it at once) · Escape cancels[/]")

    def on_mount(self) -> None:
        options = self.query_one("#floor-language", OptionList)
        codes = list(self.languages)
        options.highlighted = codes.index(self.current) if self.current in codes else 0
        options.focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class SpeakingTimeDialog(Dialog):
    """The speaking-time limit of the open item (10 s to 1 h); returns seconds."""

    def __init__(self, *, item_label: str, seconds: int) -> None:
        super().__init__()
        self.item_label = item_label
        self.seconds = seconds

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = f"Speaking time: {self.item_label}"
            minutes, secs = divmod(self.seconds, 60)
            yield Input(f"{minutes}:{secs:02d}", id="speaking-time")
            yield Static(
                "[dim]m:ss, minutes (3m) or seconds (90) · from the next speech on · Enter to set[/]",
                id="speaking-time-help",
            )

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        seconds = parse_duration(event.value)
        if seconds is None or not 10 <= seconds <= 3600:
            self.query_one("#speaking-time-help", Static).update(
                f"[b $error]{escape(event.value)!s} is not a speaking time between 0:10 and 60:00[/]"
            )
            return
        self.dismiss(seconds)


class HelpScreen(Dialog):
    """Every key of this console, with what it does (the same table as the footer
    and the command palette)."""

    BINDINGS = [Binding("question_mark", "cancel", "close"), Binding("q", "cancel", "close")]

    def __init__(self, actions: list[KeyAction], *, role_label: str) -> None:
        super().__init__()
        self.actions = actions
        self.role_label = role_label

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog dialog-tall dialog-wide", id="help") as box:
            box.border_title = f"Keys: {self.role_label}"
            lines = [
                f"[b]{escape(a.key_display):>7}[/]  {escape(a.description)}" for a in self.actions
            ]
            yield Static("\n".join(lines), id="help-keys")
            yield Static(
                "\nAgenda: ▶ open · pending · ≡ to conclude en bloc · ✓ closed or concluded · "
                "→ deferred; [b red]used minutes in red[/] when an item runs over its plan. "
                "Waiting list: points of order first (⚑), then speeches by tier, then rights of reply, "
                "as the server orders them. Time: minutes used against planned, today and on the open "
                "item, and when today's session is projected to end; [b $error]red[/] once that passes "
                "the window's end less the buffer.",
                id="help-legend",
            )
            yield Static(
                "\n[dim]Every action is also in the command palette (ctrl+p). The screen changes only "
                "when the server confirms; a refusal is shown with the server's reason. While the "
                "connection is down, commands are disabled and the console reconnects by itself.[/]",
                id="help-notes",
            )
            yield Static("[dim]Escape or ? to close[/]")


def _slot_text(item, zone) -> str:
    """"Tue 8 Jun 12:25–12:55" in the meeting's zone; a dash for no slot."""
    if item is None:
        return "—"
    start, end = item.start.astimezone(zone), item.end.astimezone(zone)
    return f"{start:%a} {start.day} {start:%b} {start:%H:%M}–{end:%H:%M}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class ReplanDialog(Dialog):
    """The re-plan before it is published: what changes (item, code, announced day and
    time, new day and time), the days used and the notes; ``y`` publishes, Escape
    cancels. When the rest cannot fit: by how much, and the deferral candidates
    (candidates only: a deferral needs a Council Member's request); nothing to publish."""

    BINDINGS = [Binding("y", "confirm", "publish")]

    def __init__(self, preview: ReplanPreview, *, zone, zone_label: str, target: str = "C22") -> None:
        super().__init__()
        self.preview = preview
        self.zone = zone
        self.zone_label = zone_label
        self.target = target

    def compose(self) -> ComposeResult:
        preview = self.preview
        at = preview.now.astimezone(self.zone)
        with Vertical(classes="dialog dialog-tall dialog-wide", id="replan") as box:
            box.border_title = f"Re-plan what is left · {at:%a} {at.day} {at:%B} {at:%H:%M} {self.zone_label}"
            if preview.replan is None:
                yield from self._does_not_fit()
                return
            yield Static(self._summary(), id="replan-summary")
            table: DataTable = DataTable(id="replan-changes", cursor_type="none", zebra_stripes=True)
            yield table
            if preview.replan.notes:
                notes = "\n".join(f"• {escape(note)}" for note in preview.replan.notes)
                yield Static(f"[b]Notes[/]\n{notes}", id="replan-notes")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"Publish as revision {preview.revision + 1} (y)", variant="warning", id="publish")
                yield Button("Cancel (esc)", id="cancel")

    def _summary(self) -> str:
        preview = self.preview
        replan = preview.replan
        assert replan is not None
        sat, to_come = len(preview.days_sat), len(preview.days_to_come)
        items = len(replan.plan.items)
        lines = [
            f"[b]{'The ' + str(items) + ' items' if items != 1 else 'The item'} still to come fit.[/] "
            f"Days: {preview.days_used} of at most {preview.max_days} ({sat} sat on, {to_come} more to come)."
        ]
        if replan.resume_at is not None:
            lines.append(f"Today's items run from {replan.resume_at.astimezone(self.zone):%H:%M} {self.zone_label}.")
        moved = [r for r in preview.rows if r.day == "moved"]
        if moved:
            listed = ", ".join(f"{r.number} {escape(r.code)}" for r in moved)
            verb = "leaves" if len(moved) == 1 else "leave"
            lines.append(f"[b $warning]{_count(len(moved), 'item')} {verb} the day announced:[/] {listed}.")
        else:
            lines.append("No item leaves the day it was announced on.")
        if not preview.rows:
            lines.append("[dim]No item changes its time: publishing only renews the plan.[/]")
        return "\n".join(lines)

    def _does_not_fit(self) -> ComposeResult:
        error = self.preview.error
        title = error.title if error is not None else "The rest does not fit"
        message = error.message if error is not None else ""
        message = message[:1].upper() + message[1:]
        yield Static(f"[b $error]{escape(title)}[/]\n{escape(message)}.", id="replan-error")
        yield Static(
            f"[b]Deferral candidates only:[/] an item or its conclusion is deferred to {escape(self.target)} "
            "only when a Council Member asks for it (d, on the open item). Nothing is published.",
            id="replan-candidates-note",
        )
        details = []
        for detail in error.details if error is not None else []:
            nested = detail.startswith("  ")
            details.append(f"    {escape(detail.strip())}" if nested else f"[b]{escape(detail.strip())}[/]")
        with VerticalScroll(id="replan-details"):
            yield Static("\n".join(details), id="replan-candidates")
        with Horizontal(classes="dialog-buttons"):
            yield Button("Close (esc)", id="cancel")

    def on_mount(self) -> None:
        if self.preview.replan is None:
            self.query_one("#cancel", Button).focus()
            return
        table = self.query_one("#replan-changes", DataTable)
        table.add_columns(" # ", "code", f"announced ({self.zone_label})", f"new ({self.zone_label})", "day")
        # Rich styles (a table cell is a Rich renderable), as the agenda's "late" red.
        styles = {"moved": "bold yellow", "left out": "bold red", "added": "italic"}
        for row in self.preview.rows:
            style = styles.get(row.day, "")
            table.add_row(
                Text(f"{row.number:>2}"),
                Text(row.code),
                Text(_slot_text(row.announced, self.zone)),
                Text(_slot_text(row.new, self.zone), style="bold" if row.day == "moved" else ""),
                Text(row.day, style=style),
                key=str(row.number),
            )
        self.query_one("#publish", Button).focus()

    def action_confirm(self) -> None:
        if self.preview.replan is not None:
            self.dismiss(True)

    @on(Button.Pressed, "#publish")
    def _publish(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
