"""The console app (App.run_test and Pilot) against a real server on port 0: every key's
command reaches the server and the screen follows its events; refusals are shown;
the console comes back by itself after a restart; a delegation's view has no chair
actions and the server refuses them anyway."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt

import pytest

from console.app import ConsoleApp
from console.client import FloorClient
from console.sample import mixed_floor
from console.source import FixedFloor
from console.dialogs import DeferDialog, HelpScreen
from console.screen import ChairScreen, DelegateScreen
from live_server import live_server, ws_client

SIZE = (120, 36)


def text(app: ConsoleApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def queue(app: ConsoleApp) -> list[tuple[str, str]]:
    return [(r.delegation, r.kind) for r in app.screen.query_one("#queue").rows_shown]


async def until(pilot, condition, timeout: float = 5.0, what: str = "") -> None:
    """Let the app run until ``condition()`` holds (the server's events take a moment)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await pilot.pause(0.02)


@contextlib.asynccontextmanager
async def console(srv, delegation: str, backoff=(0.05, 0.1)):
    app = ConsoleApp(FloorClient(srv.ws_url, srv.tokens[delegation], backoff=backoff), url=srv.ws_url, bell=False)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.floor_screen is not None and app.floor_screen.state is not None)
        await pilot.pause(0.05)
        yield app, pilot


@pytest.mark.slow
async def test_every_chair_key_reaches_the_server_and_the_screen_follows(tmp_path):
    async with live_server(tmp_path) as srv, console(srv, "VC") as (app, pilot):
        floor = lambda: srv.shell.floor.state  # noqa: E731
        assert isinstance(app.screen, ChairScreen)

        # b: the en bloc package, after a confirmation
        await pilot.press("b")
        await pilot.press("y")
        await until(pilot, lambda: floor().items[1].status == "closed")
        await until(pilot, lambda: "approved en bloc" in [r.status for r in app.screen.query_one("#agenda-table").rows_shown])

        # o: the item selected in the agenda (item 3, two rows below item 1)
        await pilot.press("down", "down", "o")
        await until(pilot, lambda: floor().current_item == 3)
        await until(pilot, lambda: "PL 1.03 · item 3" in text(app, "#item"))

        async with ws_client(srv, "BRA") as bra, ws_client(srv, "GBR") as gbr, ws_client(srv, "RUS") as rus:
            await bra.command({"type": "request_floor"})
            await gbr.command({"type": "request_floor"})
            await rus.command({"type": "request_floor", "kind": "point_of_order"})
        await until(pilot, lambda: queue(app) == [("RUS", "point_of_order"), ("BRA", "speech"), ("GBR", "speech")])
        assert app.screen.query_one("#queue").row_text(0)["kind"] == "⚑ POINT OF ORDER"

        # n: the point of order first
        await pilot.press("n")
        await until(pilot, lambda: "Russian Federation" in text(app, "#speaker-name"))
        assert floor().speaker.delegation == "RUS"

        # space: pause, then resume the clock
        await pilot.press("space")
        await until(pilot, lambda: "CLOCK PAUSED" in text(app, "#speaker-clock-state"))
        assert floor().speaker.running_since is None
        await pilot.press("space")
        await until(pilot, lambda: floor().speaker.running_since is not None)

        # t: the speaking time, in a dialog
        await pilot.press("t")
        await pilot.press(*"2:00", "enter")  # the old value is selected: typing replaces it
        await until(pilot, lambda: floor().items[3].speaking_time_seconds == 120)
        await until(pilot, lambda: "Speaking time 2:00" in text(app, "#item"))

        # l: close the list, then reopen it
        await pilot.press("l")
        await until(pilot, lambda: "list CLOSED" in text(app, "#item"))
        await pilot.press("l")
        await until(pilot, lambda: not floor().items[3].list_closed)

        # x: strike the request selected in the waiting list (Brazil, the first), after a confirmation
        app.screen.query_one("#queue").focus()
        await pilot.press("x", "y")
        await until(pilot, lambda: queue(app) == [("GBR", "speech")])

        # g: give the floor to anyone, found by typing
        await pilot.press("g")
        await pilot.press("s", "g", "enter")
        await until(pilot, lambda: floor().speaker is not None and floor().speaker.delegation == "SG")
        await until(pilot, lambda: "Secretary-General" in text(app, "#speaker-name"))

        # e: end the speech
        await pilot.press("e")
        await until(pilot, lambda: floor().speaker is None)
        await until(pilot, lambda: "No one has the floor" in text(app, "#speaker-name"))

        # r: the proposed conclusion, by correspondence
        await pilot.press("r")
        app.screen.query_one("#conclusion-text").insert("The Council endorsed it.")  # typing is TextArea's
        app.screen.query_one("#by-correspondence").value = True
        await pilot.press("ctrl+s")
        await until(pilot, lambda: floor().items[3].outcome is not None)
        outcome = floor().items[3].outcome
        assert (outcome.conclusion, outcome.by_correspondence) == ("The Council endorsed it.", True)
        await until(pilot, lambda: "By correspondence" in text(app, "#conclusion"))

        # d: defer the item, at the request of a Council Member picked by name
        await pilot.press("d")
        assert isinstance(app.screen, DeferDialog)
        await pilot.press(*"iran", "enter", "ctrl+s")
        await until(pilot, lambda: floor().items[3].outcome.kind == "deferred")
        assert floor().items[3].outcome.requested_by == "IRN"
        await until(pilot, lambda: "Item deferred to C22" in text(app, "#conclusion"))

        # c: close the item, after a confirmation
        await pilot.press("c", "y")
        await until(pilot, lambda: floor().items[3].status == "closed")
        await until(pilot, lambda: "No item is open" in text(app, "#item"))

        # s: suspend (confirmed), then resume
        await pilot.press("s", "y")
        await until(pilot, lambda: "SUSPENDED" in text(app, "#item"))
        await pilot.press("s")
        await until(pilot, lambda: not floor().suspended)

        # A refusal: nobody is waiting and no item is open.
        await pilot.press("n")
        await until(pilot, lambda: bool(app.refusals))
        assert app.refusals[-1].code == "item_not_open"
        assert any("no item is open" in str(n.message) for n in app._notifications)
        assert "refused" in "\n".join(str(line) for line in app.screen.query_one("#log").lines)

        # The view is exactly the server's state.
        assert app.floor_screen.state == floor()


async def test_keys_are_on_the_help_screen_and_in_the_command_palette(tmp_path):
    async with live_server(tmp_path) as srv, console(srv, "VC") as (app, pilot):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for key in ("n", "e", "␣", "o", "c", "l", "t", "g", "x", "r", "d", "b", "s", "p"):
            assert any(t.endswith(f"({key})") for t in titles), key
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert "Defer the item" in text(app, "#help-keys") and "Re-plan what is left" in text(app, "#help-keys")
        await pilot.press("escape")
        assert isinstance(app.screen, ChairScreen)


async def test_after_a_restart_the_console_comes_back_to_the_same_view_by_itself(tmp_path):
    async with live_server(tmp_path) as srv, console(srv, "VC", backoff=(0.4,)) as (app, pilot):
        async with ws_client(srv, "VC") as vc:
            await vc.command({"type": "open_item", "item": 3})
        await until(pilot, lambda: "item 3" in text(app, "#item"))
        await srv.stop()
        await until(pilot, lambda: app.screen.has_class("offline"))
        banner = app.screen.query_one("#offline")
        assert banner.display and "CONNECTION LOST" in str(banner.render())
        assert "Commands are disabled" in str(banner.render())
        assert app.screen.check_action("next_speaker", ()) is None  # shown disabled
        await pilot.press("n")  # does nothing while offline
        await srv.start()
        async with ws_client(srv, "BRA") as bra:  # the floor moves on before the console is back
            await bra.command({"type": "request_floor"})
        await until(pilot, lambda: not app.screen.has_class("offline"))
        await until(pilot, lambda: queue(app) == [("BRA", "speech")])
        assert not app.screen.query_one("#offline").display
        assert app.floor_screen.state == srv.shell.floor.state
        assert [e.type for e in srv.shell.floor.events] == ["item_opened", "floor_requested"]


async def test_a_delegations_view_has_no_chair_actions_and_the_server_refuses_them(tmp_path):
    async with live_server(tmp_path) as srv:
        async with ws_client(srv, "VC") as vc:
            await vc.command({"type": "open_item", "item": 3})
        async with console(srv, "BRA") as (app, pilot):
            assert isinstance(app.screen, DelegateScreen)
            keys = set(app.screen._bindings.key_to_bindings)
            assert {"f", "p", "w", "e"} <= keys and not {"n", "o", "c", "x", "d", "b", "s", "g"} & keys
            assert not any("first in line" in c.title for c in app.get_system_commands(app.screen))
            await pilot.press("n", "c", "s")  # chair keys: nothing happens
            await pilot.press("f")
            await until(pilot, lambda: queue(app) == [("BRA", "speech")])
            assert app.screen.query_one("#queue").row_text(0)["name"] == "Brazil  ◀ you"
            assert "1st in line" in text(app, "#item")
            await pilot.press("f")  # twice: the server says no
            await until(pilot, lambda: bool(app.refusals))
            assert app.refusals[-1].code == "duplicate_request"
            await pilot.press("w")
            await until(pilot, lambda: queue(app) == [])
            assert [e.type for e in srv.shell.floor.events] == ["item_opened", "floor_requested", "request_withdrawn"]
            # Even sent by hand, a chair command from a delegation is refused by the server.
            answer = await asyncio.wait_for(app.source.send({"type": "next_speaker"}), 5)
            assert (answer.accepted, answer.code) == (False, "not_chair")


async def test_the_bell_rings_at_30_s_left_and_at_0_and_the_ticks_leave_the_list_alone():
    script = mixed_floor()
    since = script.state.speaker.since  # Saudi Arabia, 3:00 from 12:15:47
    source = FixedFloor(script.state, since + dt.timedelta(seconds=190))  # already over when shown
    app = ConsoleApp(source, bell=True)
    rings: list[str] = []
    app.bell = lambda: rings.append(str(app.screen.query_one("#countdown").value))  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.floor_screen is not None and app.floor_screen.state is not None)
        screen, waiting = app.floor_screen, app.floor_screen.query_one("#queue")
        screen.tick()
        assert rings == []  # an overrun seen on arrival is no news
        renders = waiting.renders
        script.do("VC", {"type": "next_speaker"}, wait=0)  # Russian Federation, point of order
        source.push(script.floor.events[-2])
        source.push(script.floor.events[-1])
        await until(pilot, lambda: "Russian Federation" in text(app, "#speaker-name"))
        start = script.floor.events[-1].at
        for second in range(0, 186):
            source.set_now(start + dt.timedelta(seconds=second))
            screen.tick()
        assert rings == ["0:30", "+0:00"]
        assert "OVERRUN +0:05" in text(app, "#speaker-clock-state")
        assert waiting.renders == renders + 1  # the event, not the 186 ticks
