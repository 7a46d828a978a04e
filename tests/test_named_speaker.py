"""The chair gives the floor to a named registered speaker (issue 17): ``give_floor`` with
``person``; anyone else is refused ``not_a_registered_speaker`` and nothing changes; a
replay takes the logged person as the live server checked it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from test_floor_rules import Session, small_setup

from vccsched.floor.asker import Asker
from vccsched.floor.commands import parse_command
from vccsched.floor.events import parse_event
from vccsched.floor.replay import replay
from vccsched.floor.setup import Speaker
from vccsched.floor.state import fold

SPEAKERS = [
    Speaker(id="CHN.1", delegation="CHN", floor_language="zh"),
    Speaker(id="CHN.2", delegation="CHN", floor_language="en"),
    Speaker(id="USA.1", delegation="USA", floor_language="en"),
]
HEAD = Asker(person="CHN.1", label="Ms Example-Delegate-1 (CHN.1)", speaker=True)


@pytest.fixture
def s() -> Session:
    return Session(small_setup(speakers=SPEAKERS)).open(3)


def chn_asks(s: Session, asker: Asker | None = HEAD) -> None:
    s.count += 1
    answer = s.floor.handle_raw("CHN", {"type": "request_floor", "id": f"c{s.count}"}, s.now, asker)
    assert answer.accepted


def given(events: list) -> dict:
    return json.loads(next(e for e in events if e.type == "floor_given").model_dump_json())


def test_the_chair_names_the_speaker_who_takes_the_floor(s):
    chn_asks(s)  # the head of delegation asked; the chair gives the floor to the delegate
    event = given(s.ok("VC", "give_floor", delegation="CHN", person="CHN.2"))
    assert (event["person"], event["from_queue"], event["out_of_order"]) == ("CHN.2", True, False)
    assert (s.state.speaker.delegation, s.state.speaker.person) == ("CHN", "CHN.2")
    assert s.queue() == []  # China's request was consumed, whoever of it asked
    s.ok("VC", "end_speech")
    assert s.state.speeches[-1].person == "CHN.2"


def test_without_a_person_the_one_who_asked_speaks(s):
    chn_asks(s)
    assert given(s.ok("VC", "give_floor", delegation="CHN"))["person"] == "CHN.1"


def test_a_named_speaker_of_a_delegation_that_did_not_ask(s):
    event = given(s.ok("VC", "give_floor", delegation="USA", person="USA.1"))
    assert (event["person"], event["from_queue"], event["out_of_order"]) == ("USA.1", False, True)


@pytest.mark.parametrize(
    "delegation, person, words",
    [
        ("CHN", "CHN.3", "CHN.3 is not a registered speaker of CHN (CHN); its registered speakers are CHN.1 (zh), CHN.2 (en)."),
        ("CHN", "USA.1", "USA.1 is not a registered speaker of CHN (CHN); its registered speakers are CHN.1 (zh), CHN.2 (en)."),
        ("RUS", "RUS.1", "RUS.1 is not a registered speaker of RUS (RUS); RUS has no registered speaker: give it the floor without naming a person."),
        ("CHN", "chn.1", "its registered speakers are CHN.1 (zh), CHN.2 (en)"),
    ],
)
def test_anyone_else_is_refused_naming_the_delegations_speakers(s, delegation, person, words):
    chn_asks(s)
    before = (s.state, len(s.floor.events))
    answer = s.send("VC", "give_floor", delegation=delegation, person=person)
    assert answer.refusal is not None and answer.refusal.code == "not_a_registered_speaker"
    assert words in answer.refusal.message
    assert (s.state, len(s.floor.events)) == before


def test_the_other_refusals_of_give_floor_come_first(s):
    assert s.refused("USA", "give_floor", delegation="CHN", person="CHN.9") == "not_chair"
    assert s.refused("VC", "give_floor", delegation="XYZ", person="CHN.9") == "unknown_delegation"
    s.ok("VC", "give_floor", delegation="CHN", person="CHN.1")
    assert s.refused("VC", "give_floor", delegation="CHN", person="CHN.1") == "already_has_floor"


def test_a_meeting_without_registrations_refuses_any_person():
    s = Session().open(3)
    answer = s.send("VC", "give_floor", delegation="CHN", person="CHN.1")
    assert answer.refusal.code == "not_a_registered_speaker"
    assert "has no registered speaker" in answer.refusal.message


def test_a_command_without_person_is_stored_as_it_always_was():
    command = parse_command({"type": "give_floor", "id": "vc-2", "delegation": "SG"})
    assert command.model_dump(mode="json") == {"type": "give_floor", "id": "vc-2", "delegation": "SG", "kind": "speech"}
    named = parse_command({"type": "give_floor", "id": "vc-3", "delegation": "CHN", "person": "CHN.2"})
    assert named.model_dump(mode="json")["person"] == "CHN.2"


def test_a_replay_takes_the_logged_person_without_the_registrations():
    # report --db replays with the meeting files stored in the database: no registrations.
    lines = [
        '{"actor": "VC", "at": "2021-06-08T12:00:00+02:00", "command": {"type": "open_item", "id": "o", "item": 3}}',
        '{"actor": "VC", "at": "2021-06-08T12:01:00+02:00", "command": {"type": "give_floor", "id": "g1", "delegation": "CHN", "person": "CHN.2"}}',
        '{"actor": "VC", "at": "2021-06-08T12:02:00+02:00", "command": {"type": "give_floor", "id": "g2", "delegation": "USA", "person": "CHN.1"}}',
    ]
    result = replay(lines, small_setup())
    assert result.state.speaker.delegation == "CHN" and result.state.speaker.person == "CHN.2"
    # Still a person of that delegation: a China id never speaks for the United States.
    assert [(n, r.code) for n, _, r in result.refusals] == [(3, "not_a_registered_speaker")]


HEAD_ZH = Asker(person="CHN.1", label="Ms Example-Delegate-1 (CHN.1)", speaker=True, floor_language="zh")


@pytest.mark.parametrize(
    "fields, language",
    [
        ({"person": "CHN.1"}, "zh"),  # the one who asked: the request's language
        ({}, "zh"),  # no one named: the person who asked, in the request's language
        ({"person": "CHN.2", "language": "en"}, "en"),  # another, with the language the console states
        ({"person": "CHN.2"}, None),  # another, none stated: unknown (never looked up)
        ({"person": "CHN.1", "language": "fr"}, "fr"),  # the chair's statement wins
    ],
)
def test_the_language_of_a_named_speaker(s, fields, language):
    chn_asks(s, HEAD_ZH)
    event = given(s.ok("VC", "give_floor", delegation="CHN", **fields))
    assert event.get("language") == language
    assert s.state.speaker.language == language


def test_a_named_speakers_language_replays_without_registrations():
    """The language comes from the command and the state, never the setup's registrations."""
    with_regs, without = Session(small_setup(speakers=SPEAKERS)).open(3), Session(small_setup()).open(3)
    command = {"type": "give_floor", "id": "vc-named", "delegation": "CHN", "person": "CHN.2", "language": "en"}
    live = with_regs.floor.handle_raw("VC", command, with_regs.now, None)
    replayed = without.floor.handle_raw("VC", command, without.now, None, from_record=True)
    assert live.accepted and replayed.accepted
    assert given(live.events) == given(replayed.events) and given(live.events)["language"] == "en"


# --- handing over within a delegation ("I give the floor to my colleague") ------------------


def test_the_speaker_hands_over_to_a_colleague_for_the_rest_of_the_time(s):
    chn_asks(s, HEAD_ZH)
    s.ok("VC", "give_floor", delegation="CHN")  # CHN.1 speaks, 180 s
    s.ok("USA", "request_floor", advance=0)
    events = s.ok("VC", "give_floor", advance=100.25, delegation="CHN", person="CHN.2", language="en")
    ended = json.loads(events[0].model_dump_json())
    assert (ended["type"], ended["reason"], ended["duration_seconds"]) == ("speech_ended", "handed_over", 100.25)
    event = given(events)
    # The rest of the speech's time (79.75 s, rounded up), not out of turn, no request consumed.
    assert (event["limit_seconds"], event["out_of_order"], event["from_queue"]) == (80, False, False)
    assert (event["person"], event["language"], event["handed_over"], event["kind"]) == ("CHN.2", "en", True, "speech")
    assert s.queue() == [("USA", "speech")]
    assert (s.state.speaker.person, s.state.speaker.limit_seconds) == ("CHN.2", 80)
    s.ok("VC", "end_speech", advance=30)
    assert [(x.person, x.reason, x.language) for x in s.state.speeches] == [
        ("CHN.1", "handed_over", "zh"), ("CHN.2", "ended_by_chair", "en")]


def test_a_hand_over_keeps_the_kind_and_a_request_waiting(s):
    s.ok("VC", "give_floor", delegation="CHN", kind="right_of_reply")  # no person named
    chn_asks(s)  # China asks to speak again meanwhile
    assert s.refused("VC", "give_floor", delegation="CHN", person="CHN.2") == "already_has_floor"  # kind speech
    event = given(s.ok("VC", "give_floor", delegation="CHN", person="CHN.2", kind="right_of_reply"))
    assert (event["kind"], event["from_queue"], event["person"]) == ("right_of_reply", False, "CHN.2")
    assert "language" not in event  # none stated: unknown, as for any named speaker
    assert s.queue() == [("CHN", "speech")]  # its request to speak again is still in line


def test_a_hand_over_after_an_overrun_leaves_no_time(s):
    s.ok("VC", "give_floor", delegation="CHN", person="CHN.1")
    event = given(s.ok("VC", "give_floor", advance=200, delegation="CHN", person="CHN.2"))
    assert event["limit_seconds"] == 0 and event["handed_over"] is True


def test_a_hand_over_is_refused_to_the_speaker_itself_or_no_one(s):
    s.ok("VC", "give_floor", delegation="CHN", person="CHN.1")
    assert s.refused("VC", "give_floor", delegation="CHN") == "already_has_floor"
    assert s.refused("VC", "give_floor", delegation="CHN", person="CHN.1") == "already_has_floor"
    assert s.refused("VC", "give_floor", delegation="CHN", person="USA.1") == "not_a_registered_speaker"
    assert s.refused("VC", "give_floor", delegation="CHN", person="CHN.3") == "not_a_registered_speaker"
    assert s.refused("CHN", "give_floor", delegation="CHN", person="CHN.2") == "not_chair"


def test_a_hand_over_replays_without_the_registrations():
    lines = [
        '{"actor": "VC", "at": "2021-06-08T12:00:00+02:00", "command": {"type": "open_item", "id": "o", "item": 3}}',
        '{"actor": "VC", "at": "2021-06-08T12:01:00+02:00", "command": {"type": "give_floor", "id": "g1", "delegation": "CHN", "person": "CHN.1"}}',
        '{"actor": "VC", "at": "2021-06-08T12:02:00+02:00", "command": {"type": "give_floor", "id": "g2", "delegation": "CHN", "person": "CHN.2", "language": "en"}}',
    ]
    result = replay(lines, small_setup())
    assert result.refusals == []
    assert (result.state.speaker.person, result.state.speaker.limit_seconds) == ("CHN.2", 120)
    assert [(x.person, x.reason) for x in result.state.speeches] == [("CHN.1", "handed_over")]


def test_a_hand_over_keeps_a_paused_clock_paused(s):
    s.ok("VC", "give_floor", delegation="CHN", person="CHN.1")  # 180 s
    s.ok("VC", "pause_clock", advance=60)
    events = s.ok("VC", "give_floor", advance=30, delegation="CHN", person="CHN.2")
    event = given(events)
    assert (event["handed_over"], event["clock_paused"], event["limit_seconds"]) == (True, True, 120)
    assert json.loads(events[0].model_dump_json())["paused_seconds"] == 30.0
    # The colleague's clock stands still until the chair resumes it.
    assert s.state.speaker.running_since is None and s.state.speaker.elapsed(s.now + dt.timedelta(seconds=50)) == 0
    assert s.refused("VC", "pause_clock") == "clock_already_paused"
    s.ok("VC", "resume_clock", advance=20)
    s.ok("VC", "end_speech", advance=45)
    last = s.state.speeches[-1]
    assert (last.person, last.duration_seconds, last.paused_seconds) == ("CHN.2", 45.0, 20.0)
    # The state is the fold of the events as stored (JSON), and a running hand-over says nothing.
    stored = [parse_event(json.loads(e.model_dump_json())) for e in s.floor.events]
    assert fold(s.floor.setup, stored) == s.state
    s.ok("VC", "give_floor", delegation="CHN", person="CHN.1")
    assert "clock_paused" not in given(s.ok("VC", "give_floor", delegation="CHN", person="CHN.2"))
    assert s.state.speaker.running_since == s.now


# --- the queue's order is the delegations', whoever of them asks (property) ------------------

from hypothesis import given as for_all, settings  # noqa: E402 (this file's given() is a helper)
from hypothesis import strategies as st  # noqa: E402

DELEGATIONS = ["CHN", "USA", "KEN", "GBR", "PSE", "SM-R1"]  # every tier; RUS asks by its own token
PERSONS = {"CHN": ["CHN.1", "CHN.2"], "USA": ["USA.1"], "KEN": ["KEN.1"], "GBR": ["GBR.1"], "SM-R1": ["SM-R1.1"]}
LANGUAGES = ["zh", "en", "fr", "es", None]

steps = st.lists(
    st.one_of(
        st.tuples(st.just("request_floor"), st.sampled_from([*DELEGATIONS, "RUS"]),
                  st.sampled_from(["speech", "point_of_order", "right_of_reply"]), st.integers(0, 1),
                  st.sampled_from(LANGUAGES)),
        st.tuples(st.just("withdraw"), st.sampled_from(DELEGATIONS), st.just("speech"), st.just(0), st.just(None)),
        st.tuples(st.just("next_speaker"), st.just("VC"), st.just(""), st.just(0), st.just(None)),
        st.tuples(st.just("end_speech"), st.just("VC"), st.just(""), st.just(0), st.just(None)),
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@for_all(steps)
def test_the_queue_order_is_the_same_whoever_of_a_delegation_asks(actions):
    """The same commands from delegations' own tokens and from their registered persons (each
    with a floor language, stated or not) give the same refusals and the same order of the
    list: persons and languages ride along, they never move anyone."""
    speakers = [Speaker(id=p, delegation=d, floor_language="en") for d, ps in PERSONS.items() for p in ps]
    by_token, by_person = Session(small_setup()).open(3), Session(small_setup(speakers=speakers)).open(3)
    for type_, actor, kind, which, language in actions:
        fields = {"kind": kind} if type_ in ("request_floor", "withdraw") else {}
        if type_ == "request_floor" and language is not None:
            fields["language"] = language
        plain = by_token.send(actor, type_, **fields)
        persons = PERSONS.get(actor, [])
        asker = None
        if persons:
            person = persons[which % len(persons)]
            asker = Asker(person=person, label=person, speaker=True, floor_language="en")
        by_person.count += 1
        by_person.now = by_token.now
        named = by_person.floor.handle_raw(actor, {"type": type_, "id": f"c{by_person.count}", **fields}, by_person.now, asker)
        assert (plain.refusal.code if plain.refusal else None) == (named.refusal.code if named.refusal else None)
        order = lambda s: [(r.delegation, r.kind, r.order) for r in s.state.items[3].queue]  # noqa: E731
        assert order(by_token) == order(by_person)
        assert (by_token.state.speaker is None) == (by_person.state.speaker is None)
        if by_token.state.speaker is not None:
            assert by_token.state.speaker.delegation == by_person.state.speaker.delegation
