"""The main screen: the floor at a glance and every action one key away.

It shows only what the server said (the source's state) and sends commands;
nothing changes on screen until the server's events come back. One screen
class per role, so a delegation's console has no chair bindings at all.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, RichLog, Static

from console.actions import FLOOR_ACTIONS, Role, action_name, actions_for, not_for
from console.client import Connection, NotConnected
from console.dialogs import (
    Choice,
    ConclusionDialog,
    ConfirmDialog,
    DeferDialog,
    NO_ONE,
    FloorLanguageDialog,
    GiveFloorDialog,
    HelpScreen,
    NamedSpeakerDialog,
    ReplanDialog,
    SpeakerOption,
    SpeakingTimeDialog,
)
from console.model import (
    KIND_LABELS,
    LANGUAGE_NAMES,
    Countdown,
    Speakers,
    countdown,
    day_label,
    meeting_zone,
    name_of,
    next_in_line,
    tier_of,
    zone_label,
)
from console.replanning import ReplanPreview, preview_replan, replan_basis
from console.timing import PlanHistory, TimeFigures, time_figures
from console.widgets.agenda import AgendaPanel
from console.widgets.floor import ConclusionPanel, ItemHeader, SpeakerPanel
from console.widgets.status import OfflineBanner, StatusBar
from console.widgets.time_panel import TimePanel
from console.widgets.waiting import WaitingList
from vccsched.errors import VccschedError
from vccsched.floor.state import FloorState, ItemState
from vccsched.loading import MeetingData

#: How often the countdown is recomputed (it changes the digits only when the second changes).
TICK_SECONDS = 0.2
#: How often the "waited" column (whole minutes) and the time panel are brought up to date.
WAITED_SECONDS = 10.0
#: How many of the list of speakers the interpreters see.
NEXT_COUNT = 3
#: A re-plan preview older than this is not published (today's items would start in the past).
PREVIEW_MAX_AGE = dt.timedelta(minutes=5)

_TIER_ORDER = {"Sec": 0, "CM": 1, "Obs": 2, "SM": 3}


def _finished_with(state: FloorState, number: int) -> str | None:
    """How the meeting finished with item ``number`` ("was closed", "was deferred to C22"),
    or None if it has not (pending, or open)."""
    item = state.items.get(number)
    if item is None or item.status == "open":
        return None
    outcome = item.outcome
    if outcome is not None and outcome.kind == "deferred":
        what = "its conclusion was" if outcome.scope == "conclusion" else "it was"
        return f"is closed: {what} deferred to {outcome.target}" if item.status == "closed" else f"was deferred to {outcome.target}"
    if item.status == "closed":
        return "is closed" + (" (concluded)" if outcome is not None and outcome.kind == "concluded" else "")
    return None


def _bindings(role: Role) -> list[Binding]:
    return [
        Binding(a.key, a.action, a.label or a.action, show=a.footer and bool(a.label), key_display=a.key_display)
        for a in actions_for(role)
        if not a.action.startswith("app.")
    ]


class FloorScreen(Screen):
    """The floor for one role; see :class:`ChairScreen` and :class:`DelegateScreen`."""

    ROLE: Role = "chair"
    #: Below 110 columns the agenda side gives the waiting list a few cells (console.tcss).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]

    state: reactive[FloorState | None] = reactive(None, always_update=True, init=False)
    connection: reactive[Connection | None] = reactive(None, always_update=True, init=False)

    def __init__(
        self, source: Any, *, delegation: str, bell: bool = True, person: tuple[str, str, str] | None = None
    ) -> None:
        super().__init__()
        self.source = source
        self.delegation = delegation
        #: ``(id, name, function)`` of the registered person whose token this console uses
        #: (the welcome's ``person``); None for a delegation's own token.
        self.person = person
        #: The meeting's clock (from the floor's setup once it arrives).
        self.zone = meeting_zone(source.state)
        self.ring_bell = bell
        self._phase_seen: tuple[Any, str] | None = None
        self._second_shown: int | None = None
        self._ready = False  # the panels exist (updates may arrive before they do)
        #: Log lines that arrived before the log existed.
        self.pending_log: list[str] = []
        #: The record's head, from the snapshot and the last event of each command.
        self.head: str | None = None
        #: The meeting the floor runs with (window, buffer), from the server once connected.
        self.meeting_data: MeetingData | None = None
        self._meeting_loading = False
        #: The registered speakers the server names (issue 17); None until had.
        self.speakers: Speakers | None = None
        #: Every plan revision seen (the app notes each state the server's updates give).
        self.plans = PlanHistory()
        #: Per meeting day: whether the time panel last saw the session projected past its end.
        self._late_seen: dict[dt.date, bool] = {}
        self._replanning = False

    # --- layout -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield OfflineBanner(id="offline")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield AgendaPanel(id="agenda")
                yield TimePanel(id="time", compact=self.ROLE == "delegate")
                conclusion = ConclusionPanel(id="conclusion")
                conclusion.border_title = "Conclusion (proposed)"
                yield conclusion
            with Vertical(id="right"):
                yield ItemHeader(id="item")
                speaker = SpeakerPanel(id="speaker")
                speaker.border_title = "Speaker"
                yield speaker
                queue = WaitingList(id="queue")
                queue.border_title = "Waiting list (speaking order)"
                queue.me = self.delegation if self.ROLE == "delegate" else None
                yield queue
                log = RichLog(id="log", max_lines=500, markup=True, wrap=True, min_width=20)
                log.border_title = "Log"
                yield log
        # Compact and without the palette's key (ctrl+p, on the help screen): at 100 columns
        # the chair's keys fit to the last one.
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.set_interval(TICK_SECONDS, self.tick)
        self.set_interval(WAITED_SECONDS, self._refresh_waited)
        self._ready = True
        self.connection = self.source.connection
        self.plans.note(self.source.state)
        self.state = self.source.state
        self._load_meeting()
        self._load_speakers()
        if self.person is not None:
            delegation = name_of(self.state, self.delegation) if self.state is not None else self.delegation
            self.pending_log.insert(0, f"{self.connected_as()} — {escape(delegation)} ({escape(self.person[0])})")
            self.app.title = f"vccsched console — {Text.from_markup(self.connected_as()).plain} — {delegation}"
        for line in self.pending_log:
            self.log_line(line)
        self.pending_log.clear()
        self.query_one(WaitingList if self.ROLE == "delegate" else "#agenda-table").focus()

    def connected_as(self) -> str:
        """"Connected as [b]Ms X[/], Head of delegation" for a person's token (markup); "" otherwise."""
        if self.person is None:
            return ""
        _, name, function = self.person
        return f"Connected as [b]{escape(name)}[/]" + (f", {escape(function)}" if function else "")

    @property
    def sees_as_chair(self) -> bool:
        """The chair and the secretariat see the agenda, the time and the item as the chair does."""
        return self.ROLE != "delegate"

    # --- what the server says ------------------------------------------------------

    def watch_state(self, state: FloorState | None) -> None:
        if state is None or not self._ready:
            return
        self.zone = meeting_zone(state)
        now = self.source.now()
        self.query_one(AgendaPanel).show(state, now, self._history(state))
        self.query_one(ItemHeader).show(
            state, chair=self.ROLE == "chair", me=None if self.ROLE == "chair" else self.delegation,
            queues=self.ROLE == "delegate", person=self.person[0] if self.person else None,
        )
        self.query_one(SpeakerPanel).show(countdown(state, now, self.speakers), self.zone)
        self.query_one(WaitingList).show(state, now, self.speakers)
        self.query_one(ConclusionPanel).show(state, chair=self.ROLE == "chair")
        self._show_time(now)
        self._status(now)

    def watch_connection(self, connection: Connection | None) -> None:
        if connection is None or not self._ready:
            return
        if connection.live and self.meeting_data is None and not self._meeting_loading:
            self._load_meeting()  # the first attempt failed: the server is back, try again
        if connection.live and self.speakers is None:
            self._load_speakers()
        self.set_class(not connection.live, "offline")
        self.query_one(OfflineBanner).show(connection, self.zone, self.source.now())
        self._status(self.source.now())
        self.refresh_bindings()

    def log_line(self, text: str, at: dt.datetime | None = None) -> None:
        if not self._ready:
            self.pending_log.append(text)  # timestamped when it is written
            return
        stamp = (at or self.source.now()).astimezone(self.zone).strftime("%H:%M:%S")
        self.query_one("#log", RichLog).write(f"[dim]{stamp}[/] {text}")

    # --- the clock ---------------------------------------------------------------------

    def tick(self) -> None:
        """Countdown and clock only: the waiting list and the agenda are not touched."""
        if not self._ready:
            return
        now = self.source.now()
        state = self.state
        current = countdown(state, now, self.speakers) if state is not None else None
        self.query_one(SpeakerPanel).tick(current)
        self._bell(current)
        second = int(now.timestamp())
        if second != self._second_shown:
            self._status(now)
            connection = self.connection
            if connection is not None and not connection.live:
                self.query_one(OfflineBanner).show(connection, self.zone, now)

    def _bell(self, current: Countdown | None) -> None:
        """Ring when the speaker's clock crosses into the warning and into overrun."""
        if current is None:
            self._phase_seen = None
            return
        speech = (current.delegation, current.since)
        seen = self._phase_seen
        self._phase_seen = (speech, current.phase)
        if seen is None or seen[0] != speech or seen[1] == current.phase:
            return
        if current.phase in ("warning", "overrun") and self.ring_bell:
            self.app.bell()

    def _refresh_waited(self) -> None:
        """The slow-changing figures: minutes waited, minutes used, ahead or behind, the
        projected end of the session (the waiting list repaints only if a minute changed)."""
        now = self.source.now()
        self.query_one(WaitingList).refresh_waited(now)
        if self.state is not None:
            self.query_one(AgendaPanel).show(self.state, now, self._history(self.state))
        self._show_time(now)

    def action_toggle_agenda(self) -> None:
        panel = self.query_one(AgendaPanel)
        panel.whole_agenda = not panel.whole_agenda
        if self.state is not None:
            panel.show(self.state, self.source.now(), self._history(self.state))

    # --- time management -----------------------------------------------------------------

    def _history(self, state: FloorState) -> list:
        """The plan revisions before the one in force (for the slots of items done)."""
        return self.plans.before(state.plan.revision if state.plan is not None else None)

    @work(group="meeting", exclusive=True, exit_on_error=False)
    async def _load_meeting(self) -> None:
        """The meeting's files from the server (once; again after a failure, on reconnection)."""
        if self.meeting_data is not None:
            return
        self._meeting_loading = True
        self._show_time(notice="[dim]Loading the meeting's window and buffer…[/]")
        notice = ""
        try:
            data = await self.source.fetch_meeting()
            state = self.state
            if state is not None and data.meeting.id != state.setup.meeting_id:
                raise VccschedError(
                    f"the server's meeting files are for {data.meeting.id}, the floor is {state.setup.meeting_id}",
                    title="Meeting files",
                )
        except Exception as exc:  # never let a missing file take the console down in a meeting
            reason = exc.message if isinstance(exc, VccschedError) else f"{type(exc).__name__}: {exc}"
            notice = f"[b $error]No time figures[/]: {escape(reason)}"
            self.log_line(f"[b $error]meeting files[/]: {escape(reason)}")
        else:
            self.meeting_data = data
        finally:
            self._meeting_loading = False
        self._show_time(notice=notice)

    @work(group="speakers", exclusive=True, exit_on_error=False)
    async def _load_speakers(self) -> None:
        """The speakers' names from the server's /meeting.json, for the list and the speaker panel."""
        fetch = getattr(self.source, "fetch_speakers", None)
        if fetch is None or self.speakers is not None:
            return
        try:
            speakers = await fetch()
        except Exception as exc:  # the floor works without names: say so, try again on reconnection
            reason = exc.message if isinstance(exc, VccschedError) else f"{type(exc).__name__}: {exc}"
            self.log_line(f"[b $error]speakers' names[/]: {escape(reason)}")
            return
        self.speakers = speakers
        if self.state is not None:
            self.watch_state(self.state)

    def _show_time(self, now: dt.datetime | None = None, notice: str | None = None) -> None:
        """The time panel from the state and the clock (``notice``: a line under it, "" clears)."""
        if not self._ready:
            return
        state, data = self.state, self.meeting_data
        figures = None
        if state is not None and data is not None:
            figures = time_figures(state, data.meeting, now or self.source.now(), self._history(state))
        self.query_one(TimePanel).show(figures, notice)
        self._time_bell(figures)

    def _time_bell(self, figures: TimeFigures | None) -> None:
        """Ring once when today's projection crosses the window's end less the buffer."""
        if figures is None or figures.today is None:
            return
        seen = self._late_seen.get(figures.today)
        self._late_seen[figures.today] = figures.late
        if seen is not False or not figures.late or not self.sees_as_chair:
            return  # a session already late when first seen is no news
        assert figures.projected_end is not None and figures.usable_end is not None
        self.log_line(
            f"[b $error]today's items no longer fit[/]: projected end {figures.projected_end:%H:%M}, past "
            f"{figures.usable_end:%H:%M} (the window's end less the buffer); p re-plans"
        )
        if self.ring_bell:
            self.app.bell()

    def _status(self, now: dt.datetime) -> None:
        self._second_shown = int(now.timestamp())
        state = self.state
        connection = self.connection or self.source.connection
        if self.ROLE == "chair":
            who = "[b]Chair[/]"
        elif self.ROLE == "secretariat" and state is not None:
            who = f"[b]{escape(name_of(state, self.delegation))}[/] (Secretariat)"
        elif self.ROLE == "interpreter" and state is not None:
            who = f"[b]{escape(name_of(state, self.delegation))}[/] (read-only)"
        elif state is not None:
            who = f"[b]{escape(name_of(state, self.delegation))}[/] ({tier_of(state, self.delegation)})"
        else:
            who = self.delegation
        if self.person is not None:
            # Short: the clock on the left must keep its room; the title and the log say it all.
            who = f"[b]{escape(self.person[1])}[/] · {who}"
        self.query_one(StatusBar).show(
            meeting=state.setup.meeting_id if state else "",
            day=day_label(state, now) if state else "",
            now=now,
            zone=self.zone,
            zone_label=zone_label(self.zone),
            connection=connection,
            seq=state.seq if state else None,
            who=who,
            head=self.head,
        )

    # --- commands ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        name = action_name(action)
        if name in not_for(self.ROLE):
            return False
        if name in FLOOR_ACTIONS and not (self.connection and self.connection.live):
            return None  # shown disabled: the chair must not act on stale data
        return True

    def send(self, command: dict[str, Any]) -> None:
        """Send in a worker; what follows comes from the server (events, answer)."""
        self._send(command)

    @work(group="commands")
    async def _send(self, command: dict[str, Any]) -> None:
        try:
            await self.source.send(command)
        except NotConnected:
            self.notify("Not connected: the command was not sent.", title="Offline", severity="error")

    def _need_state(self) -> FloorState | None:
        if self.state is None:
            self.notify("The floor has not been received yet.", severity="warning")
        return self.state

    def _need_open_item(self, why: str) -> tuple[FloorState, ItemState] | None:
        """The state and the open item, or None after saying that ``why`` needs one."""
        state = self._need_state()
        if state is None:
            return None
        if state.current is None:
            self.notify(f"No item is open: {why}.", severity="warning")
            return None
        return state, state.current

    def ask(self, dialog: Screen, command: Callable[[Any], dict[str, Any]]) -> None:
        """Show ``dialog``; if it returns an answer (not cancelled), send ``command(answer)``."""

        def answered(answer: Any) -> None:
            if answer:
                self.send(command(answer))

        self.app.push_screen(dialog, answered)

    def _item_label(self, state: FloorState) -> str:
        number = state.current_item
        info = state.setup.item(number) if number is not None else None
        return f"{info.code} (item {number})" if info else "no item"

    def action_help(self) -> None:
        role = {
            "chair": "the Vice-Chair's console", "secretariat": "the secretariat's console",
            "interpreter": "the interpreters' screen (read-only)",
        }.get(
            self.ROLE, f"{self.delegation}'s console"
        )
        self.app.push_screen(HelpScreen(actions_for(self.ROLE), role_label=role))

    async def action_quit(self) -> None:
        await self.app.action_quit()

    def action_end_speech(self) -> None:
        self.send({"type": "end_speech"})


class PlanningScreen(FloorScreen):
    """What the chair and the secretariat share: re-plan what is left and publish it."""

    def action_replan(self) -> None:
        state = self._need_state()
        if state is None:
            return
        if state.plan is None:
            self.notify(
                "No plan has been published yet, so there is nothing to re-plan: the secretariat "
                "publishes the first one (vccsched server publish-plan).",
                title="Re-plan",
                severity="warning",
            )
            return
        if self.meeting_data is None:
            self.notify(
                "The meeting's window and buffer have not come from the server yet; try again in a moment.",
                title="Re-plan",
                severity="warning",
            )
            if not self._meeting_loading:
                self._load_meeting()
            return
        if self._replanning:
            self.notify("A re-plan is being computed already.", title="Re-plan")
            return
        self._replanning = True
        self._replan(state, self.meeting_data, self.source.now())

    @work(group="replan", exit_on_error=False)
    async def _replan(self, state: FloorState, data: MeetingData, now: dt.datetime) -> None:
        """Solve in a thread (CP-SAT), then show the preview; the screen stays live meanwhile."""
        self._show_time(notice="[b]re-planning…[/]")
        try:
            preview = await asyncio.to_thread(preview_replan, state, data, now, self._history(state))
        except Exception as exc:  # a bug must not take the chair's console down in a meeting
            self.log_line(f"[b $error]re-plan failed[/]: {escape(type(exc).__name__)}: {escape(str(exc))}")
            self.notify(str(exc), title="Re-plan failed", severity="error", markup=False)
            return
        finally:
            self._replanning = False
            self._show_time(notice="")
        dialog = ReplanDialog(
            preview, zone=self.zone, zone_label=zone_label(self.zone), target=state.setup.deferral_target
        )
        self.app.push_screen(dialog, lambda publish: self._publish(preview) if publish else None)

    def _publish(self, preview: ReplanPreview) -> None:
        """Publish a confirmed preview, unless the floor has moved on since it was made."""
        state = self.state
        now = self.source.now()
        if state is None or replan_basis(state) != preview.basis:
            self.notify(
                "The floor has moved on since this preview (an item was opened or closed, or another "
                "plan was published): press p to re-plan again.",
                title="Not published",
                severity="warning",
            )
            return
        if now - preview.now > PREVIEW_MAX_AGE:
            made = preview.now.astimezone(self.zone)
            self.notify(
                f"This preview was made at {made:%H:%M}; today's times would already be past: press p again.",
                title="Not published",
                severity="warning",
            )
            return
        self.send(preview.publish_command())


class ChairScreen(PlanningScreen):
    """The Vice-Chair's console: every chair command."""

    ROLE = "chair"
    BINDINGS = _bindings("chair")

    #: The close dialog on screen, and the item it is about.
    _close_dialog: tuple[ConfirmDialog, int] | None = None

    def action_next_speaker(self) -> None:
        self.send({"type": "next_speaker"})

    def action_toggle_clock(self) -> None:
        state = self._need_state()
        if state is None:
            return
        paused = state.speaker is not None and state.speaker.running_since is None
        self.send({"type": "resume_clock" if paused else "pause_clock"})

    def action_toggle_list(self) -> None:
        state = self._need_state()
        if state is None:
            return
        item = state.current
        self.send({"type": "reopen_list" if item is not None and item.list_closed else "close_list"})

    def action_toggle_suspend(self) -> None:
        state = self._need_state()
        if state is None:
            return
        if state.suspended:
            self.send({"type": "resume_meeting"})
            return
        dialog = ConfirmDialog("Suspend the meeting", "Suspend the meeting? Any speech ends now.", "Suspend")
        self.ask(dialog, lambda _: {"type": "suspend_meeting"})

    def action_open_item(self) -> None:
        number = self.query_one(AgendaPanel).selected_item
        if number is None:
            self.notify("Select an item in the agenda first.", severity="warning")
            return
        state = self.state
        done = _finished_with(state, number) if state is not None else None
        if done is None:
            self.send({"type": "open_item", "item": number})
            return
        # The selection stays where it was after c: o must not undo a close (or a deferral) at once.
        info = state.setup.item(number)  # type: ignore[union-attr]
        label = f"{info.code} (item {number})" if info else f"item {number}"
        dialog = ConfirmDialog("Reopen an item", f"{label} {done}.\nReopen it?", "Reopen")
        self.ask(dialog, lambda _: {"type": "open_item", "item": number})

    def action_close_item(self) -> None:
        state = self._need_state()
        if state is None:
            return
        item = state.current
        if item is None:
            self.send({"type": "close_item"})  # the server says why not
            return
        number = item.number
        dialog = ConfirmDialog("Close the item", self._close_body(state, number), "Close item")
        self._close_dialog = (dialog, number)

        def answered(answer: Any) -> None:
            self._close_dialog = None
            if not answer:
                return
            if self.state is None or self.state.current_item != number:
                # close_item closes whatever is open: never another item than the one asked about.
                self.notify(f"Item {number} is no longer open: nothing was closed.", severity="warning")
                return
            self.send({"type": "close_item"})

        self.app.push_screen(dialog, answered)

    def _close_body(self, state: FloorState, number: int) -> str:
        """What closing item ``number`` does now (the dialog says it again when the floor changes)."""
        item = state.current
        if item is None or item.number != number:
            return f"Item {number} is no longer open: nothing will be closed."
        body = f"Close {self._item_label(state)}?"
        if state.speaker is not None:
            body += f"\nThe speech of {name_of(state, state.speaker.delegation)} ends."
        if waiting := len(item.queue):
            body += f"\n{waiting} waiting request{'s' if waiting != 1 else ''} will be dropped."
        if item.outcome is None:
            body += "\nNo conclusion has been recorded."
        return body

    def watch_state(self, state: FloorState | None) -> None:
        super().watch_state(state)
        if state is not None and self._close_dialog is not None:
            dialog, number = self._close_dialog
            dialog.set_body(self._close_body(state, number))

    def action_strike(self) -> None:
        row = self.query_one(WaitingList).selected
        if row is None:
            self.notify("Select a request in the waiting list first (tab, then the arrows).", severity="warning")
            return
        kind = KIND_LABELS.get(row.kind, row.kind)
        dialog = ConfirmDialog("Strike a request", f"Strike the request of {row.name} ({kind}) from the list?", "Strike")
        self.ask(dialog, lambda _: {"type": "remove_request", "delegation": row.delegation, "kind": row.kind})

    def action_floor_language(self) -> None:
        """The selected request's language when the waiting list has the focus, else the speaker's."""
        state = self._need_state()
        if state is None:
            return
        waiting = self.query_one(WaitingList)
        row = waiting.selected if waiting.has_focus else None
        request = None
        if row is not None and state.current is not None:
            request = next(
                (r for r in state.current.queue if (r.delegation, r.kind) == (row.delegation, row.kind)), None
            )
        if request is not None:
            target, kind, current = request.delegation, request.kind, request.language
            who = f"{row.name} ({KIND_LABELS.get(kind, kind)})"
        elif state.speaker is not None:
            target, kind, current = state.speaker.delegation, None, state.speaker.language
            who = f"{name_of(state, target)}, speaking"
        else:
            self.notify("No one has the floor: select a request in the waiting list (tab, then the arrows).",
                        severity="warning")
            return
        dialog = FloorLanguageDialog(who=who, current=current, languages=LANGUAGE_NAMES)
        self.ask(
            dialog,
            lambda language: {"type": "set_floor_language", "delegation": target, "language": language}
            | ({"kind": kind} if kind else {}),
        )

    def _choices(self, state: FloorState, *, council_members_only: bool = False, persons: bool = False) -> list[Choice]:
        choices = [
            Choice(
                p.id, p.name or p.id, tier_of(state, p.id),
                tuple((sp.id, self._speaker_label(sp.id)) for sp in state.setup.speakers_of(p.id)) if persons else (),
            )
            for p in state.setup.participants
            # Interpreters follow the floor; they are never given it (is_interpreter).
            if p.category not in ("chair", "interpreter")
            and (not council_members_only or p.category == "council_member")
        ]
        return sorted(choices, key=lambda c: (_TIER_ORDER.get(c.tier, 9), c.name.casefold()))

    def _speaker_label(self, person: str) -> str:
        """"Mr Example-Delegate-2, Delegate" from /meeting.json's names; the id when the server
        names no one (floor.public_speaker_names false, or not loaded yet)."""
        found = self.speakers.get(person) if self.speakers else None
        if found is None:
            return person
        return f"{found.name}, {found.function}" if found.function else found.name

    def action_give_floor(self) -> None:
        """g: a delegation (found by its name, id, or a registered speaker's name), then —
        when it has several registered speakers — which of them speaks."""
        state = self._need_state()
        if state is None:
            return

        def picked(answer: Any) -> None:
            if not answer:
                return
            delegation, kind, found = answer
            now = self.state or state
            speakers = now.setup.speakers_of(delegation)
            command = {"type": "give_floor", "delegation": delegation, "kind": kind}
            speaking = now.speaker if now.speaker is not None and now.speaker.delegation == delegation else None
            if speaking is not None:
                self._hand_over(now, speaking, found)
                return
            if len(speakers) < 2:
                self.send(command)  # one speaker or none: as always, the person who asked speaks
                return
            item = now.current
            request = next((r for r in (item.queue if item else []) if r.delegation == delegation and r.kind == kind), None)
            asked = request.person if request is not None else None
            options = [
                SpeakerOption(sp.id, self._speaker_label(sp.id), sp.floor_language, asked=sp.id == asked)
                for sp in speakers
            ]
            dialog = NamedSpeakerDialog(name_of(now, delegation), options, default=found or asked, kind=kind)

            def named(person: Any) -> None:
                if person is None:
                    return  # Escape: nothing given
                if person == NO_ONE:
                    self.send(command)
                elif person == asked and request is not None:
                    self.send({**command, "person": person})  # the request's language, stated or registered
                else:
                    # Someone else of the delegation: the interpreters need that speaker's registered
                    # language, which the floor does not look up (a replay has no registrations).
                    chosen = now.setup.speaker(person)
                    language = {"language": chosen.floor_language} if chosen is not None else {}
                    self.send({**command, "person": person, **language})

            self.app.push_screen(dialog, named)

        self.app.push_screen(GiveFloorDialog(self._choices(state, persons=True)), picked)

    def _hand_over(self, state: FloorState, speaking: Any, found: str | None) -> None:
        """g on the delegation that has the floor: which of its other registered speakers
        continues the speech (its kind, the rest of its time; "I give the floor to my colleague")."""
        delegation = speaking.delegation
        others = [sp for sp in state.setup.speakers_of(delegation) if sp.id != speaking.person]
        if not others:
            self.notify(f"{name_of(state, delegation)} has the floor and no other registered speaker to hand over to.", severity="warning")
            return
        options = [SpeakerOption(sp.id, self._speaker_label(sp.id), sp.floor_language) for sp in others]
        dialog = NamedSpeakerDialog(name_of(state, delegation), options, default=found, kind=speaking.kind, handover=True)

        def named(person: Any) -> None:
            if not person:
                return  # Escape: nothing handed over
            chosen = state.setup.speaker(person)
            language = {"language": chosen.floor_language} if chosen is not None else {}
            self.send({"type": "give_floor", "delegation": delegation, "kind": speaking.kind, "person": person, **language})

        self.app.push_screen(dialog, named)

    def action_speaking_time(self) -> None:
        found = self._need_open_item("open one to set its speaking time")
        if found is not None:
            state, item = found
            dialog = SpeakingTimeDialog(item_label=self._item_label(state), seconds=item.speaking_time_seconds)
            self.ask(dialog, lambda seconds: {"type": "set_speaking_time", "seconds": seconds, "item": item.number})

    def action_conclusion(self) -> None:
        found = self._need_open_item("open one to record its conclusion")
        if found is None:
            return
        state, item = found
        outcome = item.outcome
        dialog = ConclusionDialog(
            item_label=self._item_label(state),
            text=(outcome.conclusion or "") if outcome else "",
            by_correspondence=bool(outcome and outcome.by_correspondence),
            majority=state.setup.correspondence_majority,
            voters=sum(1 for p in state.setup.participants if p.category == "council_member" and p.voting_rights),
        )
        self.ask(
            dialog,
            lambda result: {"type": "record_conclusion", "conclusion": result[0], "by_correspondence": result[1]},
        )

    def action_defer(self) -> None:
        found = self._need_open_item("open the item to defer")
        if found is None:
            return
        state, item = found
        dialog = DeferDialog(
            self._choices(state, council_members_only=True),
            item_label=self._item_label(state),
            target=state.setup.deferral_target,
            has_conclusion=bool(item.outcome and item.outcome.conclusion),
        )
        self.ask(dialog, lambda fields: {"type": "defer_item", **fields})

    def action_en_bloc(self) -> None:
        state = self._need_state()
        if state is None:
            return
        left = [i for i in state.setup.items if i.en_bloc and state.items[i.number].status != "closed"]
        if not left:
            self.send({"type": "conclude_en_bloc"})  # the server says why not
            return
        listing = "\n".join(f"  {i.code} (item {i.number})" for i in left)
        dialog = ConfirmDialog(
            "Conclude en bloc", f"Conclude and close these items, approved en bloc?\n{listing}", "Conclude"
        )
        self.ask(dialog, lambda _: {"type": "conclude_en_bloc", "items": [i.number for i in left]})

class DelegateScreen(FloorScreen):
    """A delegation's console: ask for the floor, withdraw, end its own speech."""

    ROLE = "delegate"
    BINDINGS = _bindings("delegate")

    def action_request(self, kind: str) -> None:
        state = self._need_state()
        if state is None:
            return
        self.send({"type": "request_floor", "kind": kind, "item": state.current_item})

    def action_withdraw(self) -> None:
        state = self._need_state()
        if state is None:
            return
        mine = [r for r in (state.current.queue if state.current else []) if r.delegation == self.delegation]
        selected = self.query_one(WaitingList).selected
        kind = "speech"
        if selected is not None and selected.delegation == self.delegation:
            kind = selected.kind
        elif mine and not any(r.kind == "speech" for r in mine):
            kind = mine[0].kind
        self.send({"type": "withdraw", "kind": kind, "item": state.current_item})



class SecretariatScreen(PlanningScreen):
    """The secretariat's console: the agenda and the time as the chair sees them,
    re-plan and publish, save the log so far; it speaks when the chair gives it the floor."""

    ROLE = "secretariat"
    BINDINGS = _bindings("secretariat")

    #: Where the saved logs go (the console's working directory unless a test says otherwise).
    export_dir: Path = Path(".")

    def action_ask_floor(self) -> None:
        # The floor's rules: the secretariat does not join the list of speakers (it would be
        # refused, speaks_when_given_floor); the chair gives it the floor (give_floor).
        state = self.state
        if state is not None and state.speaker is not None and state.speaker.delegation == self.delegation:
            self.notify("The Secretariat has the floor now; e ends its speech.", title="Floor")
            return
        self.notify(
            "The Secretariat does not join the list of speakers: ask the Vice-Chair (by voice or "
            "in the meeting's chat), who gives it the floor with g.",
            title="Asking for the floor",
            timeout=10,
        )
        self.log_line("Secretariat: asked the chair for the floor (outside the list of speakers)")

    def action_correspondence(self) -> None:
        from console.correspondence import CorrespondenceView

        self.app.push_screen(CorrespondenceView(self))

    def action_export_log(self) -> None:
        self._export_log()

    @work(group="export", exclusive=True, exit_on_error=False)
    async def _export_log(self) -> None:
        from console.client import FloorClient
        from console.log_export import LogExportError, export_path, fetch_events, log_text

        state = self.state
        if state is None or not isinstance(self.source, FloorClient):
            self.notify("There is no server to read the log from.", title="Log not saved", severity="warning")
            return
        meeting = state.setup.meeting_id
        now = self.source.now()
        try:
            events = await fetch_events(self.source.url, self.source.session.token)
            comment = f"saved by {self.delegation}'s console at {now.isoformat(timespec='seconds')}: the floor log of {meeting}"
            text = log_text(meeting, events, comment)
            path = export_path(self.export_dir, meeting, now.astimezone(self.zone))
            await asyncio.to_thread(path.write_text, text, encoding="utf-8")
        except (LogExportError, OSError) as exc:
            reason = exc.message if isinstance(exc, VccschedError) else f"{type(exc).__name__}: {exc}"
            self.log_line(f"[b $error]log not saved[/]: {escape(str(reason))}")
            self.notify(str(reason), title="Log not saved", severity="error", markup=False)
            return
        commands = text.count("\n") - 1
        self.log_line(f"log saved: {escape(str(path.resolve()))} ({commands} commands, events 1–{len(events)})")
        # Short: the whole path is in the log, which a long toast would cover.
        self.notify(f"{path.name} ({commands} commands)", title="Log saved", timeout=5, markup=False)


class InterpreterScreen(FloorScreen):
    """The interpreters' screen (protocol 4): read-only. The speaker with the floor language and
    the countdown, and the next three in line with theirs, each change of language marked, so
    that a booth knows when to switch or to take relay. No key sends anything to the floor
    (the server refuses an interpreter's every command, read_only)."""

    ROLE = "interpreter"
    BINDINGS = _bindings("interpreter")
    DEFAULT_CSS = """
    InterpreterScreen #interp { height: 1fr; }
    InterpreterScreen #speaker { height: 5; }
    InterpreterScreen #interp-language {
        height: 3; content-align: center middle; text-style: bold;
        border: round $accent; border-title-color: $text; border-title-style: bold;
    }
    InterpreterScreen #interp-next {
        height: 1fr; min-height: 5; padding: 0 1;
        border: round $primary 50%; border-title-color: $text; border-title-style: bold;
    }
    InterpreterScreen #log { height: 4; }
    InterpreterScreen.offline #interp Widget { tint: $error 20%; }
    """

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield OfflineBanner(id="offline")
        with Vertical(id="interp"):
            yield ItemHeader(id="item")
            speaker = SpeakerPanel(id="speaker")
            speaker.border_title = "Speaker"
            yield speaker
            language = Static(id="interp-language")
            language.border_title = "Floor language"
            yield language
            upcoming = Static(id="interp-next")
            upcoming.border_title = f"Next in line ({NEXT_COUNT})"
            yield upcoming
            log = RichLog(id="log", max_lines=200, markup=True, wrap=True, min_width=20)
            log.border_title = "Log"
            yield log
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self, event: events.Mount) -> None:
        event.prevent_default()  # not FloorScreen's: no agenda, waiting list or time panel here
        self.set_interval(TICK_SECONDS, self.tick)
        self._ready = True
        self.connection = self.source.connection
        self.state = self.source.state
        self._load_speakers()
        for line in self.pending_log:
            self.log_line(line)
        self.pending_log.clear()
        self.log_line("interpreters' view: it follows the floor and sends nothing")

    def watch_state(self, state: FloorState | None) -> None:
        if state is None or not self._ready:
            return
        self.zone = meeting_zone(state)
        now = self.source.now()
        self.query_one(ItemHeader).show(state, chair=False, me=None, queues=False)
        current = countdown(state, now, self.speakers)
        self.query_one(SpeakerPanel).show(current, self.zone)
        self.query_one("#interp-language", Static).update(
            "[dim]No one has the floor[/]" if current is None
            else f"[b reverse] {escape(current.language.upper())} [/]" if current.language
            else "[dim]language not stated[/]"
        )
        lines = []
        for entry in next_in_line(state, self.speakers, NEXT_COUNT):
            kind = "" if entry.kind == "speech" else f" [b $warning]{escape(KIND_LABELS.get(entry.kind, entry.kind))}[/]"
            if entry.changes:
                language = f"[b reverse $warning] → {escape(entry.language)} [/] change of language"
            elif entry.language:
                language = f"[b]{escape(entry.language)}[/]"
            else:
                language = "[dim]language not stated[/]"
            lines.append(f"{entry.place}. [b]{escape(entry.name)}[/]{kind}\n   {language}")
        if not lines:
            lines = ["[dim]Nobody is waiting.[/]" if state.current is not None else "[dim]No item is open.[/]"]
        self.query_one("#interp-next", Static).update("\n".join(lines))
        self._status(now)

    def _refresh_waited(self) -> None:
        return  # no waiting times, agenda or time panel here

    def _show_time(self, now: dt.datetime | None = None, notice: str | None = None) -> None:
        return

    def _load_meeting(self) -> None:
        return  # the meeting's files are the chair's and the secretariat's

    def action_toggle_agenda(self) -> None:
        return
