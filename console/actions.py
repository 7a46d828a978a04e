"""The console's keys: one table for the bindings, the footer, the `?` help screen
and the command palette, so that the three never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["chair", "delegate", "secretariat", "interpreter", "any"]


@dataclass(frozen=True)
class KeyAction:
    key: str
    action: str
    label: str = ""
    description: str = ""
    role: Role = "any"
    #: Sends a command to the floor: disabled while offline.
    floor: bool = True
    #: Shown in the footer (the rest is on the help screen and in the palette).
    footer: bool = True

    @property
    def key_display(self) -> str:
        return {"space": "␣", "question_mark": "?"}.get(self.key, self.key)


KEY_ACTIONS: tuple[KeyAction, ...] = (
    # The chair's keys, in the order a chair uses them.
    KeyAction("n", "next_speaker", "next", "Give the floor to the first in line (ends any speech)", "chair"),
    KeyAction("e", "end_speech", "end", "End the current speech", "chair"),
    KeyAction("space", "toggle_clock", "clock", "Pause or resume the speaker's clock", "chair"),
    KeyAction("g", "give_floor", "give", "Give the floor to any delegation (searchable list)", "chair"),
    KeyAction("x", "strike", "strike", "Strike the request selected in the waiting list", "chair"),
    KeyAction("l", "toggle_list", "list", "Close or reopen the list of speakers", "chair"),
    KeyAction("t", "speaking_time", "time", "Set the speaking time of the open item", "chair"),
    KeyAction("r", "conclusion", "concl.", "Record the proposed conclusion of the open item", "chair"),
    KeyAction("d", "defer", "defer", "Defer the item or its conclusion to the next Council", "chair"),
    KeyAction("o", "open_item", "open", "Open the item selected in the agenda", "chair"),
    KeyAction("c", "close_item", "close", "Close the open item (asks first)", "chair"),
    KeyAction(
        "i", "floor_language", "language",
        "Correct the floor language of the selected request, or the speaker's", "chair", footer=False,
    ),
    KeyAction("b", "en_bloc", "en bloc", "Conclude the items proposed for approval en bloc", "chair", footer=False),
    KeyAction("s", "toggle_suspend", "suspend", "Suspend or resume the meeting", "chair", footer=False),
    KeyAction(
        "p", "replan", "re-plan", "Re-plan what is left: preview the changes, then publish (asks first)", "chair",
        footer=False,
    ),
    # The secretariat's keys: the chair's view of the agenda and time, no chair command.
    KeyAction(
        "p", "replan", "re-plan", "Re-plan what is left: preview the changes, then publish (asks first)", "secretariat",
    ),
    KeyAction(
        "s", "export_log", "save log", "Save the floor's log so far to a file (for floor replay and report --log)",
        "secretariat",
    ),
    KeyAction(
        "f", "ask_floor", "ask floor", "Ask the chair for the floor for the Secretariat (it does not queue)",
        "secretariat", floor=False,
    ),
    KeyAction("e", "end_speech", "end", "End the Secretariat's speech (when it has the floor)", "secretariat"),
    KeyAction(
        "v", "correspondence", "replies", "The decision by correspondence: who has replied, who has not, time left",
        "secretariat", floor=False, footer=False,
    ),
    # A delegation's keys.
    KeyAction("f", "request('speech')", "ask floor", "Ask for the floor (a speech)", "delegate"),
    KeyAction("p", "request('point_of_order')", "point of order", "Raise a point of order", "delegate"),
    KeyAction("y", "request('right_of_reply')", "reply", "Ask for a right of reply", "delegate"),
    KeyAction("w", "withdraw", "withdraw", "Withdraw your waiting request", "delegate"),
    KeyAction("e", "end_speech", "end", "End your own speech (when you have the floor)", "delegate"),
    # Everyone.
    KeyAction("question_mark", "help", "help", "Show the keys", floor=False),
    KeyAction("a", "toggle_agenda", "", "Agenda: today's plan or every item", floor=False, footer=False),
    KeyAction("tab", "app.focus_next", "", "Move between the agenda and the waiting list", floor=False, footer=False),
    KeyAction("ctrl+p", "app.command_palette", "", "Search every action (command palette)", floor=False, footer=False),
    KeyAction("q", "quit", "quit", "Leave the console (the meeting goes on)", floor=False, footer=False),
)


#: Everyone's keys that mean nothing on the interpreters' screen (it has no agenda, no list to move in).
_NOT_FOR_INTERPRETERS = frozenset({"toggle_agenda", "app.focus_next"})


def actions_for(role: Role) -> list[KeyAction]:
    """The keys of ``role`` (chair, secretariat, delegate; the interpreters have only
    everyone's, to read) plus everyone's."""
    return [
        a for a in KEY_ACTIONS
        if a.role in (role, "any") and not (role == "interpreter" and a.action in _NOT_FOR_INTERPRETERS)
    ]


def not_for(role: Role) -> frozenset[str]:
    """Action names (without parameters) that other roles have and ``role`` has not:
    its screen refuses them even when called by name (palette, a stray binding)."""
    mine = frozenset(action_name(a.action) for a in actions_for(role))
    return frozenset(action_name(a.action) for a in KEY_ACTIONS) - mine


def action_name(action: str) -> str:
    """``request('speech')`` -> ``request``."""
    return action.split("(", 1)[0]


#: Action names (without parameters) that send a command to the floor.
FLOOR_ACTIONS = frozenset(action_name(a.action) for a in KEY_ACTIONS if a.floor)
