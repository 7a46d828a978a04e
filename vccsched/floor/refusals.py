"""Why the floor said no: a stable ``code`` and a human ``message``.

Clients branch on ``code`` (it never changes meaning); they show ``message``.
:data:`REFUSAL_CODES` is the catalogue, one line of explanation per code; it is
the source of the table in ``docs/protocol.md`` (a test keeps them in step).
"""

from __future__ import annotations

from pydantic import Field

from vccsched.models import StrictModel

REFUSAL_CODES: dict[str, str] = {
    "unknown_delegation": "The actor, or the delegation named in the command, is not on the roster.",
    "not_chair": "Only the chair may send this command.",
    "read_only": "The connection follows the floor and sends no commands: an interpreter's (protocol 4), or the server's public view.",
    "meeting_suspended": "The meeting is suspended; only resume_meeting, withdraw, publish_plan and the correspondence commands are taken.",
    "already_suspended": "suspend_meeting while the meeting is already suspended.",
    "not_suspended": "resume_meeting while the meeting is not suspended.",
    "speaks_when_given_floor": "The secretariat (and the chair) do not queue; the chair gives them the floor.",
    "item_not_open": "No item is open, or the command names an item other than the open one.",
    "unknown_item": "The item number is not on the agenda.",
    "item_already_open": "open_item on the item that is already open.",
    "another_item_open": "open_item while another item is open; close it first.",
    "item_closed": "The item is closed (speaking time, en bloc conclusion).",
    "list_closed": "A speech request while the list of speakers is closed (points of order and rights of reply are still taken).",
    "list_already_closed": "close_list on a closed list.",
    "list_not_closed": "reopen_list on an open list.",
    "duplicate_request": "The delegation already has a waiting request of this kind on the item (one voice, one request of each kind).",
    "no_such_request": "withdraw or remove_request for a request that is not waiting (or set_floor_language for a delegation that neither speaks nor waits).",
    "queue_empty": "next_speaker with no one waiting.",
    "no_speaker": "No one has the floor.",
    "not_speaker": "end_speech from a delegate that does not have the floor.",
    "already_has_floor": "give_floor to the delegation that already has the floor.",
    "chair_presides": "give_floor to the chair: the chair presides, it does not take the floor.",
    "is_interpreter": "give_floor to an interpreters' connection: interpreters follow the floor, they do not take it.",
    "clock_already_paused": "pause_clock while the clock is paused.",
    "clock_not_paused": "resume_clock while the clock is running.",
    "deferral_needs_council_member": "defer_item whose requested_by is not a Council Member (Annex 1: a Council Member asks for deferral).",
    "no_conclusion": "defer_item with scope 'conclusion' on an item without a recorded conclusion.",
    "not_en_bloc": "conclude_en_bloc names an item not marked for approval en bloc.",
    "nothing_to_conclude": "conclude_en_bloc with no en bloc item left to conclude.",
    "not_chair_or_secretariat": "Only the chair or a secretariat delegation may publish a plan, open a decision by correspondence or publish its result.",
    "invalid_plan": "publish_plan with a plan that is not in the public plan format of plan.json (a field missing or wrong, an item or a day twice).",
    "plan_for_other_meeting": "publish_plan with a plan made for another meeting (meeting id, time zone, or a day that is not a meeting date).",
    "item_code_mismatch": "publish_plan with a plan whose item code differs from the agenda's for that number.",
    "not_a_speaker": "request_floor from a registered person who is not a speaker of the delegation (the message names who can).",
    "not_a_registered_speaker": "give_floor naming a person who is not a registered speaker of that delegation (the message names its speakers).",
    "nothing_by_correspondence": "open_correspondence with no conclusion recorded by correspondence (and not deferred).",
    "correspondence_open": "open_correspondence while a round is open (before its deadline).",
    "invalid_deadline": "open_correspondence whose deadline is not after now.",
    "no_correspondence_open": "cast_reply or publish_correspondence_result when no decision by correspondence was opened.",
    "correspondence_closed": "cast_reply at or after the round's deadline.",
    "correspondence_not_closed": "publish_correspondence_result before the round's deadline.",
    "not_focal_point": "cast_reply from anyone but a Council Member's focal point (or, for a Council Member without one, its delegation's own link).",
    "item_not_in_round": "cast_reply (or translations) naming an item not put to the Council by correspondence.",
    "too_many_replies": "cast_reply from a Council Member that already replied 50 times in this round (its last reply stands).",
    "command_id_reused": "The command id was already used by this delegation for a different command.",
    "invalid_command": "The command does not match the schema (unknown type, missing or wrong field).",
}


class Refusal(StrictModel):
    """The floor's answer to a command it does not carry out; nothing changed."""

    code: str = Field(description="Stable snake_case reason; see REFUSAL_CODES.")
    message: str = Field(description="What is wrong and what to do instead, for people.")

    def model_post_init(self, __context: object) -> None:
        if self.code not in REFUSAL_CODES:
            raise ValueError(f"unknown refusal code {self.code!r}")
