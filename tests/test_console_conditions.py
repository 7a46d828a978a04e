"""The console under the conditions of a real link (issue 20), under App.run_test() against a
real server: a link that stalls without closing (tests/tcp_proxy.py), and the computer's
clock set 7 minutes forward and back during a speech."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest

import console.client
from console.app import ConsoleApp
from console.client import FloorClient
from live_server import live_server, ws_client
from tcp_proxy import TcpProxy

SIZE = (120, 36)


async def until(pilot, condition, timeout: float) -> float:
    """Let the app run until ``condition()`` holds; returns the seconds it took."""
    started = time.monotonic()
    async with asyncio.timeout(timeout):
        while not condition():
            await pilot.pause(0.05)
    return time.monotonic() - started


def status(app: ConsoleApp) -> str:
    return str(app.floor_screen.query_one("#status-right").render())


def speaker(app: ConsoleApp) -> str:
    return str(app.floor_screen.query_one("#speaker-name").render())


def countdown_seconds(app: ConsoleApp) -> float:
    shown = app.floor_screen.query_one("#countdown").value
    sign = -1 if shown.startswith("+") else 1
    minutes, seconds = shown.lstrip("+").split(":")
    return sign * (int(minutes) * 60 + int(seconds))


@pytest.mark.slow
async def test_a_stalled_link_leaves_live_within_12_s_and_is_right_2_s_after_it_returns(tmp_path):
    async with live_server(tmp_path) as srv, TcpProxy(srv.port) as proxy, ws_client(srv, "VC") as vc:
        await vc.command({"type": "open_item", "item": 3})
        url = f"ws://127.0.0.1:{proxy.port}/ws"
        app = ConsoleApp(FloorClient(url, srv.tokens["CHN"]), url=url, bell=False)  # the real backoff
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.floor_screen is not None and app.floor_screen.state is not None, 10)
            assert "live" in status(app)
            proxy.stall()  # no FIN, no RST
            await vc.command({"type": "give_floor", "delegation": "BRA"})
            noticed = await until(pilot, lambda: "● live" not in status(app), 13)
            assert noticed <= 12, noticed
            await asyncio.sleep(20 - noticed)
            assert "● live" not in status(app)

            proxy.resume()
            right = await until(pilot, lambda: "● live" in status(app) and "Brazil" in speaker(app), 5)
            assert right <= 2, right
            print(f"console: left live {noticed:.1f} s after the stall, right again {right:.2f} s after the link returned")


async def test_the_countdown_survives_the_computer_clock_set_7_minutes_off(tmp_path, monkeypatch):
    computer = {"off": dt.timedelta(0)}
    wall = console.client.wall_now
    monkeypatch.setattr(console.client, "wall_now", lambda: wall() + computer["off"])
    # No tick and no reconnection to help: the console's own clock must hold.
    async with live_server(tmp_path, heartbeat_seconds=3600) as srv, ws_client(srv, "VC") as vc:
        await vc.command({"type": "open_item", "item": 3})
        client = FloorClient(srv.ws_url, srv.tokens["CHN"], backoff=(0.05, 0.1), silence=3600)
        app = ConsoleApp(client, url=srv.ws_url, bell=False)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.floor_screen is not None and app.floor_screen.state is not None, 10)
            await vc.command({"type": "give_floor", "delegation": "BRA"})
            await until(pilot, lambda: "Brazil" in speaker(app), 5)

            async def check(what: str) -> None:
                await pilot.pause(0.5)  # a few of the console's own ticks
                # Whole seconds rounded up: when the figure changes to n, the console's own
                # time left has just passed n (a fifth of a second ago at most).
                before = countdown_seconds(app)
                async with asyncio.timeout(5):
                    while (shown := countdown_seconds(app)) == before:
                        await pilot.pause(0.02)
                left = srv.shell.floor.state.speaker.limit_seconds - (
                    srv.shell.clock() - srv.shell.floor.state.speaker.running_since
                ).total_seconds()
                assert abs(left - shown) <= 1, (what, shown, left)
                assert "● live" in status(app), what

            await check("before")
            computer["off"] = dt.timedelta(minutes=7)
            await check("the computer clock set 7 minutes forward")
            computer["off"] = dt.timedelta(minutes=-7)
            await check("then 7 minutes back")


def test_a_tick_beyond_the_last_seq_asks_for_the_missed_events_and_moves_the_clock():
    from console.session import ClientSession

    session = ClientSession("tok")
    t0 = dt.datetime(2021, 6, 8, 10, 0, tzinfo=dt.timezone.utc)
    session.hello(t0)
    session.receive('{"type": "welcome", "protocol": "x", "delegation": "VC", "category": "chair", "seq": 0}', t0)
    session.receive(
        '{"type": "snapshot", "seq": 0, "state": ' + _empty_state() + "}", t0
    )
    # The server's clock is 90 s ahead of ours, and an event went missing on the way.
    _, replies = session.receive('{"type": "tick", "server_time": "2021-06-08T12:01:30+02:00", "seq": 2}', t0)
    assert replies == ['{"type": "sync", "last_seq": 0}']
    assert session.server_now(t0) == t0 + dt.timedelta(seconds=90)
    _, replies = session.receive('{"type": "tick", "server_time": "2021-06-08T12:01:35+02:00", "seq": 2}', t0)
    assert replies == []  # asked once already


def _empty_state() -> str:
    from vccsched.floor.engine import Floor
    from vccsched.floor.state import FloorSetup
    from vccsched.loading import DEFAULT_MEETING_DIR, load_meeting

    return Floor(FloorSetup.from_meeting(load_meeting(DEFAULT_MEETING_DIR))).state.model_dump_json()
