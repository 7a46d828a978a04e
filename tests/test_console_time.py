"""The console's time panel and re-plan key against a real server on a fixed clock: the
real C21/VCC-1 plan published by the secretariat, an item running over, the warning (once,
with the bell), the preview of the re-plan with its changes, its publication as revision 2
and the agenda following it; a rest that cannot fit shows the minutes over and the
deferral candidates and publishes nothing."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from console.app import ConsoleApp
from console.client import FloorClient, MeetingFilesError, meeting_files_url, read_meeting
from console.dialogs import ReplanDialog
from console.sample import running_late
from console.screen import ChairScreen
from console.source import FixedFloor
from live_server import live_server, ws_client
from vccsched.floor.published import canonical

GENEVA = ZoneInfo("Europe/Zurich")
SIZE = (120, 36)


def geneva(day: int, hh: int, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime(2021, 6, day, hh, mm, ss, tzinfo=GENEVA)


class Clock:
    """The server's clock and the console's, moved by the test."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


@pytest.fixture(scope="module")
def c21_plan(c21_solved) -> dict:
    """The real plan (solved once), as the secretariat publishes it."""
    return canonical(c21_solved)


async def until(pilot, condition, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await pilot.pause(0.02)


def panel_text(app: ConsoleApp) -> str:
    return str(app.floor_screen.query_one("#time").render())


def has_figures(app: ConsoleApp) -> bool:
    """The floor is shown and the time panel has its figures (the meeting loads in a worker)."""
    return app.floor_screen is not None and app.floor_screen.query_one("#time").figures is not None


@contextlib.asynccontextmanager
async def chair_console(srv, clock: Clock, *, bell: bool = False):
    client = FloorClient(srv.ws_url, srv.tokens["VC"], backoff=(0.05, 0.1), clock=clock)
    app = ConsoleApp(client, url=srv.ws_url, bell=bell)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: has_figures(app))
        yield app, pilot


async def test_an_item_running_over_warns_once_and_the_re_plan_is_previewed_then_published(tmp_path, c21_plan):
    clock = Clock(geneva(8, 12))
    async with live_server(tmp_path, clock=clock) as srv:
        async with ws_client(srv, "SG") as sg, ws_client(srv, "VC") as vc:
            reply, _ = await sg.command({"type": "publish_plan", "plan": c21_plan})
            assert reply["type"] == "accepted"
            await vc.command({"type": "conclude_en_bloc", "items": [1, 2, 7, 8, 9]})
            clock.at = geneva(8, 12, 0, 30)
            await vc.command({"type": "open_item", "item": 3})  # planned 12:25-12:55, 30 min
        # At 12:50 item 3 has used 49.5 of its 30 min; items 4, 5, 6 and 10 (105 min) end 14:35.
        clock.at = geneva(8, 12, 50)
        async with chair_console(srv, clock, bell=True) as (app, pilot):
            rings: list[dt.datetime] = []
            app.bell = lambda: rings.append(clock.at)  # type: ignore[method-assign]
            screen, panel = app.floor_screen, app.floor_screen.query_one("#time")
            text = panel_text(app)
            assert "used 50′ of 160′" in text and "Item 3" in text and "of 30′ +20′" in text
            assert "4 items · 105′" in text and "14:35 · 5′ ahead" in text  # the day's plan ends 14:40
            assert not panel.has_class("-late") and "PAST" not in text

            # The slow timer: at 12:56 the projection passes 14:40 (15:00 less the 20-min buffer).
            clock.at = geneva(8, 12, 56)
            screen._refresh_waited()
            text = panel_text(app)
            assert panel.has_class("-late") and "⚠ 1′ PAST 14:40" in text and "15:00 less the 20′ buffer" in text
            assert rings == [geneva(8, 12, 56)]
            clock.at = geneva(8, 13, 10)
            screen._refresh_waited()
            assert "14:55 · 15′ behind" in panel_text(app) and "⚠ 15′ PAST 14:40" in panel_text(app)
            assert rings == [geneva(8, 12, 56)]  # once
            assert any("no longer fit" in str(line) for line in screen.query_one("#log").lines)

            # p: re-planning in a worker, then the preview.
            notices: list[str | None] = []
            show = panel.show

            def recording(figures, notice=None):
                notices.append(notice)
                show(figures, notice)

            panel.show = recording  # type: ignore[method-assign]
            await pilot.press("p")
            await until(pilot, lambda: isinstance(app.screen, ReplanDialog), 20)
            assert [n for n in notices if n is not None] == ["[b]re-planning…[/]", ""]  # shown, then cleared
            dialog = app.screen
            rows = {r.number: r for r in dialog.preview.rows}
            assert {n for n, r in rows.items() if r.day == "moved"} == {5}
            assert rows[5].new.start == geneva(11, 12) and rows[4].new.start == geneva(8, 13, 15)
            table = dialog.query_one("#replan-changes")
            cells = [str(c) for c in table.get_row("5")]
            assert cells[1:] == ["PL 1.04", "Tue 8 Jun 13:25–13:50", "Fri 11 Jun 12:00–12:25", "moved"]
            summary = str(dialog.query_one("#replan-summary").render())
            assert "1 item leaves the day announced: 5 PL 1.04" in summary
            assert "Today's items run from 13:10 Geneva" in summary and "of at most 9" in summary
            assert "Publish as revision 2" in str(dialog.query_one("#publish").label)

            await pilot.press("y")
            await until(pilot, lambda: srv.shell.floor.state.plan.revision == 2)
            published = srv.shell.floor.state.plan
            assert published.by == "VC" and published.plan == dialog.preview.publish_command()["plan"]
            assert {c.item for c in published.changes} == {r for r in rows}
            # The console follows the server's event: the agenda has the new times, the done items stay.
            await until(pilot, lambda: app.floor_screen.state.plan.revision == 2)
            agenda = {r.number: r.planned_start for r in screen.query_one("#agenda-table").rows_shown}
            assert agenda[4] == geneva(8, 13, 15) and agenda[10] == geneva(8, 14, 20) and 5 not in agenda
            assert agenda[1] == geneva(8, 12)  # concluded en bloc: its slot is in revision 1
            assert "Day 1 of 8" in str(screen.query_one("#status").query_one("#status-left").render())
            assert not panel.has_class("-late") and "plan rev. 2" in panel.border_title
            assert not app.refusals


async def test_a_rest_that_cannot_fit_shows_the_minutes_over_and_the_candidates_and_publishes_nothing(
    tmp_path, c21_plan
):
    clock = Clock(geneva(11, 12))  # nothing has been taken up: three days of the meeting are lost
    async with live_server(tmp_path, clock=clock) as srv, chair_console(srv, clock) as (app, pilot):
        await pilot.press("p")  # no plan yet
        await until(pilot, lambda: any("nothing to re-plan" in str(n.message) for n in app._notifications))
        assert isinstance(app.screen, ChairScreen)
        async with ws_client(srv, "SG") as sg:
            await sg.command({"type": "publish_plan", "plan": c21_plan})
        await until(pilot, lambda: "plan rev. 1" in app.floor_screen.query_one("#time").border_title)
        assert "Not reached (23) 1 PL 1.01 · 2 PL 1.02 · 7 PL 1.05 · 8 PL 1.06 · +19 more" in panel_text(app)

        await pilot.press("p")
        # The dialog, and then its contents: it is pushed before it has composed them.
        await until(pilot, lambda: isinstance(app.screen, ReplanDialog) and app.screen.query("#replan-error"), 20)
        dialog = app.screen
        assert not dialog.preview.fits and not dialog.query("#publish")
        error = str(dialog.query_one("#replan-error").render())
        assert "The rest does not fit" in error and "250 min over" in error
        candidates = str(dialog.query_one("#replan-candidates").render())
        assert "1. 250 min (the least possible): item" in candidates and "candidates only" in candidates
        assert "only when a Council Member asks" in str(dialog.query_one("#replan-candidates-note").render())
        await pilot.press("y")  # nothing to publish: the dialog stays
        assert app.screen is dialog
        await pilot.press("escape")
        assert isinstance(app.screen, ChairScreen)
        await pilot.pause(0.1)
        assert [e.type for e in srv.shell.floor.events] == ["plan_published"]


async def test_a_preview_the_floor_has_moved_past_is_not_published():
    script = running_late()  # the budget item over its time at 13:40
    source = FixedFloor.from_events(
        script.floor.setup, script.floor.events, script.state.speaker.since + dt.timedelta(seconds=75)
    )
    app = ConsoleApp(source, bell=False)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: has_figures(app))
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, ReplanDialog), 20)
        assert app.screen.preview.fits
        seq = source.state.seq
        script.do("VC", {"type": "close_item"}, wait=0)  # the item closes while the chair reads the preview
        for event in [e for e in script.floor.events if e.seq > seq]:
            source.push(event)
        await pilot.press("y")
        await until(pilot, lambda: any("moved on" in str(n.message) for n in app._notifications))
        assert source.sent == []  # nothing was published


async def test_the_meeting_files_come_from_beside_the_websocket_or_a_clear_error(tmp_path):
    assert meeting_files_url("ws://127.0.0.1:8765/ws") == "http://127.0.0.1:8765/meeting-files.json"
    assert meeting_files_url("wss://vcc.example.org/vcc/ws") == "https://vcc.example.org/vcc/meeting-files.json"
    async with live_server(tmp_path) as srv:
        data = await asyncio.to_thread(read_meeting, meeting_files_url(srv.ws_url), srv.tokens["VC"])
        assert (data.meeting.id, data.meeting.buffer_minutes) == ("C21/VCC-1", 20)
        # The roster's voting rights and notes are not for delegates, nor for anyone without a token.
        for token in (srv.tokens["CHN"], None):
            with pytest.raises(MeetingFilesError, match="chair's and the secretariat's tokens only"):
                await asyncio.to_thread(read_meeting, meeting_files_url(srv.ws_url), token)
        port = srv.port
    with pytest.raises(MeetingFilesError, match="cannot reach the server"):
        read_meeting(f"http://127.0.0.1:{port}/meeting-files.json", timeout=2)
