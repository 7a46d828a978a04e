"""Contributions on the floor: shown per item, "presented" derived from who has spoken, and
nothing about who may speak or in what order changes (Annex 1: Member States without a
contribution may still speak). The console (Pilot) and the page (Playwright) against a
real server given the register."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from live_server import live_server, ws_client
from test_console_app import console, queue, text, until
from test_page import Watch, browser, browser_test, delegate  # noqa: F401 (browser: a fixture)

from vccsched.contributions.floor import floor_contributions, load_floor_contributions
from vccsched.contributions.register import read_register
from vccsched.errors import DataError
from vccsched.floor.engine import Floor
from vccsched.floor.state import Contribution, FloorSetup
from vccsched.floor.view import floor_view, item_contributions
from vccsched.loading import DEFAULT_MEETING_DIR

try:
    from playwright.async_api import expect
except ImportError:  # pragma: no cover - playwright is a test dependency
    expect = None

T0 = dt.datetime(2021, 6, 8, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
REGISTER = (
    "Document symbol,Member State,Items,Received\n"
    "C21/81,Brazil,3,2021-05-24\n"
    "C21/75,China,3,2021-05-20\n"
    "C21/90,United Kingdom,3,2021-05-21\n"
)
#: Contributors of every tier that may contribute, and some that may not (the rules must not care).
CONTRIBUTIONS = {
    3: [Contribution(symbol=f"C21/{70 + i}", delegation=d) for i, d in enumerate(["GBR", "NZL", "KEN", "SM-R1", "PSE"])]
}
SPEAKERS = ["CHN", "USA", "RUS", "BRA", "GBR", "NZL", "PSE", "KEN", "SM-R1", "SM-T1"]


def register_file(tmp_path: Path) -> Path:
    path = tmp_path / "register.csv"
    path.write_text(REGISTER, encoding="utf-8")
    return path


class Driver:
    def __init__(self, setup: FloorSetup) -> None:
        self.floor = Floor(setup)
        self.now = T0
        self.n = 0

    def send(self, actor: str, type_: str, **fields):
        self.now += dt.timedelta(seconds=7)
        self.n += 1
        return self.floor.handle_raw(actor, {"type": type_, "id": f"c{self.n}", **fields}, self.now)


def plain(answer) -> tuple:
    return (answer.refusal.code if answer.refusal else None, [e.model_dump(mode="json") for e in answer.events])


actions = st.lists(
    st.one_of(
        st.tuples(st.just("request_floor"), st.sampled_from(SPEAKERS), st.sampled_from(["speech", "point_of_order", "right_of_reply"])),
        st.tuples(st.just("withdraw"), st.sampled_from(SPEAKERS), st.just("speech")),
        st.tuples(st.just("next_speaker"), st.just("VC"), st.just("")),
        st.tuples(st.just("end_speech"), st.just("VC"), st.just("")),
        st.tuples(st.just("give_floor"), st.just("VC"), st.sampled_from(SPEAKERS)),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(actions)
@example([("request_floor", "GBR", "speech"), ("request_floor", "CHN", "speech"), ("request_floor", "KEN", "speech"),
          ("request_floor", "SM-T1", "point_of_order"), ("next_speaker", "VC", ""), ("request_floor", "SM-R1", "speech"),
          ("request_floor", "USA", "speech"), ("next_speaker", "VC", ""), ("request_floor", "KEN", "right_of_reply")])
def test_the_queue_order_is_unchanged_by_contributions(c21, steps):
    plain_setup = FloorSetup.from_meeting(c21)
    with_contributions = FloorSetup.from_meeting(c21, CONTRIBUTIONS)
    assert with_contributions.item(3).contributions and not plain_setup.item(3).contributions
    a, b = Driver(plain_setup), Driver(with_contributions)
    for floor in (a, b):
        floor.send("VC", "open_item", item=3)
    for type_, actor, extra in steps:
        fields = {}
        if type_ in ("request_floor", "withdraw"):
            fields = {"kind": extra}
        elif type_ == "give_floor":
            fields = {"delegation": extra}
        assert plain(a.send(actor, type_, **fields)) == plain(b.send(actor, type_, **fields))
        assert a.floor.state.items[3].queue == b.floor.state.items[3].queue
    assert a.floor.state.items[3].spoken == b.floor.state.items[3].spoken


def test_a_member_state_without_a_contribution_is_not_put_behind_a_contributor(c21):
    floor = Driver(FloorSetup.from_meeting(c21, {3: [Contribution(symbol="C21/90", delegation="GBR"),
                                                     Contribution(symbol="C21/81", delegation="BRA")]}))
    floor.send("VC", "open_item", item=3)
    for who in ("GBR", "BRA", "CHN"):
        assert floor.send(who, "request_floor").refusal is None
    # Tier first (Council Members before observers), then first come: contributions count for nothing.
    assert [r.delegation for r in floor.floor.state.items[3].queue] == ["BRA", "CHN", "GBR"]


def test_presented_is_derived_from_a_speech_on_the_item(c21):
    floor = Driver(FloorSetup.from_meeting(c21, {3: [Contribution(symbol="C21/75", delegation="CHN"),
                                                     Contribution(symbol="C21/81", delegation="BRA")],
                                                 4: [Contribution(symbol="C21/83", delegation="BRA")]}))
    floor.send("VC", "open_item", item=3)
    state = lambda: floor.floor.state  # noqa: E731
    assert [(c.symbol, c.name, c.presented) for c in item_contributions(state(), 3)] == [
        ("C21/75", "China", False), ("C21/81", "Brazil", False)]
    floor.send("BRA", "request_floor", kind="point_of_order")
    floor.send("VC", "next_speaker")
    floor.send("VC", "end_speech")
    assert not any(c.presented for c in item_contributions(state(), 3))  # a point of order presents nothing
    floor.send("CHN", "request_floor")
    floor.send("VC", "next_speaker")
    assert [c.presented for c in item_contributions(state(), 3)] == [True, False]
    assert [c.presented for c in floor_view(state()).current_item.contributions] == [True, False]
    floor.send("VC", "close_item")
    floor.send("VC", "open_item", item=4)
    assert [c.presented for c in floor_view(state()).current_item.contributions] == [False]  # per item


def test_the_register_becomes_per_item_contributions_in_order_of_arrival(c21, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text(REGISTER + "C21/75,Japan,3,2021-05-22\nC21/91,SM-T1,3,2021-05-22\nC21/92,Chile,3,2021-05-22\n"
                    "C21/93,Canada,\"3, 99\",2021-05-30\n", encoding="utf-8")
    found, notes = floor_contributions(c21, read_register(path))
    assert [(c.symbol, c.delegation) for c in found[3]] == [
        ("C21/75", "CHN"), ("C21/90", "GBR"), ("C21/81", "BRA"), ("C21/93", "CAN")]
    assert len(notes) == 4 and all("row" in n for n in notes)  # Japan's repeat, SM-T1, Chile, item 99


def test_the_meeting_folders_register_is_the_default_and_a_bad_one_stops_the_server(c21, tmp_path):
    assert load_floor_contributions(c21, None, DEFAULT_MEETING_DIR) == ({}, [])
    folder = tmp_path / "meeting"
    folder.mkdir()
    (folder / "contributions.csv").write_text(REGISTER, encoding="utf-8")
    found, _ = load_floor_contributions(c21, None, folder)
    assert [c.symbol for c in found[3]] == ["C21/75", "C21/90", "C21/81"]
    (folder / "contributions.csv").write_text("nothing useful\n", encoding="utf-8")
    with pytest.raises(DataError):
        load_floor_contributions(c21, None, folder)


# --- live: the server's snapshot, the console and the page ------------------------------------


async def test_the_snapshot_carries_the_contributions_and_the_console_marks_contributors(tmp_path):
    async with live_server(tmp_path, contributions=register_file(tmp_path)) as srv, console(srv, "VC") as (app, pilot):
        setup = app.floor_screen.state.setup
        assert [c.symbol for c in setup.item(3).contributions] == ["C21/75", "C21/90", "C21/81"]
        async with ws_client(srv, "VC") as vc:
            await vc.command({"type": "open_item", "item": 3})
            await until(pilot, lambda: "Contributions:" in text(app, "#item"))
            assert "C21/75 China, C21/90 United Kingdom, C21/81 Brazil — presented: none yet" in text(app, "#item")
            async with ws_client(srv, "BRA") as bra, ws_client(srv, "CHN") as chn, ws_client(srv, "USA") as usa:
                await chn.command({"type": "request_floor"})
                await usa.command({"type": "request_floor"})
                await bra.command({"type": "request_floor"})
            await until(pilot, lambda: queue(app) == [("CHN", "speech"), ("USA", "speech"), ("BRA", "speech")])
            waiting = app.screen.query_one("#queue")
            assert "✎ C21/75" in waiting.row_text(0)["name"]
            assert "✎" not in waiting.row_text(1)["name"]  # the United States sent none, and keeps its place
            assert "✎ C21/81" in waiting.row_text(2)["name"]
            await vc.command({"type": "next_speaker"})
            await vc.command({"type": "end_speech"})
            await until(pilot, lambda: "presented: China" in text(app, "#item"))
            await pilot.pause(0.2)
            app.save_screenshot("contributions-console.svg", path="/tmp")


@pytest.mark.slow
@browser_test
async def test_the_page_shows_the_open_items_contributions_with_symbols(browser, tmp_path):  # noqa: F811
    watch = Watch()
    async with live_server(tmp_path, contributions=register_file(tmp_path)) as srv, ws_client(srv, "VC") as vc:
        page = await delegate(browser, srv, "BRA", watch)
        await vc.command({"type": "open_item", "item": 4})  # no contribution: nothing shown
        await expect(page.locator("#item-code")).to_have_text("PL 1.04")
        await expect(page.locator("#contributions")).to_be_hidden()
        await vc.command({"type": "close_item"})
        await vc.command({"type": "open_item", "item": 3})
        rows = page.locator("#contributions li")
        await expect(rows).to_have_count(3)
        await expect(rows.nth(0)).to_have_text("C21/75 China")
        await expect(rows.nth(2)).to_have_text("C21/81 Brazil")
        async with ws_client(srv, "CHN") as chn:
            await chn.command({"type": "request_floor"})
        await vc.command({"type": "next_speaker"})
        await expect(rows.nth(0)).to_have_text("C21/75 China ✓ presented")
        await expect(rows.nth(2)).not_to_contain_text("presented")
        await page.screenshot(path="/tmp/contributions-page.png")
    watch.check()


# --- the register stored in the database: a restart without --contributions keeps it -----------


async def shown_contributions(proc, token: str) -> dict[int, list[tuple[str, str]]]:
    """Per item, (symbol, delegation) as the snapshot of a server in its own process gives them."""
    import asyncio
    import json

    from websockets.asyncio.client import connect

    from vccsched.floor.protocol import PROTOCOL_VERSION

    async with connect(proc.ws_url) as ws:
        await ws.send(json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "last_seq": None, "token": token}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "welcome"
        snapshot = json.loads(await asyncio.wait_for(ws.recv(), 5))
    return {i["number"]: [(c["symbol"], c["delegation"]) for c in i["contributions"]]
            for i in snapshot["state"]["setup"]["items"] if i.get("contributions")}


def started(proc) -> str:
    """The line the server printed on start about the register."""
    return next(line for line in proc.output if line.strip().startswith("contributions"))


async def test_the_register_is_stored_and_shown_again_after_a_restart_without_it(tmp_path):
    from live_server import issue_tokens, start_server_process

    db = tmp_path / "floor.db"
    token = issue_tokens(db)["VC"]
    first = [("C21/75", "CHN"), ("C21/90", "GBR"), ("C21/81", "BRA")]
    proc = start_server_process(db, "--contributions", str(register_file(tmp_path)))
    try:
        assert "3 on 1 item(s): register given now" in started(proc)
        assert "replacing" not in started(proc)
        assert await shown_contributions(proc, token) == {3: first}
    finally:
        assert proc.terminate() == 0
    # Restarted without the option: the stored register, and the line says so and when.
    proc = start_server_process(db)
    try:
        assert await shown_contributions(proc, token) == {3: first}
        assert re.search(r"3 on 1 item\(s\): the register stored on \d{4}-\d\d-\d\d \d\d:\d\d CES?T \(.*register.csv\); "
                         "give --contributions to replace it", started(proc)), started(proc)
    finally:
        assert proc.terminate() == 0
    # A new register replaces the stored one (killed: what was said on start was on disk).
    newer = tmp_path / "newer.csv"
    newer.write_text("Document symbol,Member State,Items,Received\nC21/99,Kenya,4,2021-05-25\n", encoding="utf-8")
    proc = start_server_process(db, "--contributions", str(newer))
    try:
        assert re.search(r"1 on 1 item\(s\): register given now \(.*newer.csv\), stored in the database, "
                         r"replacing the register stored on \d{4}-\d\d-\d\d", started(proc)), started(proc)
    finally:
        proc.kill()
    proc = start_server_process(db)
    try:
        assert await shown_contributions(proc, token) == {4: [("C21/99", "KEN")]}
    finally:
        assert proc.terminate() == 0


def test_the_stored_register_is_replaced_whole_and_bounded(tmp_path):
    from server.store import MAX_STORED_CONTRIBUTIONS, FloorStore, StoreError
    from vccsched.meeting_files import meeting_file_texts

    store = FloorStore.create(tmp_path / "floor.db", "C21/VCC-1", meeting_file_texts(DEFAULT_MEETING_DIR))
    try:
        assert store.stored_contributions() is None
        store.store_contributions({3: [("C21/75", "CHN"), ("C21/81", "BRA")], 5: [("C21/75", "CHN")]}, "a.csv")
        store.store_contributions({4: [("C21/99", "KEN")]}, "b.csv")
        stored = store.stored_contributions()
        assert (stored.items, stored.source) == ({4: [("C21/99", "KEN")]}, "b.csv")
        assert dt.datetime.fromisoformat(stored.stored_at).tzinfo is not None
        too_many = {3: [(f"C21/{n}", "CHN") for n in range(MAX_STORED_CONTRIBUTIONS + 1)]}
        with pytest.raises(StoreError, match=r"c.csv: 10001 contributions by item; at most 10000 are stored"):
            store.store_contributions(too_many, "c.csv")
        with pytest.raises(StoreError, match="longer than 200 characters"):
            store.store_contributions({3: [("C" * 201, "CHN")]}, "d.csv")
        assert store.stored_contributions().items == {4: [("C21/99", "KEN")]}  # nothing half stored
        store.store_contributions({}, "empty.csv")  # an empty register given is stored as such
        assert store.stored_contributions().items == {}
    finally:
        store.close()


def test_report_db_lists_the_register_the_server_stored(tmp_path, cli):
    """``report --db`` takes the register the server stored (what the floor showed) without
    ``--contributions``, and says so; a register given still wins."""
    from chain_helpers import make_database

    db = tmp_path / "floor.db"
    store = make_database(db, rounds=1)  # item 3: China spoke
    store.store_contributions({3: [("C21/75", "CHN"), ("C21/81", "BRA")]}, "/secretariat/register.csv")
    store.close()
    out = tmp_path / "report.md"
    done = cli("report", "--db", str(db), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "Contributions considered: C21/75 (China), C21/81 (Brazil); presented by China." in out.read_text(encoding="utf-8")
    assert "the register the server stored on" in done.stderr and "/secretariat/register.csv" in done.stderr
    given = tmp_path / "given.csv"
    given.write_text("Document symbol,Member State,Items,Received\nC21/99,Kenya,3,2021-05-25\n", encoding="utf-8")
    done = cli("report", "--db", str(db), "--contributions", str(given), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "C21/99 (Kenya)" in out.read_text(encoding="utf-8") and "C21/75" not in out.read_text(encoding="utf-8")
