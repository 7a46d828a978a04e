"""A leaked person's link against the other persons of the same delegation (issue 17).

With a link per person, one person's link (leaked, or a misbehaving script) must not cost
the delegation's other persons their floor: its connections, its messages and its flooding
count against that link only; the others join and act within 2 s, as in test_server_abuse.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time

import pytest
from live_server import get, live_server, ws_client
from test_server_privilege import hello, read_until_closed
from websockets.asyncio.client import connect

from server.app import Limits
from server.store import FloorStore
from server.tokens import issue_tokens
from vccsched.loading import DEFAULT_MEETING_DIR, load_meeting
from vccsched.meeting_files import meeting_file_texts

EXAMPLE = DEFAULT_MEETING_DIR / "registrations" / "example-export.csv"
JOIN_AND_ACT = 2.0


@pytest.fixture
def persons(tmp_path, cli):
    """The bundled meeting with the example registrations, a database with every link."""
    folder = tmp_path / "meeting"
    shutil.copytree(DEFAULT_MEETING_DIR, folder)
    result = cli("registrations", "import", str(EXAMPLE), "--meeting", str(folder), "--out", str(folder / "registrations.yaml"))
    assert result.returncode == 0, result.stderr
    db = tmp_path / "floor.db"
    tokens = issue_tokens(db, folder)
    data = load_meeting(folder)
    store = FloorStore.open_or_create(db, data.meeting.id, meeting_file_texts(folder))
    try:
        tokens.update(store.issue_person_tokens([(p.id, p.delegation) for p in data.registrations.persons], replace=True))
    finally:
        store.close()
    return folder, tokens


async def head_joins_and_asks(srv) -> float:
    """CHN.1 (Head of delegation) connects, says hello and asks for the floor; seconds taken."""
    started = time.monotonic()
    async with ws_client(srv, "CHN.1") as head:
        reply, _ = await head.command({"type": "request_floor", "kind": "speech"}, timeout=JOIN_AND_ACT)
        assert reply["type"] == "accepted", reply
        reply, _ = await head.command({"type": "withdraw", "kind": "speech"}, timeout=JOIN_AND_ACT)
        assert reply["type"] == "accepted", reply
    return time.monotonic() - started


async def test_one_persons_link_cannot_take_the_delegations_connections(tmp_path, persons):
    folder, tokens = persons
    async with live_server(tmp_path, meeting_dir=folder) as srv:
        srv.tokens.update(tokens)
        async with ws_client(srv, "VC") as vc:
            reply, _ = await vc.command({"type": "open_item", "item": 3})
            assert reply["type"] == "accepted", reply
        limit = srv.shell.limits.per_delegation
        leaked = []
        try:
            for _ in range(limit + 3):  # the leaked CHN.3 link opens as many pages as it can
                ws = await connect(srv.ws_url)
                await ws.send(hello(tokens["CHN.3"]))
                leaked.append(ws)
                answer = json.loads(await asyncio.wait_for(ws.recv(), 3))
                if answer["type"] != "welcome":
                    assert answer["code"] == "too_many_connections", answer
            assert await head_joins_and_asks(srv) < JOIN_AND_ACT
        finally:
            for ws in leaked:
                await ws.close()


async def test_one_persons_flood_neither_closes_nor_starves_the_others(tmp_path, persons):
    folder, tokens = persons
    limits = Limits(rate_burst=5, rate_per_second=2.0, flood_close_after=10)
    async with live_server(tmp_path, meeting_dir=folder, limits=limits) as srv:
        srv.tokens.update(tokens)
        async with ws_client(srv, "VC") as vc:
            reply, _ = await vc.command({"type": "open_item", "item": 3})
            assert reply["type"] == "accepted", reply
        async with ws_client(srv, "CHN.2") as other:
            async with connect(srv.ws_url) as flooder:
                await flooder.send(hello(tokens["CHN.3"]))
                for n in range(200):
                    await flooder.send(json.dumps({"type": "sync", "last_seq": 0}))
                await read_until_closed(flooder, timeout=5)
            # The flooder is closed; CHN.2's connection is not, and it still acts; so does the Head.
            reply, _ = await other.command({"type": "request_floor", "kind": "speech"}, timeout=JOIN_AND_ACT)
            assert reply["type"] == "accepted", reply
            reply, _ = await other.command({"type": "withdraw", "kind": "speech"}, timeout=JOIN_AND_ACT)
            assert reply["type"] == "accepted", reply
            assert await head_joins_and_asks(srv) < JOIN_AND_ACT


# --------------------------------------------------------------------------- interpreters


async def test_an_interpreters_link_changes_nothing_and_languages_are_checked(tmp_path, persons):
    folder, tokens = persons
    async with live_server(tmp_path, meeting_dir=folder) as srv:
        srv.tokens.update(tokens)
        async with ws_client(srv, "VC") as vc, ws_client(srv, "INT-FR") as booth, ws_client(srv, "CHN.1") as head:
            reply, _ = await vc.command({"type": "open_item", "item": 3})
            assert reply["type"] == "accepted", reply
            stored = srv.shell.store.head
            for command in (
                {"type": "request_floor", "kind": "speech"},
                {"type": "request_floor", "kind": "speech", "language": "fr"},
                {"type": "give_floor", "delegation": "INT-FR"},
                {"type": "set_floor_language", "delegation": "CHN", "language": "fr"},
                {"type": "next_speaker"},
                {"type": "close_item"},
                {"type": "withdraw", "kind": "speech"},
            ):
                reply, _ = await booth.command(command)
                assert reply["type"] == "refusal" and reply["code"] in ("read_only", "not_chair"), (command, reply)
            reply, _ = await vc.command({"type": "give_floor", "delegation": "INT-FR"})
            assert reply["type"] == "refusal", reply
            for language in ("de", "", "EN", "english", 3, ["fr"], "fr\u202e"):
                reply, _ = await head.command({"type": "request_floor", "kind": "speech", "language": language})
                assert reply["type"] == "refusal" and reply["code"] == "invalid_command", (language, reply)
                reply, _ = await vc.command({"type": "set_floor_language", "delegation": "CHN", "language": language})
                assert reply["type"] == "refusal", (language, reply)
            reply, _ = await head.command({"type": "set_floor_language", "delegation": "CHN", "language": "fr"})
            assert reply["code"] == "not_chair", reply
            assert srv.shell.store.head == stored  # nothing of it in the record


# --------------------------------------------------------------------------- the decision by correspondence


async def test_a_leaked_focal_point_link_cannot_write_reply_versions_without_end(tmp_path, monkeypatch):
    """Every reply version is kept in the record and on /ballot.json: the rate limit alone
    would let a leaked link write 10 a second for weeks. The versions of one Council Member
    in a round are bounded (50; 4 here, so that the test is quick: each reply is fsync'd);
    the others reply as before."""
    import datetime as dt

    from test_correspondence_server import Clock, conclude_by_correspondence

    from vccsched.floor import rules

    assert rules.REPLY_VERSIONS_MAX == 50
    monkeypatch.setattr(rules, "REPLY_VERSIONS_MAX", 4)
    REPLY_VERSIONS_MAX = 4
    clock = Clock()
    limits = Limits(rate_burst=1000, rate_per_second=1000.0)
    async with live_server(tmp_path, clock=clock, limits=limits) as srv:
        async with ws_client(srv, "VC") as vc, ws_client(srv, "USA") as usa, ws_client(srv, "BRA") as bra:
            await conclude_by_correspondence(vc)
            deadline = (clock.now + dt.timedelta(days=20)).isoformat()
            reply, _ = await vc.command({"type": "open_correspondence", "deadline": deadline})
            assert reply["type"] == "accepted", reply
            answers = ("approve", "object", "abstain")
            codes = []
            for n in range(REPLY_VERSIONS_MAX + 3):
                reply, _ = await usa.command({"type": "cast_reply", "replies": [
                    {"item": 3, "answer": answers[n % 3]}, {"item": 4, "answer": answers[(n + 1) % 3]}]})
                codes.append(reply.get("code", reply["type"]))
            assert codes == ["accepted"] * REPLY_VERSIONS_MAX + ["too_many_replies"] * 3, codes
            assert str(REPLY_VERSIONS_MAX) in reply["message"]
            # The last accepted version still counts; another Council Member replies as before.
            reply, _ = await bra.command({"type": "cast_reply", "item": 3, "answer": "approve"})
            assert reply["type"] == "accepted", reply
        status, _, body = await get(f"{srv.http_url}/ballot.json", {"Authorization": f"Bearer {srv.tokens['USA']}"})
        assert status == 200 and len(json.loads(body)["replies"]) == REPLY_VERSIONS_MAX
        kept = [c for _, c in srv.shell.store.accepted_commands() if c["type"] == "cast_reply"]
        assert len(kept) == REPLY_VERSIONS_MAX + 1  # nothing refused is in the record


def test_the_fifty_first_reply_of_a_council_member_is_refused_and_changes_nothing(c21):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from vccsched.floor.commands import parse_command
    from vccsched.floor.engine import Floor
    from vccsched.floor.rules import REPLY_VERSIONS_MAX
    from vccsched.floor.setup import FloorSetup

    now = dt.datetime(2021, 6, 8, 12, 0, tzinfo=ZoneInfo("Europe/Zurich"))
    floor = Floor(FloorSetup.from_meeting(c21))
    n = 0

    def send(actor, **command):
        nonlocal n
        n += 1
        return floor.handle(actor, parse_command({"id": f"c{n}", **command}), now)

    for command in ({"type": "open_item", "item": 3},
                    {"type": "record_conclusion", "conclusion": "Approved.", "by_correspondence": True},
                    {"type": "close_item"},
                    {"type": "open_correspondence", "deadline": "2021-07-02T23:59:59+02:00"}):
        assert send("VC", **command).accepted
    for k in range(REPLY_VERSIONS_MAX):
        assert send("USA", type="cast_reply", item=3, answer=("approve", "object")[k % 2]).accepted
    state = floor.state
    refused = send("USA", type="cast_reply", item=3, answer="abstain")
    assert not refused.accepted and refused.refusal.code == "too_many_replies"
    assert floor.state is state or floor.state == state
    assert floor.state.correspondence.versions == {"USA": REPLY_VERSIONS_MAX}
    assert send("BRA", type="cast_reply", item=3, answer="approve").accepted


async def test_nothing_anyone_else_sees_holds_answers_receipts_emails_or_non_speakers(tmp_path, cli):
    """A round with registered focal points: what another delegation, the webcast, /meeting.json
    and /ballot.json of another link carry never holds a reply's answers or receipt, an e-mail
    address or the name of a registered person who is not a speaker."""
    import csv
    import datetime as dt

    from test_correspondence_server import Clock, conclude_by_correspondence

    folder = tmp_path / "meeting"
    shutil.copytree(DEFAULT_MEETING_DIR, folder)
    with EXAMPLE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[0].append("Correspondence focal point")
    for row in rows[1:]:
        row.append("yes" if row[1] in ("Example-Delegate-10", "Example-Delegate-3") else "no")
    export = tmp_path / "export.csv"
    with export.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    result = cli("registrations", "import", str(export), "--meeting", str(folder), "--out", str(folder / "registrations.yaml"))
    assert result.returncode == 0, result.stderr
    data = load_meeting(folder)
    secrets_ = {p.email for p in data.registrations.persons}
    secrets_ |= {p.family_name for p in data.registrations.persons if not p.speaker}
    focal = {p.delegation: p.id for p in data.registrations.persons if p.correspondence_focal_point}
    assert focal == {"USA": "USA.2", "CHN": "CHN.3"}
    db = tmp_path / "floor.db"
    tokens = issue_tokens(db, folder)
    store = FloorStore.open_or_create(db, data.meeting.id, meeting_file_texts(folder))
    tokens.update(store.issue_person_tokens([(p.id, p.delegation) for p in data.registrations.persons], replace=True))
    store.close()
    clock = Clock()
    async with live_server(tmp_path, meeting_dir=folder, clock=clock, public=True) as srv:
        srv.tokens.update(tokens)
        async with ws_client(srv, "VC") as vc, ws_client(srv, "BRA") as bra, ws_client(srv, "USA.1") as usa_head, \
                ws_client(srv, "USA.2") as usa_focal, ws_client(srv, "CHN.3") as chn_focal:
            async with connect(srv.ws_url.replace("/ws", "/ws/public")) as public:
                await public.send(hello(None))
                await conclude_by_correspondence(vc)
                deadline = (clock.now + dt.timedelta(days=20)).isoformat()
                reply, _ = await vc.command({"type": "open_correspondence", "deadline": deadline})
                assert reply["type"] == "accepted", reply
                reply, _ = await usa_head.command({"type": "cast_reply", "item": 3, "answer": "object"})
                assert reply["code"] == "not_focal_point", reply  # the Head of delegation is not the focal point
                receipts = []
                for client, answer in ((usa_focal, "object"), (chn_focal, "abstain"), (usa_focal, "abstain")):
                    reply, _ = await client.command({"type": "cast_reply", "replies": [{"item": 3, "answer": answer}, {"item": 4, "answer": answer}]})
                    assert reply["type"] == "accepted" and reply["receipt"], reply
                    receipts.append(reply["receipt"])
                # Make sure every broadcast has arrived: one more event everyone hears.
                reply, _ = await vc.command({"type": "open_item", "item": 5})
                seen = [json.dumps(m) for m in await drain(bra.ws)] + [json.dumps(m) for m in await drain(public)]
                seen += [json.dumps(m) for m in await drain(usa_head.ws)]
                _, _, meeting = await get(f"{srv.http_url}/meeting.json")
                seen.append(meeting.decode())
                _, _, other = await get(f"{srv.http_url}/ballot.json", {"Authorization": f"Bearer {tokens['BRA']}"})
                seen.append(other.decode())
                async with ws_client(srv, "BRA") as late:  # a fresh snapshot
                    seen += [json.dumps(m) for m in late.catch_up]
        text = "\n".join(seen)
        assert "reply_cast" in text and "correspondence_opened" in text
        for secret in sorted(secrets_) + receipts:
            assert secret not in text, secret
        for answer in ('"object"', '"abstain"', '"answer"'):
            assert answer not in text, answer


async def drain(ws, quiet: float = 0.3) -> list[dict]:
    """Everything ``ws`` was sent until it has been quiet for ``quiet`` seconds."""
    messages = []
    while True:
        try:
            messages.append(json.loads(await asyncio.wait_for(ws.recv(), quiet)))
        except TimeoutError:
            return messages


async def test_a_revoked_persons_connection_closes_and_its_link_opens_no_private_route(tmp_path, persons):
    folder, tokens = persons
    async with live_server(tmp_path, meeting_dir=folder) as srv:
        srv.tokens.update(tokens)
        bearer = {"Authorization": f"Bearer {tokens['CHN.2']}"}
        assert (await get(f"{srv.http_url}/ballot.json", bearer))[0] == 200
        async with ws_client(srv, "CHN.2") as two, ws_client(srv, "CHN.1") as one:
            store = FloorStore.open(srv.db_path)
            try:
                assert store.revoke_person_tokens(["CHN.2"]) == ["CHN.2"]
            finally:
                store.close()
            messages, code, _ = await read_until_closed(two.ws, timeout=3.0)
            assert code == 1008 and [m["code"] for m in messages if m["type"] == "error"] == ["token_revoked"]
            for path in ("/ballot.json", "/meeting-files.json"):
                status, _, body = await get(f"{srv.http_url}{path}", bearer)
                assert status in (401, 403) and b"CHN" not in body, (path, status, body)
            unknown = await get(f"{srv.http_url}/ballot.json", {"Authorization": "Bearer " + "x" * 43})
            revoked = await get(f"{srv.http_url}/ballot.json", bearer)
            assert (unknown[0], unknown[2]) == (revoked[0], revoked[2])  # a revoked link looks like any wrong one
            reply, _ = await one.command({"type": "request_floor", "kind": "speech"})  # the other goes on
            assert reply["type"] in ("accepted", "refusal"), reply


def test_every_link_has_its_connections_reserved_in_the_open_file_budget(persons):
    from server.app import ServerConfig, _plan_capacity

    folder, _ = persons
    data = load_meeting(folder)
    _, capacity = _plan_capacity(ServerConfig(meeting_dir=folder, db_path=folder / "x.db"), data)
    links = len(data.roster.delegations) + len(data.registrations.persons)
    assert capacity.delegations == links * Limits().per_delegation
