"""Where the console's floor comes from: the live server, or a fixed floor.

The app talks to a :class:`FloorSource`. :class:`console.client.FloorClient`
is the live one; :class:`FixedFloor` holds a given state and clock, for
snapshot tests, the benchmark and trying layouts, and sends nothing anywhere.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from console.client import Connection
from console.session import Answered, EventApplied, StateReplaced, Update, Welcomed
from vccsched.floor.events import BaseEvent
from vccsched.floor.state import FloorSetup, FloorState, apply, fold

if TYPE_CHECKING:  # pragma: no cover
    from vccsched.loading import MeetingData


class FloorSource(Protocol):
    connection: Connection
    on_update: Callable[[Update | Connection], None]

    @property
    def state(self) -> FloorState | None: ...

    def now(self) -> dt.datetime: ...

    async def run(self) -> None: ...

    async def send(self, command: dict[str, Any]) -> Answered: ...

    async def close(self) -> None: ...

    async def fetch_meeting(self) -> MeetingData:
        """The meeting's files as the floor runs with them (window, buffer, minutes)."""
        ...


class FixedFloor:
    """A floor that changes only when told to: ``push(event)``, ``set_now``, ``set_connection``.

    ``sent`` records the commands the console tried to send; each is answered
    with the refusal ``answer`` (by default: nothing is connected). Its meeting
    is ``meeting``, by default the bundled C21/VCC-1 data.
    """

    def __init__(
        self,
        state: FloorState,
        now: dt.datetime,
        *,
        delegation: str = "VC",
        category: str = "chair",
        connection: Connection | None = None,
        meeting: MeetingData | None = None,
    ) -> None:
        self._state = state
        self._meeting = meeting
        self._now = now
        self.delegation = delegation
        self.category = category
        self.connection = connection or Connection("live", now)
        self.on_update: Callable[[Update | Connection], None] = lambda update: None
        self.sent: list[dict[str, Any]] = []
        self._replay: tuple[FloorState, list[BaseEvent]] | None = None

    @classmethod
    def from_events(
        cls, setup: FloorSetup, events: list[BaseEvent], now: dt.datetime, *, recent: int = 8, **kwargs: Any
    ) -> FixedFloor:
        """The floor after ``events``; the last ``recent`` of them arrive as live events
        (so that the console's log has something to show)."""
        recent = min(recent, len(events))
        before = fold(setup, events[: len(events) - recent])
        floor = cls(fold(before, events[len(events) - recent :]), now, **kwargs)
        floor._replay = (before, events[len(events) - recent :])
        return floor

    @property
    def state(self) -> FloorState:
        return self._state

    def now(self) -> dt.datetime:
        return self._now

    def set_now(self, now: dt.datetime) -> None:
        self._now = now

    async def run(self) -> None:
        self.on_update(self.connection)
        self.on_update(Welcomed(self.delegation, self.category, self._state.seq, self._now))
        if self._replay is None:
            self.on_update(StateReplaced(self._state))
        else:
            state, events = self._replay
            self.on_update(StateReplaced(state))
            for event in events:
                state = apply(state, event)
                self.on_update(EventApplied(event, state))
        await asyncio.Event().wait()  # a fixed floor never ends by itself

    def push(self, event: BaseEvent) -> None:
        self._state = apply(self._state, event)
        self.on_update(EventApplied(event, self._state))

    def set_connection(self, connection: Connection) -> None:
        self.connection = connection
        self.on_update(connection)

    async def send(self, command: dict[str, Any]) -> Answered:
        self.sent.append(command)
        return Answered(
            command_id=f"fixed-{len(self.sent)}",
            command_type=str(command.get("type")),
            accepted=False,
            code="not_connected",
            message="this is a fixed floor: nothing is connected",
        )

    async def close(self) -> None:
        return None

    async def fetch_meeting(self) -> MeetingData:
        if self._meeting is None:
            from vccsched.loading import load_meeting

            self._meeting = await asyncio.to_thread(load_meeting)
        return self._meeting
