"""Faults made to happen: a full disk, a read-only or damaged database, a restart between a
command and its repeat, a closed stdout, a clock that moves on; and what the server keeps to itself."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from live_server import ROOT, get, issue_tokens, live_server, start_server_process, ws_client
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from server.app import Limits
from vccsched.floor.protocol import PROTOCOL_VERSION
from vccsched.loading import DEFAULT_MEETING_DIR



def vccsched(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "vccsched", *args], capture_output=True, text=True, cwd=ROOT,
        stdin=subprocess.DEVNULL, timeout=60,
    )


@contextlib.contextmanager
def small_disk(tmp_path: Path):
    """A real file system of 8 MiB (tmpfs), to be filled up: SQLite then fails with SQLITE_FULL."""
    disk = tmp_path / "disk"
    disk.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(disk)],
                            capture_output=True, text=True, timeout=10)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {result.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True, timeout=10)


def fill(disk: Path) -> None:
    """Fill the disk to the last byte."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)


def make_room(disk: Path) -> None:
    (disk / "filler").unlink()


# --- a full disk ------------------------------------------------------------------------------------


async def test_a_failed_commit_is_undone_told_to_all_and_the_floor_recovers_by_itself(tmp_path):
    with small_disk(tmp_path) as disk:
        await _full_disk_and_recovery(disk)


async def _full_disk_and_recovery(disk: Path) -> None:
    async with live_server(disk, storage_probe_seconds=0.2) as srv:
        async with ws_client(srv, "VC") as vc, ws_client(srv, "USA") as usa:
            reply, _ = await vc.command({"type": "open_item", "item": 3})
            assert reply["type"] == "accepted"
            await usa.recv_until("event")
            floor = srv.shell.floor
            before_state, before_seq = floor.state, floor.seq
            fill(disk)
            # It cannot be stored, so it does not happen.
            reply, events = await usa.command({"type": "request_floor", "id": "usa-ask"})
            reply_or_status = reply
            if reply.get("type") == "status":  # the status may come first on the sender's connection
                reply_or_status, _ = await usa.recv_until("reply")
            assert reply_or_status["code"] == "storage_failed" and events == []
            assert srv.shell.floor is floor and floor.state is before_state and floor.seq == before_seq
            # Nobody heard of it as done; everybody hears that the server cannot store commands.
            status, seen = await vc.recv_until("status")
            assert status["storage"] == "failing" and "full" in status["message"]
            assert [m for m in seen if m["type"] == "event"] == []
            code, _, body = await get(srv.http_url + "/healthz")
            health = json.loads(body)
            assert code == 503 and health["status"] == "storage_failing" and "full" in health["reason"]
            assert health["failed_commits"] == 1 and health["last_failure"]
            # A new connection is told too, after its catch-up.
            async with ws_client(srv, "CHN") as chn:
                status, _ = await chn.recv_until("status")
                assert status["storage"] == "failing"
            # Room again: the probe finds it without any command, and says so to everyone.
            make_room(disk)
            status, _ = await vc.recv_until("status", timeout=5)
            assert status["storage"] == "ok"
            code, _, _ = await get(srv.http_url + "/healthz")
            assert code == 200
            reply, events = await usa.command({"type": "request_floor", "id": "usa-ask"})  # the same id: free
            assert reply["type"] == "accepted" and reply["seqs"] == [before_seq + 1]
            assert [e["seq"] for e in events] == [before_seq + 1]
        with contextlib.closing(sqlite3.connect(srv.db_path)) as db:
            assert db.execute("SELECT command_id FROM commands ORDER BY n").fetchall() == [("VC-1",), ("usa-ask",)]


async def test_a_command_after_room_is_made_brings_the_status_back_at_once(tmp_path):
    with small_disk(tmp_path) as disk:
        await _command_after_room(disk)


async def _command_after_room(disk: Path) -> None:
    async with live_server(disk, storage_probe_seconds=3600) as srv:
        async with ws_client(srv, "VC") as vc:
            fill(disk)
            reply, _ = await vc.command({"type": "open_item", "item": 3})
            if reply["type"] == "status":
                reply, _ = await vc.recv_until("reply")
            assert reply["code"] == "storage_failed"
            make_room(disk)
            await vc.send({"type": "command", "command": {"type": "open_item", "id": "vc-again", "item": 3}})
            reply, before = await vc.recv_until("reply")
            assert reply["type"] == "accepted"
            # The status comes first: stored again, the server says so before the news it carries.
            assert [m["type"] for m in before] == ["status", "event"] and before[0]["storage"] == "ok"
            assert srv.shell.storage.failing is False


# --- the database the server is given --------------------------------------------------------------


@contextlib.contextmanager
def immutable(path: Path):
    """The file cannot be written, even by root (``chattr +i``)."""
    result = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True, timeout=10)
    if result.returncode != 0:
        pytest.skip(f"cannot make a file read-only for root here: {result.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True, timeout=10)


def test_a_database_the_server_cannot_write_is_refused_at_start(tmp_path):
    db = tmp_path / "floor.db"
    issue_tokens(db)
    with immutable(db):
        result = vccsched("server", "run", "--db", str(db), "--port", "0")
    assert result.returncode == 2, result.stdout
    assert "cannot write to this database" in result.stderr and str(db) in result.stderr
    assert "Traceback" not in result.stderr


def test_a_damaged_database_is_said_to_be_damaged_with_what_to_do(tmp_path):
    db = tmp_path / "floor.db"
    issue_tokens(db)
    with contextlib.closing(sqlite3.connect(db)) as connection:  # some pages to damage
        connection.execute("CREATE TABLE filler (x TEXT)")
        connection.executemany("INSERT INTO filler VALUES (?)", [("x" * 1000,)] * 200)
        connection.commit()
    size = db.stat().st_size
    with db.open("r+b") as handle:  # pages overwritten in the middle
        handle.seek(size // 2)
        handle.write(os.urandom(8192))
    result = vccsched("server", "run", "--db", str(db), "--port", "0")
    assert result.returncode == 2, result.stdout
    assert "damaged" in result.stderr and "floor export" in result.stderr and "last good copy" in result.stderr
    assert "Internal error" not in result.stderr and "Traceback" not in result.stderr


def test_the_database_its_wal_and_its_lock_are_for_the_server_alone(tmp_path):
    db = tmp_path / "floor.db"
    server = start_server_process(db)
    try:
        async def one_command() -> None:
            tokens_file = tmp_path / "tokens.csv"
            assert vccsched("server", "tokens", "--db", str(db), "--out", str(tokens_file), "--url", server.http_url).returncode == 0
            rows = [line.split(",") for line in tokens_file.read_text().splitlines()[1:]]
            token = next(r for r in rows if r[0] == "VC")[3]
            async with connect(server.ws_url) as ws:
                await ws.send(json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "token": token}))
                await asyncio.wait_for(ws.recv(), 5)

        asyncio.run(one_command())
        for suffix in ("", "-wal", "-shm", ".lock"):
            path = Path(f"{db}{suffix}")
            assert path.exists(), path
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, (path, oct(path.stat().st_mode))
    finally:
        server.terminate()


def test_a_server_that_cannot_start_leaves_no_new_database_behind(tmp_path):
    db = tmp_path / "floor.db"
    issue_tokens(db)
    server = start_server_process(db)
    try:
        other = tmp_path / "other.db"
        result = vccsched("server", "run", "--db", str(other), "--port", str(server.port))
        assert result.returncode == 2 and "in use" in result.stderr
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("other")) == []
    finally:
        server.terminate()


def test_commits_are_fsynced(tmp_path):
    db = tmp_path / "floor.db"
    issue_tokens(db)
    from server.store import FloorStore

    store = FloorStore.open(db)
    try:
        assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL: an acknowledged command is on disk
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        store.close()


# --- command ids across a restart -------------------------------------------------------------------


async def test_a_used_command_id_keeps_its_meaning_after_a_restart(tmp_path):
    async with live_server(tmp_path) as srv:
        async with ws_client(srv, "VC") as vc:
            reply, _ = await vc.command({"type": "open_item", "id": "vc-1", "item": 3})
            assert reply["type"] == "accepted" and reply["seqs"] == [1]
        await srv.restart()
        async with ws_client(srv, "VC", last_seq=1) as vc:
            other, events = await vc.command({"type": "close_item", "id": "vc-1"})
            assert (other["type"], other["code"], events) == ("refusal", "command_id_reused", [])
            assert srv.shell.floor.state.current_item == 3
            same, events = await vc.command({"type": "open_item", "id": "vc-1", "item": 3})
            assert (same["type"], same["seqs"], same["repeated"], events) == ("accepted", [1], True, [])
        assert srv.shell.floor.seq == 1


# --- what is shown, and to whom ------------------------------------------------------------------------


async def test_anonymous_callers_get_no_meeting_files_voting_rights_or_attendance(tmp_path):
    async with live_server(tmp_path) as srv:
        for headers in ({}, {"Authorization": f"Bearer {srv.tokens['USA']}"}, {"Authorization": "Bearer nonsense"}):
            code, _, body = await get(srv.http_url + "/meeting-files.json", headers)
            assert code in (401, 403) and b"voting_rights" not in body, headers
        code, _, body = await get(srv.http_url + "/meeting.json")
        assert code == 200 and b"voting_rights" not in body and b"#" not in body.replace(b'"#', b"")
        for path in ("/public", "/static/public.html", "/static/public.js", "/ws/public"):
            code, _, _ = await get(srv.http_url + path)
            assert code == 404, path  # the webcast view only exists with --public


def test_attendance_in_healthz_only_for_loopback_or_the_chair_and_secretariat():
    from types import SimpleNamespace

    from websockets.datastructures import Headers
    from websockets.http11 import Request

    from server.app import FloorServer, ServerConfig
    from server.store import FloorStore, hash_token
    from vccsched.loading import load_meeting

    data = load_meeting()

    class Store:  # what the health answer reads of a store
        def token_hashes(self):
            return {"SG": hash_token("sg-token"), "USA": hash_token("usa-token")}

        def data_version(self):
            return 0

        def meeting_files(self):
            return {}

        def events(self):
            return []

        def accepted_commands(self):
            return []

        def stored_contributions(self):
            return None

    shell = FloorServer(ServerConfig(meeting_dir=DEFAULT_MEETING_DIR, db_path=Path("unused")), data, Store())  # type: ignore[arg-type]

    def health(address: str, token: str | None) -> dict:
        headers = Headers([("Authorization", f"Bearer {token}")] if token else [])
        response = shell._health(SimpleNamespace(remote_address=(address, 5000)), Request("/healthz", headers))
        return json.loads(response.body)

    assert "connections" in health("127.0.0.1", None)
    assert "connections" in health("203.0.113.7", "sg-token")
    for token in (None, "usa-token", "wrong"):
        answer = health("203.0.113.7", token)
        assert "connections" not in answer and answer["status"] == "ok", token
    assert FloorStore  # the real one is exercised by the live tests


def test_a_roster_name_with_bidirectional_controls_is_refused_naming_the_row(tmp_path):
    meeting = tmp_path / "meeting"
    shutil.copytree(DEFAULT_MEETING_DIR, meeting)
    roster = meeting / "roster.yaml"
    roster.write_text(
        roster.read_text(encoding="utf-8").replace('name: "Argentina"', 'name: "\\u202eanitnegrA"'), encoding="utf-8"
    )
    result = vccsched("roster", "timezones", "--meeting", str(meeting))
    assert result.returncode == 2
    assert "roster.yaml" in result.stderr and "U+202E RIGHT-TO-LEFT OVERRIDE" in result.stderr
    assert "Traceback" not in result.stderr


# --- the operator's terminal -----------------------------------------------------------------------


def test_a_closed_stdout_never_stops_the_server_or_its_clean_shutdown(tmp_path):
    db = tmp_path / "floor.db"
    tokens = issue_tokens(db)
    server = start_server_process(db)
    try:
        server.process.stdout.close()  # `server run | tee log`, then tee is gone (Ctrl+C)

        async def session() -> int:
            async with connect(server.ws_url) as ws:
                await ws.send(json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "token": tokens["VC"]}))
                await asyncio.wait_for(ws.recv(), 5)
                await asyncio.wait_for(ws.recv(), 5)
                server.process.send_signal(signal.SIGINT)
                with pytest.raises(ConnectionClosed) as closed:
                    await asyncio.wait_for(ws.recv(), 10)
                return closed.value.rcvd.code

        assert asyncio.run(session()) == 1001
        assert server.process.wait(10) == 0
        assert "Traceback" not in server.process.stderr.read()
    finally:
        if server.process.poll() is None:
            server.kill()


async def test_limits_can_be_given_smaller_for_tests():
    assert Limits(public_max=2).public_max == 2  # the knobs the other tests use exist


async def test_publish_plan_with_a_wrong_token_says_why(tmp_path, c21, c21_solved):
    from vccsched.render import render_plan

    plan = tmp_path / "plan.json"
    plan.write_text(render_plan(c21_solved, c21, "json"), encoding="utf-8")  # what 'vccsched plan --format json' writes
    async with live_server(tmp_path) as srv:
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "vccsched", "server", "publish-plan", str(plan), "--server", srv.http_url],
            capture_output=True, text=True, cwd=ROOT, stdin=subprocess.DEVNULL, timeout=60,
            env={**os.environ, "VCCSCHED_TOKEN": "not-a-token"},
        )
    assert result.returncode == 1
    assert "this token does not open the floor" in result.stderr and "Traceback" not in result.stderr
