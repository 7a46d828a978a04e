"""A link per person: ``server tokens`` with registrations, the store's persons' tokens, and
revoking one person on a running server while the other of the same delegation goes on."""

from __future__ import annotations

import asyncio
import csv
import shutil
import sys
import time
from pathlib import Path

import pytest
from live_server import ROOT, live_server, ws_client
from test_server_privilege import hello, read_until_closed
from websockets.asyncio.client import connect

from server.store import FloorStore, TokenHashes, authenticate, token_holder
from vccsched.floor.view import floor_view
from vccsched.loading import DEFAULT_MEETING_DIR
from vccsched.meeting_files import meeting_file_texts

EXAMPLE = DEFAULT_MEETING_DIR / "registrations" / "example-export.csv"
URL = "https://vcc.example.org"


@pytest.fixture
def meeting(tmp_path, cli) -> Path:
    """The bundled meeting with the example registrations imported."""
    folder = tmp_path / "meeting"
    shutil.copytree(DEFAULT_MEETING_DIR, folder)
    result = cli("registrations", "import", str(EXAMPLE), "--meeting", str(folder), "--out", str(folder / "registrations.yaml"))
    assert result.returncode == 0, result.stderr
    return folder


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_store_person_tokens_speak_for_their_delegation(tmp_path):
    store = FloorStore.open_or_create(tmp_path / "floor.db", "C21/VCC-1", meeting_file_texts(DEFAULT_MEETING_DIR))
    try:
        delegation = store.issue_tokens(["USA"], replace=False)
        persons = store.issue_person_tokens([("CHN.1", "CHN"), ("CHN.2", "CHN")], replace=False)
        assert store.issue_person_tokens([("CHN.1", "CHN")], replace=False) == {}  # already has one
        hashes = store.token_hashes()
        assert authenticate(persons["CHN.1"], hashes) == authenticate(persons["CHN.2"], hashes) == "CHN"
        assert token_holder(persons["CHN.2"], hashes) == "CHN.2"
        assert authenticate(delegation["USA"], hashes) == "USA"
        assert authenticate("not-a-token", hashes) is None
        assert store.revoke_person_tokens(["CHN.2"]) == ["CHN.2"]
        hashes = store.token_hashes()
        assert authenticate(persons["CHN.2"], hashes) is None
        assert authenticate(persons["CHN.1"], hashes) == "CHN"
        assert store.revoke_person_tokens(["CHN.2"]) == []
        assert store.revoke_person_tokens(delegations=["CHN"]) == ["CHN.1"]
        assert authenticate(persons["CHN.1"], store.token_hashes()) is None
    finally:
        store.close()
    # A plain mapping (no persons) authenticates delegations as before.
    assert authenticate(delegation["USA"], TokenHashes({"USA": store_hash(delegation["USA"])})) == "USA"


def store_hash(token: str) -> str:
    from server.store import hash_token

    return hash_token(token)


def test_one_link_per_registered_person_and_per_other_delegation(tmp_path, meeting, cli):
    db, out = tmp_path / "floor.db", tmp_path / "tokens.csv"
    result = cli("server", "tokens", "--db", str(db), "--meeting", str(meeting), "--out", str(out), "--url", URL)
    assert result.returncode == 0, result.stderr
    # The six interpreters' booths are delegations nobody registered for: a link each.
    assert "84 token(s) written" in result.stderr and "12 for persons, 72 for delegations" in result.stderr
    table = rows(out)
    assert list(table[0]) == ["delegation", "person", "name", "function", "speaker", "email", "token", "link", "ballot_link"]
    chn = [r for r in table if r["delegation"] == "CHN"]
    assert [(r["person"], r["name"], r["function"], r["speaker"]) for r in chn] == [
        ("CHN.1", "Ms Example Example-Delegate-1", "Head of delegation", "yes"),
        ("CHN.2", "Mr Example Example-Delegate-2", "Delegate", "yes"),
        ("CHN.3", "Example Example-Delegate-3", "Adviser", "no"),
    ]
    assert len({r["token"] for r in table}) == len(table)
    assert all(r["link"] == f"{URL}/#t={r['token']}" for r in table)
    chair = next(r for r in table if r["delegation"] == "VC")
    # Delegations without registered persons keep their own link; the category fills the function.
    assert (chair["person"], chair["function"], chair["email"]) == ("", "chair", "")
    booth = next(r for r in table if r["delegation"] == "INT-AR")
    assert (booth["person"], booth["function"], booth["email"]) == ("", "interpreter", "")
    assert (out.stat().st_mode & 0o777) == 0o600
    # Again: nothing new to issue.
    again = cli("server", "tokens", "--db", str(db), "--meeting", str(meeting), "--out", str(tmp_path / "t2.csv"), "--url", URL)
    assert again.returncode == 2 and "Nothing to issue" in again.stderr


def test_issuing_persons_tokens_revokes_the_delegations_shared_link(tmp_path, meeting, cli):
    db = tmp_path / "floor.db"
    store = FloorStore.open_or_create(db, "C21/VCC-1", meeting_file_texts(meeting))
    shared = store.issue_tokens(["CHN", "BRA"], replace=False)
    store.close()
    result = cli("server", "tokens", "--db", str(db), "--meeting", str(meeting), "--out", str(tmp_path / "t.csv"), "--url", URL)
    assert result.returncode == 0, result.stderr
    assert "CHN: the delegation's shared link is revoked; its persons have their own" in result.stderr
    store = FloorStore.open(db)
    try:
        hashes = store.token_hashes()
        assert authenticate(shared["CHN"], hashes) is None
        assert authenticate(shared["BRA"], hashes) == "BRA"  # nobody of Brazil registered
    finally:
        store.close()


def test_rotate_and_revoke_by_person_or_by_delegation(tmp_path, meeting, cli):
    db = tmp_path / "floor.db"
    base = ("server", "tokens", "--db", str(db), "--meeting", str(meeting))
    assert cli(*base, "--out", str(tmp_path / "t.csv"), "--url", URL).returncode == 0
    first = {r["person"] or r["delegation"]: r["token"] for r in rows(tmp_path / "t.csv")}
    rotated = cli(*base, "--rotate", "CHN.2", "--out", str(tmp_path / "r.csv"), "--url", URL)
    assert rotated.returncode == 0, rotated.stderr
    assert [r["person"] for r in rows(tmp_path / "r.csv")] == ["CHN.2"]
    revoked = cli(*base, "--revoke", "CHN.1")
    assert revoked.returncode == 0 and "CHN.1: revoked" in revoked.stderr
    store = FloorStore.open(db)
    hashes = store.token_hashes()
    store.close()
    assert authenticate(first["CHN.1"], hashes) is None
    assert authenticate(first["CHN.2"], hashes) is None  # rotated
    assert authenticate(first["CHN.3"], hashes) == "CHN"
    whole = cli(*base, "--revoke", "CHN")
    assert whole.returncode == 0 and "CHN: revoked (CHN.2, CHN.3)" in whole.stderr
    unknown = cli(*base, "--revoke", "CHN.9")
    assert unknown.returncode == 2 and "not on the roster nor registered: CHN.9" in unknown.stderr
    assert "Traceback" not in unknown.stderr


async def run_cli(*args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "vccsched", *args,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    return stderr.decode()


async def with_person_tokens(srv, meeting, tmp_path) -> None:
    """Issue the persons' links on the running server and wait until it has read them."""
    out = tmp_path / "tokens.csv"
    await run_cli("server", "tokens", "--db", str(srv.db_path), "--meeting", str(meeting), "--out", str(out), "--url", URL)
    for row in rows(out):
        srv.tokens[row["person"] or row["delegation"]] = row["token"]
    # The running server reads new tokens at its next poll (twice a second); all in one write.
    deadline = time.monotonic() + 3
    while "CHN.3" not in srv.shell.token_hashes:
        assert time.monotonic() < deadline, "the server did not read the persons' tokens"
        await asyncio.sleep(0.05)


async def test_revoking_one_person_leaves_the_other_of_the_delegation_connected(tmp_path, meeting):
    async with live_server(tmp_path, meeting_dir=meeting) as srv:
        shared = srv.tokens["CHN"]
        await with_person_tokens(srv, meeting, tmp_path)
        async with ws_client(srv, "VC") as vc, ws_client(srv, "CHN.1") as one, ws_client(srv, "CHN.2") as two, \
                ws_client(srv, "USA.1") as usa:
            assert one.welcome["delegation"] == two.welcome["delegation"] == "CHN"
            reply, _ = await vc.command({"type": "open_item", "item": 3})
            assert reply["type"] == "accepted", reply
            stderr = await run_cli("server", "tokens", "--db", str(srv.db_path), "--meeting", str(meeting), "--revoke", "CHN.2")
            assert "CHN.2: revoked" in stderr
            revoked_at = time.monotonic()
            messages, code, reason = await read_until_closed(two.ws, timeout=3.0)
            assert time.monotonic() - revoked_at < 1.5  # the server polls twice a second
            assert code == 1008 and "revoked" in reason
            assert [m["code"] for m in messages if m["type"] == "error"] == ["token_revoked"]
            # The other person of China still speaks for China, and the United States too.
            reply, _ = await one.command({"type": "request_floor", "kind": "speech"})
            assert reply["type"] == "accepted", reply
            reply, _ = await usa.command({"type": "request_floor", "kind": "speech"})
            assert reply["type"] == "accepted", reply
            assert [r.delegation for r in floor_view(srv.shell.floor.state).queue] == ["CHN", "USA"]
        for token in (srv.tokens["CHN.2"], shared):
            async with connect(srv.ws_url) as ws:
                await ws.send(hello(token))
                messages, code, _ = await read_until_closed(ws)
            assert [m["code"] for m in messages] == ["not_authenticated"] and code == 1008
        async with ws_client(srv, "CHN.1") as again:
            assert again.welcome["delegation"] == "CHN"


# --------------------------------------------------------------------------- only speakers ask


def open_floor(c21):
    from vccsched.floor.commands import parse_command
    from vccsched.floor.engine import Floor
    from vccsched.floor.setup import FloorSetup

    floor = Floor(FloorSetup.from_meeting(c21))
    answer = floor.handle("VC", parse_command({"type": "open_item", "id": "vc-1", "item": 3}), T0)
    assert answer.accepted
    return floor, parse_command


T0 = __import__("datetime").datetime(2021, 6, 8, 12, 0, tzinfo=__import__("zoneinfo").ZoneInfo("Europe/Zurich"))


def test_a_person_who_is_not_a_speaker_is_refused_and_nothing_changes(c21):
    from vccsched.floor.asker import Asker

    floor, parse = open_floor(c21)
    before = (floor.state, len(floor.events))
    adviser = Asker(person="CHN.3", label="Example Example-Delegate-3 (CHN.3)", speaker=False,
                    speakers=("Ms Example-Delegate-1 (CHN.1)", "Mr Example-Delegate-2 (CHN.2)"))
    answer = floor.handle("CHN", parse({"type": "request_floor", "id": "c-1"}), T0, adviser)
    assert answer.refusal.code == "not_a_speaker"
    assert answer.refusal.message == (
        "Example Example-Delegate-3 (CHN.3) is not registered as a speaker of China and follows the meeting; "
        "the floor is asked by its registered speakers: Ms Example-Delegate-1 (CHN.1), Mr Example-Delegate-2 (CHN.2).")
    assert (floor.state, len(floor.events)) == before
    lonely = adviser.model_copy(update={"speakers": ()})
    answer = floor.handle("CHN", parse({"type": "request_floor", "id": "c-1", "kind": "point_of_order"}), T0, lonely)
    assert answer.refusal.code == "not_a_speaker" and "has no registered speaker" in answer.refusal.message
    # A speaker of the delegation asks for it, as the delegation always did; the queue's order
    # is the delegations', whoever of them asked.
    speaker = adviser.model_copy(update={"person": "CHN.1", "speaker": True})
    assert floor.handle("USA", parse({"type": "request_floor", "id": "u-1"}), T0).accepted
    assert floor.handle("CHN", parse({"type": "request_floor", "id": "c-2"}), T0, speaker).accepted
    again = floor.handle("CHN", parse({"type": "request_floor", "id": "c-3"}), T0, speaker.model_copy(update={"person": "CHN.2"}))
    assert again.refusal.code == "duplicate_request"  # one waiting request of each kind per delegation
    from vccsched.floor.view import floor_view as view

    assert [r.delegation for r in view(floor.state).queue] == ["USA", "CHN"]


async def test_on_a_live_server_a_non_speaker_is_refused_and_a_speaker_of_the_same_delegation_is_not(tmp_path, meeting):
    async with live_server(tmp_path, meeting_dir=meeting) as srv:
        await with_person_tokens(srv, meeting, tmp_path)
        async with ws_client(srv, "VC") as vc, ws_client(srv, "CHN.3") as adviser, ws_client(srv, "CHN.1") as head, \
                ws_client(srv, "BRA") as bra:
            assert adviser.welcome["delegation"] == "CHN"
            reply, _ = await vc.command({"type": "open_item", "item": 3})
            assert reply["type"] == "accepted", reply
            seq = srv.shell.floor.seq
            reply, events = await adviser.command({"type": "request_floor", "kind": "speech"})
            assert (reply["type"], reply["code"]) == ("refusal", "not_a_speaker")
            assert [e for e in events if e["seq"] > seq] == []  # before it: only the chair's opening
            assert "Ms Example-Delegate-1 (CHN.1), Mr Example-Delegate-2 (CHN.2)" in reply["message"]
            assert srv.shell.floor.seq == seq
            reply, _ = await head.command({"type": "request_floor", "kind": "speech"})
            assert reply["type"] == "accepted", reply
            # Brazil registered nobody: its delegation's token asks as before.
            reply, _ = await bra.command({"type": "request_floor", "kind": "speech"})
            assert reply["type"] == "accepted", reply
            assert [r.delegation for r in floor_view(srv.shell.floor.state).queue] == ["CHN", "BRA"]


def test_without_registrations_revoking_a_delegation_also_cuts_its_persons_earlier_tokens(tmp_path, cli):
    # Registrations given up after persons had their links: --revoke CHN must still cut them all.
    db = tmp_path / "floor.db"
    store = FloorStore.open_or_create(db, "C21/VCC-1", meeting_file_texts(DEFAULT_MEETING_DIR))
    persons = store.issue_person_tokens([("CHN.1", "CHN")], replace=False)
    store.close()
    result = cli("server", "tokens", "--db", str(db), "--revoke", "CHN")
    assert result.returncode == 0 and "CHN: revoked" in result.stderr, result.stderr
    store = FloorStore.open(db)
    try:
        assert authenticate(persons["CHN.1"], store.token_hashes()) is None
    finally:
        store.close()


def test_rotate_or_revoke_on_a_missing_database_is_an_error_and_makes_no_file(tmp_path, meeting, capsys):
    from test_correspondence_cli import in_process

    missing = tmp_path / "typo.db"
    for folder in (meeting, DEFAULT_MEETING_DIR):  # with registrations, and without
        for option in (["--revoke", "CHN"], ["--rotate", "CHN", "--out", str(tmp_path / "t.csv")]):
            result = in_process(capsys, "server", "tokens", "--db", str(missing), "--meeting", str(folder), *option)
            assert result.returncode == 2, result.stderr
            assert f"--db {missing}: no such file; {option[0]}" in result.stderr and "Traceback" not in result.stderr
            assert not missing.exists() and not (tmp_path / "t.csv").exists()
    # Issuing the first tokens of a new meeting still makes the database.
    result = in_process(capsys, "server", "tokens", "--db", str(missing), "--meeting", str(meeting),
                        "--out", str(tmp_path / "t.csv"), "--url", URL)
    assert result.returncode == 0 and missing.exists(), result.stderr


def test_the_request_names_the_person_who_asked_and_a_delegations_token_none(c21):
    import json

    from vccsched.floor.asker import Asker

    floor, parse = open_floor(c21)
    speaker = Asker(person="CHN.1", label="Ms Example-Delegate-1 (CHN.1)", speaker=True)
    asked = floor.handle("CHN", parse({"type": "request_floor", "id": "c-1"}), T0, speaker)
    plain = floor.handle("USA", parse({"type": "request_floor", "id": "u-1"}), T0)
    assert json.loads(asked.events[0].model_dump_json())["person"] == "CHN.1"
    # Without a person the event is byte for byte what it always was: old logs verify.
    assert "person" not in json.loads(plain.events[0].model_dump_json())
    queue = floor.state.items[3].queue
    assert [(r.delegation, r.person) for r in queue] == [("CHN", "CHN.1"), ("USA", None)]
    assert "person" not in floor.state.items[3].queue[1].model_dump(mode="json")


async def test_the_person_who_asked_is_in_the_record_and_an_exported_log_replays_and_verifies(tmp_path, meeting, cli):
    from server.store import read_floor_log
    from vccsched.floor.replay import replay
    from vccsched.floor.setup import FloorSetup
    from vccsched.loading import load_meeting

    async with live_server(tmp_path, meeting_dir=meeting) as srv:
        await with_person_tokens(srv, meeting, tmp_path)
        async with ws_client(srv, "VC") as vc, ws_client(srv, "CHN.2") as two, ws_client(srv, "BRA") as bra:
            await vc.command({"type": "open_item", "item": 3})
            reply, events = await two.command({"type": "request_floor", "kind": "speech"})
            assert reply["type"] == "accepted"
            assert events[-1]["type"] == "floor_requested" and events[-1]["person"] == "CHN.2"
            reply, events = await bra.command({"type": "request_floor", "kind": "speech"})
            assert reply["type"] == "accepted" and "person" not in events[-1]
    log = tmp_path / "log.jsonl"
    exported = cli("floor", "export", "--db", str(srv.db_path), "--out", str(log))
    assert exported.returncode == 0, exported.stderr
    verified = cli("floor", "verify", "--log", str(log))
    assert verified.returncode == 0, verified.stderr
    floor_log = read_floor_log(srv.db_path)
    result = replay(floor_log.lines, FloorSetup.from_meeting(load_meeting(meeting)))
    assert result.refusals == []
    assert [(r.delegation, r.person) for r in result.state.items[3].queue] == [("CHN", "CHN.2"), ("BRA", None)]


def test_the_person_who_asked_is_the_one_on_the_floor(c21):
    import json

    from vccsched.floor.asker import Asker

    floor, parse = open_floor(c21)
    speaker = Asker(person="CHN.2", label="Mr Example-Delegate-2 (CHN.2)", speaker=True)
    assert floor.handle("CHN", parse({"type": "request_floor", "id": "c-1"}), T0, speaker).accepted
    assert floor.handle("USA", parse({"type": "request_floor", "id": "u-1"}), T0).accepted
    given = floor.handle("VC", parse({"type": "next_speaker", "id": "vc-2"}), T0)
    assert json.loads(given.events[-1].model_dump_json())["person"] == "CHN.2"
    assert floor.state.speaker.person == "CHN.2"
    # The chair takes the United States out of order: its request had no person, and none is named.
    given = floor.handle("VC", parse({"type": "give_floor", "id": "vc-3", "delegation": "USA"}), T0)
    floor_given = [e for e in given.events if e.type == "floor_given"][0]
    assert "person" not in json.loads(floor_given.model_dump_json())
    assert floor.state.speaker.person is None and floor.state.speaker.delegation == "USA"
