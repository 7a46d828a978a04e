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
    async with live_server(tmp_path, heartbeat_seconds=1.0) as srv, ws_client(srv, "VC") as vc:
        await vc.command({"type": "open_item", "item": 3})
        app = ConsoleApp(FloorClient(srv.ws_url, srv.tokens["CHN"], backoff=(0.05, 0.1)), url=srv.ws_url, bell=False)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.floor_screen is not None and app.floor_screen.state is not None, 10)
            await vc.command({"type": "give_floor", "delegation": "BRA"})
            await until(pilot, lambda: "Brazil" in speaker(app), 5)

            async def check(what: str) -> None:
                await pilot.pause(2.5)  # the console's ticks, and two of the server's
                # Whole seconds rounded up: when the figure changes to n, the console's own
                # time left has just passed n (a fifth of a second ago at most).
                before = countdown_seconds(app)
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
