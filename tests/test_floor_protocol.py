"""The wire protocol: parsing, serialising, resuming, and docs/protocol.md kept in step."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_floor_engine import busy_session
from test_floor_rules import T0, small_setup

from vccsched.floor.commands import COMMAND_TYPES, command_adapter, parse_command
from vccsched.floor.engine import Floor
from vccsched.floor.events import EVENT_TYPES
from vccsched.floor.protocol import (
    ERROR_CODES,
    PROTOCOL_VERSION,
    SHELL_REFUSAL_CODES,
    CommandMessage,
    Hello,
    MessageError,
    Sync,
    answer_messages,
    check_hello,
    error_reply,
    parse_client_message,
    parse_server_message,
    resume_messages,
    serialize,
    welcome,
)
from vccsched.floor.refusals import REFUSAL_CODES
from vccsched.floor.state import FloorState

DOC = Path(__file__).resolve().parent.parent / "docs" / "protocol.md"


def test_the_protocol_version_is_named():
    # Version 2 added the published plan (publish_plan, plan_published, FloorState.plan); 3 the tick.
    assert PROTOCOL_VERSION == "vccsched.floor/4"


def test_parse_each_client_message():
    hello = parse_client_message('{"type": "hello", "protocol": "vccsched.floor/4", "last_seq": 4}')
    assert isinstance(hello, Hello) and hello.last_seq == 4
    message = parse_client_message(
        '{"type": "command", "command": {"type": "request_floor", "id": "a", "kind": "point_of_order"}}'
    )
    assert isinstance(message, CommandMessage) and message.command.kind == "point_of_order"
    assert isinstance(parse_client_message(b'{"type": "sync", "last_seq": 0}'), Sync)


@pytest.mark.parametrize(
    "text, code, words",
    [
        ("{oops", "bad_json", "not JSON"),
        ("[]", "bad_json", "expected a JSON object, found list"),
        ('{"type": "shout"}', "invalid_message", "not a valid client message"),
        ('{"type": "hello"}', "invalid_message", "field 'hello.protocol': missing"),
        ('{"type": "sync", "last_seq": -1}', "invalid_message", "last_seq"),
    ],
)
def test_a_bad_client_message_is_an_error_with_a_stable_code(text, code, words):
    with pytest.raises(MessageError) as caught:
        parse_client_message(text)
    assert caught.value.code == code and code in ERROR_CODES
    assert words in caught.value.message
    reply = error_reply(caught.value)
    assert (reply.type, reply.code) == ("error", code)


def test_an_invalid_command_is_answered_with_a_refusal_the_client_can_match():
    with pytest.raises(MessageError) as caught:
        parse_client_message('{"type": "command", "command": {"type": "request_floor", "id": "q7", "kind": "x"}}')
    reply = error_reply(caught.value)
    assert (reply.type, reply.command_id, reply.code) == ("refusal", "q7", "invalid_command")
    assert "field 'kind'" in reply.message
    with pytest.raises(MessageError) as caught:
        parse_client_message('{"type": "command", "command": {"type": "open_item", "item": 3}}')
    assert error_reply(caught.value).command_id is None
    assert "field 'id': missing" in caught.value.message


def test_check_hello_refuses_another_version():
    check_hello(Hello(protocol=PROTOCOL_VERSION))
    with pytest.raises(MessageError) as caught:
        check_hello(Hello(protocol="vccsched.floor/1"))  # a client from before the published plan
    assert caught.value.code == "unsupported_protocol"


def test_welcome_names_the_delegation_and_the_last_seq():
    s = busy_session()
    w = welcome(s.floor, "PSE")
    assert (w.delegation, w.category, w.seq, w.protocol) == ("PSE", "palestine_observer", s.floor.seq, PROTOCOL_VERSION)
    with pytest.raises(MessageError) as caught:
        welcome(s.floor, "XYZ")
    assert caught.value.code == "not_authenticated"


def test_resume_sends_missed_events_or_a_snapshot():
    s = busy_session()
    (snap,) = resume_messages(s.floor, None)
    assert snap.type == "snapshot" and snap.seq == s.floor.seq and snap.state == s.state
    missed = resume_messages(s.floor, 5)
    assert [m.event.seq for m in missed] == list(range(6, s.floor.seq + 1))
    assert resume_messages(s.floor, s.floor.seq) == []
    (snap,) = resume_messages(s.floor, s.floor.seq + 10)  # a seq from another server run
    assert snap.type == "snapshot"


def test_answer_messages_broadcast_fresh_events_only():
    floor = Floor(small_setup())
    command = parse_command({"type": "open_item", "id": "o1", "item": 3})
    reply, events = answer_messages(floor.handle("VC", command, T0))
    assert (reply.type, reply.seqs, reply.repeated) == ("accepted", [1], False)
    assert [e.event.type for e in events] == ["item_opened"]
    reply, events = answer_messages(floor.handle("VC", command, T0))
    assert (reply.repeated, reply.seqs, events) == (True, [1], [])
    reply, events = answer_messages(floor.handle("CHN", parse_command({"type": "close_item", "id": "z"}), T0))
    assert (reply.type, reply.command_id, reply.code, events) == ("refusal", "z", "not_chair", [])


def test_serialize_is_deterministic_and_round_trips():
    s = busy_session()
    messages = [welcome(s.floor, "CHN"), *resume_messages(s.floor, None), *resume_messages(s.floor, 0)]
    for message in messages:
        text = serialize(message)
        assert text == serialize(message)
        back = parse_server_message(text)
        assert back == message
        assert json.loads(text)["type"] == message.type


# --- docs/protocol.md describes every message, command, event and code -------------------------


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_the_doc_lists_every_command_and_event_type(doc):
    for name in [*COMMAND_TYPES, *EVENT_TYPES]:
        assert f"`{name}`" in doc, name


def test_the_doc_lists_every_refusal_and_error_code(doc):
    table_codes = set(re.findall(r"^\| `([a-z_]+)` \|", doc, flags=re.M))
    codes = set(REFUSAL_CODES) | set(SHELL_REFUSAL_CODES) | set(ERROR_CODES)
    assert codes <= table_codes
    # whatever else the tables start with is a command, an event or a hello field: no stale codes
    hello_fields = set(Hello.model_fields) - {"type"}
    assert table_codes - codes <= set(COMMAND_TYPES) | set(EVENT_TYPES) | hello_fields


def test_the_doc_names_every_message_type(doc):
    for name in ["hello", "command", "sync", "welcome", "snapshot", "event", "accepted", "refusal", "error", "status", "tick"]:
        assert f"### `{name}`" in doc, name


def test_every_json_example_in_the_doc_is_valid(doc):
    from vccsched.floor.protocol import client_message_adapter
    from vccsched.floor.replay import LogLine

    blocks = re.findall(r"```json\n(.*?)\n```", doc, flags=re.S)
    assert len(blocks) >= 15
    kinds = set()
    for block in blocks:
        raw = json.loads(block)
        if "actor" in raw:
            LogLine.model_validate(raw)
            parse_command(raw["command"])
            kinds.add("log line")
        elif raw["type"] in {"hello", "command", "sync"}:
            client_message_adapter.validate_python(raw)
            kinds.add(raw["type"])
        elif raw["type"] in COMMAND_TYPES:
            command_adapter.validate_python(raw)
            kinds.add("a command")
        else:
            parse_server_message(block)
            kinds.add(raw["type"])
    assert kinds >= {"hello", "command", "sync", "welcome", "snapshot", "event", "accepted", "refusal", "error", "tick"}


def test_the_snapshot_example_in_the_doc_is_a_real_state(doc):
    block = next(b for b in re.findall(r"```json\n(.*?)\n```", doc, flags=re.S) if '"snapshot"' in b)
    state = FloorState.model_validate(json.loads(block)["state"])
    assert state.items[3].status == "pending"


def test_a_message_of_unknown_type_is_named_as_a_message_not_a_file():
    with pytest.raises(MessageError) as caught:
        parse_client_message('{"type": "speak"}')
    assert caught.value.code == "invalid_message"
    assert "whole file" not in caught.value.message and "the message" in caught.value.message
    assert "'hello', 'command', 'sync'" in caught.value.message
