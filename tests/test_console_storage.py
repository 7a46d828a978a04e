"""The chair's console when the server cannot store commands (App.run_test against a real server)."""

from __future__ import annotations

from live_server import live_server
from test_console_app import console, until


async def test_the_chair_is_told_at_once_when_commands_cannot_be_stored_and_when_they_can(tmp_path):
    async with live_server(tmp_path, storage_probe_seconds=3600) as srv:
        async with console(srv, "VC") as (app, pilot):
            def titles() -> list[str]:
                return [n.title for n in app._notifications]

            srv.shell._storage_failed(OSError("database or disk is full"))
            await until(pilot, lambda: "The server cannot store commands" in titles(), what="the failing notice")
            failing = next(n for n in app._notifications if n.title == "The server cannot store commands")
            assert failing.severity == "error" and failing.timeout >= 600 and "disk is full" in failing.message
            srv.shell._storage_recovered()
            await until(pilot, lambda: "The server stores commands again" in titles(), what="the recovery notice")
            assert "The server cannot store commands" not in titles()  # the old warning is gone
