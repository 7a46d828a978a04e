"""The console's protocol client without I/O: folding, gaps, resends, answers, clock."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from console.sample import OPENING, Script
from console.session import Answered, ClientSession, EventApplied, InvalidCommand, ServerError, StateReplaced, Welcomed
from vccsched.floor.protocol import PROTOCOL_VERSION
from vccsched.floor.state import initial_state

T0 = dt.datetime(2021, 6, 8, 10, 0, tzinfo=dt.timezone.utc)


def script() -> Script:
    s = Script()
    s.do("VC", {"type": "open_item", "item": 3})
    s.ask(["BRA", "GBR", "SM-R1"])
    s.do("VC", {"type": "next_speaker"})
    return s


def event_text(event) -> str:
    # As the server sends it, with an optional field this client does not know.
    return json.dumps({"type": "event", "event": event.model_dump(mode="json"), "view": {"seq": event.seq}})


def welcomed(session: ClientSession, seq: int, server_time: dt.datetime | None = None) -> list[str]:
    welcome = {"type": "welcome", "protocol": PROTOCOL_VERSION, "delegation": "VC", "category": "chair", "seq": seq}
    if server_time is not None:
        welcome["server_time"] = server_time.isoformat()
    updates, replies = session.receive(json.dumps(welcome), T0)
    assert isinstance(updates[0], Welcomed)
    return replies


def snapshot(session: ClientSession, state) -> None:
    text = json.dumps({"type": "snapshot", "seq": state.seq, "state": state.model_dump(mode="json")})
    updates, _ = session.receive(text, T0)
    assert isinstance(updates[0], StateReplaced)


def test_events_fold_to_the_servers_state_and_repeats_are_ignored():
    s = script()
    session = ClientSession("tok")
    hello = json.loads(session.hello(T0))
    assert hello == {"type": "hello", "protocol": PROTOCOL_VERSION, "last_seq": None, "token": "tok"}
    welcomed(session, 0)
    snapshot(session, initial_state(s.floor.setup))
    for event in s.floor.events:
        updates, replies = session.receive(event_text(event), T0)
        assert [type(u) for u in updates] == [EventApplied] and replies == []
    assert session.state == s.state
    # A repeat (after a resync) changes nothing.
    assert session.receive(event_text(s.floor.events[2]), T0) == ([], [])
    assert session.state == s.state
    assert json.loads(session.hello(T0))["last_seq"] == s.state.seq


def test_a_gap_asks_once_for_the_missing_events_and_never_applies_ahead():
    s = script()
    session = ClientSession("tok")
    welcomed(session, 0)
    snapshot(session, initial_state(s.floor.setup))
    events = s.floor.events
    session.receive(event_text(events[0]), T0)
    updates, replies = session.receive(event_text(events[2]), T0)  # event 2 went missing
    assert updates == [] and [json.loads(r) for r in replies] == [{"type": "sync", "last_seq": 1}]
    assert session.state.seq == 1  # nothing applied ahead of the gap
    # Later events while the sync is under way do not ask again.
    assert session.receive(event_text(events[3]), T0) == ([], [])
    for event in events[1:]:  # the server's answer to the sync, then the live events
        session.receive(event_text(event), T0)
    assert session.state == s.state


def test_the_same_event_twice_is_a_repeat_not_a_gap():
    # The server resends what follows the last_seq of a hello: the event last folded in can
    # come again (a reconnection racing a broadcast). It is ignored, and no sync is asked for:
    # a sync for it would be answered with nothing, and the console would wait on a gap that is not.
    s = script()
    session = ClientSession("tok")
    welcomed(session, 0)
    snapshot(session, initial_state(s.floor.setup))
    events = s.floor.events
    for event in events[:2]:
        session.receive(event_text(event), T0)
    folded = session.state
    assert folded.seq == events[1].seq
    assert session.receive(event_text(events[1]), T0) == ([], [])  # the very last one again
    assert session.state is folded
    # The next event is applied at once: no sync is under way.
    updates, replies = session.receive(event_text(events[2]), T0)
    assert [type(u) for u in updates] == [EventApplied] and replies == []
    assert session._syncing_to is None


def test_unanswered_commands_are_resent_with_the_same_id_after_a_reconnection():
    session = ClientSession("tok")
    welcomed(session, 0)
    first, text1 = session.command({"type": "next_speaker"})
    second, text2 = session.command({"type": "close_list"})
    assert first != second
    session.receive(json.dumps({"type": "accepted", "command_id": first, "seqs": [4], "repeated": False}), T0)
    assert session.pending == [second]
    replies = welcomed(session, 4)  # the link dropped and came back
    assert replies == [text2]
    assert json.loads(text2)["command"] == {"type": "close_list", "id": second}
    updates, _ = session.receive(
        json.dumps({"type": "refusal", "command_id": second, "code": "list_already_closed", "message": "closed"}), T0
    )
    assert updates == [
        Answered(command_id=second, command_type="close_list", accepted=False, code="list_already_closed", message="closed")
    ]
    # A second answer to the same id (the resend's) is not reported twice.
    assert session.receive(json.dumps({"type": "accepted", "command_id": second, "seqs": [], "repeated": True}), T0)[0] == []


def test_command_ids_never_repeat_across_console_restarts():
    ids = {ClientSession("tok").command({"type": "next_speaker"})[0] for _ in range(50)}
    assert len(ids) == 50


def test_a_command_the_protocol_rejects_is_caught_before_sending():
    with pytest.raises(InvalidCommand, match="seconds"):
        ClientSession("tok").command({"type": "set_speaking_time", "seconds": 5})


def test_server_clock_offset_from_the_welcome():
    session = ClientSession("tok")
    session.hello(T0)
    server_time = dt.datetime(2021, 6, 8, 12, 0, 30, tzinfo=OPENING.tzinfo)  # 10:00:30 UTC
    session.receive(
        json.dumps({"type": "welcome", "protocol": PROTOCOL_VERSION, "delegation": "VC", "category": "chair",
                    "seq": 0, "server_time": server_time.isoformat()}),
        T0 + dt.timedelta(seconds=2),  # the welcome came back 2 s after the hello
    )
    # The server stamped its time halfway: 1 s after the hello.
    assert session.clock_offset == dt.timedelta(seconds=29)
    assert session.server_now(T0) == T0 + dt.timedelta(seconds=29)


def test_fatal_errors_and_unreadable_messages():
    session = ClientSession("bad")
    updates, _ = session.receive(json.dumps({"type": "error", "code": "not_authenticated", "message": "no"}), T0)
    assert updates == [ServerError("not_authenticated", "no")] and updates[0].fatal
    assert not ServerError("bad_json", "x").fatal
    from console.session import SessionError

    with pytest.raises(SessionError, match="not JSON"):
        session.receive("{oops", T0)
    # A message type from a newer server is ignored, not fatal.
    assert session.receive(json.dumps({"type": "gossip"}), T0) == ([], [])
