"""The floor language (protocol 4): stated with a request, else the person's registered one,
recorded on the request, the speaker and the speech, corrected by the chair; and the
interpreters' category, which follows the floor and may do nothing on it. Pure core."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_floor_rules import CHAIR_COMMAND_EXAMPLES, Session, small_setup

from vccsched.floor.asker import Asker
from vccsched.floor.commands import COMMAND_TYPES, FloorLanguage, parse_command
from vccsched.floor.events import parse_event
from vccsched.floor.replay import replay
from vccsched.floor.setup import FloorSetup, Participant, Speaker
from vccsched.floor.state import fold
from vccsched.floor.view import floor_summary, floor_view
from vccsched.registrations.languages import FLOOR_LANGUAGES

LOGS = Path(__file__).resolve().parent / "floor_logs"


def setup_with_interpreters() -> FloorSetup:
    """The small setup, with two interpreters' booths and registered speakers of China and the USA."""
    return small_setup(
        participants=[
            *small_setup().participants,
            Participant(id="INT-FR", category="interpreter"),
            Participant(id="INT-AR", category="interpreter"),
        ],
        speakers=[
            Speaker(id="CHN.1", delegation="CHN", floor_language="zh"),
            Speaker(id="CHN.2", delegation="CHN", floor_language="en"),
            Speaker(id="USA.1", delegation="USA", floor_language="en"),
        ],
    )


def asker(person: str, language: str | None) -> Asker:
    return Asker(person=person, label=person, speaker=True, floor_language=language)


class Floor(Session):
    def ask_as(self, delegation: str, who: Asker | None, **fields):
        self.now += __import__("datetime").timedelta(seconds=5)
        self.count += 1
        answer = self.floor.handle(
            delegation, parse_command({"type": "request_floor", "id": f"c{self.count}", **fields}), self.now, who
        )
        assert answer.refusal is None, answer.refusal
        return list(answer.events)


@pytest.fixture
def s() -> Floor:
    session = Floor(setup_with_interpreters())
    session.open(3)
    return session


def languages(s: Floor) -> list[tuple[str, str | None]]:
    return [(r.delegation, r.language) for r in s.state.current.queue]


def test_the_floor_languages_are_the_six_in_the_itus_order():
    assert FloorLanguage.__args__ == FLOOR_LANGUAGES  # type: ignore[attr-defined]


def test_the_language_is_the_stated_one_else_the_registered_one_else_none(s):
    (requested,) = s.ask_as("CHN", asker("CHN.1", "zh"), language="fr")  # will speak French
    assert (requested.person, requested.language) == ("CHN.1", "fr")
    s.ask_as("USA", asker("USA.1", "en"))  # states nothing: the registered English
    s.ask_as("RUS", None)  # a delegation's own token, stating nothing: unknown
    s.ask_as("GBR", None, language="es")  # a delegation's own token may state one
    assert languages(s) == [("CHN", "fr"), ("USA", "en"), ("RUS", None), ("GBR", "es")]
    # The stored command, event and snapshot name no language where there is none (old bytes).
    rus = s.state.current.queue[2]
    assert "language" not in rus.model_dump(mode="json")
    assert "language" not in parse_command({"type": "request_floor", "id": "x"}).model_dump(mode="json")


def test_the_speaker_and_the_speech_keep_the_requests_language(s):
    s.ask_as("CHN", asker("CHN.2", "en"))
    s.ask_as("USA", None)
    (given,) = s.ok("VC", "next_speaker")
    assert (given.delegation, given.person, given.language) == ("CHN", "CHN.2", "en")
    assert s.state.speaker.language == "en"
    ended, given = s.ok("VC", "next_speaker")
    assert given.language is None and "language" not in json.loads(given.model_dump_json())
    assert s.state.speeches[-1].language == "en"
    # give_floor without a request: no language (the chair corrects it if needed)
    (_, given) = s.ok("VC", "give_floor", delegation="SG")
    assert given.language is None
    view = floor_view(s.state)
    assert view.speaker.language is None
    summary = floor_summary(s.state)
    assert summary["speeches"][0]["language"] == "en" and "language" not in summary["speeches"][1]


def test_the_chair_corrects_the_language_of_a_waiting_request_or_of_the_speaker(s):
    s.ask_as("CHN", asker("CHN.1", "zh"))
    s.ask_as("USA", None)
    s.ask_as("CHN", asker("CHN.1", "zh"), kind="right_of_reply")
    (changed,) = s.ok("VC", "set_floor_language", delegation="USA", language="en")
    assert (changed.type, changed.target, changed.kind, changed.language) == ("floor_language_set", "request", "speech", "en")
    s.ok("VC", "set_floor_language", delegation="CHN", language="ru", kind="right_of_reply")
    assert [(r.delegation, r.kind, r.language) for r in s.state.current.queue] == [
        ("CHN", "speech", "zh"), ("USA", "speech", "en"), ("CHN", "right_of_reply", "ru"),
    ]
    s.ok("VC", "next_speaker")  # China speaks, in Chinese
    (changed,) = s.ok("VC", "set_floor_language", delegation="CHN", language="en")  # no kind: the speaker
    assert (changed.target, s.state.speaker.language) == ("speaker", "en")
    assert s.state.current.queue[-1].language == "ru"  # its right of reply keeps its own
    # Naming the kind of its waiting request while it speaks: the request, not the speech.
    (changed,) = s.ok("VC", "set_floor_language", delegation="CHN", language="ar", kind="right_of_reply")
    assert (changed.target, s.state.speaker.language, s.state.current.queue[-1].language) == ("request", "en", "ar")
    s.ok("VC", "end_speech")
    assert s.state.speeches[-1].language == "en"
    # Neither speaking nor waiting: nothing to correct.
    assert s.refused("VC", "set_floor_language", delegation="RUS", language="fr") == "no_such_request"
    assert s.refused("VC", "set_floor_language", delegation="XYZ", language="fr") == "unknown_delegation"
    assert s.refused("CHN", "set_floor_language", delegation="CHN", language="fr") == "not_chair"
    with pytest.raises(ValueError):
        parse_command({"type": "set_floor_language", "id": "x", "delegation": "CHN", "language": "de"})


def test_the_fold_of_the_events_gives_the_same_languages(s):
    s.ask_as("CHN", asker("CHN.1", "zh"), language="ar")
    s.ok("VC", "set_floor_language", delegation="CHN", language="fr")
    s.ok("VC", "next_speaker")
    events = [parse_event(json.loads(e.model_dump_json())) for e in s.floor.events]
    assert fold(s.floor.setup, events) == s.state
    assert s.state.speaker.language == "fr"


@pytest.mark.parametrize("command", sorted(COMMAND_TYPES))
def test_an_interpreter_can_do_nothing_on_the_floor(s, command):
    s.ask_as("USA", None)
    fields = {**CHAIR_COMMAND_EXAMPLES, "request_floor": {}, "withdraw": {}, "end_speech": {},
              "publish_plan": {"plan": {}}, "cast_reply": {"replies": [{"item": 3, "answer": "approve"}]},
              "open_correspondence": {"deadline": "2021-07-01T23:59:59+02:00"},
              "publish_correspondence_result": {"result": {}}}[command]
    assert s.refused("INT-FR", command, **fields) == "read_only"
    refusal = s.floor.precheck("INT-FR", command)  # decided from the category, before the command is read
    assert refusal is not None and refusal.code == "read_only" and "interpreters" in refusal.message


def test_an_interpreter_never_queues_takes_the_floor_or_counts_for_a_deferral(s):
    assert s.refused("INT-AR", "request_floor", kind="point_of_order") == "read_only"
    assert s.refused("VC", "give_floor", delegation="INT-AR") == "is_interpreter"
    assert s.refused("VC", "defer_item", requested_by="INT-AR") == "deferral_needs_council_member"
    assert s.floor.setup.correspondence_majority == small_setup().correspondence_majority


def test_a_log_of_persons_replays_with_the_registered_languages_and_an_old_export_as_it_was(c21):
    from vccsched.floor.chain import CHAIN_FORMAT  # noqa: F401 (the chained format exists)

    lines = (LOGS / "c21-vcc1-persons.jsonl").read_text(encoding="utf-8").splitlines()
    plain = FloorSetup.from_meeting(c21)  # the bundled meeting has no registrations: no languages
    result = replay(lines, plain)
    assert result.refusals == []
    assert all(e.language is None for e in result.floor.events if hasattr(e, "language"))
    registered = FloorSetup.model_validate(
        plain.model_dump() | {"speakers": [{"id": "CHN.1", "delegation": "CHN", "floor_language": "zh"}]}
    )
    result = replay(lines, registered)
    requested = [(e.person, e.language) for e in result.floor.events if e.type == "floor_requested"]
    assert ("CHN.1", "zh") in requested and ("CHN.2", None) in requested
    # An exported log written before protocol 4 carries its events without languages: the replay
    # takes the language from them (none), so that its events come out as recorded.
    old = replay(lines, plain).floor.events
    exported = []
    for text in lines:
        line = json.loads(text)
        if "command" in line:
            line.pop("person", None)
            line["events"] = [json.loads(e.model_dump_json()) for e in old if e.command_id == line["command"]["id"]]
        exported.append(json.dumps(line))
    again = replay(exported, registered).floor.events
    assert [e.model_dump_json() for e in again] == [e.model_dump_json() for e in old]


def test_the_servers_log_names_the_recorded_language_so_a_replay_without_registrations_agrees(tmp_path, c21):
    """The record keeps no registrations: the server's plain log line carries the language the
    floor recorded for a person's request, and ``report --db`` replays it as it was."""
    import datetime as dt

    from server.store import FloorStore
    from vccsched.floor.engine import Floor as Engine
    from vccsched.meeting_files import meeting_file_texts

    registered = FloorSetup.model_validate(
        FloorSetup.from_meeting(c21).model_dump()
        | {"speakers": [{"id": "CHN.1", "delegation": "CHN", "floor_language": "zh"}]}
    )
    live, at = Engine(registered), dt.datetime(2021, 6, 8, 12, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    store = FloorStore.create(tmp_path / "floor.db", c21.meeting.id, meeting_file_texts(c21.directory))
    chair = next(p.id for p in registered.participants if p.category == "chair")
    for n, (actor, command, who) in enumerate([
        (chair, {"type": "open_item", "item": 3}, None),
        ("CHN", {"type": "request_floor"}, asker("CHN.1", "zh")),  # the registered language
        ("USA", {"type": "request_floor", "language": "fr"}, asker("USA.1", None)),  # stated
        ("RUS", {"type": "request_floor"}, None),  # a delegation's own token: none
    ]):
        command = {**command, "id": f"c{n}"}
        answer = live.handle_raw(actor, command, at + dt.timedelta(seconds=n), who)
        assert answer.accepted, answer.refusal
        store.append(actor, at + dt.timedelta(seconds=n), command, answer.events)
    lines = list(store.log_lines())
    store.close()
    assert [json.loads(line).get("language") for line in lines] == [None, "zh", "fr", None]
    replayed = replay(lines, FloorSetup.from_meeting(c21))  # no registrations, as report --db has
    assert [e.model_dump_json() for e in replayed.floor.events] == [e.model_dump_json() for e in live.events]
