"""The floor server end to end: a real server on port 0, real SQLite, websockets clients."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from live_server import ROOT, get, issue_tokens, live_server, start_server_process, ws_client
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from vccsched.floor.protocol import PROTOCOL_VERSION, parse_server_message
from vccsched.floor.replay import replay
from vccsched.floor.state import FloorSetup
from vccsched.floor.view import floor_summary, floor_view
from vccsched.loading import DEFAULT_MEETING_DIR, load_meeting
from vccsched.meeting_files import load_meeting_files

ZURICH = dt.timezone(dt.timedelta(hours=2))


def vccsched(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "vccsched", *args], capture_output=True, text=True, cwd=ROOT,
        stdin=subprocess.DEVNULL, timeout=60,  # a server that should have refused to start must not hang the suite
    )
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}: {result.stderr}")
    return result


# --- hello, welcome, snapshot --------------------------------------------------------------


async def test_hello_gets_a_welcome_with_the_server_clock_and_a_snapshot(tmp_path):
    async with live_server(tmp_path) as srv:
        before = dt.datetime.now(dt.timezone.utc)
        async with ws_client(srv, "CHN") as chn:
            welcome = chn.welcome
            assert welcome["delegation"] == "CHN" and welcome["category"] == "council_member"
            assert welcome["protocol"] == PROTOCOL_VERSION and welcome["seq"] == 0
            server_time = dt.datetime.fromisoformat(welcome["server_time"])
            assert server_time.utcoffset() is not None
            assert abs((server_time - before).total_seconds()) < 5
            [snapshot] = chn.catch_up
            parsed = parse_server_message(json.dumps(snapshot))
            assert parsed.type == "snapshot" and parsed.seq == 0
            assert parsed.state.setup.meeting_id == "C21/VCC-1"
            assert snapshot["view"] == {
                "seq": 0, "at": None, "suspended": False, "current_item": None, "speaker": None, "queue": [],
            }


async def test_the_secretariat_and_the_chair_are_welcomed_with_their_category(tmp_path):
    async with live_server(tmp_path) as srv:
        async with ws_client(srv, "VC") as vc, ws_client(srv, "SG") as sg, ws_client(srv, "SM-R1") as sm:
            assert vc.welcome["category"] == "chair"
            assert sg.welcome["category"] == "secretariat"
            assert sm.welcome["category"] == "sector_member"


# --- commands, broadcast, refusals --------------------------------------------------------


async def test_events_reach_every_connection_before_the_senders_accepted(tmp_path):
    async with live_server(tmp_path) as srv:
        async with ws_client(srv, "VC") as vc, ws_client(srv, "USA") as usa, ws_client(srv, "USA") as usa_phone:
            reply, events = await vc.command({"type": "open_item", "item": 3})
            assert reply == {
                "type": "accepted", "command_id": "VC-1", "seqs": [1], "repeated": False, "head": srv.shell.store.head
            }
            assert [e["type"] for e in events] == ["item_opened"]
            for other in (usa, usa_phone):
                message = await other.recv()
                assert message["event"]["seq"] == 1 and message["view"]["current_item"]["number"] == 3
            reply, events = await usa.command({"type": "request_floor", "kind": "speech", "item": 3})
            assert reply["type"] == "accepted" and reply["seqs"] == [2]
            assert events[0]["actor"] == "USA" and events[0]["delegation"] == "USA"
            seen = await usa_phone.recv()  # the delegation's second device sees it too
            assert seen["event"]["seq"] == 2
            assert [r["delegation"] for r in seen["view"]["queue"]] == ["USA"]
            chair_sees = await vc.recv()
            assert chair_sees["view"] == floor_view(srv.shell.floor.state).model_dump(mode="json")


async def test_a_refusal_goes_to_the_sender_only_and_changes_nothing(tmp_path):
    async with live_server(tmp_path) as srv:
        async with ws_client(srv, "VC") as vc, ws_client(srv, "BRA") as bra:
            reply, events = await bra.command({"type": "request_floor", "kind": "speech"})
            assert reply["type"] == "refusal" and reply["code"] == "item_not_open"
            assert reply["command_id"] == "BRA-1" and "open" in reply["message"]
            assert events == []
            with pytest.raises(TimeoutError):
                await vc.recv(timeout=0.3)
            assert srv.shell.floor.seq == 0


async def test_a_repeated_command_id_answers_the_same_and_broadcasts_nothing(tmp_path):
    async with live_server(tmp_path) as srv:
        async with ws_client(srv, "VC") as vc, ws_client(srv, "USA") as usa:
            await vc.command({"type": "open_item", "id": "vc-1", "item": 3})
            await usa.recv()
            first, _ = await usa.command({"type": "request_floor", "id": "usa-1"})
            again, events = await usa.command({"type": "request_floor", "id": "usa-1"})
            assert again == {**first, "repeated": True} and events == []
            await vc.recv()  # the first one's event
            with pytest.raises(TimeoutError):
                await vc.recv(timeout=0.3)
            reused, _ = await usa.command({"type": "withdraw", "id": "usa-1"})
            assert reused["code"] == "command_id_reused"
        # After a restart the floor is rebuilt from the database and still knows the id.
        await srv.restart()
        async with ws_client(srv, "USA") as usa:
            again, events = await usa.command({"type": "request_floor", "id": "usa-1"})
            assert again["type"] == "accepted" and again["repeated"] is True and again["seqs"] == [2]


async def test_an_invalid_command_is_refused_with_its_id_and_bad_json_gets_an_error(tmp_path):
    async with live_server(tmp_path) as srv:
        async with ws_client(srv, "USA") as usa:
            await usa.send({"type": "command", "command": {"type": "request_floor", "id": "u-9", "kind": "filibuster"}})
            reply = await usa.recv()
            assert reply["type"] == "refusal" and reply["code"] == "invalid_command" and reply["command_id"] == "u-9"
            await usa.send("{not json")
            assert (await usa.recv())["code"] == "bad_json"
            await usa.send({"type": "speak_louder"})
            assert (await usa.recv())["code"] == "invalid_message"
            await usa.ws.send(b"\x00\x01")
            assert (await usa.recv())["code"] == "invalid_message"
            assert srv.shell.floor.seq == 0


# --- resume ----------------------------------------------------------------------------------


async def test_resume_sends_exactly_the_missed_events_then_live_ones(tmp_path):
    async with live_server(tmp_path) as srv:
        async with ws_client(srv, "VC") as vc:
            await vc.command({"type": "open_item", "item": 3})
            async with ws_client(srv, "KEN") as ken:
                await ken.command({"type": "request_floor"})
                last_seen = ken.welcome["seq"] + 1
            # KEN is offline while three things happen.
            async with ws_client(srv, "JPN") as jpn:
                await jpn.command({"type": "request_floor"})
            await vc.command({"type": "next_speaker"})
            seq_now = srv.shell.floor.seq
            async with ws_client(srv, "KEN", last_seq=last_seen) as ken:
                assert ken.welcome["seq"] == seq_now
                missed = [m["event"]["seq"] for m in ken.catch_up]
                assert missed == list(range(last_seen + 1, seq_now + 1))
                assert ken.catch_up[-1]["view"]["speaker"]["delegation"] == "KEN"
                assert all("view" not in m or m["view"] is None for m in ken.catch_up[:-1])
                await vc.command({"type": "end_speech"})
                live = await ken.recv()
                assert live["event"]["seq"] == seq_now + 1


async def test_resume_from_a_seq_the_server_never_issued_gets_a_snapshot(tmp_path):
    async with live_server(tmp_path) as srv:
        async with ws_client(srv, "VC") as vc:
            await vc.command({"type": "open_item", "item": 3})
        async with ws_client(srv, "MEX", last_seq=999) as mex:
            [snapshot] = mex.catch_up
            assert snapshot["type"] == "snapshot" and snapshot["seq"] == 1
            assert snapshot["state"]["current_item"] == 3


async def test_sync_after_a_gap_returns_the_events_after_last_seq(tmp_path):
    async with live_server(tmp_path) as srv:
        async with ws_client(srv, "VC") as vc:
            await vc.command({"type": "open_item", "item": 3})
            await vc.command({"type": "close_list"})
            await vc.send({"type": "sync", "last_seq": 0})
            first, second = await vc.recv(), await vc.recv()
            assert [first["event"]["seq"], second["event"]["seq"]] == [1, 2]
            await vc.send({"type": "sync", "last_seq": 2})
            with pytest.raises(TimeoutError):
                await vc.recv(timeout=0.3)


# --- durability ------------------------------------------------------------------------------


async def test_the_floor_is_rebuilt_from_the_database_after_a_restart(tmp_path):
    async with live_server(tmp_path) as srv:
        async with ws_client(srv, "VC") as vc, ws_client(srv, "FRA") as fra, ws_client(srv, "PSE") as pse:
            await vc.command({"type": "open_item", "item": 3})
            await pse.command({"type": "request_floor"})
            await fra.command({"type": "request_floor"})
            await vc.command({"type": "record_conclusion", "conclusion": "Noted.", "by_correspondence": True})
        before = srv.shell.floor.state
        await srv.restart()
        assert srv.shell.floor.state == before
        async with ws_client(srv, "PSE") as pse:
            state = pse.catch_up[0]["state"]
            assert [r["delegation"] for r in state["items"]["3"]["queue"]] == ["FRA", "PSE"]
            assert state["items"]["3"]["outcome"]["majority_needed"] == 25


async def test_every_stored_command_is_committed_with_all_its_events(tmp_path):
    async with live_server(tmp_path) as srv:
        async with ws_client(srv, "VC") as vc, ws_client(srv, "CAN") as can:
            await vc.command({"type": "open_item", "item": 3})
            await can.command({"type": "request_floor"})
            await vc.command({"type": "next_speaker"})
            await vc.command({"type": "close_item"})  # ends the speech and closes: several events
        db = sqlite3.connect(srv.db_path)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        rows = db.execute("SELECT n, first_seq, last_seq FROM commands ORDER BY n").fetchall()
        events = [seq for (seq,) in db.execute("SELECT seq FROM events ORDER BY seq")]
        assert events == list(range(1, len(events) + 1))
        for n, first, last in rows:
            stored = [s for (s,) in db.execute("SELECT seq FROM events WHERE command_n = ?", (n,))]
            assert stored == list(range(first, last + 1))
        assert rows[-1][2] - rows[-1][1] >= 1


async def test_export_then_replay_prints_the_state_the_server_had(tmp_path):
    async with live_server(tmp_path) as srv:
        async with ws_client(srv, "VC") as vc, ws_client(srv, "ARG") as arg, ws_client(srv, "SM-T1") as sm:
            await vc.command({"type": "open_item", "item": 3})
            await sm.command({"type": "request_floor"})
            await arg.command({"type": "request_floor", "kind": "point_of_order"})
            await vc.command({"type": "next_speaker"})
            await arg.command({"type": "end_speech"})
            await vc.command({"type": "defer_item", "requested_by": "ARG", "scope": "item", "note": "No consensus."})
        state = srv.shell.floor.state
    log = tmp_path / "log.jsonl"
    vccsched("floor", "export", "--db", str(tmp_path / "floor.db"), "--out", str(log))
    replayed = json.loads(vccsched("floor", "replay", str(log)).stdout)
    assert replayed == floor_summary(state, state.last_at)
    setup = FloorSetup.from_meeting(load_meeting())
    assert replay(log.read_text().splitlines(), setup).state == state


async def test_the_server_clock_never_goes_backwards_in_the_log(tmp_path):
    times = iter(
        [
            dt.datetime(2021, 6, 8, 12, 0, 0, tzinfo=ZURICH),  # the welcome's server_time
            dt.datetime(2021, 6, 8, 12, 0, 5, tzinfo=ZURICH),
            dt.datetime(2021, 6, 8, 11, 59, 0, tzinfo=ZURICH),  # the system clock stepped back
            dt.datetime(2021, 6, 8, 12, 1, 0, tzinfo=ZURICH),  # and moves on past the log again
        ]
    )
    last = [dt.datetime(2021, 6, 8, 11, 59, tzinfo=ZURICH)]

    def clock():
        last[0] = next(times, last[0])
        return last[0]

    async with live_server(tmp_path, clock=clock) as srv:
        async with ws_client(srv, "VC") as vc:
            _, [opened] = await vc.command({"type": "open_item", "item": 3})
            _, [closed] = await vc.command({"type": "close_list"})
            _, [reopened] = await vc.command({"type": "reopen_list"})
        assert opened["at"] == "2021-06-08T12:00:05+02:00"
        assert closed["at"] == opened["at"]  # the system clock stepped back; the log did not
        assert reopened["at"] == "2021-06-08T12:01:00+02:00"  # each command has the clock's time once past


# --- HTTP ------------------------------------------------------------------------------------


async def test_healthz_and_meeting_json(tmp_path):
    async with live_server(tmp_path) as srv:
        async with ws_client(srv, "VC") as vc:
            await vc.command({"type": "open_item", "item": 3})
            status, headers, body = await get(srv.http_url + "/healthz")
            assert status == 200 and headers["Content-Type"] == "application/json"
            health = json.loads(body)
            assert health == {
                "status": "ok", "meeting": "C21/VCC-1", "protocol": PROTOCOL_VERSION, "seq": 1, "storage": "ok",
                # from loopback, as a monitor on this machine: attendance too
                "connections": 1, "delegations_connected": 1, "interpreters_connected": 0, "public": 0,
                "not_greeted": 1,
            }
        status, _, body = await get(srv.http_url + "/meeting.json")
        meeting = json.loads(body)
        assert meeting["protocol"] == PROTOCOL_VERSION
        assert meeting["meeting"]["timezone"] == "Europe/Zurich"
        item3 = next(i for i in meeting["items"] if i["number"] == 3)
        assert item3["code"] == "PL 1.03" and item3["title"]["zh"].startswith("国际电联")
        participants = {p["id"]: p for p in meeting["participants"]}
        assert participants["PSE"] == {
            "id": "PSE", "name": "State of Palestine", "category": "palestine_observer", "timezone": "Asia/Hebron",
            "names": {"ar": "دولة فلسطين", "zh": "巴勒斯坦国", "fr": "État de Palestine",
                      "ru": "Государство Палестина", "es": "Estado de Palestina"},
        }  # the UN's name, not CLDR's "Palestinian Territories"
        # Member States in the page's languages from CLDR; English and Sector Members from the roster.
        assert participants["CHN"]["names"] == {"ar": "الصين", "zh": "中国", "fr": "Chine", "ru": "Китай", "es": "China"}
        assert participants["CHN"]["name"] == "China"
        assert participants["SM-R1"]["names"] == {} and participants["VC"]["names"] == {}
        status, _, body = await get(srv.http_url + "/meeting-files.json", headers={"Authorization": f"Bearer {srv.tokens['SG']}"})
        assert status == 200
        files = json.loads(body)
        assert files == {name: (DEFAULT_MEETING_DIR / name).read_text(encoding="utf-8") for name in files}
        assert load_meeting_files(files, "served").agenda == load_meeting().agenda


async def test_pages_are_served_with_a_content_security_policy_and_nothing_else_leaks(tmp_path):
    async with live_server(tmp_path) as srv:
        status, headers, body = await get(srv.http_url + "/")
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        for path in ("/static/../store.py", "/static/..%2Fstore.py", "/store.py", "/nothing", "/public", "/ws/public"):
            status, _, _ = await get(srv.http_url + path)
            assert status == 404, path


async def test_the_public_view_is_read_only(tmp_path):
    async with live_server(tmp_path, public=True) as srv:
        status, _, _ = await get(srv.http_url + "/public")
        assert status == 200
        async with ws_client(srv, "VC") as vc:
            await vc.command({"type": "open_item", "item": 3})
            async with connect(srv.ws_url + "/public") as ws:
                await ws.send(json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "last_seq": None, "token": None}))
                welcome = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert welcome["delegation"] == "public" and welcome["category"] == "public"
                snapshot = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert snapshot["view"]["current_item"]["number"] == 3
                await ws.send(json.dumps({"type": "command", "command": {"type": "close_list", "id": "p-1"}}))
                refusal = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert refusal["code"] == "read_only"
                await vc.command({"type": "close_list"})
                event = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert event["event"]["type"] == "list_closed"
        assert srv.shell.floor.seq == 2


# --- the command line ------------------------------------------------------------------------


def test_tokens_cli_writes_links_and_the_database_keeps_only_hashes(tmp_path):
    db, out = tmp_path / "floor.db", tmp_path / "tokens.csv"
    result = vccsched("server", "tokens", "--db", str(db), "--out", str(out), "--url", "https://vcc.example.org/")
    assert "80 token(s)" in result.stderr  # 48 + 10 + 1 + 9 + 5 secretariat + the chair + 6 booths
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r for r in rows if r["delegation"] == "VC"][0]["category"] == "chair"
    assert len(rows) == len({r["token"] for r in rows}) == 80
    for row in rows:
        assert row["link"] == f"https://vcc.example.org/#t={row['token']}"
        assert len(row["token"]) >= 43
    assert out.stat().st_mode & 0o077 == 0  # secrets: the owner's only
    raw = db.read_bytes() + (db.with_name("floor.db-wal").read_bytes() if db.with_name("floor.db-wal").exists() else b"")
    assert not any(row["token"].encode() in raw for row in rows)
    again = vccsched("server", "tokens", "--db", str(db), "--out", str(tmp_path / "t2.csv"), "--url", "https://vcc.example.org", check=False)
    assert again.returncode == 2 and "already has a token" in again.stderr
    rotated = vccsched("server", "tokens", "--db", str(db), "--out", str(tmp_path / "t3.csv"), "--rotate", "USA,CAN",
                       "--url", "https://vcc.example.org")
    assert "2 token(s)" in rotated.stderr and "warning" not in rotated.stderr
    unknown = vccsched("server", "tokens", "--db", str(db), "--revoke", "XXX", check=False)
    assert unknown.returncode == 2 and "not on the roster: XXX" in unknown.stderr


def test_tokens_links_go_to_the_meetings_page_url_or_url_and_loopback_is_warned_of(tmp_path):
    """No guessed address: without --url and without page_url in meeting.yaml, nothing is issued."""
    db = tmp_path / "floor.db"
    missing = vccsched("server", "tokens", "--db", str(db), "--out", str(tmp_path / "t.csv"), check=False)
    assert missing.returncode == 2 and "give --url" in missing.stderr and "page_url" in missing.stderr
    assert not (tmp_path / "t.csv").exists()
    bad = vccsched("server", "tokens", "--db", str(db), "--out", str(tmp_path / "t.csv"), "--url", "vcc.example.org", check=False)
    assert bad.returncode == 2 and "expected an address like https://" in bad.stderr

    meeting = tmp_path / "meeting"
    shutil.copytree(DEFAULT_MEETING_DIR, meeting)
    settings = meeting / "meeting.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + 'page_url: "https://vcc.itu.example/c21/"\n', encoding="utf-8")
    out = tmp_path / "tokens.csv"
    vccsched("server", "tokens", "--db", str(db), "--out", str(out), "--meeting", str(meeting))
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["link"] == f"https://vcc.itu.example/c21/#t={rows[0]['token']}"

    local = vccsched("server", "tokens", "--db", str(db), "--out", str(tmp_path / "local.csv"), "--meeting", str(meeting),
                     "--rotate", "USA", "--url", "http://127.0.0.1:9000")
    assert "warning: the links point to 127.0.0.1:9000, this machine only" in local.stderr
    row = next(csv.DictReader((tmp_path / "local.csv").open(encoding="utf-8")))
    assert row["link"].startswith("http://127.0.0.1:9000/#t=")  # --url wins over page_url


def test_a_database_of_changed_meeting_data_is_refused_with_what_differs(tmp_path):
    db = tmp_path / "floor.db"
    issue_tokens(db)
    changed = tmp_path / "meeting"
    shutil.copytree(DEFAULT_MEETING_DIR, changed)
    roster = changed / "roster.yaml"
    roster.write_text(roster.read_text(encoding="utf-8").replace('name: "Argentina"', 'name: "Argentine Republic"'), encoding="utf-8")
    result = vccsched("server", "run", "--db", str(db), "--port", "0", "--meeting", str(changed), check=False)
    assert result.returncode == 2
    assert "changed since this database was made" in result.stderr and "roster.yaml differs" in result.stderr
    other = vccsched("floor", "export", "--db", str(tmp_path / "missing.db"), check=False)
    assert other.returncode == 2 and "missing.db" in other.stderr and "Traceback" not in other.stderr
    not_db = tmp_path / "notes.txt"
    not_db.write_text("hello")
    result = vccsched("floor", "export", "--db", str(not_db), check=False)
    assert result.returncode == 2 and "not a vccsched floor database" in result.stderr


def test_run_stops_on_sigterm_closing_connections_with_1001(tmp_path):
    db = tmp_path / "floor.db"
    tokens = issue_tokens(db)
    server = start_server_process(db)
    try:
        async def session() -> int:
            async with connect(server.ws_url) as ws:
                await ws.send(json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "token": tokens["VC"]}))
                await asyncio.wait_for(ws.recv(), 10)
                await asyncio.wait_for(ws.recv(), 10)
                await asyncio.to_thread(server.terminate)
                with pytest.raises(ConnectionClosed) as closed:
                    await asyncio.wait_for(ws.recv(), 10)
                return closed.value.rcvd.code

        assert asyncio.run(session()) == 1001
        assert server.process.returncode == 0
        assert "Stopped; the database is closed." in server.process.stdout.read()
    finally:
        if server.process.poll() is None:
            server.kill()
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_port_in_use_is_a_clear_error(tmp_path):
    db = tmp_path / "floor.db"
    issue_tokens(db)
    server = start_server_process(db)
    try:
        result = vccsched("server", "run", "--db", str(tmp_path / "other.db"), "--port", str(server.port), check=False)
        assert result.returncode == 2 and f"port {server.port}" in result.stderr and "in use" in result.stderr
    finally:
        server.terminate()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to make a test certificate")
async def test_tls_with_a_certificate_and_key(tmp_path):
    import ssl

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )
    async with live_server(tmp_path, tls_cert=cert, tls_key=key) as srv:
        assert srv.ws_url.startswith("wss://") and srv.http_url.startswith("https://")
        context = ssl.create_default_context(cafile=str(cert))
        async with ws_client(srv, "VC", ssl=context) as vc:
            reply, _ = await vc.command({"type": "open_item", "item": 3})
            assert reply["type"] == "accepted"
    broken = vccsched("server", "run", "--db", str(tmp_path / "floor.db"), "--port", "0", "--tls-cert", str(cert), check=False)
    assert broken.returncode == 2 and "--tls-key" in broken.stderr


async def test_publish_plan_cli_publishes_once_and_only_for_the_secretariat_or_chair(tmp_path, c21, c21_solved):
    from vccsched.render import render_plan

    plan = tmp_path / "plan.json"
    plan.write_text(render_plan(c21_solved, c21, "json"), encoding="utf-8")  # what 'vccsched plan --format json' writes

    def publish(delegation: str, path: Path = plan) -> subprocess.CompletedProcess:
        env = {**__import__("os").environ, "VCCSCHED_TOKEN": srv.tokens[delegation]}
        return subprocess.run(
            [sys.executable, "-m", "vccsched", "server", "publish-plan", str(path), "--server", srv.http_url],
            capture_output=True, text=True, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, timeout=60,
        )

    async with live_server(tmp_path) as srv:
        async with ws_client(srv, "CHN") as chn:
            first = await asyncio.to_thread(publish, "SG")
            assert first.returncode == 0 and "published as revision 1" in first.stderr, first.stderr
            event = (await chn.recv())["event"]
            assert event["type"] == "plan_published" and event["actor"] == "SG" and event["revision"] == 1
            again = await asyncio.to_thread(publish, "SG")
            assert again.returncode == 0 and "already published" in again.stderr
            refused = await asyncio.to_thread(publish, "USA")
            assert refused.returncode == 1 and "not_chair_or_secretariat" in refused.stderr
            broken = tmp_path / "broken.json"
            broken.write_text('{"meeting": "C21/VCC-1"}')
            bad = await asyncio.to_thread(publish, "SG", broken)
            assert bad.returncode == 2 and "broken.json" in bad.stderr and "Traceback" not in bad.stderr
        assert srv.shell.floor.state.plan.revision == 1


def test_a_second_server_on_the_same_database_is_refused_and_a_killed_one_leaves_no_lock(tmp_path):
    db = tmp_path / "floor.db"
    issue_tokens(db)
    first = start_server_process(db)
    try:
        second = vccsched("server", "run", "--db", str(db), "--port", "0", check=False)
        assert second.returncode == 2
        assert "another server is running on this database" in second.stderr
        assert f"pid {first.process.pid}" in second.stderr and first.http_url in second.stderr
    finally:
        first.kill()  # SIGKILL: the lock goes with the process
    again = start_server_process(db)
    again.terminate()
    assert again.process.returncode == 0


def test_publish_plan_to_a_server_that_is_down_says_what_to_check(tmp_path, c21, c21_solved):
    from vccsched.render import render_plan

    plan = tmp_path / "plan.json"
    plan.write_text(render_plan(c21_solved, c21, "json"), encoding="utf-8")  # what 'vccsched plan --format json' writes
    result = subprocess.run(
        [sys.executable, "-m", "vccsched", "server", "publish-plan", str(plan), "--server", "http://127.0.0.1:9"],
        capture_output=True, text=True, cwd=ROOT, env={**__import__("os").environ, "VCCSCHED_TOKEN": "x"},
        stdin=subprocess.DEVNULL, timeout=60,
    )
    assert result.returncode == 1 and "is 'vccsched server run' running" in result.stderr
    assert "Traceback" not in result.stderr
