"""The report to C22 names who spoke for each delegation (issue 17), from a floor log whose
lines carry persons and the meeting's registrations.yaml; a log without persons, or a
meeting without registrations, gives the report it always gave."""

from __future__ import annotations

from pathlib import Path

from test_person_tokens import meeting  # noqa: F401 (fixture)

from vccsched.floor.replay import replay
from vccsched.floor.setup import FloorSetup
from vccsched.loading import load_meeting
from vccsched.report import build_report, render_report

LOG = Path(__file__).resolve().parent / "floor_logs" / "c21-vcc1-persons.jsonl"
HEAD = "Ms Example-Delegate-1, Head of delegation"
DELEGATE = "Mr Example-Delegate-2, Delegate"


def report_of(data):
    result = replay(LOG.read_text(encoding="utf-8").splitlines(), FloorSetup.from_meeting(data))
    assert result.refusals == []
    return build_report(data, result.state, result.floor.events)


def test_the_report_names_who_spoke_for_each_delegation(meeting):
    report = report_of(load_meeting(meeting))
    item = next(i for i in report.items if i.number == 3)
    assert [(s.delegation, s.speaker, s.in_progress) for s in item.speeches] == [
        ("CHN", HEAD, False),
        ("BRA", None, False),  # Brazil's own link names nobody
        ("USA", "USA.9", False),  # no longer registered: the record's id, never a guess
        ("CHN", DELEGATE, False),
        ("CHN", HEAD, True),  # the right of reply still running when the record ends
    ]
    by = {d.delegation: d for d in report.delegations}
    assert by["CHN"].speakers == [HEAD, DELEGATE]  # in order of first speech, each once
    assert by["BRA"].speakers == [] and by["USA"].speakers == ["USA.9"]
    text = render_report(report, "md")
    assert f"China (CHN): {HEAD}; {DELEGATE}" in text
    assert f"China (CHN) — {DELEGATE}" in text
    assert "Brazil (BRA) —" not in text and "Brazil (BRA):" not in text
    assert "@" not in text and "Example-Delegate-3" not in text  # no e-mail; the adviser never spoke
    html = render_report(report, "html")
    assert f"China (CHN): {HEAD}; {DELEGATE}" in html


def test_without_registrations_the_record_names_persons_by_id_and_the_json_keeps_old_fields(c21):
    report = report_of(c21)
    by = {d.delegation: d for d in report.delegations}
    assert by["CHN"].speakers == ["CHN.1", "CHN.2"]
    # Speeches and delegations without persons serialize as before (no empty 'speaker'/'speakers').
    brazil = by["BRA"].model_dump(mode="json")
    assert "speakers" not in brazil
    item = next(i for i in report.items if i.number == 3)
    assert "speaker" not in item.speeches[1].model_dump(mode="json")


def test_the_command_names_the_speakers(meeting, cli, tmp_path):
    out = tmp_path / "report.md"
    result = cli("report", "--log", str(LOG), "--meeting", str(meeting), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"China (CHN): {HEAD}; {DELEGATE}" in out.read_text(encoding="utf-8")


def test_report_db_names_the_speakers_from_the_folders_registrations(meeting, cli, tmp_path):
    """The database keeps the three meeting files, not registrations.yaml: ``--meeting`` gives
    the names; without it the report names ids and says how to get the names."""
    import json

    from chain_helpers import START
    from server.persons import asker_for
    from server.store import FloorStore
    from vccsched.floor.engine import Floor
    from vccsched.meeting_files import meeting_file_texts

    data = load_meeting(meeting)
    db = tmp_path / "floor.db"
    store = FloorStore.create(db, data.meeting.id, meeting_file_texts(meeting))
    floor = Floor(FloorSetup.from_meeting(data))
    lines = [json.loads(t) for t in LOG.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if "command" in line]
    for line in lines:
        at = START.fromisoformat(line["at"])
        asker = asker_for(data.registrations, line.get("person"), line["actor"])
        if asker is not None and not asker.speaker:  # USA.9 has left the registrations since
            asker = asker.model_copy(update={"speaker": True})
        answer = floor.handle_raw(line["actor"], line["command"], at, asker)
        assert answer.accepted, answer.refusal
        store.append(line["actor"], at, line["command"], answer.events)
    store.close()
    out = tmp_path / "report.md"
    named = cli("report", "--db", str(db), "--meeting", str(meeting), "--out", str(out))
    assert named.returncode == 0, named.stderr
    assert f"China (CHN): {HEAD}; {DELEGATE}" in out.read_text(encoding="utf-8")
    bare = cli("report", "--db", str(db), "--out", str(out))
    assert bare.returncode == 0, bare.stderr
    assert "China (CHN): CHN.1; CHN.2" in out.read_text(encoding="utf-8")
    assert "--meeting" in bare.stderr and "registrations.yaml" in bare.stderr



def test_a_hand_over_shows_both_speeches_with_their_persons(meeting):
    """The head of delegation hands over to her colleague: two speeches, each named; the
    first says it was handed over, the second has the rest of the time as its limit."""
    data = load_meeting(meeting)
    lines = [
        '{"actor": "VC", "at": "2021-06-08T12:00:00+02:00", "command": {"type": "open_item", "id": "o", "item": 3}}',
        '{"actor": "VC", "at": "2021-06-08T12:00:10+02:00", "command": {"type": "give_floor", "id": "g1", "delegation": "CHN", "person": "CHN.1"}}',
        '{"actor": "VC", "at": "2021-06-08T12:02:10+02:00", "command": {"type": "give_floor", "id": "g2", "delegation": "CHN", "person": "CHN.2", "language": "en"}}',
        '{"actor": "VC", "at": "2021-06-08T12:03:20+02:00", "command": {"type": "end_speech", "id": "e"}}',
    ]
    result = replay(lines, FloorSetup.from_meeting(data))
    assert result.refusals == []
    report = build_report(data, result.state, result.floor.events)
    item = next(i for i in report.items if i.number == 3)
    assert [(s.speaker, s.seconds, s.limit_seconds, s.out_of_order, s.handed_over) for s in item.speeches] == [
        (HEAD, 120.0, 180, True, True), (DELEGATE, 70.0, 60, False, False)]  # she was given it out of turn
    text = render_report(report, "md")
    assert "handed over to a colleague" in text and "over the 1 min limit" in text
    assert "handed_over" not in item.speeches[1].model_dump(mode="json")
