"""One example test per speaking rule (issue 4), named after the rule.

The small roster below (``small_setup``) is also used by the other floor tests.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from vccsched.floor.commands import CHAIR_COMMANDS
from vccsched.floor.engine import Answer, Floor
from vccsched.floor.rules import decide
from vccsched.floor.state import FloorSetup, ItemInfo, Participant, time_left

ZONE = ZoneInfo("Europe/Zurich")
T0 = dt.datetime(2021, 6, 8, 12, 0, tzinfo=ZONE)


def small_setup(**changes) -> FloorSetup:
    """Chair VC; Council Members CHN, USA, RUS (voting) and KEN (no vote); observers
    GBR, NZL; Palestine PSE; Sector Members SM-R1, SM-T1; secretariat SG, BR.
    Items 1, 2 (en bloc), 3, 4, 12."""
    people = [
        ("VC", "chair", None),
        ("CHN", "council_member", True),
        ("USA", "council_member", True),
        ("RUS", "council_member", True),
        ("KEN", "council_member", False),
        ("GBR", "observer_state", None),
        ("NZL", "observer_state", None),
        ("PSE", "palestine_observer", None),
        ("SM-R1", "sector_member", None),
        ("SM-T1", "sector_member", None),
        ("SG", "secretariat", None),
        ("BR", "secretariat", None),
    ]
    fields = dict(
        meeting_id="TEST",
        participants=[Participant(id=i, category=c, voting_rights=v) for i, c, v in people],
        items=[
            ItemInfo(number=1, code="PL 1.01", en_bloc=True),
            ItemInfo(number=2, code="PL 1.02", en_bloc=True),
            ItemInfo(number=3, code="PL 1.03"),
            ItemInfo(number=4, code="PL 1.04"),
            ItemInfo(number=12, code="PL 1.10"),
        ],
    )
    fields.update(changes)
    return FloorSetup(**fields)


class Session:
    """A floor driven like a server would, with a clock that ticks ``advance`` seconds."""

    def __init__(self, setup: FloorSetup | None = None) -> None:
        self.floor = Floor(setup or small_setup())
        self.now = T0
        self.count = 0

    def send(self, actor: str, type_: str, advance: float = 10, **fields) -> Answer:
        self.now += dt.timedelta(seconds=advance)
        self.count += 1
        return self.floor.handle_raw(actor, {"type": type_, "id": f"c{self.count}", **fields}, self.now)

    def ok(self, actor: str, type_: str, advance: float = 10, **fields) -> list:
        answer = self.send(actor, type_, advance, **fields)
        assert answer.refusal is None, answer.refusal
        return list(answer.events)

    def refused(self, actor: str, type_: str, advance: float = 0, **fields) -> str:
        before = self.floor.state
        answer = self.send(actor, type_, advance, **fields)
        assert answer.refusal is not None, f"{type_} from {actor} was accepted"
        assert self.floor.state is before, "a refusal changed the state"
        assert answer.refusal.message
        return answer.refusal.code

    @property
    def state(self):
        return self.floor.state

    def queue(self) -> list[tuple[str, str]]:
        return [(r.delegation, r.kind) for r in self.state.current.queue]

    def open(self, item: int = 3) -> Session:
        self.ok("VC", "open_item", item=item)
        return self

    def ask(self, *delegations: str, kind: str = "speech") -> None:
        for d in delegations:
            self.ok(d, "request_floor", kind=kind)


@pytest.fixture
def s() -> Session:
    return Session().open(3)


# --- ordering of the waiting list ---------------------------------------------------


def test_points_of_order_come_first_first_come_first_served(s):
    s.ask("CHN", "USA")
    s.ask("GBR", "RUS", kind="point_of_order")
    assert s.queue() == [("GBR", "point_of_order"), ("RUS", "point_of_order"), ("CHN", "speech"), ("USA", "speech")]


def test_speeches_are_ordered_by_tier_council_members_then_observers_then_sector_members(s):
    s.ask("SM-R1", "GBR", "PSE", "USA", "CHN")
    assert s.queue() == [
        ("USA", "speech"),
        ("CHN", "speech"),
        ("GBR", "speech"),
        ("PSE", "speech"),
        ("SM-R1", "speech"),
    ]


def test_observer_states_and_palestine_share_a_tier_first_come_first_served(s):
    s.ask("PSE", "GBR", "NZL")
    assert [d for d, _ in s.queue()] == ["PSE", "GBR", "NZL"]


def test_within_a_tier_not_yet_spoken_goes_before_speaking_again(s):
    s.ask("USA")
    s.ok("VC", "next_speaker")  # USA speaks
    s.ask("USA")  # asks to speak again, while speaking
    s.ask("CHN", "GBR")
    assert s.queue() == [("CHN", "speech"), ("USA", "speech"), ("GBR", "speech")]
    s.ok("VC", "next_speaker")
    s.ask("RUS")
    # RUS (not yet spoken) passes USA (again); observers stay behind both.
    assert s.queue() == [("RUS", "speech"), ("USA", "speech"), ("GBR", "speech")]


def test_rights_of_reply_come_after_all_speeches(s):
    s.ask("CHN", kind="right_of_reply")
    s.ask("SM-T1", "USA")
    s.ask("RUS", kind="point_of_order")
    assert s.queue() == [
        ("RUS", "point_of_order"),
        ("USA", "speech"),
        ("SM-T1", "speech"),
        ("CHN", "right_of_reply"),
    ]


def test_every_request_gets_the_next_arrival_number_across_items(s):
    (first,) = s.ok("CHN", "request_floor")
    (second,) = s.ok("GBR", "request_floor", kind="point_of_order")
    s.ok("CHN", "withdraw")
    (third,) = s.ok("CHN", "request_floor")  # asking again is a new arrival
    assert [first.order, second.order, third.order] == [1, 2, 3]
    s.ok("VC", "close_item")
    s.open(4)
    (fourth,) = s.ok("USA", "request_floor")
    assert fourth.order == 4 and s.state.next_order == 5
    assert [r.order for r in s.state.current.queue] == [4]


def test_tier_order_is_configuration():
    setup = small_setup(tiers=[["council_member", "sector_member"], ["observer_state", "palestine_observer"]])
    s = Session(setup).open(3)
    s.ask("GBR", "SM-T1", "USA")
    assert [d for d, _ in s.queue()] == ["SM-T1", "USA", "GBR"]


# --- one voice -------------------------------------------------------------------------------


def test_a_delegation_speaks_with_one_voice_one_waiting_request_of_each_kind(s):
    s.ask("CHN")
    assert s.refused("CHN", "request_floor", kind="speech") == "duplicate_request"
    s.ask("CHN", kind="point_of_order")
    s.ask("CHN", kind="right_of_reply")
    assert s.refused("CHN", "request_floor", kind="point_of_order") == "duplicate_request"
    assert sorted(k for d, k in s.queue() if d == "CHN") == ["point_of_order", "right_of_reply", "speech"]


def test_after_speaking_a_delegation_may_ask_again(s):
    s.ask("CHN")
    s.ok("VC", "next_speaker")
    s.ask("CHN")
    assert s.queue() == [("CHN", "speech")]


# --- the secretariat and the chair's floor control -----------------------------------------


def test_the_secretariat_speaks_when_the_chair_gives_it_the_floor(s):
    assert s.refused("SG", "request_floor") == "speaks_when_given_floor"
    assert s.refused("VC", "request_floor") == "speaks_when_given_floor"
    s.ask("CHN")
    (given,) = s.ok("VC", "give_floor", delegation="SG")
    assert (given.type, given.delegation, given.out_of_order, given.from_queue) == ("floor_given", "SG", True, False)
    assert s.state.speaker.delegation == "SG"
    assert s.queue() == [("CHN", "speech")]


def test_the_chair_may_give_the_floor_out_of_order_and_the_event_records_it(s):
    s.ask("CHN", "USA", "GBR")
    (given,) = s.ok("VC", "give_floor", delegation="GBR")
    assert given.out_of_order is True and given.from_queue is True
    assert s.queue() == [("CHN", "speech"), ("USA", "speech")]
    assert s.state.speaker.out_of_order is True
    ended, given = s.ok("VC", "give_floor", delegation="RUS")  # not even waiting
    assert ended.type == "speech_ended" and ended.reason == "next_speaker"
    assert given.out_of_order is True and given.from_queue is False


def test_giving_the_floor_to_the_first_in_line_is_in_order(s):
    s.ask("CHN", "USA")
    (given,) = s.ok("VC", "give_floor", delegation="CHN")
    assert given.out_of_order is False


def test_giving_a_speech_to_a_delegation_whose_point_of_order_heads_the_list_is_out_of_order(s):
    s.ask("USA")
    s.ask("CHN", kind="point_of_order")  # heads the list
    (given,) = s.ok("VC", "give_floor", delegation="CHN", kind="speech")
    assert (given.kind, given.out_of_order, given.from_queue) == ("speech", True, False)
    assert s.queue() == [("CHN", "point_of_order"), ("USA", "speech")]
    s.ok("CHN", "end_speech")
    s.ask("CHN")  # now CHN waits for a speech too, behind its own point of order
    (given,) = s.ok("VC", "give_floor", delegation="CHN", kind="speech")
    assert (given.out_of_order, given.from_queue) == (True, True)
    assert s.queue() == [("CHN", "point_of_order"), ("USA", "speech")]
    s.ok("CHN", "end_speech")
    (given,) = s.ok("VC", "give_floor", delegation="CHN", kind="point_of_order")
    assert (given.out_of_order, given.from_queue) == (False, True)


def test_the_chair_presides_and_does_not_take_the_floor(s):
    assert s.refused("VC", "give_floor", delegation="VC") == "chair_presides"


def test_giving_the_floor_to_the_current_speaker_is_refused(s):
    s.ok("VC", "give_floor", delegation="SG")
    assert s.refused("VC", "give_floor", delegation="SG") == "already_has_floor"


def test_next_speaker_gives_the_floor_to_the_first_request_and_ends_the_current_speech(s):
    assert s.refused("VC", "next_speaker") == "queue_empty"
    s.ask("GBR", "CHN")
    (given,) = s.ok("VC", "next_speaker")
    assert (given.delegation, given.out_of_order) == ("CHN", False)
    ended, given = s.ok("VC", "next_speaker", advance=100)
    assert (ended.delegation, ended.reason, ended.duration_seconds) == ("CHN", "next_speaker", 100.0)
    assert given.delegation == "GBR"
    assert s.queue() == []


# --- the chair's item control -----------------------------------------------------------------


def test_the_chair_opens_an_item_one_at_a_time():
    s = Session()
    assert s.refused("VC", "open_item", item=99) == "unknown_item"
    (opened,) = s.ok("VC", "open_item", item=3)
    assert opened.type == "item_opened" and s.state.current_item == 3
    assert s.state.items[3].status == "open"
    assert s.refused("VC", "open_item", item=3) == "item_already_open"
    assert s.refused("VC", "open_item", item=4) == "another_item_open"


def test_the_chair_ends_a_speech(s):
    assert s.refused("VC", "end_speech") == "no_speaker"
    s.ask("CHN")
    s.ok("VC", "next_speaker")
    (ended,) = s.ok("VC", "end_speech", advance=30)
    assert (ended.reason, ended.actor, ended.duration_seconds) == ("ended_by_chair", "VC", 30.0)
    assert s.state.speaker is None


def test_a_delegate_finishes_speaking_early(s):
    s.ask("CHN")
    s.ok("VC", "next_speaker")
    assert s.refused("USA", "end_speech") == "not_speaker"
    (ended,) = s.ok("CHN", "end_speech", advance=42)
    assert (ended.reason, ended.duration_seconds) == ("finished", 42.0)


def test_the_speaking_time_limit_is_set_per_item_with_the_configured_default():
    s = Session(small_setup(speaking_time_seconds=120)).open(3)
    assert s.state.items[3].speaking_time_seconds == 120
    s.ok("VC", "set_speaking_time", seconds=90)
    s.ok("VC", "set_speaking_time", seconds=300, item=4)  # a pending item may be set ahead
    assert s.state.items[3].speaking_time_seconds == 90
    assert s.state.items[4].speaking_time_seconds == 300
    s.ask("CHN")
    (given,) = s.ok("VC", "next_speaker")
    assert given.limit_seconds == 90
    assert s.refused("CHN", "set_speaking_time", seconds=60) == "not_chair"


def test_time_left_is_derived_from_the_state_and_now(s):
    s.ask("CHN")
    s.ok("VC", "next_speaker")
    start = s.now
    assert time_left(s.state, start) == 180
    assert time_left(s.state, start + dt.timedelta(seconds=200)) == -20  # overrun shows negative
    assert s.floor.time_left(start + dt.timedelta(seconds=60)) == 120


def test_the_chair_pauses_and_resumes_the_clock(s):
    assert s.refused("VC", "pause_clock") == "no_speaker"
    s.ask("CHN")
    s.ok("VC", "next_speaker")
    start = s.now
    assert s.refused("VC", "resume_clock") == "clock_not_paused"
    s.ok("VC", "pause_clock", advance=50)
    assert s.refused("VC", "pause_clock") == "clock_already_paused"
    assert time_left(s.state, s.now + dt.timedelta(hours=1)) == 130  # clock stands still
    s.ok("VC", "resume_clock", advance=40)
    assert time_left(s.state, s.now + dt.timedelta(seconds=30)) == 100
    (ended,) = s.ok("CHN", "end_speech", advance=30)
    assert (ended.duration_seconds, ended.paused_seconds) == (80.0, 40.0)
    speech = s.state.speeches[-1]
    assert speech.start == start and (speech.end - speech.start).total_seconds() == 120


def test_a_closed_list_refuses_speeches_but_takes_points_of_order(s):
    s.ok("VC", "close_list")
    assert s.refused("VC", "close_list") == "list_already_closed"
    assert s.refused("CHN", "request_floor", kind="speech") == "list_closed"
    s.ask("CHN", kind="point_of_order")
    s.ask("USA", kind="right_of_reply")
    assert s.queue() == [("CHN", "point_of_order"), ("USA", "right_of_reply")]


def test_the_chair_reopens_the_list(s):
    assert s.refused("VC", "reopen_list") == "list_not_closed"
    s.ok("VC", "close_list")
    s.ok("VC", "reopen_list")
    s.ask("CHN")
    assert s.queue() == [("CHN", "speech")]


def test_the_chair_removes_a_request(s):
    s.ask("CHN", "USA")
    assert s.refused("VC", "remove_request", delegation="GBR") == "no_such_request"
    assert s.refused("VC", "remove_request", delegation="XYZ") == "unknown_delegation"
    s.ok("VC", "remove_request", delegation="CHN")
    assert s.queue() == [("USA", "speech")]


def test_a_delegate_withdraws_its_own_request(s):
    s.ask("CHN")
    s.ask("CHN", kind="point_of_order")
    assert s.refused("USA", "withdraw") == "no_such_request"
    s.ok("CHN", "withdraw", kind="point_of_order")
    assert s.queue() == [("CHN", "speech")]
    s.ok("CHN", "withdraw")
    assert s.queue() == []


def test_the_chair_records_a_proposed_conclusion(s):
    s.ok("VC", "record_conclusion", conclusion="The Council took note of C21/33.")
    s.ok("VC", "record_conclusion", conclusion="The Council endorsed C21/33.")  # amended
    outcome = s.state.items[3].outcome
    assert (outcome.kind, outcome.conclusion, outcome.by_correspondence, outcome.majority_needed) == (
        "concluded",
        "The Council endorsed C21/33.",
        False,
        None,
    )


def test_a_conclusion_flagged_for_decision_by_correspondence_needs_a_simple_majority_of_voting_council_members(s):
    # Three of the four Council Members have the right to vote: 3 // 2 + 1 = 2.
    (event,) = s.ok("VC", "record_conclusion", conclusion="Endorsed.", by_correspondence=True)
    assert event.majority_needed == 2
    assert s.state.items[3].outcome.majority_needed == 2


def test_correspondence_majority_of_the_c21_roster(c21):
    from vccsched.floor.state import FloorSetup as Setup

    # The example roster: all 48 Council Members have the right to vote; 25 of 48 is a simple majority.
    assert sum(1 for d in c21.roster.council_members if d.voting_rights) == 48
    assert Setup.from_meeting(c21).correspondence_majority == 25


def test_a_deferral_to_c22_must_name_a_council_member(s):
    assert s.refused("VC", "defer_item", requested_by="GBR") == "deferral_needs_council_member"
    assert s.refused("VC", "defer_item", requested_by="PSE") == "deferral_needs_council_member"
    assert s.refused("VC", "defer_item", requested_by="SG") == "deferral_needs_council_member"
    assert s.refused("VC", "defer_item", requested_by="XYZ") == "unknown_delegation"
    assert s.refused("CHN", "defer_item", requested_by="CHN") == "not_chair"
    (deferred,) = s.ok("VC", "defer_item", requested_by="KEN")  # no vote, still a Council Member
    assert (deferred.target, deferred.requested_by, deferred.scope) == ("C22", "KEN", "item")
    outcome = s.state.items[3].outcome
    assert (outcome.kind, outcome.target, outcome.requested_by) == ("deferred", "C22", "KEN")


def test_a_conclusion_can_be_deferred_and_keeps_its_text(s):
    assert s.refused("VC", "defer_item", requested_by="RUS", scope="conclusion") == "no_conclusion"
    s.ok("VC", "record_conclusion", conclusion="Endorsed.")
    s.ok("VC", "defer_item", requested_by="RUS", scope="conclusion")
    outcome = s.state.items[3].outcome
    assert (outcome.kind, outcome.scope, outcome.conclusion) == ("deferred", "conclusion", "Endorsed.")


def test_deferring_the_whole_item_drops_an_earlier_conclusion(s):
    s.ok("VC", "record_conclusion", conclusion="Endorsed.", by_correspondence=True)
    s.ok("VC", "defer_item", requested_by="RUS", scope="item", note="No consensus.")
    outcome = s.state.items[3].outcome
    assert (outcome.kind, outcome.scope, outcome.conclusion) == ("deferred", "item", None)
    assert (outcome.by_correspondence, outcome.majority_needed, outcome.note) == (False, None, "No consensus.")


def test_the_deferral_target_is_configuration():
    s = Session(small_setup(deferral_target="C23")).open(3)
    (deferred,) = s.ok("VC", "defer_item", requested_by="USA")
    assert deferred.target == "C23"


def test_closing_an_item_ends_the_speech_and_drops_waiting_requests(s):
    s.ask("CHN", "USA")
    s.ok("VC", "next_speaker")
    ended, closed = s.ok("VC", "close_item")
    assert ended.reason == "item_closed"
    assert [(r.delegation, r.kind) for r in closed.dropped] == [("USA", "speech")]
    item = s.state.items[3]
    assert (item.status, item.queue, item.outcome.kind) == ("closed", [], "closed")
    assert s.state.current_item is None and s.state.speaker is None
    assert s.refused("USA", "request_floor") == "item_not_open"


def test_a_closed_item_keeps_its_conclusion_and_may_be_reopened(s):
    s.ok("VC", "record_conclusion", conclusion="Noted.")
    s.ok("VC", "close_item")
    assert s.state.items[3].outcome.kind == "concluded"
    assert s.refused("VC", "set_speaking_time", seconds=60, item=3) == "item_closed"
    s.ok("VC", "open_item", item=3)
    assert s.state.items[3].status == "open"
    assert s.state.items[3].outcome.conclusion == "Noted."


def test_a_reopened_item_has_its_list_of_speakers_open_again_and_empty(s):
    s.ask("CHN", "USA")
    s.ok("VC", "next_speaker")
    s.ok("VC", "close_list")
    s.ok("VC", "set_speaking_time", seconds=120)
    s.ok("VC", "close_item")
    (opened,) = s.ok("VC", "open_item", item=3)
    assert opened.type == "item_opened"
    item = s.state.items[3]
    assert (item.status, item.list_closed, item.queue) == ("open", False, [])
    assert item.speaking_time_seconds == 120 and item.spoken == ["CHN"]  # kept from before
    s.ask("USA", "CHN")  # speech requests are taken again; who spoke before still counts
    assert s.queue() == [("USA", "speech"), ("CHN", "speech")]


def test_a_reopened_item_keeps_its_outcome_until_a_new_one_replaces_it(s):
    s.ok("VC", "close_item")
    assert s.state.items[3].outcome.kind == "closed"
    s.ok("VC", "open_item", item=3)
    assert s.state.items[3].outcome is None  # no longer closed, nothing concluded
    s.ok("VC", "record_conclusion", conclusion="Noted.")
    s.ok("VC", "close_item")
    s.ok("VC", "open_item", item=3)
    assert s.state.items[3].outcome.conclusion == "Noted."
    s.ok("VC", "close_item")  # closed again without a new conclusion: the old one stands
    assert (s.state.items[3].outcome.kind, s.state.items[3].outcome.conclusion) == ("concluded", "Noted.")
    s.ok("VC", "open_item", item=3)
    s.ok("VC", "record_conclusion", conclusion="Noted, as corrected.")
    s.ok("VC", "close_item")
    assert s.state.items[3].outcome.conclusion == "Noted, as corrected."


def test_an_item_approved_en_bloc_may_be_reopened_and_deferred():
    s = Session()
    s.ok("VC", "conclude_en_bloc")
    s.ok("VC", "open_item", item=2)  # a Council Member asks to discuss it after all
    assert s.state.items[2].outcome.conclusion == "Approved en bloc."
    (event,) = s.ok("VC", "conclude_en_bloc")  # only the reopened item is not closed
    assert event.items == [2] and s.state.current_item is None
    s.ok("VC", "open_item", item=2)
    s.ok("VC", "defer_item", requested_by="USA")
    s.ok("VC", "close_item")
    outcome = s.state.items[2].outcome
    assert (outcome.kind, outcome.conclusion, outcome.requested_by) == ("deferred", None, "USA")
    assert s.state.items[1].outcome.conclusion == "Approved en bloc."


def test_items_approved_en_bloc_are_concluded_together():
    s = Session()
    (event,) = s.ok("VC", "conclude_en_bloc")
    assert event.items == [1, 2]
    for n in (1, 2):
        item = s.state.items[n]
        assert (item.status, item.outcome.kind, item.outcome.conclusion) == ("closed", "concluded", "Approved en bloc.")
    assert s.refused("VC", "conclude_en_bloc") == "nothing_to_conclude"


def test_en_bloc_with_a_list_of_items_checks_each_item():
    s = Session()
    assert s.refused("VC", "conclude_en_bloc", items=[1, 3]) == "not_en_bloc"
    assert s.refused("VC", "conclude_en_bloc", items=[1, 99]) == "unknown_item"
    s.ok("VC", "open_item", item=2)
    (event,) = s.ok("VC", "conclude_en_bloc", items=[2, 1, 2], conclusion="Noted en bloc.")
    assert event.items == [1, 2]
    assert s.state.current_item is None  # the open item 2 was among them
    assert s.refused("VC", "conclude_en_bloc", items=[1]) == "item_closed"


def test_concluding_en_bloc_ends_a_speech_on_one_of_the_items():
    s = Session().open(2)
    s.ask("CHN", "USA")
    s.ok("VC", "next_speaker")
    ended, concluded = s.ok("VC", "conclude_en_bloc", advance=45)
    assert (ended.type, ended.delegation, ended.reason, ended.duration_seconds) == (
        "speech_ended", "CHN", "item_closed", 45.0)
    assert concluded.type == "en_bloc_concluded" and concluded.items == [1, 2]
    assert s.state.speaker is None and s.state.current_item is None
    assert s.state.items[2].queue == [] and s.state.speeches[-1].reason == "item_closed"


def test_concluding_en_bloc_leaves_a_speech_on_another_item_running():
    s = Session().open(3)
    s.ask("CHN")
    s.ok("VC", "next_speaker")
    (concluded,) = s.ok("VC", "conclude_en_bloc", items=[1, 2])
    assert concluded.type == "en_bloc_concluded"
    assert s.state.speaker.delegation == "CHN" and s.state.current_item == 3


def test_the_chair_suspends_and_resumes_the_meeting(s):
    assert s.refused("VC", "resume_meeting") == "not_suspended"
    s.ask("CHN", "USA")
    s.ok("VC", "next_speaker")
    ended, suspended = s.ok("VC", "suspend_meeting")
    assert (ended.reason, suspended.type) == ("meeting_suspended", "meeting_suspended")
    assert s.state.suspended and s.state.speaker is None
    assert s.refused("VC", "suspend_meeting") == "already_suspended"
    assert s.refused("RUS", "request_floor") == "meeting_suspended"
    assert s.refused("VC", "next_speaker") == "meeting_suspended"
    s.ok("USA", "withdraw")  # a delegate may still withdraw
    s.ok("VC", "resume_meeting")
    assert not s.state.suspended and s.state.current_item == 3


# --- everything else is refused with a reason ---------------------------------------------------

CHAIR_COMMAND_EXAMPLES = {
    "open_item": {"item": 4},
    "next_speaker": {},
    "give_floor": {"delegation": "CHN"},
    "set_floor_language": {"delegation": "CHN", "language": "fr"},
    "set_speaking_time": {"seconds": 60},
    "pause_clock": {},
    "resume_clock": {},
    "close_list": {},
    "reopen_list": {},
    "remove_request": {"delegation": "CHN"},
    "record_conclusion": {"conclusion": "Noted."},
    "defer_item": {"requested_by": "CHN"},
    "close_item": {},
    "conclude_en_bloc": {},
    "suspend_meeting": {},
    "resume_meeting": {},
}


def test_every_chair_command_has_an_example_here():
    assert set(CHAIR_COMMAND_EXAMPLES) == set(CHAIR_COMMANDS)


@pytest.mark.parametrize("command", sorted(CHAIR_COMMAND_EXAMPLES))
@pytest.mark.parametrize("actor", ["CHN", "GBR", "PSE", "SM-R1", "SG"])
def test_chair_only_commands_are_refused_from_anyone_but_the_chair(s, actor, command):
    s.ask("CHN")
    assert s.refused(actor, command, **CHAIR_COMMAND_EXAMPLES[command]) == "not_chair"


def test_commands_on_an_item_that_is_not_open_are_refused():
    s = Session()
    for actor, command, fields in [
        ("CHN", "request_floor", {}),
        ("CHN", "withdraw", {}),
        ("VC", "next_speaker", {}),
        ("VC", "give_floor", {"delegation": "CHN"}),
        ("VC", "close_list", {}),
        ("VC", "record_conclusion", {"conclusion": "x"}),
        ("VC", "defer_item", {"requested_by": "CHN"}),
        ("VC", "close_item", {}),
        ("VC", "set_speaking_time", {"seconds": 60}),
    ]:
        assert s.refused(actor, command, **fields) == "item_not_open", command
    s.open(3)
    assert s.refused("CHN", "request_floor", item=4) == "item_not_open"
    s.ok("CHN", "request_floor", item=3)


def test_unknown_delegations_are_refused(s):
    assert s.refused("XYZ", "request_floor") == "unknown_delegation"
    assert s.refused("XYZ", "end_speech") == "unknown_delegation"
    assert s.refused("xyz", "open_item", item=4) == "unknown_delegation"
    assert s.refused("VC", "give_floor", delegation="XYZ") == "unknown_delegation"


def test_a_command_that_does_not_match_the_schema_is_refused(s):
    assert s.refused("CHN", "request_floor", kind="filibuster") == "invalid_command"
    assert s.refused("CHN", "take_over") == "invalid_command"
    assert s.refused("VC", "set_speaking_time", seconds=1) == "invalid_command"


# --- the record of speeches and the clock as an input --------------------------------------------


def test_every_speech_is_recorded_with_start_end_duration_and_kind(s):
    s.ask("CHN")
    s.ask("USA", kind="point_of_order")
    s.ok("VC", "next_speaker", advance=5)
    t1 = s.now
    s.ok("VC", "next_speaker", advance=20)
    t2 = s.now
    s.ok("CHN", "end_speech", advance=95)
    records = [(sp.delegation, sp.kind, sp.start, sp.end, sp.duration_seconds, sp.reason) for sp in s.state.speeches]
    assert records == [
        ("USA", "point_of_order", t1, t2, 20.0, "next_speaker"),
        ("CHN", "speech", t2, s.now, 95.0, "finished"),
    ]


def test_the_clock_is_an_input_and_must_be_zone_aware(s):
    naive = dt.datetime(2021, 6, 8, 12, 5)
    with pytest.raises(ValueError, match="zone-aware"):
        s.floor.handle_raw("CHN", {"type": "request_floor", "id": "n"}, naive)
    with pytest.raises(ValueError, match="zone-aware"):
        decide(s.state, "CHN", s.floor.events[0], naive)  # type: ignore[arg-type]


def test_a_clock_stepping_back_counts_as_standing_still(s):
    s.ask("CHN")
    s.ok("VC", "next_speaker")
    (ended,) = s.ok("CHN", "end_speech", advance=-30)
    assert ended.duration_seconds == 0.0 and ended.at == s.state.speeches[0].start
