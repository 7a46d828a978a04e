"""The record's hash chain: every kind of tampering is found, at the right row or line."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import sqlite3

import pytest
from chain_helpers import make_database
from conftest import run_cli

from server.store import FloorStore
from vccsched.cli.record import verify_record
from vccsched.floor import chain


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "floor.db"
    make_database(path).close()
    return path


def tamper(path, *statements):
    """Change the database behind the store's back, as someone with the file could."""
    with contextlib.closing(sqlite3.connect(path)) as raw:
        for sql, *params in statements:
            raw.execute(sql, *params)
        raw.commit()


def verify(capsys, db=None, log=None, head=None):
    status = verify_record(db, log, head)
    out = capsys.readouterr()
    return status, out.out, out.err


def export(db, tmp_path):
    log = tmp_path / "log.jsonl"
    result = run_cli("floor", "export", "--db", str(db), "--out", str(log))
    assert result.returncode == 0, result.stderr
    return log


def stored_head(db):
    store = FloorStore.open(db)
    try:
        return store.head
    finally:
        store.close()


# --- the chain as docs/protocol.md defines it, checked with nothing but hashlib and json ---------


def test_an_exported_log_verifies_with_a_few_lines_of_plain_hashlib(db, tmp_path):
    lines = export(db, tmp_path).read_text(encoding="utf-8").splitlines()

    def canonical(value):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    header = json.loads(lines[0])
    previous = hashlib.sha256(
        canonical({"chain": "vccsched-floor-chain/1", "meeting": header["meeting"], "meeting_files": header["meeting_files"]})
    ).hexdigest()
    assert previous == header["genesis"]
    for text in lines[1:]:
        line = json.loads(text)
        body = {key: line[key] for key in ("actor", "at", "command", "events", "seqs")}
        previous = hashlib.sha256(bytes.fromhex(previous) + canonical(body)).hexdigest()
        assert previous == line["hash"]
    assert previous == header["head"] == stored_head(db)
    assert header["commands"] == len(lines) - 1 == 28
    # The meeting files' digest is over the three files as stored, in a fixed order.
    store = FloorStore.open(db)
    files = store.meeting_files()
    store.close()
    names = ("meeting.yaml", "agenda.yaml", "roster.yaml")
    assert header["meeting_files"] == hashlib.sha256(canonical({n: files[n] for n in names})).hexdigest()


def test_a_sound_database_and_its_export_give_the_same_head(db, tmp_path, capsys):
    head = stored_head(db)
    status, out, err = verify(capsys, db=db)
    assert status == 0 and err == ""
    assert "commands: 28" in out and f"head: {head}" in out and "chain: sound" in out
    status, out, _ = verify(capsys, log=export(db, tmp_path))
    assert status == 0 and f"head: {head}" in out


# --- tampering with the database ------------------------------------------------------------------


def test_a_command_changed_in_the_database_is_named_by_row_and_seq(db, capsys):
    tamper(db, ("UPDATE commands SET command = replace(command, 'document 1', 'document 7') WHERE n = 13",))
    status, out, err = verify(capsys, db=db)
    assert status == 2
    assert "BROKEN at row 13 (seq " in out and "differs: the command" in out
    assert "row 13" in err


def test_one_byte_changed_in_a_command_is_found(db, capsys):
    with contextlib.closing(sqlite3.connect(db)) as raw:
        n, first, command = raw.execute("SELECT n, first_seq, command FROM commands WHERE n = 6").fetchone()
    tamper(db, ("UPDATE commands SET command = ? WHERE n = 6", (command.replace("0", "1", 1),)))
    status, out, _ = verify(capsys, db=db)
    assert status == 2 and f"row 6 (seq {first}" in out


def test_an_event_changed_in_the_database_is_named_by_its_row(db, capsys):
    with contextlib.closing(sqlite3.connect(db)) as raw:
        seq, n = raw.execute(
            "SELECT seq, command_n FROM events WHERE event LIKE '%conclusion_recorded%' ORDER BY seq LIMIT 1 OFFSET 2"
        ).fetchone()
    tamper(db, ("UPDATE events SET event = replace(event, 'noted', 'approved') WHERE seq = ?", (seq,)))
    status, out, _ = verify(capsys, db=db)
    assert status == 2
    assert f"BROKEN at row {n} (seq {seq})" in out and "differs: its events" in out


def test_two_rows_swapped_in_the_database_break_the_order_at_the_first(db, capsys):
    columns = "actor, command_id, at, command, first_seq, last_seq"
    with contextlib.closing(sqlite3.connect(db)) as raw:
        row9 = raw.execute(f"SELECT {columns} FROM commands WHERE n = 9").fetchone()
        row10 = raw.execute(f"SELECT {columns} FROM commands WHERE n = 10").fetchone()
    assign = "actor = ?, command_id = ?, at = ?, command = ?, first_seq = ?, last_seq = ?"
    tamper(
        db,
        ("UPDATE commands SET command_id = 'x' || command_id WHERE n IN (9, 10)",),
        (f"UPDATE commands SET {assign} WHERE n = 9", row10),
        (f"UPDATE commands SET {assign} WHERE n = 10", row9),
        ("UPDATE events SET command_n = -command_n WHERE command_n IN (9, 10)",),
        ("UPDATE events SET command_n = 10 WHERE command_n = -9",),
        ("UPDATE events SET command_n = 9 WHERE command_n = -10",),
    )
    status, out, _ = verify(capsys, db=db)
    assert status == 2
    assert "BROKEN at row 9 (seq " in out and "differs: the order" in out


def test_a_row_deleted_from_the_database_is_named_at_the_row_after_it(db, capsys):
    tamper(
        db,
        ("DELETE FROM chain WHERE n = 20",),
        ("DELETE FROM events WHERE command_n = 20",),
        ("DELETE FROM commands WHERE n = 20",),
    )
    status, out, _ = verify(capsys, db=db)
    assert status == 2
    assert "BROKEN at row 21 (seq " in out and "a command before it is missing" in out
    assert "differs: the order" in out


def test_a_hash_changed_in_the_database_is_named(db, capsys):
    tamper(db, ("UPDATE chain SET hash = ? WHERE n = 4", ("0" * 64,)))
    status, out, _ = verify(capsys, db=db)
    assert status == 2 and "BROKEN at row 4 " in out and "differs: its hash" in out


# --- tampering with an exported log -----------------------------------------------------------------


def edit_line(log, number, change):
    lines = log.read_text(encoding="utf-8").splitlines()
    lines[number - 1] = change(lines[number - 1])
    log.write_text("".join(line + "\n" for line in lines if line is not None), encoding="utf-8")


def test_a_line_edited_in_a_log_is_named_by_verify_and_by_replay(db, tmp_path, capsys):
    log = export(db, tmp_path)
    edit_line(log, 14, lambda text: text.replace("document 1", "document 9"))
    status, out, _ = verify(capsys, log=log)
    assert status == 2 and "BROKEN at line 14 (seq " in out
    replayed = run_cli("floor", "replay", str(log))
    assert replayed.returncode == 2 and "Traceback" not in replayed.stderr
    assert "line 14 (seq " in replayed.stderr, replayed.stderr


def test_a_line_removed_from_a_log_is_named_by_verify_and_by_replay(db, tmp_path, capsys):
    log = export(db, tmp_path)
    edit_line(log, 6, lambda text: None)
    status, out, _ = verify(capsys, log=log)
    assert status == 2 and "BROKEN at line 6 (seq " in out and "differs: the order" in out
    replayed = run_cli("floor", "replay", str(log))
    assert replayed.returncode == 2 and "line 6 (seq " in replayed.stderr, replayed.stderr


def test_a_truncated_log_is_missing_the_later_head(db, tmp_path, capsys):
    log = export(db, tmp_path)
    later = stored_head(db)
    lines = log.read_text(encoding="utf-8").splitlines()
    kept_head = json.loads(lines[20])["hash"]
    log.write_text("".join(line + "\n" for line in lines[:21]), encoding="utf-8")
    status, out, _ = verify(capsys, log=log, head=later)
    assert status == 2
    assert "commands: 20" in out and "lines are missing at the end" in out
    assert f"head {later} is not in this record: entries are missing" in out
    # The head a delegation noted when those 20 commands were all there: the copy ends at it.
    status, out, _ = verify(capsys, log=log, head=kept_head[: chain.SHORT_HEAD])
    assert "the record ends at head" in out and "line 21" in out
    replayed = run_cli("floor", "replay", str(log))
    assert replayed.returncode == 2 and "lines are missing at the end" in replayed.stderr


def test_verify_head_says_ends_at_contains_or_missing(db, capsys):
    store = FloorStore.open(db)
    entries = list(store.chain_entries())
    store.close()
    status, out, _ = verify(capsys, db=db, head=entries[-1].hash)
    assert status == 0 and "the record ends at head" in out
    status, out, _ = verify(capsys, db=db, head=entries[9].hash.upper())
    assert status == 0 and "contains head" in out and "row 10" in out and "18 command(s) follow it" in out
    status, out, _ = verify(capsys, db=db, head="ab" * 32)
    assert status == 1 and "is not in this record" in out
    tamper(db, ("UPDATE commands SET at = '2021-06-08T12:05:01+02:00' WHERE n = 6",))
    status, out, _ = verify(capsys, db=db, head=entries[9].hash)
    assert status == 2 and "BROKEN at row 6 " in out and "not among the sound links before the break" in out


def test_a_bad_head_option_or_a_log_without_chain_is_said_plainly(db, tmp_path):
    result = run_cli("floor", "verify", "--db", str(db), "--head", "xyz")
    assert result.returncode == 2 and "--head 'xyz'" in result.stderr and "Traceback" not in result.stderr
    old = tmp_path / "old.jsonl"
    old.write_text('{"actor": "VC", "at": "2021-06-08T12:00:00+02:00", "command": {"type": "open_item", "id": "a", "item": 3}}\n')
    result = run_cli("floor", "verify", "--log", str(old))
    assert result.returncode == 2 and "no header with the record's chain" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_cli("floor", "verify")
    assert result.returncode == 2 and "exactly one of --db FILE" in result.stderr
    result = run_cli("floor", "verify", "--db", str(tmp_path / "missing.db"))
    assert result.returncode == 2 and "missing.db: file not found" in result.stderr
    garbled = tmp_path / "garbled.jsonl"
    garbled.write_text(export(db, tmp_path).read_text().replace('"actor": "USA"', '"actor": 7', 1))
    result = run_cli("floor", "verify", "--log", str(garbled))
    assert result.returncode == 2 and "line 4: field 'actor'" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


# --- databases made before the chain ----------------------------------------------------------------


def test_an_older_database_gets_its_chain_once_on_open_and_says_so(db, caplog):
    head = stored_head(db)
    tamper(db, ("DROP TABLE chain",))
    with caplog.at_level(logging.WARNING, logger="vccsched.server.store"):
        store = FloorStore.open(db)
    assert store.head == head
    store.close()
    assert "computed the record's hash chain once for 28 command(s)" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="vccsched.server.store"):
        FloorStore.open(db).close()
    assert caplog.text == ""


def test_appending_continues_the_chain(db, capsys):
    import datetime as dt

    from chain_helpers import START
    from vccsched.floor.engine import Floor
    from vccsched.floor.state import FloorSetup
    from vccsched.loading import load_meeting

    store = FloorStore.open(db)
    floor = Floor(FloorSetup.from_meeting(load_meeting()), events=store.events())
    before = store.head
    at = START + dt.timedelta(hours=1)
    answer = floor.handle_raw("VC", {"type": "suspend_meeting", "id": "vc-s"}, at)
    store.append("VC", at, {"type": "suspend_meeting", "id": "vc-s"}, answer.events)
    assert store.head != before
    store.close()
    status, out, _ = verify(capsys, db=db, head=before)
    assert status == 0 and "commands: 29" in out and "1 command(s) follow it" in out


# --- docs/protocol.md: its example log and its verifier are real ----------------------------------


def test_the_docs_example_log_and_python_verifier_work(tmp_path, capsys, monkeypatch):
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "protocol.md").read_text(encoding="utf-8")
    section = doc[doc.index("## The record's chain"):]
    (example,) = re.findall(r"```jsonl\n(.*?)\n```", section, flags=re.S)
    (verifier,) = re.findall(r"```python\n(.*?)\n```", section, flags=re.S)
    log = tmp_path / "log.jsonl"
    log.write_text(example + "\n", encoding="utf-8")
    status, out, _ = verify(capsys, log=log)
    assert status == 0 and "commands: 1" in out
    monkeypatch.chdir(tmp_path)
    exec(compile(verifier, "protocol.md", "exec"), {})  # noqa: S102 (our own documentation)
    log.write_text(example.replace('"item": 3}, "events"', '"item": 4}, "events"') + "\n", encoding="utf-8")
    with pytest.raises(AssertionError):
        exec(compile(verifier, "protocol.md", "exec"), {})  # noqa: S102


# --- heads that others keep: accepted, snapshot, the event with the view -----------------------------


async def test_the_head_is_in_accepted_the_snapshot_and_the_last_event_of_a_command(tmp_path):
    from live_server import live_server, ws_client

    async with live_server(tmp_path) as srv:
        async with ws_client(srv, "VC") as vc, ws_client(srv, "CHN") as chn:
            (snapshot,) = vc.catch_up
            genesis = srv.shell.store.genesis
            assert snapshot["type"] == "snapshot" and snapshot["head"] == genesis
            await vc.send({"type": "command", "command": {"type": "open_item", "id": "vc-1", "item": 3}})
            reply, before = await vc.recv_until("reply")
            assert reply["type"] == "accepted" and reply["head"] == srv.shell.store.head != genesis
            assert before[-1]["type"] == "event" and before[-1]["head"] == reply["head"]
            seen = await chn.recv()
            assert seen["type"] == "event" and seen["head"] == reply["head"]
            await chn.command({"type": "request_floor"})
            again, _ = await vc.command({"type": "open_item", "item": 3, "id": "vc-1"})
            assert again["repeated"] is True and again["head"] == srv.shell.store.head
        async with ws_client(srv, "USA") as usa:
            assert usa.catch_up[0]["head"] == srv.shell.store.head
    status = verify_record(tmp_path / "floor.db", None, again["head"])
    assert status == 0


def test_a_log_whose_header_was_removed_is_refused_by_replay(db, tmp_path):
    log = export(db, tmp_path)
    edit_line(log, 1, lambda text: None)
    replayed = run_cli("floor", "replay", str(log))
    assert replayed.returncode == 2 and "line 1: the line carries a hash, but the log has no header" in replayed.stderr


# --- the report to C22 ---------------------------------------------------------------------------------


def test_the_report_prints_head_count_and_how_to_check_and_refuses_a_broken_record(db, tmp_path):
    head = stored_head(db)
    out = tmp_path / "report.md"
    result = run_cli("report", "--db", str(db), "--out", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert f"covers 28 command(s) and ends at head {head}" in text
    assert f"'vccsched floor verify --db floor.db --head {head}'" in text
    log = export(db, tmp_path)
    result = run_cli("report", "--log", str(log), "--out", str(tmp_path / "from-log.html"))
    assert result.returncode == 0, result.stderr
    assert f"ends at head {head}" in (tmp_path / "from-log.html").read_text(encoding="utf-8")
    tamper(db, ("UPDATE commands SET command = replace(command, 'document 2', 'document 5') WHERE n = 20",))
    result = run_cli("report", "--db", str(db), "--out", str(tmp_path / "x.md"))
    assert result.returncode == 2 and "Broken record" in result.stderr and "row 20 (seq " in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "x.md").exists()


# --- the console: the short head in the status line, the day's head in the log ------------------------


async def test_the_console_shows_the_short_head_and_logs_the_head_when_the_meeting_is_suspended(tmp_path):
    from live_server import live_server
    from test_console_app import console, text, until

    async with live_server(tmp_path) as srv, console(srv, "VC") as (app, pilot):
        store = srv.shell.store
        await until(pilot, lambda: f"record {store.head[:12]}" in text(app, "#status-right"))
        await pilot.press("s", "y")
        await until(pilot, lambda: srv.shell.floor.state.suspended)
        head = store.head
        await until(pilot, lambda: f"record {head[:12]}" in text(app, "#status-right"))
        log = lambda: "".join(line.text for line in app.screen.query_one("#log").lines)  # noqa: E731
        await until(pilot, lambda: "record head for" in log())
        assert head in log() and f"verify --head {head[:12]}" in log()
        app.save_screenshot(str(tmp_path / "console.svg"))
        await pilot.press("s")
        await until(pilot, lambda: not srv.shell.floor.state.suspended)
        await until(pilot, lambda: f"record {store.head[:12]}" in text(app, "#status-right"))
        assert log().count("record head for") == 1  # resuming is no end of a day


def test_a_hash_edited_in_a_log_stops_the_replay_at_that_line(db, tmp_path):
    log = export(db, tmp_path)
    edit_line(log, 9, lambda text: re.sub(r'"hash": "[0-9a-f]{64}"', '"hash": "' + "0" * 64 + '"', text))
    replayed = run_cli("floor", "replay", str(log))
    assert replayed.returncode == 2 and "line 9 (seq " in replayed.stderr
    assert "does not match its content" in replayed.stderr, replayed.stderr
