"""The Floor object: event log, fold, sequence numbers, idempotency, snapshots."""

from __future__ import annotations

import datetime as dt

import pytest
from test_floor_rules import T0, Session, small_setup

from vccsched.floor.commands import parse_command
from vccsched.floor.engine import Floor
from vccsched.floor.events import event_list_adapter
from vccsched.floor.state import FloorSetup, FloorState, FoldError, apply, fold, initial_state


def busy_session() -> Session:
    s = Session().open(3)
    s.ask("USA", "GBR")
    s.ask("RUS", kind="point_of_order")
    s.ok("VC", "next_speaker")
    s.ok("VC", "next_speaker")
    s.ok("VC", "pause_clock")
    s.ok("VC", "resume_clock")
    s.ok("VC", "close_list")
    s.ok("VC", "record_conclusion", conclusion="Noted.", by_correspondence=True)
    s.ok("VC", "defer_item", requested_by="CHN", scope="conclusion")
    s.ok("VC", "close_item")
    s.ok("VC", "conclude_en_bloc")
    s.ok("VC", "open_item", item=12)
    s.ask("PSE", "SM-T1")
    s.ok("VC", "give_floor", delegation="SG")
    s.ok("VC", "suspend_meeting")
    return s


def test_folding_the_events_rebuilds_exactly_the_same_state():
    s = busy_session()
    assert fold(s.floor.setup, s.floor.events) == s.state
    # also step by step from any prefix
    middle = fold(s.floor.setup, s.floor.events[:7])
    assert fold(middle, s.floor.events[7:]) == s.state


def test_the_event_log_and_the_snapshot_survive_json():
    s = busy_session()
    text = event_list_adapter.dump_json(s.floor.events)
    events = event_list_adapter.validate_json(text)
    assert fold(s.floor.setup, events) == s.state
    snapshot = FloorState.model_validate_json(s.state.model_dump_json())
    assert snapshot == s.state
    assert snapshot.model_dump_json() == s.state.model_dump_json()


def test_sequence_numbers_start_at_one_without_gaps():
    s = busy_session()
    assert [e.seq for e in s.floor.events] == list(range(1, len(s.floor.events) + 1))
    assert s.floor.seq == s.state.seq == len(s.floor.events)


def test_the_fold_refuses_a_gap_or_a_repeat_in_the_log():
    s = busy_session()
    events = s.floor.events
    with pytest.raises(FoldError, match="does not follow"):
        fold(s.floor.setup, [events[0], events[2]])
    with pytest.raises(FoldError, match="does not follow"):
        fold(s.floor.setup, [events[0], events[0]])


def test_apply_leaves_the_old_state_unchanged():
    s = busy_session()
    state = initial_state(s.floor.setup)
    before = state.model_dump_json()
    apply(state, s.floor.events[0])
    assert state.model_dump_json() == before


def test_events_carry_actor_time_and_command_id():
    s = Session().open(3)
    (event,) = s.ok("CHN", "request_floor")
    assert (event.actor, event.at, event.command_id, event.seq) == ("CHN", s.now, "c2", 2)


def test_the_same_command_id_gives_the_same_answer_and_one_effect():
    floor = Floor(small_setup())
    open3 = parse_command({"type": "open_item", "id": "a1", "item": 3})
    first = floor.handle("VC", open3, T0)
    second = floor.handle("VC", open3, T0 + dt.timedelta(seconds=5))
    assert first.fresh and not second.fresh
    assert second == first and second.events == first.events
    assert floor.seq == 1 and len(floor.events) == 1


def test_a_refused_command_is_not_remembered_so_sent_again_it_is_decided_again():
    floor = Floor(small_setup())
    ask = parse_command({"type": "request_floor", "id": "r1"})
    first = floor.handle("CHN", ask, T0)
    assert first.refusal.code == "item_not_open"
    assert floor._answers == {}  # a flood of refusals costs no memory
    floor.handle("VC", parse_command({"type": "open_item", "id": "o", "item": 3}), T0)
    again = floor.handle("CHN", ask, T0)
    assert again.accepted and again.fresh
    assert [r.delegation for r in floor.state.items[3].queue] == ["CHN"]


def test_a_delegates_privileged_command_is_refused_by_its_type_alone():
    floor = Floor(small_setup())
    assert floor.precheck("CHN", "publish_plan").code == "not_chair_or_secretariat"
    assert floor.precheck("CHN", "open_item").code == "not_chair"
    assert floor.precheck("XXX", "request_floor").code == "unknown_delegation"
    assert floor.precheck("SG", "publish_plan") is None
    assert floor.precheck("VC", "open_item") is None
    assert floor.precheck("CHN", "request_floor") is None
    # the same refusal as deciding the whole command
    full = floor.handle("CHN", parse_command({"type": "open_item", "id": "o", "item": 3}), T0)
    assert full.refusal == floor.precheck("CHN", "open_item")


def test_undo_last_takes_back_the_last_command_whole():
    floor = Floor(small_setup())
    floor.handle("VC", parse_command({"type": "open_item", "id": "o", "item": 3}), T0)
    before_state, before_events = floor.state, list(floor.events)
    ask = parse_command({"type": "request_floor", "id": "r1"})
    assert floor.handle("CHN", ask, T0).accepted
    floor.undo_last()
    assert floor.state is before_state and floor.events == before_events
    again = floor.handle("CHN", ask, T0)  # its id is free again: not a repeat
    assert again.fresh and again.seqs == [2]
    floor.undo_last()
    with pytest.raises(RuntimeError):
        floor.undo_last()  # only the last one, once


def test_a_rebuilt_floor_with_its_commands_still_refuses_a_reused_id():
    floor = Floor(small_setup())
    open3 = {"type": "open_item", "id": "x", "item": 3}
    floor.handle("VC", parse_command(open3), T0)
    rebuilt = Floor(floor.setup, floor.events, commands=[("VC", open3)])
    other = rebuilt.handle("VC", parse_command({"type": "close_item", "id": "x"}), T0)
    assert other.refusal.code == "command_id_reused"
    assert rebuilt.state.current_item == 3
    same = rebuilt.handle("VC", parse_command(open3), T0)
    assert same.accepted and not same.fresh and same.seqs == [1]


def test_reusing_a_command_id_for_a_different_command_is_refused():
    floor = Floor(small_setup())
    floor.handle("VC", parse_command({"type": "open_item", "id": "x", "item": 3}), T0)
    answer = floor.handle("VC", parse_command({"type": "open_item", "id": "x", "item": 4}), T0)
    assert answer.refusal.code == "command_id_reused"
    assert floor.state.current_item == 3


def test_command_ids_belong_to_their_actor():
    floor = Floor(small_setup())
    floor.handle("VC", parse_command({"type": "open_item", "id": "1", "item": 3}), T0)
    answer = floor.handle("CHN", parse_command({"type": "request_floor", "id": "1"}), T0)
    assert answer.accepted and floor.state.items[3].queue[0].delegation == "CHN"


def test_a_floor_rebuilt_from_its_log_continues_and_remembers_command_ids():
    s = busy_session()
    stored = event_list_adapter.validate_json(event_list_adapter.dump_json(s.floor.events))
    rebuilt = Floor(s.floor.setup, stored)
    assert rebuilt.state == s.state and rebuilt.seq == s.floor.seq
    again = rebuilt.handle("VC", parse_command({"type": "suspend_meeting", "id": f"c{s.count}"}), s.now)
    assert not again.fresh and again.events == tuple(s.floor.events[-2:])  # speech_ended, meeting_suspended
    answer = rebuilt.handle("VC", parse_command({"type": "resume_meeting", "id": "new"}), s.now)
    assert answer.seqs == [s.floor.seq + 1]


def test_events_since_gives_what_a_resuming_client_missed():
    s = busy_session()
    assert s.floor.events_since(s.floor.seq) == []
    assert [e.seq for e in s.floor.events_since(3)] == list(range(4, s.floor.seq + 1))
    assert s.floor.events_since(s.floor.seq + 1) is None
    assert s.floor.events_since(-1) is None


def test_setup_from_the_bundled_meeting(c21):
    setup = FloorSetup.from_meeting(c21)
    assert setup.deferral_target == c21.meeting.deferral_target
    assert setup.speaking_time_seconds == c21.meeting.floor.speaking_time_seconds
    assert setup.participant("CHN").category == "council_member"
    assert setup.participant("PSE").category == "palestine_observer"
    assert [i.number for i in setup.items] == c21.agenda.numbers
    assert {i.number for i in setup.items if i.en_bloc} == {i.number for i in c21.agenda.items if i.en_bloc}
