"""The server's heartbeat (docs/protocol.md, ``tick``), against a real server on port 0: every
connection hears something at least once a period, a tick when nothing else came; none
while events are flowing."""

from __future__ import annotations

import asyncio
import json
import time

from live_server import live_server, ws_client

from vccsched.floor.protocol import TickMessage, parse_server_message

PERIOD = 0.6


async def frames_for(client, seconds: float) -> list[tuple[float, dict]]:
    """Everything the client receives for ``seconds``, with the monotonic time of receipt."""
    got: list[tuple[float, dict]] = []
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        try:
            text = await asyncio.wait_for(client.ws.recv(), left)
        except TimeoutError:
            break
        got.append((time.monotonic(), json.loads(text)))
    return got


async def test_a_quiet_connection_gets_a_tick_each_period_with_the_servers_time_and_seq(tmp_path):
    async with live_server(tmp_path, heartbeat_seconds=PERIOD) as srv, ws_client(srv, "VC") as vc:
        await vc.command({"type": "open_item", "item": 3})
        async with ws_client(srv, "BRA") as bra, ws_client(srv, "GBR") as gbr:
            # The welcome says the period (docs/protocol.md): clients take 2 x it of silence as dead.
            assert vc.welcome["heartbeat_seconds"] == bra.welcome["heartbeat_seconds"] == PERIOD
            started = time.monotonic()
            got = await frames_for(bra, 8 * PERIOD)
            ticks = [m for _, m in got if m["type"] == "tick"]
            assert ticks and [m["type"] for _, m in got] == ["tick"] * len(got)
            assert 6 <= len(ticks) <= 12, len(ticks)  # about one a period, never a flood
            times = [started] + [at for at, _ in got]
            assert max(b - a for a, b in zip(times, times[1:])) <= PERIOD * 1.3
            tick = parse_server_message(json.dumps(ticks[-1]))
            assert isinstance(tick, TickMessage) and tick.seq == srv.shell.floor.seq == 1
            assert abs((tick.server_time - srv.shell.clock()).total_seconds()) < 2 * PERIOD
            assert tick.server_time.utcoffset() is not None
            # Every connection hears them, not only the one being read.
            assert any(m["type"] == "tick" for _, m in await frames_for(gbr, 2 * PERIOD))


async def test_no_tick_while_events_flow_and_the_gaps_stay_under_the_period(tmp_path):
    async with live_server(tmp_path, heartbeat_seconds=PERIOD) as srv, ws_client(srv, "VC") as vc:
        await vc.command({"type": "open_item", "item": 3})
        async with ws_client(srv, "BRA") as bra:
            reader = asyncio.create_task(frames_for(bra, 12 * PERIOD))
            for n in range(24):  # an event every quarter period, then quiet
                await vc.command({"type": "close_list" if n % 2 == 0 else "reopen_list"})
                await asyncio.sleep(PERIOD / 4)
            got = await reader
        last_event = max(at for at, m in got if m["type"] == "event")
        assert [m for at, m in got if m["type"] == "tick" and at < last_event] == [], "ticked while events flowed"
        assert any(m["type"] == "tick" for _, m in got[-6:])  # and ticks again once quiet
        times = [at for at, _ in got]
        assert max(b - a for a, b in zip(times, times[1:])) <= PERIOD * 1.3


async def test_a_tick_that_fails_does_not_stop_the_heartbeat(tmp_path, monkeypatch):
    import server.heartbeat

    real, failures = server.heartbeat.tick, []

    async def flaky(shell):
        if not failures:
            failures.append(1)
            raise RuntimeError("a clock that failed once")
        return await real(shell)

    monkeypatch.setattr(server.heartbeat, "tick", flaky)
    async with live_server(tmp_path, heartbeat_seconds=PERIOD) as srv, ws_client(srv, "BRA") as bra:
        got = await frames_for(bra, 4 * PERIOD)
        assert failures and any(m["type"] == "tick" for _, m in got)
