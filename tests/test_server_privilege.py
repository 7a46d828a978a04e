"""Privilege: what a connection may not do, against a real server on port 0.

Every case is refused, and nothing changed: the floor's seq and state in the
server, the rows of the database, and the snapshot a fresh client receives are
the same before and after. The floor is busy when each case runs (item 3 open,
the United States speaking, China and the United Kingdom waiting), so that a
refusal can only come from the privilege check, never from an empty floor.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import shutil
import sqlite3
import sys
import time
from pathlib import Path

import pytest
import pytest_asyncio
from live_server import ROOT, issue_tokens, live_server, ws_client
from test_floor_rules import CHAIR_COMMAND_EXAMPLES
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from server.app import Limits
from server.store import FloorStore, hash_token
from vccsched.floor.commands import CHAIR_COMMANDS
from vccsched.floor.protocol import PROTOCOL_VERSION

#: Every test runs in the module's event loop, so that most can share one server: each case
#: is refused with nothing changed, so the shared floor stays as it was, and any case that
#: did change it would make every later case fail too.
pytestmark = pytest.mark.asyncio(loop_scope="module")

PLAN = {"meeting": "C21/VCC-1", "timezone": "Europe/Zurich", "days": [], "solver": {}}


@dataclasses.dataclass(frozen=True)
class Floorprint:
    """What must not change: the server's floor, and the database's rows."""

    seq: int
    state: dict
    commands: int
    events: int


def floorprint(srv) -> Floorprint:
    floor = srv.shell.floor
    with contextlib.closing(sqlite3.connect(srv.db_path)) as db:
        commands, events = db.execute(
            "SELECT (SELECT COUNT(*) FROM commands), (SELECT COUNT(*) FROM events)"
        ).fetchone()
    return Floorprint(floor.seq, json.loads(floor.state.model_dump_json()), commands, events)


async def assert_unchanged(srv, before: Floorprint, *, viewer: str = "CHE") -> None:
    """The server, the database and a fresh client all still see ``before``."""
    await asyncio.sleep(0.05)  # let anything the server might still do happen
    assert floorprint(srv) == before
    assert before.events == before.seq and before.commands > 0
    async with ws_client(srv, viewer) as fresh:
        assert fresh.welcome["seq"] == before.seq
        (snapshot,) = fresh.catch_up
        assert snapshot["type"] == "snapshot" and snapshot["state"] == before.state


async def read_until_closed(ws, timeout: float = 3.0) -> tuple[list[dict], int, str]:
    """Everything the server sends until it closes: (messages, close code, reason)."""
    messages = []
    try:
        while True:
            try:
                text = await asyncio.wait_for(ws.recv(), timeout)
            except TimeoutError:
                raise AssertionError(f"not closed within {timeout} s; received {messages}") from None
            messages.append(json.loads(text))
    except ConnectionClosed as exc:
        assert exc.rcvd is not None, "the server did not close the connection"
        return messages, exc.rcvd.code, exc.rcvd.reason


def hello(token: str | None, **extra) -> str:
    return json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "last_seq": None, "token": token, **extra})


def command(type_: str, id_: str, **fields) -> dict:
    return {"type": "command", "command": {"type": type_, "id": id_, **fields}}


@pytest.fixture(scope="session")
def template(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A database with a token for every delegation, copied for each test (faster than issuing)."""
    path = tmp_path_factory.mktemp("privilege-template") / "floor.db"
    return path, issue_tokens(path)


@contextlib.asynccontextmanager
async def busy_server(tmp_path: Path, template, **overrides):
    """A live server on a copy of the template database, with a busy floor."""
    source, tokens = template
    shutil.copyfile(source, tmp_path / "floor.db")
    async with live_server(tmp_path, **overrides) as srv:
        srv.tokens = dict(tokens)
        for delegation, cmd in [
            ("VC", {"type": "open_item", "id": "vc-1", "item": 3}),
            ("USA", {"type": "request_floor", "id": "usa-1"}),
            ("GBR", {"type": "request_floor", "id": "gbr-1"}),
            ("VC", {"type": "next_speaker", "id": "vc-2"}),
            ("CHN", {"type": "request_floor", "id": "chn-1"}),
        ]:
            async with ws_client(srv, delegation) as client:
                reply, _ = await client.command(cmd)
                assert reply["type"] == "accepted", reply
        state = srv.shell.floor.state
        assert state.speaker.delegation == "USA"
        assert [r.delegation for r in state.items[3].queue] == ["CHN", "GBR"]
        yield srv


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared(tmp_path_factory, template):
    """One busy server for every case that needs no configuration of its own."""
    # Many cases in turn from the same delegations: a share of the rate none of them reaches
    # (the rate has its own tests, on servers of their own).
    limits = Limits(rate_burst=100_000, rate_per_second=100_000.0, moderator_burst=100_000, moderator_per_second=100_000.0)
    async with busy_server(tmp_path_factory.mktemp("shared"), template, origins=("https://vcc.example.org",), limits=limits) as srv:
        yield srv


# --- before and during hello -----------------------------------------------------------------


@pytest.mark.parametrize(
    "first, error",
    [
        (json.dumps(command("open_item", "x-1", item=4)), "hello_required"),
        (json.dumps({"type": "sync", "last_seq": 0}), "hello_required"),
        (b'{"type": "hello", "protocol": "vccsched.floor/4"}', "hello_required"),  # as a binary frame
        ("{not json", "bad_json"),
    ],
    ids=["command", "sync", "binary-hello", "bad-json"],
)
async def test_anything_but_hello_first_is_refused_and_closed(shared, first, error):
    srv = shared
    before = floorprint(srv)
    async with connect(srv.ws_url) as ws:
        await ws.send(first)
        messages, code, _ = await read_until_closed(ws)
    assert [m["code"] for m in messages] == [error]
    assert code == 1008
    await assert_unchanged(srv, before)


async def test_silence_is_closed_after_the_hello_timeout(tmp_path, template):
    async with busy_server(tmp_path, template, limits=Limits(hello_timeout=0.5)) as srv:
        before = floorprint(srv)
        async with connect(srv.ws_url) as ws:
            started = time.monotonic()
            messages, code, reason = await read_until_closed(ws)
            waited = time.monotonic() - started
        assert messages == [] and code == 1008 and "hello" in reason
        assert 0.4 <= waited < 2.0
        await assert_unchanged(srv, before)


@pytest.mark.parametrize(
    "token",
    ["wrong-token", None, "", "USA+x", "USA-hash", "usa-uppercased"],
    ids=["wrong", "missing", "empty", "usa-plus-one", "stored-hash", "case-changed"],
)
async def test_a_bad_token_is_not_authenticated(shared, token):
    srv = shared
    usa = srv.tokens["USA"]
    token = {
        "USA+x": usa + "x",
        "USA-hash": hash_token(usa),  # what a stolen database holds
        "usa-uppercased": usa.upper(),
    }.get(token, token)
    before = floorprint(srv)
    async with connect(srv.ws_url) as ws:
        await ws.send(hello(token))
        messages, code, _ = await read_until_closed(ws)
    assert [m["code"] for m in messages] == ["not_authenticated"] and code == 1008
    assert usa not in json.dumps(messages)
    await assert_unchanged(srv, before)


async def test_a_token_in_the_url_query_is_not_read(shared):
    srv = shared
    before = floorprint(srv)
    async with connect(f"{srv.ws_url}?token={srv.tokens['VC']}") as ws:
        await ws.send(json.dumps(command("open_item", "q-1", item=4)))
        messages, code, _ = await read_until_closed(ws)
    assert [m["code"] for m in messages] == ["hello_required"] and code == 1008
    await assert_unchanged(srv, before)


async def test_an_unsupported_protocol_is_refused_even_with_a_good_token(shared):
    srv = shared
    before = floorprint(srv)
    async with connect(srv.ws_url) as ws:
        await ws.send(json.dumps({"type": "hello", "protocol": "vccsched.floor/1", "token": srv.tokens["VC"]}))
        messages, code, _ = await read_until_closed(ws)
    assert [m["code"] for m in messages] == ["unsupported_protocol"] and code == 1008
    await assert_unchanged(srv, before)


@pytest.mark.parametrize(
    "extra",
    [{"delegation": "VC"}, {"category": "chair"}, {"actor": "VC"}],
    ids=["delegation", "category", "actor"],
)
async def test_a_hello_claiming_an_identity_is_refused(shared, extra):
    srv = shared
    before = floorprint(srv)
    async with connect(srv.ws_url) as ws:
        await ws.send(hello(srv.tokens["USA"], **extra))
        messages, code, _ = await read_until_closed(ws)
    assert [(m["type"], m["code"]) for m in messages] == [("error", "invalid_message")] and code == 1008
    await assert_unchanged(srv, before)


async def test_hello_twice_keeps_the_first_identity(shared):
    srv = shared
    before = floorprint(srv)
    async with ws_client(srv, "GBR") as gbr:
        await gbr.send(hello(srv.tokens["VC"]))
        error = await gbr.recv()
        assert (error["type"], error["code"]) == ("error", "invalid_message")
        reply, events = await gbr.command({"type": "open_item", "id": "gbr-as-vc", "item": 4})
        assert (reply["code"], events) == ("not_chair", [])
    await assert_unchanged(srv, before)


# --- tokens revoked or rotated while the server runs ----------------------------------------


async def test_a_revoked_token_closes_its_connection_and_is_refused(tmp_path, template):
    async with busy_server(tmp_path, template) as srv:
        before = floorprint(srv)
        async with ws_client(srv, "USA") as usa, ws_client(srv, "CHE") as che:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "vccsched", "server", "tokens", "--db", str(srv.db_path), "--revoke", "USA",
                cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )
            _, stderr = await asyncio.wait_for(process.communicate(), 60)
            assert process.returncode == 0, stderr.decode()
            assert "USA: revoked" in stderr.decode()
            revoked_at = time.monotonic()
            messages, code, reason = await read_until_closed(usa.ws, timeout=3.0)
            assert time.monotonic() - revoked_at < 1.5  # the server polls twice a second
            assert code == 1008 and "revoked" in reason
            # Told why, in a message the page can translate, before the close.
            assert [m["code"] for m in messages if m["type"] != "event"] == ["token_revoked"]
            # The revocation is of the United States only.
            reply, _ = await che.command({"type": "withdraw", "id": "che-1"})
            assert reply["code"] == "no_such_request"
        async with connect(srv.ws_url) as ws:
            await ws.send(hello(srv.tokens["USA"]))
            messages, code, _ = await read_until_closed(ws)
        assert [m["code"] for m in messages] == ["not_authenticated"] and code == 1008
        await assert_unchanged(srv, before)


async def test_a_rotated_token_is_refused_and_the_new_one_works(tmp_path, template):
    async with busy_server(tmp_path, template) as srv:
        before = floorprint(srv)
        old = srv.tokens["GBR"]
        async with ws_client(srv, "GBR") as gbr:
            store = FloorStore.open(srv.db_path)
            try:
                new = store.issue_tokens(["GBR"], replace=True)["GBR"]
            finally:
                store.close()
            _, code, reason = await read_until_closed(gbr.ws)
            assert code == 1008 and "revoked" in reason
        async with connect(srv.ws_url) as ws:
            await ws.send(hello(old))
            messages, code, _ = await read_until_closed(ws)
        assert [m["code"] for m in messages] == ["not_authenticated"] and code == 1008
        await assert_unchanged(srv, before)
        async with ws_client(srv, "GBR", token=new) as gbr:
            assert gbr.welcome["delegation"] == "GBR"
            reply, _ = await gbr.command({"type": "withdraw", "id": "gbr-2"})
            assert reply["type"] == "accepted"  # the new token speaks for the United Kingdom


# --- forged identities in commands --------------------------------------------------------------


@pytest.mark.parametrize(
    "message, code",
    [
        ({**command("open_item", "f-1", item=4), "actor": "VC"}, "invalid_message"),
        ({**command("open_item", "f-2", item=4), "delegation": "VC"}, "invalid_message"),
        ({**command("request_floor", "f-3"), "category": "council_member"}, "invalid_message"),
        # Who may send a command is decided from its type before it is read: a delegate's
        # chair command is refused for that, whatever else it carries.
        (command("open_item", "f-4", item=4, actor="VC"), "not_chair"),
        (command("close_item", "f-5", category="chair"), "not_chair"),
        (command("request_floor", "f-6", delegation="CHN"), "invalid_command"),
        (command("withdraw", "f-7", delegation="CHN"), "invalid_command"),
        (command("end_speech", "f-8", delegation="USA"), "invalid_command"),
        (command("request_floor", "f-9", at="2021-06-08T12:00:00+02:00"), "invalid_command"),
        (command("request_floor", "f-10", order=0, kind="point_of_order"), "invalid_command"),
    ],
    ids=[
        "envelope-actor", "envelope-delegation", "envelope-category", "command-actor", "command-category",
        "request-as-other", "withdraw-other", "end-other-speech", "forged-time", "forged-order",
    ],
)
async def test_a_forged_field_is_refused_never_trusted(shared, message, code):
    srv = shared
    before = floorprint(srv)
    async with ws_client(srv, "GBR") as gbr:
        await gbr.send(message)
        reply, events = await gbr.recv_until("error" if code == "invalid_message" else "reply")
        assert reply["code"] == code and events == []
        if code != "invalid_message":
            assert reply["command_id"] == message["command"]["id"]
    await assert_unchanged(srv, before)


async def test_delegates_and_the_secretariat_cannot_send_chair_commands(shared):
    assert set(CHAIR_COMMAND_EXAMPLES) == CHAIR_COMMANDS  # valid chair commands, one of each type
    srv = shared
    before = floorprint(srv)
    # A Council Member (the speaker), an observer, Palestine, a Sector Member, the secretariat.
    for delegation in ("USA", "GBR", "PSE", "SM-D1", "SG"):
        async with ws_client(srv, delegation) as client:
            for type_, fields in CHAIR_COMMAND_EXAMPLES.items():
                reply, events = await client.command({"type": type_, "id": f"{delegation}-{type_}", **fields})
                assert (reply["type"], reply["code"], events) == ("refusal", "not_chair", []), (delegation, type_)
            if delegation != "SG":
                reply, _ = await client.command({"type": "publish_plan", "id": f"{delegation}-plan", "plan": PLAN})
                assert reply["code"] == "not_chair_or_secretariat"
    await assert_unchanged(srv, before)


async def test_an_interpreter_can_send_no_command_at_all(shared):
    srv = shared
    before = floorprint(srv)
    async with ws_client(srv, "INT-FR") as booth:
        assert (booth.welcome["delegation"], booth.welcome["category"]) == ("INT-FR", "interpreter")
        (snapshot,) = booth.catch_up  # it follows the floor like everyone
        assert snapshot["state"]["speaker"]["delegation"] == "USA"
        # ...but, like the public view, is not told who has the right to vote (arrears).
        assert {p["voting_rights"] for p in snapshot["state"]["setup"]["participants"]} == {None}
        await booth.send({"type": "sync", "last_seq": 10**9})  # not a seq it was sent: a snapshot
        again, _ = await booth.recv_until("snapshot")
        assert {p["voting_rights"] for p in again["state"]["setup"]["participants"]} == {None}
        delegate = {"request_floor": {}, "withdraw": {}, "end_speech": {}, "set_floor_language": {"delegation": "CHN", "language": "fr"}}
        for type_, fields in {**CHAIR_COMMAND_EXAMPLES, **delegate, "publish_plan": {"plan": PLAN}}.items():
            reply, events = await booth.command({"type": type_, "id": f"int-{type_}", **fields})
            assert (reply["type"], reply["code"], events) == ("refusal", "read_only", []), type_
            assert "interpreters' connection" in reply["message"]
        # Decided from its category before the command is read: a malformed command is refused
        # for that too, not for its form.
        reply, events = await booth.command({"type": "request_floor", "id": "int-bad", "kind": "shout"})
        assert (reply["code"], events) == ("read_only", [])
    await assert_unchanged(srv, before)
    async with ws_client(srv, "VC") as vc:  # and the chair cannot give an interpreter the floor
        (snapshot,) = vc.catch_up  # the delegations' snapshot keeps them
        assert True in {p["voting_rights"] for p in snapshot["state"]["setup"]["participants"]}
        reply, events = await vc.command({"type": "give_floor", "id": "vc-int", "delegation": "INT-FR"})
        assert (reply["code"], events) == ("is_interpreter", [])
    await assert_unchanged(srv, before)


async def test_the_chairs_command_id_from_a_delegate_is_not_the_chairs_answer(shared):
    srv = shared
    before = floorprint(srv)
    async with ws_client(srv, "CHN") as chn:
        # The very command the chair sent as vc-1: for China it is a new command, and not China's to send.
        reply, events = await chn.command({"type": "open_item", "id": "vc-1", "item": 3})
        assert (reply["type"], reply["code"], events) == ("refusal", "not_chair", [])
    await assert_unchanged(srv, before)


async def test_a_delegate_cannot_end_another_delegations_speech(shared):
    srv = shared
    before = floorprint(srv)
    async with ws_client(srv, "CHN") as chn:
        reply, events = await chn.command({"type": "end_speech", "id": "chn-end"})
        assert (reply["code"], events) == ("not_speaker", [])
    await assert_unchanged(srv, before)


@pytest.mark.parametrize("delegation", ["SG", "BDT", "VC"])
async def test_the_secretariat_and_the_chair_cannot_queue(shared, delegation):
    srv = shared
    before = floorprint(srv)
    async with ws_client(srv, delegation) as client:
        for kind in ("speech", "point_of_order", "right_of_reply"):
            reply, events = await client.command({"type": "request_floor", "id": f"q-{kind}", "kind": kind})
            assert (reply["code"], events) == ("speaks_when_given_floor", [])
    await assert_unchanged(srv, before)


# --- the handshake: origins, paths, connection caps ----------------------------------------------


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "null", "http://127.0.0.1:1", "http://127.0.0.1.evil.example", "https://vcc.example.org.evil"],
)
async def test_a_foreign_origin_is_refused_at_the_handshake(shared, origin):
    srv = shared
    before = floorprint(srv)
    with pytest.raises(InvalidStatus) as refused:
        async with connect(srv.ws_url, origin=origin):
            pass
    assert refused.value.response.status_code == 403
    await assert_unchanged(srv, before)


@pytest.mark.parametrize("origin", ["own", None, "https://vcc.example.org"])
async def test_the_servers_own_origin_an_allowed_one_and_no_origin_pass(shared, origin):
    srv = shared
    async with ws_client(srv, "CHN", origin=srv.http_url if origin == "own" else origin) as chn:
        assert chn.welcome["delegation"] == "CHN"


async def test_the_public_path_is_not_served_when_public_is_off(shared):
    srv = shared
    before = floorprint(srv)
    with pytest.raises(InvalidStatus) as refused:
        async with connect(srv.ws_url + "/public"):
            pass
    assert refused.value.response.status_code == 404
    await assert_unchanged(srv, before)


async def test_the_public_view_cannot_send_commands_even_with_the_chairs_token(tmp_path, template):
    async with busy_server(tmp_path, template, public=True) as srv:
        before = floorprint(srv)
        async with connect(srv.ws_url + "/public") as ws:
            await ws.send(hello(srv.tokens["VC"]))
            welcome = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert (welcome["type"], welcome["delegation"]) == ("welcome", "public")
            assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "snapshot"
            for type_, fields in [("open_item", {"item": 4}), ("close_item", {}), ("request_floor", {})]:
                await ws.send(json.dumps(command(type_, f"pub-{type_}", **fields)))
                reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert (reply["type"], reply["code"]) == ("refusal", "read_only")
        await assert_unchanged(srv, before)


async def test_a_sixth_connection_of_one_delegation_is_refused(shared):
    srv = shared
    before = floorprint(srv)
    async with contextlib.AsyncExitStack() as stack:
        five = [await stack.enter_async_context(ws_client(srv, "CHN")) for _ in range(5)]
        async with connect(srv.ws_url) as ws:
            await ws.send(hello(srv.tokens["CHN"]))
            messages, code, reason = await read_until_closed(ws)
        assert [m["code"] for m in messages] == ["too_many_connections"] and code == 1008
        assert "5 connections" in messages[0]["message"] and "another tab or device" in messages[0]["message"]
        for client in five:  # the first five still work
            reply, _ = await client.command({"type": "withdraw", "id": "chn-nothing", "kind": "right_of_reply"})
            assert reply["code"] == "no_such_request"
        await assert_unchanged(srv, before)  # another delegation still gets in
        await five[0].ws.close()
        await asyncio.sleep(0.05)
        async with ws_client(srv, "CHN") as again:  # and one freed place is taken again
            assert again.welcome["delegation"] == "CHN"


async def test_a_full_public_view_never_keeps_a_delegation_out(tmp_path, template):
    async with busy_server(tmp_path, template, public=True, limits=Limits(public_max=2)) as srv:
        before = floorprint(srv)
        async with contextlib.AsyncExitStack() as stack:
            for _ in range(2):
                ws = await stack.enter_async_context(connect(srv.ws_url + "/public"))
                await ws.send(hello(None))
                assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "welcome"
            async with connect(srv.ws_url + "/public") as ws:
                await ws.send(hello(None))
                messages, code, _ = await read_until_closed(ws)
            assert [m["code"] for m in messages] == ["server_full"] and code == 1013
            async with ws_client(srv, "VC"), ws_client(srv, "USA") as usa:  # the delegations' places are their own
                assert usa.welcome["delegation"] == "USA"
        await asyncio.sleep(0.05)
        await assert_unchanged(srv, before)


# --- size and rate -----------------------------------------------------------------------------------


async def test_a_frame_over_64_kib_closes_the_connection_with_1009(shared):
    srv = shared
    before = floorprint(srv)
    async with ws_client(srv, "VC") as vc:
        big = json.dumps(command("record_conclusion", "vc-big", conclusion="x" * (64 * 1024)))
        await vc.send(big)
        messages, code, _ = await read_until_closed(vc.ws)
    assert [m for m in messages if m["type"] in ("accepted", "refusal")] == [] and code == 1009
    await assert_unchanged(srv, before)


async def test_rate_limited_commands_are_refused_and_a_flood_is_closed(tmp_path, template):
    limits = Limits(rate_burst=3, rate_per_second=0.5, flood_close_after=5)
    async with busy_server(tmp_path, template, limits=limits) as srv:
        before = floorprint(srv)
        async with ws_client(srv, "RUS") as rus, ws_client(srv, "CHE") as che, ws_client(srv, "CHE") as che_phone:
            # The share is the link's: the two hellos took two of the burst of 3, on both connections.
            reply, _ = await che.command({"type": "withdraw", "id": "che-w0"})
            assert reply["code"] == "no_such_request"
            reply, events = await che_phone.command({"type": "request_floor", "id": "che-ask"})
            assert (reply["code"], reply["command_id"], events) == ("rate_limited", "che-ask", [])
            assert "for your link, on all its connections" in reply["message"]
            with contextlib.suppress(ConnectionClosed):  # closed by the server part-way: that is the point
                for n in range(10):  # a client that ignores the refusals
                    await che.send(command("request_floor", f"che-flood-{n}"))
            messages, code, _ = await read_until_closed(che.ws)
            assert code == 1008
            assert [m["code"] for m in messages] == ["rate_limited"] * 3 + ["rate_limited_closed"]
            # Every connection of the flooding link is closed, told why...
            messages, code, _ = await read_until_closed(che_phone.ws)
            assert code == 1008 and messages[-1]["code"] == "rate_limited_closed"
            # ... and another delegation never notices.
            reply, _ = await rus.command({"type": "withdraw", "id": "rus-w", "kind": "right_of_reply"})
            assert reply["code"] == "no_such_request"
            # The flooder reconnecting at once is refused: reconnecting never refills its share.
            async with connect(srv.ws_url) as ws:
                await ws.send(hello(srv.tokens["CHE"]))
                messages, code, _ = await read_until_closed(ws)
            assert [m["code"] for m in messages] == ["rate_limited_closed"] and code == 1013
        await assert_unchanged(srv, before, viewer="RUS")
