"""Rough edges a new user met in the console (issue 16): errors that retrying cannot cure,
reopening a closed item by accident, the close dialog's count, the Today panel after a
re-plan, the start-up toast, the suspended meeting said to the chair, the day's span
under the selected item, and the chair's keys at 100 columns."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from console.app import NOTICE_SECONDS, ConsoleApp
from console.client import FloorClient
from console.connection_errors import TLS_ATTEMPTS, lasting_problem
from console.dialogs import ConfirmDialog
from console.model import planned_day
from console.sample import SAMPLE_PLAN, Script, hand_plan, mixed_floor
from console.screen import ChairScreen
from console.source import FixedFloor
from console.timing import PlanHistory
from live_server import live_server, ws_client
from test_console_app import console, queue, text, until
from vccsched.floor.commands import parse_command
from vccsched.floor.engine import Floor

GENEVA = dt.timezone(dt.timedelta(hours=2))


# --- 3: errors that will not go away -------------------------------------------------------


async def _run_until_stopped(client: FloorClient) -> None:
    async with asyncio.timeout(10):
        await client.run()


async def test_a_path_the_server_does_not_serve_stops_the_console_with_the_reason(tmp_path):
    async with live_server(tmp_path) as srv:
        url = srv.ws_url.rsplit("/", 1)[0] + "/console"
        client = FloorClient(url, srv.tokens["VC"], backoff=(0.05,))
        await _run_until_stopped(client)  # returns: no retrying for ever
        assert client.connection.status == "rejected"
        assert "HTTP 404" in client.connection.detail and "'/console'" in client.connection.detail
        assert "/ws" in client.connection.detail


async def test_tls_against_a_plain_server_stops_the_console_with_the_reason(tmp_path):
    async with live_server(tmp_path) as srv:
        client = FloorClient(srv.ws_url.replace("ws://", "wss://"), srv.tokens["VC"], backoff=(0.05,))
        await _run_until_stopped(client)
        assert client.connection.status == "rejected"
        assert "TLS handshake" in client.connection.detail and "http:// (ws://)" in client.connection.detail
        assert client.connection.attempt == 0  # stopped after TLS_ATTEMPTS tries, not retrying


def test_a_console_that_was_live_keeps_trying_with_the_reason_shown():
    reset = ConnectionResetError()
    assert lasting_problem(reset, "ws://h:1/ws", attempt=5, ever_connected=False) is None  # a plain reset passes
    reason, stop = lasting_problem(reset, "wss://h:1/ws", attempt=5, ever_connected=True)
    assert not stop and "TLS" in reason
    assert lasting_problem(reset, "wss://h:1/ws", attempt=TLS_ATTEMPTS - 2, ever_connected=False)[1] is False
    assert lasting_problem(reset, "wss://h:1/ws", attempt=TLS_ATTEMPTS - 1, ever_connected=False)[1] is True


async def test_a_server_that_is_down_is_still_retried(tmp_path):
    async with live_server(tmp_path) as srv:
        url = srv.ws_url
    client = FloorClient(url, "token", backoff=(0.05,))
    task = asyncio.create_task(client.run())
    try:
        async with asyncio.timeout(5):
            while client.connection.attempt < 3:
                await asyncio.sleep(0.02)
        assert client.connection.status in ("reconnecting", "offline")
    finally:
        await client.close()
        task.cancel()


async def test_the_console_app_ends_with_the_reason_on_a_404(tmp_path):
    async with live_server(tmp_path) as srv:
        url = srv.ws_url.rsplit("/", 1)[0] + "/floor"
        app = ConsoleApp(FloorClient(url, srv.tokens["VC"], backoff=(0.05,)), url=url, bell=False)
        async with asyncio.timeout(10):
            async with app.run_test(size=(100, 30)) as pilot:
                await until(pilot, lambda: app.refused is not None)
        assert "HTTP 404" in app.refused


# --- 4 and 5: reopening asks first; the close dialog counts what confirming drops -------------


@pytest.mark.slow
async def test_o_on_a_closed_or_deferred_item_asks_before_reopening_it(tmp_path):
    async with live_server(tmp_path) as srv, console(srv, "VC") as (app, pilot):
        floor = lambda: srv.shell.floor.state  # noqa: E731
        table = app.screen.query_one("#agenda-table")
        table.move_cursor(row=[r.number for r in table.rows_shown].index(3))
        await pilot.press("o")  # pending: opened at once
        await until(pilot, lambda: floor().current_item == 3)
        async with ws_client(srv, "VC") as vc:
            await vc.command({"type": "defer_item", "requested_by": "IRN"})
        await until(pilot, lambda: "Item deferred" in text(app, "#conclusion"))
        await pilot.press("c", "y")
        await until(pilot, lambda: floor().items[3].status == "closed")
        await until(pilot, lambda: "No item is open" in text(app, "#item"))
        # The selection moves on to the next item to take up: o right after c opens that one.
        await until(pilot, lambda: app.screen.query_one("#agenda").selected_item not in (None, 3))
        following = app.screen.query_one("#agenda").selected_item
        assert floor().items[following].status == "pending"
        # Back on the closed item, o asks first.
        table.move_cursor(row=[r.number for r in table.rows_shown].index(3))
        await pilot.pause(0.05)
        await pilot.press("o")
        assert isinstance(app.screen, ConfirmDialog)
        assert "deferred to C22" in str(app.screen.query_one(".dialog-body").render())
        await pilot.press("n")  # not reopened
        await pilot.pause(0.2)
        assert floor().items[3].status == "closed"
        await pilot.press("o", "y")
        await until(pilot, lambda: floor().items[3].status == "open")


@pytest.mark.slow
async def test_o_on_a_pending_item_opens_it_at_once(tmp_path):
    async with live_server(tmp_path) as srv, console(srv, "VC") as (app, pilot):
        await pilot.press("o")
        await until(pilot, lambda: srv.shell.floor.state.current_item is not None)
        assert isinstance(app.screen, ChairScreen)


@pytest.mark.slow
async def test_the_close_dialog_says_what_confirming_drops_even_when_the_list_grew(tmp_path):
    async with live_server(tmp_path) as srv, console(srv, "VC") as (app, pilot):
        async with ws_client(srv, "VC") as vc:
            await vc.command({"type": "open_item", "item": 3})
        async with ws_client(srv, "BRA") as bra:
            await bra.command({"type": "request_floor"})
        await until(pilot, lambda: queue(app) == [("BRA", "speech")])
        await pilot.press("c")
        assert isinstance(app.screen, ConfirmDialog)
        body = lambda: str(app.screen.query_one(".dialog-body").render())  # noqa: E731
        assert "1 waiting request will be dropped" in body()
        async with ws_client(srv, "GBR") as gbr:
            await gbr.command({"type": "request_floor"})
        await until(pilot, lambda: "2 waiting requests will be dropped" in body())
        await pilot.press("y")
        await until(pilot, lambda: srv.shell.floor.state.items[3].status == "closed")
        closed = srv.shell.floor.events[-1]
        assert closed.type == "item_closed" and len(closed.dropped) == 2


@pytest.mark.slow
async def test_confirming_a_close_after_the_item_changed_closes_nothing(tmp_path):
    async with live_server(tmp_path) as srv, console(srv, "VC") as (app, pilot):
        async with ws_client(srv, "VC") as vc:
            await vc.command({"type": "open_item", "item": 3})
            await until(pilot, lambda: "item 3" in text(app, "#item"))
            await pilot.press("c")
            await vc.command({"type": "close_item"})  # from another chair console
            await vc.command({"type": "open_item", "item": 4})
        body = lambda: str(app.screen.query_one(".dialog-body").render())  # noqa: E731
        await until(pilot, lambda: "no longer open" in body())
        await pilot.press("y")
        await pilot.pause(0.3)
        assert srv.shell.floor.state.items[4].status == "open"


# --- 6: the Today panel after a re-plan ---------------------------------------------------------


def test_after_a_re_plan_the_items_done_come_first_in_the_order_they_ran_at_their_times():
    s = Script()
    first = hand_plan(s.floor.setup, SAMPLE_PLAN)
    s.do("SG", {"type": "publish_plan", "plan": first})
    history = PlanHistory()
    history.note(s.state)
    # Run item 7 before items 1 and 2 (planned 12:00 and 12:05), then 1, leaving 2 and the rest.
    s.do("VC", {"type": "open_item", "item": 7}, wait=300).do("VC", {"type": "close_item"}, wait=60)
    s.do("VC", {"type": "open_item", "item": 1}, wait=120).do("VC", {"type": "close_item"}, wait=60)
    ran_7 = s.state.items[7].taken_at
    # The re-plan: what is left from 13:00, in another order.
    left = {dt.date(2021, 6, 8): [2, 8, 9, 36, 37, 38, 41], dt.date(2021, 6, 9): [42, 3, 4, 5, 6]}
    s.do("SG", {"type": "publish_plan", "plan": replan(s, left)})
    history.note(s.state)
    day = planned_day(s.state, s.now, history.before(s.state.plan.revision))
    numbers = [r.number for r in day.rows]
    assert numbers[:2] == [7, 1]  # done, in the order they ran (not at their old planned times)
    assert day.rows[0].start == ran_7 and day.rows[0].ran_end == s.state.items[7].closed_at
    rest = day.rows[2:]
    assert all(r.ran_start is None for r in rest)
    assert [r.start for r in rest] == sorted(r.start for r in rest)
    assert rest[0].number == 2 and rest[0].start.astimezone(GENEVA).hour == 13


def replan(s: Script, days: dict) -> dict:
    return hand_plan(s.floor.setup, days, start=dt.time(13, 0))


# --- 7, 8, 9: the start-up toast, the chair told to resume, the day's span -----------------------


async def test_the_start_up_notes_go_to_the_log_and_the_toast_is_short():
    script = mixed_floor()
    source = FixedFloor(script.state, script.now)
    notes = ["The links to copy are in:", "/tmp/links.txt", "Simulated delegations are asking for the floor."]
    app = ConsoleApp(source, bell=False, notices=notes)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: app.floor_screen is not None)
        await pilot.pause(0.1)
        [toast] = list(app._notifications)
        assert toast.timeout <= NOTICE_SECONDS <= 8 and len(toast.message) < 40
        log = "\n".join(str(line) for line in app.screen.query_one("#log").lines)
        assert all(note in log for note in notes)


def test_a_suspended_meeting_is_said_to_the_chair_as_the_chairs_to_resume():
    s = Script().do("VC", {"type": "open_item", "item": 3}).do("VC", {"type": "suspend_meeting"})
    floor: Floor = s.floor
    chair = floor.handle("VC", parse_command({"type": "next_speaker", "id": "x1"}), s.now).refusal
    delegate = floor.handle("BRA", parse_command({"type": "request_floor", "id": "x2"}), s.now).refusal
    assert chair.code == delegate.code == "meeting_suspended"
    assert "resume it first" in chair.message and "wait for the chair" not in chair.message
    assert "wait for the chair to resume it" in delegate.message


@pytest.mark.slow
async def test_n_while_suspended_tells_the_chair_to_press_s(tmp_path):
    async with live_server(tmp_path) as srv, console(srv, "VC") as (app, pilot):
        async with ws_client(srv, "VC") as vc:
            await vc.command({"type": "suspend_meeting"})
        await until(pilot, lambda: "SUSPENDED" in text(app, "#item"))
        await pilot.press("n")
        await until(pilot, lambda: bool(app.refusals))
        said = [str(n.message) for n in app._notifications]
        assert any("Press s to resume" in m for m in said) and not any("wait for the chair" in m for m in said)


async def test_the_selected_items_box_ends_with_the_items_own_times():
    script = mixed_floor()
    app = ConsoleApp(FixedFloor(script.state, script.now), bell=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: app.floor_screen is not None and app.floor_screen.state is not None)
        await pilot.pause(0.2)
        selected = text(app, "#agenda-selected")
        summary = text(app, "#agenda-summary")
        assert "12:25–13:35" in selected and "12:00–14:40" not in selected
        assert summary.startswith("Day: 12:00–14:40 · ") and summary.endswith("ahead")
        panel = app.screen.query_one("#agenda")
        children = list(panel.children)
        assert children.index(panel.query_one("#agenda-selected")) == len(children) - 1


# --- 13: at 100 x 30 nothing is cut --------------------------------------------------------


async def test_at_100_by_30_every_chair_key_and_every_waiting_list_column_shows():
    script = mixed_floor()
    app = ConsoleApp(FixedFloor(script.state, script.now), bell=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.floor_screen is not None and app.floor_screen.state is not None)
        await pilot.pause(0.3)
        shown = [c.key for c in app.screen.query_one("#queue")._layout()[0]]
        assert shown[-1] == "spoken", shown
        footer = app.screen.query_one("Footer")
        keys = [k for k in footer.query("FooterKey")]
        right = max(k.region.right for k in keys)
        assert right <= 100 and {k.key for k in keys} >= {"n", "c", "question_mark"}
        assert all(k.region.width > 0 and k.region.right <= footer.region.right for k in keys)


async def test_a_done_items_box_says_when_it_ran():
    s = Script()
    s.do("SG", {"type": "publish_plan", "plan": hand_plan(s.floor.setup, SAMPLE_PLAN)})
    s.do("VC", {"type": "conclude_en_bloc"}, wait=60)
    s.do("VC", {"type": "open_item", "item": 36}, wait=600).do("VC", {"type": "close_item"}, wait=60)
    app = ConsoleApp(FixedFloor(s.state, s.now), bell=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: app.floor_screen is not None and app.floor_screen.state is not None)
        table = app.screen.query_one("#agenda-table")
        numbers = [r.number for r in table.rows_shown]
        table.move_cursor(row=numbers.index(36))
        await pilot.pause(0.1)
        assert "ran 12:01–12:11" in text(app, "#agenda-selected")
        table.move_cursor(row=numbers.index(1))
        await pilot.pause(0.1)
        assert "closed at 12:00" in text(app, "#agenda-selected")
