"""The published plan through a real server: every client hears it, a restart keeps it."""

from __future__ import annotations

import json

from live_server import live_server, ws_client

from vccsched.floor.published import canonical


async def test_the_secretariat_publishes_and_every_client_hears_it_after_a_restart_too(tmp_path, c21_solved):
    plan = canonical(c21_solved)
    async with live_server(tmp_path) as srv:
        async with ws_client(srv, "SG") as sg, ws_client(srv, "CHN") as chn:
            refused, _ = await chn.command({"type": "publish_plan", "plan": plan})
            assert (refused["type"], refused["code"]) == ("refusal", "not_chair_or_secretariat")
            reply, events = await sg.command({"type": "publish_plan", "plan": plan})
            assert reply["type"] == "accepted" and events[0]["type"] == "plan_published"
            heard = (await chn.recv_until("event"))[0]["event"]
            assert (heard["type"], heard["revision"], heard["plan"]) == ("plan_published", 1, plan)
        await srv.restart()
        async with ws_client(srv, "USA") as usa:
            [snapshot] = usa.catch_up
            assert snapshot["state"]["plan"]["revision"] == 1 and snapshot["state"]["plan"]["by"] == "SG"
            assert json.dumps(snapshot["state"]["plan"]["plan"]) == json.dumps(plan)
