"""The wire protocol: parsing, serialising, resuming, and docs/protocol.md kept in step."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import get_args, get_origin

import pytest
from pydantic import BaseModel
from test_floor_engine import busy_session
from test_floor_rules import T0, small_setup

from vccsched.floor.commands import (
    CHAIR_COMMANDS,
    CHAIR_OR_SECRETARIAT_COMMANDS,
    COMMAND_TYPES,
    DELEGATE_COMMANDS,
    Command,
    command_adapter,
    parse_command,
)
from vccsched.floor.engine import Floor
from vccsched.floor.events import EVENT_TYPES, Event, SpeechEndReason
from vccsched.floor.protocol import (
    ERROR_CODES,
    PROTOCOL_VERSION,
    SHELL_REFUSAL_CODES,
    AcceptedMessage,
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
    Welcome,
    WelcomePerson,
    welcome,
)
from vccsched.floor.refusals import REFUSAL_CODES
from vccsched.floor.rules import privilege_refusal
from vccsched.floor.asker import Asker
from vccsched.floor.setup import Participant, Speaker
from vccsched.floor.state import FloorState
from server.app import STAFF_CATEGORIES
from server.assets import PAGES

DOC = Path(__file__).resolve().parent.parent / "docs" / "protocol.md"
SERVER = Path(__file__).resolve().parent.parent / "server"


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


def _section(doc: str, heading: str) -> str:
    """The text under ``heading`` (a whole line such as "## Commands") up to the next heading of
    its level or above."""
    start = doc.index("\n" + heading + "\n") + len(heading) + 2
    level = len(heading.split(" ", 1)[0])
    end = re.search(rf"^#{{1,{level}}} ", doc[start:], flags=re.M)
    return doc[start : start + end.start()] if end else doc[start:]


def _tables(text: str) -> list[list[list[str]]]:
    """The markdown tables of ``text``, each a list of rows of cells (header and rule dropped)."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    found: list[list[list[str]]] = []
    rows: list[list[str]] | None = None
    for line in text.splitlines():
        if not line.startswith("|"):
            rows = None
            continue
        cells = [cell.strip() for cell in line.strip()[1:-1].split("|")]
        if rows is None:
            rows = []
            found.append(rows)
        elif not set(cells[0]) <= set("-: "):
            rows.append(cells)
    return found


def _ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def _fields(cell: str) -> dict[str, bool]:
    """The fields a cell names, each with whether it is marked optional (`field`?); what is in
    parentheses (defaults, values) is not a field."""
    while True:
        stripped = re.sub(r"\([^()]*\)", "", cell)
        if stripped == cell:
            break
        cell = stripped
    return {name: bool(mark) for name, mark in re.findall(r"`([a-z_]+)`(\??)", cell)}


def _models(annotation) -> list[type]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models(arg)]


def _by_type(union) -> dict[str, type]:
    return {m.model_fields["type"].default: m for m in _models(union)}


def _absent_when_unset(info) -> bool:
    return getattr(info, "exclude_if", None) is not None


def test_the_commands_table_is_the_code(doc):
    table = _tables(_section(doc, "## Commands"))[0]
    documented = {name: (who, _fields(fields)) for names, who, fields, _ in table for name in _ticked(names)}
    assert sorted(documented) == sorted(COMMAND_TYPES)
    models = _by_type(Command)
    assert sorted(models) == sorted(COMMAND_TYPES)
    for name, (who, fields) in documented.items():
        if name in CHAIR_COMMANDS:
            assert who == "chair", name
        elif name in CHAIR_OR_SECRETARIAT_COMMANDS:
            assert who == "chair or secretariat", name
        else:
            assert name in DELEGATE_COMMANDS and who not in ("chair", "chair or secretariat"), name
        own = {f: info for f, info in models[name].model_fields.items() if f not in ("type", "id")}
        assert set(fields) == set(own), name
        for field, optional in fields.items():
            assert not (optional and own[field].is_required()), f"{name}.{field} is required"


def test_the_events_table_is_the_code(doc):
    table = _tables(_section(doc, "### `event`"))[0]
    documented = {name: (_fields(fields), note) for names, fields, note in table for name in _ticked(names)}
    assert list(documented) == list(EVENT_TYPES)  # in the code's order
    models = _by_type(Event)
    envelope = {"type", "seq", "at", "actor", "command_id"}
    for name, (fields, _) in documented.items():
        own = {f: info for f, info in models[name].model_fields.items() if f not in envelope}
        assert set(fields) == set(own), name
        for field, optional in fields.items():
            assert optional == _absent_when_unset(own[field]), f"{name}.{field}: `?` iff absent when unset"
    reasons = _ticked(documented["speech_ended"][1])
    assert set(get_args(SpeechEndReason)) <= set(reasons)


def _server_source() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(SERVER.glob("*.py")))


def test_the_refusal_tables_are_the_codes_and_in_the_order_they_are_checked(doc):
    floor_table, server_table = _tables(_section(doc, "## Refusal codes"))
    floor_codes = [_ticked(row[0])[0] for row in floor_table]
    assert len(floor_codes) == len(set(floor_codes)) and set(floor_codes) == set(REFUSAL_CODES)
    source = _server_source()
    sent = set(re.findall(r'RefusalMessage\(.{0,300}?code="([a-z_]+)"', source, flags=re.S))
    assert set(SHELL_REFUSAL_CODES) <= sent  # no stale code in the catalogue
    assert sent <= set(REFUSAL_CODES) | set(SHELL_REFUSAL_CODES)
    assert {_ticked(row[0])[0] for row in server_table} == sent
    # "Checks run in this order": the table starts with the general checks, in that order.
    interpreters = [*small_setup().participants, Participant(id="INT-EN", category="interpreter")]
    floor = Floor(small_setup(participants=interpreters))
    floor.handle("VC", parse_command({"type": "suspend_meeting", "id": "s"}), T0)
    first = []
    for actor, command in [
        ("XYZ", {"type": "open_item", "id": "a", "item": 99}),
        ("INT-EN", {"type": "open_item", "id": "b", "item": 99}),
        ("CHN", {"type": "open_item", "id": "c", "item": 99}),
        ("CHN", {"type": "open_correspondence", "id": "d", "deadline": "2021-06-08T10:00:00+02:00"}),
        ("VC", {"type": "open_item", "id": "e", "item": 99}),
    ]:
        answer = floor.handle(actor, parse_command(command), T0)
        first.append(answer.refusal.code)
        # the server decides the first four from the type alone, before reading the command
        decided_early = privilege_refusal(floor.state, actor, command["type"])
        assert (decided_early.code if decided_early else "meeting_suspended") == answer.refusal.code
    assert first == ["unknown_delegation", "read_only", "not_chair", "not_chair_or_secretariat", "meeting_suspended"]
    assert floor_codes[: len(first)] == first
    said = re.search(r"run first and in this order:(.*?); then", doc, flags=re.S).group(1)
    assert re.findall(r"`([a-z_]+)`", said) == first


def test_the_error_table_is_the_codes(doc):
    (table,) = _tables(_section(doc, "## Error codes"))
    assert [_ticked(row[0])[0] for row in table] == list(ERROR_CODES)
    source = _server_source()
    sent = set(re.findall(r'ErrorMessage\(.{0,300}?code="([a-z_]+)"', source, flags=re.S))
    sent |= set(re.findall(r'_refuse_at_door\(\s*\w+,\s*\w+,\s*"([a-z_]+)"', source))
    sent |= set(re.findall(r'MessageError\(\s*"([a-z_]+)"', source))
    assert {"not_authenticated", "too_many_connections", "server_full", "token_revoked"} <= sent
    assert sent <= set(ERROR_CODES)


def test_the_routes_table_is_every_path_the_server_answers(doc):
    source = (SERVER / "app.py").read_text(encoding="utf-8")
    answered = set(re.findall(r'path == "(/[^"]*)"', source))
    for group in re.findall(r"path in \(([^)]*)\)", source):
        answered |= set(re.findall(r'"(/[^"]*)"', group))
    assets = (SERVER / "assets.py").read_text(encoding="utf-8")
    answered |= set(re.findall(r'path == "(/[^"]*)"', assets)) | set(PAGES)
    answered |= {"/static/"}  # every asset, by name
    table = _tables(_section(doc, "## The server (`vccsched server run`)"))[0]
    routes = {re.sub(r"^/static/.*", "/static/", path) for row in table for path in _ticked(row[0])}
    assert routes == answered
    assert "/ws" in answered and "/healthz" in answered and "/speakers.json" in answered
    who = {path: row[1] for row in table for path in _ticked(row[0])}
    for category in STAFF_CATEGORIES:  # the routes given to staff tokens name who may read them
        assert category in who["/speakers.json"], category
    assert "interpreter" not in who["/meeting-files.json"]


def _message_fields(doc: str, heading: str) -> set[str]:
    (table,) = _tables(_section(doc, heading))[:1]
    return {name for row in table for name in _ticked(row[0])}


def test_the_welcome_and_accepted_tables_are_their_models(doc):
    for heading, model in [("### `welcome`", Welcome), ("### `accepted`", AcceptedMessage), ("### `hello`", Hello)]:
        assert _message_fields(doc, heading) == set(model.model_fields) - {"type"}, heading
    person = _fields(next(row[2] for row in _tables(_section(doc, "### `welcome`"))[0] if "`person`" in row[0]))
    assert set(WelcomePerson.model_fields) <= set(person)


def _state_paths() -> dict[str, type]:
    """Every object of the snapshot's state, by its path ('items{}.queue[]')."""
    paths: dict[str, type] = {}

    def walk(path: str, model: type) -> None:
        paths[path] = model
        for name, info in model.model_fields.items():
            shapes = {get_origin(info.annotation), *(get_origin(a) for a in get_args(info.annotation))}
            suffix = "[]" if list in shapes else "{}" if dict in shapes else ""
            for sub in _models(info.annotation):
                walk(f"{'' if path == 'state' else path + '.'}{name}{suffix}", sub)

    walk("state", FloorState)
    return paths


def test_the_state_table_is_every_field_of_the_snapshot(doc):
    table = _tables(_section(doc, "### `snapshot`"))[0]
    documented = {_ticked(row[0])[0]: _fields(row[1]) for row in table}
    paths = _state_paths()
    assert list(documented) == list(paths)
    for path, model in paths.items():
        assert set(documented[path]) == set(model.model_fields), path
        for field, optional in documented[path].items():
            absent = _absent_when_unset(model.model_fields[field])
            assert optional == absent, f"{path}.{field}: `?` iff absent when unset"


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_link_in_the_doc_resolves_to_a_heading(doc):
    text = re.sub(r"```.*?```", "", doc, flags=re.S)
    anchors = {_slug(h) for h in re.findall(r"^#+ (.*)$", text, flags=re.M)}
    links = re.findall(r"\]\(#([^)]*)\)", text)
    assert links and set(links) <= anchors, sorted(set(links) - anchors)


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


# --- the doc's examples tell one story: the floor produces the events shown for the commands shown ---


def _examples(doc: str) -> list[dict]:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)\n```", doc, flags=re.S)]


def test_the_examples_agree_with_one_another(doc):
    examples = _examples(doc)
    commands: dict[str, dict] = {}
    for raw in examples:
        command = raw.get("command", raw) if raw.get("type") in (*COMMAND_TYPES, "command") or "actor" in raw else None
        if command is not None:
            # one id, one command (ids are per delegation, and these ids name their sender)
            assert commands.setdefault(command["id"], command) == command, command["id"]
    events = [raw["event"] for raw in examples if raw.get("type") == "event"]
    for event in events:
        command = commands.get(event["command_id"])
        if command is None:
            continue
        for field in ("delegation", "person", "language", "kind", "item"):
            if field in command and field in event:
                assert command[field] == event[field], (event["command_id"], field)
        if event["type"] == "reply_cast":
            assert event["items"] == sorted(r["item"] for r in command["replies"])
    asked = {q["item"] for e in events if e["type"] == "correspondence_opened" for q in e["questions"]}
    replied = {r["item"] for c in commands.values() if c["type"] == "cast_reply" for r in c["replies"]}
    assert replied <= asked  # else the example's reply would be refused item_not_in_round
    seqs = {e["command_id"]: set() for e in events}
    for e in events:
        seqs[e["command_id"]].add(e["seq"])
    for raw in examples:
        if raw.get("type") == "accepted" and raw["command_id"] in seqs:
            assert seqs[raw["command_id"]] <= set(raw["seqs"]), raw
        if raw.get("type") == "refusal":  # a refused command did nothing and is no other example's
            assert raw["command_id"] not in seqs and raw["command_id"] not in commands, raw


def _example_events(doc: str, command_id: str) -> list[dict]:
    return [raw["event"] for raw in _examples(doc) if raw.get("type") == "event" and raw["event"]["command_id"] == command_id]


def _example_command(doc: str, command_id: str) -> dict:
    return next(raw for raw in _examples(doc) if raw.get("type") in COMMAND_TYPES and raw["id"] == command_id)


def _as_shown(events: list) -> list[dict]:
    """Events as the doc shows them, but for seq and at (the examples' clocks are their own)."""
    return [{k: v for k, v in json.loads(e.model_dump_json()).items() if k not in ("seq", "at")} for e in events]


def test_the_named_speaker_language_and_hand_over_examples_are_what_the_floor_does(doc):
    # China's two registered speakers, as in test_named_speaker.py; the head of delegation asks
    speakers = [Speaker(id="CHN.1", delegation="CHN", floor_language="zh"), Speaker(id="CHN.2", delegation="CHN", floor_language="en")]
    head = Asker(person="CHN.1", label="Ms Example-Delegate-1 (CHN.1)", speaker=True)
    participants = [p.model_copy(update={"name": "China"}) if p.id == "CHN" else p for p in small_setup().participants]
    setup = small_setup(speakers=speakers, participants=participants)

    def shown(command_id: str) -> list[dict]:
        return [{k: v for k, v in e.items() if k not in ("seq", "at")} for e in _example_events(doc, command_id)]

    def run(floor: Floor, actor: str, command: dict, at: dt.datetime, asker=None) -> list:
        answer = floor.handle_raw(actor, command, at, asker)
        assert answer.refusal is None, answer.refusal
        return list(answer.events)

    # a person asks in a language; the chair corrects it; the chair names the colleague
    floor = Floor(setup)
    run(floor, "VC", {"type": "open_item", "id": "vc-1", "item": 3}, T0)
    asked = run(floor, "CHN", _example_command(doc, "CHN-0003"), T0, head)
    (expected,) = shown("CHN-0003")
    assert _as_shown(asked) == [{**expected, "order": asked[0].order}]
    assert _as_shown(run(floor, "VC", _example_command(doc, "vc-12"), T0)) == shown("vc-12")
    assert _as_shown(run(floor, "VC", _example_command(doc, "vc-8"), T0)) == shown("vc-8")
    refusal = next(raw for raw in _examples(doc) if raw.get("code") == "not_a_registered_speaker")
    answer = floor.handle_raw(
        "VC", {"type": "give_floor", "id": refusal["command_id"], "delegation": "CHN", "person": "CHN.3"}, T0
    )
    assert (answer.refusal.code, answer.refusal.message) == (refusal["code"], refusal["message"])

    # the head of delegation speaks 100 s of 180, then hands over; once with the clock paused
    handed = shown("vc-14")
    for paused in (False, True):
        floor = Floor(setup)
        run(floor, "VC", {"type": "open_item", "id": "vc-1", "item": 3}, T0)
        run(floor, "CHN", {"type": "request_floor", "id": "CHN-1"}, T0, head)
        run(floor, "VC", {"type": "next_speaker", "id": "vc-2"}, T0)
        later = T0 + dt.timedelta(seconds=100)
        if paused:
            run(floor, "VC", {"type": "pause_clock", "id": "vc-3"}, later)
            later += dt.timedelta(seconds=30)
        events = _as_shown(run(floor, "VC", _example_command(doc, "vc-14"), later))
        if paused:
            assert events[1] == handed[2]
        else:
            assert events == handed[:2]
