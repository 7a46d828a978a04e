"""The Vice-Chair's console (and the secretariat's, and a delegation's view): a Textual app over a floor source.

``ConsoleApp(FloorClient(url, token))`` runs the live floor; the network runs
in a worker, and every update the client reports arrives here as a
:class:`FloorUpdate` message. The first welcome decides the screen: the
chair's token gives :class:`~console.screen.ChairScreen`, a secretariat's
:class:`~console.screen.SecretariatScreen`, a delegation's
:class:`~console.screen.DelegateScreen`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.markup import escape
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from console.actions import actions_for
from console.client import Connection
from console.model import describe, meeting_zone
from console.screen import ChairScreen, DelegateScreen, FloorScreen, InterpreterScreen, SecretariatScreen
from console.session import Answered, EventApplied, ServerError, StateReplaced, StorageStatus, Update, Welcomed
from console.source import FloorSource
from console.widgets.status import OfflineBanner, head_note

#: How long the start-up toast stays (the notices themselves stay in the log).
NOTICE_SECONDS = 5


class FloorUpdate(Message):
    """Something the floor source learned (an event, an answer, a connection change)."""

    def __init__(self, update: Update | Connection) -> None:
        super().__init__()
        self.update = update


class ConnectingScreen(Screen):
    """Shown until the server's welcome says who this console speaks for."""

    def __init__(self, url: str, zone) -> None:
        super().__init__()
        self.url = url
        self.zone = zone

    def compose(self) -> ComposeResult:
        yield Static(f"vccsched console · {self.url}", id="connecting-title")
        yield OfflineBanner(id="offline")

    def show(self, connection: Connection, now: dt.datetime) -> None:
        self.query_one(OfflineBanner).show(connection, self.zone, now, never_connected=True)


class ConsoleApp(App):
    CSS_PATH = "console.tcss"
    TITLE = "vccsched console"
    # A chair's hand goes to ctrl+c to leave a terminal program: let it (q and ctrl+q too).
    BINDINGS = [Binding("ctrl+c", "quit", "quit", show=False, priority=True), Binding("q", "quit", "quit", show=False)]

    def __init__(
        self,
        source: FloorSource,
        *,
        url: str = "",
        bell: bool = True,
        notices: list[str] | None = None,
    ) -> None:
        super().__init__()
        #: Lines shown in the log when the floor opens (the demo's links).
        self.notices = notices or []
        #: The server's reason, if it turned this console away (bad or revoked token).
        self.refused: str | None = None
        self.source = source
        self.url = url
        self.bell_enabled = bell
        self.floor_screen: FloorScreen | None = None
        self.refusals: list[Answered] = []

    def get_default_screen(self) -> Screen:
        return ConnectingScreen(self.url, meeting_zone(None))

    def on_mount(self) -> None:
        self.source.on_update = lambda update: self.post_message(FloorUpdate(update))
        self.run_worker(self.source.run(), name="floor connection", group="network", exclusive=True)

    async def action_quit(self) -> None:
        await self.source.close()
        self.exit()

    # --- updates from the source -----------------------------------------------------------

    @on(FloorUpdate)
    def _floor_update(self, message: FloorUpdate) -> None:
        update = message.update
        screen = self.floor_screen
        if isinstance(update, Connection):
            if update.status == "rejected":
                self.refused = update.detail
                if screen is None:
                    self.exit(return_code=1)
                    return
            if screen is None:
                if isinstance(self.screen, ConnectingScreen):
                    self.screen.show(update, self.source.now())
                return
            screen.connection = update
            if update.status in ("reconnecting", "offline") and update.attempt == 1:
                screen.log_line(f"[b $error]connection lost[/]: {escape(update.detail)}")
            return
        if isinstance(update, Welcomed):
            if screen is None:
                self._open_floor(update)
            else:
                screen.person = update.person
                screen.log_line(f"connected; the server is at seq {update.seq}")
            return
        if screen is None:
            return
        if isinstance(update, (StateReplaced, EventApplied)):
            screen.plans.note(update.state)  # every revision, even those a later one replaces at once
        if isinstance(update, StateReplaced):
            screen.head = update.head
            screen.state = update.state
            screen.log_line(f"full state received (seq {update.state.seq})")
        elif isinstance(update, EventApplied):
            screen.head = update.head or screen.head
            screen.state = update.state
            screen.log_line(escape(describe(update.event, update.state)), update.event.at)
            if update.event.type == "meeting_suspended" and update.head:
                screen.log_line(head_note(update.head, update.event.at, screen.zone), update.event.at)
        elif isinstance(update, Answered) and not update.accepted:
            self.refusals.append(update)
            message = update.message or ""
            if update.code == "meeting_suspended" and screen.ROLE == "chair":
                message += " Press s to resume the meeting."  # the chair's console has the key
            screen.log_line(f"[b $error]refused[/] ({escape(str(update.code))}): {escape(message)}")
            title = f"Refused: {update.command_type.replace('_', ' ')}"
            self.notify(message, title=title, severity="error", timeout=8, markup=False)
        elif isinstance(update, StorageStatus):
            # The chair must know at once: nothing is carried out while the server cannot store it.
            self.clear_notifications()
            if update.failing:
                screen.log_line(f"[b $error]the server cannot store commands[/]: {escape(update.message)}")
                self.notify(
                    f"{update.message}. Nothing is carried out until it can again; tell the secretariat.",
                    title="The server cannot store commands", severity="error", timeout=600, markup=False,
                )
            else:
                screen.log_line("the server stores commands again")
                self.notify("Commands are carried out again.", title="The server stores commands again", timeout=10)
        elif isinstance(update, ServerError):
            screen.log_line(f"[b $error]server error[/] ({escape(update.code)}): {escape(update.message)}")
            self.notify(update.message, title=f"Server: {update.code}", severity="error", timeout=10, markup=False)

    def _open_floor(self, welcomed: Welcomed) -> None:
        screen_class = {
            "chair": ChairScreen, "secretariat": SecretariatScreen, "interpreter": InterpreterScreen,
        }.get(welcomed.category, DelegateScreen)
        self.floor_screen = screen_class(
            self.source,
            delegation=welcomed.delegation,
            bell=self.bell_enabled,
            person=welcomed.person,
        )
        self.push_screen(self.floor_screen)
        self.floor_screen.connection = self.source.connection
        for notice in self.notices:
            self.floor_screen.pending_log.append(escape(notice))
        if self.notices:
            # Short and small: a long toast would cover the log (where the notices are) and the help.
            self.notify("Start-up notes are in the log.", title="vccsched", timeout=NOTICE_SECONDS, markup=False)

    # --- the command palette: every key's action ------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not isinstance(screen, FloorScreen):
            return
        for action in actions_for(screen.ROLE):
            if action.action.startswith("app.") or action.action == "quit":
                continue
            if screen.check_action(action.action.split("(")[0], ()) is not True:
                continue
            yield SystemCommand(
                f"{action.description} ({action.key_display})",
                f"key {action.key_display}",
                self._runner(screen, action.action),
            )

    def _runner(self, screen: Screen, action: str) -> Any:
        async def run() -> None:
            await screen.run_action(action)

        return run
