"""The console's protocol client against a real server on port 0: the view is the
server's state, it survives a restart, and a command is carried out exactly once."""

from __future__ import annotations

import asyncio
import contextlib

from console.client import Connection, FloorClient, NotConnected
from console.session import Answered, EventApplied, StateReplaced, Welcomed
from live_server import live_server

QUICK = (0.05, 0.1, 0.2)


async def send(client: FloorClient, command: dict, timeout: float = 5.0) -> Answered:
    """``client.send`` waits for the answer as long as it takes (across reconnections): a test
    bounds it, so that an answer that never comes fails the test instead of hanging it."""
    return await asyncio.wait_for(client.send(command), timeout)


@contextlib.asynccontextmanager
async def connected(srv, delegation: str):
    updates: list = []
    client = FloorClient(srv.ws_url, srv.tokens[delegation], on_update=updates.append, backoff=QUICK)
    client.updates = updates  # type: ignore[attr-defined]
    task = asyncio.create_task(client.run())
    try:
        await client.wait_until(lambda: client.connection.live and client.state is not None)
        yield client
    finally:
        await asyncio.wait_for(client.close(), 5)
        await asyncio.wait_for(task, 5)


async def test_the_view_is_the_servers_state_across_a_restart(tmp_path):
    async with live_server(tmp_path) as srv, connected(srv, "VC") as vc, connected(srv, "BRA") as bra:
        assert (vc.delegation, vc.category) == ("VC", "chair")
        assert (await send(vc, {"type": "open_item", "item": 3})).accepted
        assert (await send(bra, {"type": "request_floor", "item": 3})).accepted
        refused = await send(bra, {"type": "request_floor", "item": 3})
        assert (refused.accepted, refused.code) == (False, "duplicate_request")
        assert "already has" in refused.message
        refused = await send(bra, {"type": "next_speaker"})
        assert (refused.accepted, refused.code) == (False, "not_chair")
        assert (await send(vc, {"type": "next_speaker"})).accepted
        await bra.wait_until(lambda: bra.state.seq == srv.shell.floor.seq)
        assert vc.state == bra.state == srv.shell.floor.state
        seen = len(vc.updates)

        await srv.restart()
        await vc.wait_until(lambda: vc.connection.live and any(isinstance(u, Welcomed) for u in vc.updates[seen:]))
        statuses = [u.status for u in vc.updates[seen:] if isinstance(u, Connection)]
        assert statuses[0] == "reconnecting" and statuses[-1] == "live"
        # Resumed from its last seq: no snapshot needed, the state is kept.
        assert not any(isinstance(u, StateReplaced) for u in vc.updates[seen:])
        assert (await send(vc, {"type": "pause_clock"})).accepted
        await bra.wait_until(lambda: bra.state.seq == srv.shell.floor.seq)
        assert vc.state == bra.state == srv.shell.floor.state
        assert vc.state.speaker.running_since is None


async def test_commands_are_refused_locally_while_offline(tmp_path):
    async with live_server(tmp_path) as srv, connected(srv, "VC") as vc:
        await srv.stop()
        await vc.wait_until(lambda: not vc.connection.live)
        try:
            await send(vc, {"type": "next_speaker"})
        except NotConnected:
            pass
        else:
            raise AssertionError("a command was sent while offline")
        assert vc.session.pending == []
        await srv.start()
        await vc.wait_until(lambda: vc.connection.live)


async def test_a_lost_command_and_a_lost_answer_each_take_effect_exactly_once(tmp_path):
    async with live_server(tmp_path) as srv, connected(srv, "VC") as vc:
        # 1. The command is lost on the way: the server never reads it.
        real_command = srv.shell._command
        srv.shell._command = lambda client, message: None
        sending = asyncio.create_task(vc.send({"type": "open_item", "item": 3}))
        await asyncio.sleep(0.2)
        assert not sending.done() and srv.shell.floor.seq == 0
        await srv.restart()  # the link drops; the client resends with the same id
        answer = await asyncio.wait_for(sending, 5)
        assert answer.accepted and not answer.repeated
        assert [e.type for e in srv.shell.floor.events] == ["item_opened"]

        # 2. The command is carried out but its answer is lost.
        original = vc.session._on_accepted
        dropped: list[str] = []

        def lose_first(raw, now):
            if not dropped:
                dropped.append(raw["command_id"])
                return [], []
            return original(raw, now)

        vc.session._on_accepted = lose_first
        sending = asyncio.create_task(vc.send({"type": "close_list"}))
        await vc.wait_until(lambda: bool(dropped))
        assert not sending.done()
        await srv.restart()
        answer = await asyncio.wait_for(sending, 5)
        assert answer.accepted and answer.repeated and answer.command_id == dropped[0]
        assert [e.type for e in srv.shell.floor.events] == ["item_opened", "list_closed"]
        await vc.wait_until(lambda: vc.state.seq == 2)
        assert vc.state == srv.shell.floor.state
        assert [type(u).__name__ for u in vc.updates if isinstance(u, (Answered, EventApplied))].count("Answered") == 2
        del real_command


async def test_a_bad_token_is_refused_for_good(tmp_path):
    async with live_server(tmp_path) as srv:
        updates: list = []
        client = FloorClient(srv.ws_url, "not-a-token", on_update=updates.append, backoff=QUICK)
        await asyncio.wait_for(client.run(), 5)  # returns: no retrying with a token the server refused
        assert client.connection.status == "rejected"
        assert "not_authenticated" in client.connection.detail
