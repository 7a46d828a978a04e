"""The floor: the VCC's speaking rules as a pure, event-sourced core.

Build a :class:`FloorSetup` from the meeting data (``FloorSetup.from_meeting(
load_meeting(dir))``), make a :class:`Floor`, and feed it commands from
authenticated actors with the current time: ``floor.handle(actor, command,
now)`` returns an :class:`Answer` with the events to broadcast or a refusal.
The state is the fold of the events (:func:`fold`); the wire messages are in
:mod:`vccsched.floor.protocol` and described in ``docs/protocol.md``.

Modules: ``commands`` (what clients ask), ``events`` (what happened),
``state`` (the state and the fold), ``queue`` (speaking order), ``rules``
(``decide``: one small function per rule), ``refusals`` (stable codes),
``engine`` (the ``Floor``: log, seq, idempotency), ``protocol`` (wire
messages), ``replay`` (floor logs), ``view`` (a summary for people),
``published`` (the published plan: ``publish_plan``, protocol v2).
"""

from vccsched.floor.commands import Command, parse_command
from vccsched.floor.engine import Answer, Floor
from vccsched.floor.events import Event, parse_event
from vccsched.floor.refusals import REFUSAL_CODES, Refusal
from vccsched.floor.rules import decide
from vccsched.floor.state import FloorSetup, FloorState, apply, fold, initial_state, time_left

__all__ = [
    "REFUSAL_CODES",
    "Answer",
    "Command",
    "Event",
    "Floor",
    "FloorSetup",
    "FloorState",
    "Refusal",
    "apply",
    "decide",
    "fold",
    "initial_state",
    "parse_command",
    "parse_event",
    "time_left",
]
