"""The secretariat's console follows the decision by correspondence (issue 19): v shows who
has replied, who has not and the time left, live, and never an answer."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from console.app import ConsoleApp
from console.client import FloorClient
from console.correspondence import CorrespondenceView, RoundFigures, left_text, rule_text
from live_server import live_server, ws_client
from test_console_app import SIZE, until
from test_console_time import Clock

ZURICH = ZoneInfo("Europe/Zurich")


def test_time_left_reads_in_days_then_hours():
    assert left_text(2 * 86400 + 4 * 3600 + 5 * 60 + 9) == "2 d 04:05 left"
    assert left_text(3 * 3600 + 12 * 60 + 9) == "03:12:09 left"
    assert left_text(0) == "closed" and left_text(-5) == "closed"


def test_the_counting_rule_in_words_and_a_number_needed_only_where_the_rule_fixes_it():
    figures = RoundFigures(dt.datetime(2021, 6, 22, 18, tzinfo=ZURICH), 60.0, "of-voting-members", 25, [], [], [], False)
    assert rule_text(figures, 48) == "Majority of the Council Members with the right to vote: 25 approvals needed of the 48"
    replies = rule_text(RoundFigures(figures.deadline, 60.0, "of-replies", 25, [], [], [], False), 48)
    assert "more than half of the valid replies" in replies and "25" not in replies and "of-replies" not in replies


async def test_v_shows_who_replied_who_did_not_and_the_time_left(tmp_path):
    clock = Clock(dt.datetime(2021, 6, 20, 9, 0, tzinfo=ZURICH))
    deadline = dt.datetime(2021, 6, 22, 18, 0, tzinfo=ZURICH)
    async with live_server(tmp_path, clock=clock) as srv:
        async with ws_client(srv, "VC") as vc, ws_client(srv, "SG") as sg, ws_client(srv, "USA") as usa:
            for command in ({"type": "open_item", "item": 3},
                            {"type": "record_conclusion", "conclusion": "Approved.", "by_correspondence": True},
                            {"type": "close_item"}):
                assert (await vc.command(command))[0]["type"] == "accepted"
            reply, _ = await sg.command({"type": "open_correspondence", "deadline": deadline.isoformat()})
            assert reply["type"] == "accepted", reply
            assert (await usa.command({"type": "cast_reply", "item": 3, "answer": "object"}))[0]["type"] == "accepted"
            app = ConsoleApp(FloorClient(srv.ws_url, srv.tokens["SG"], backoff=(0.05, 0.1), clock=clock), url=srv.ws_url, bell=False)
            async with app.run_test(size=SIZE) as pilot:
                await until(pilot, lambda: app.floor_screen is not None and app.floor_screen.state is not None)
                await pilot.press("v")
                await until(pilot, lambda: isinstance(app.screen, CorrespondenceView))
                body = lambda: str(app.screen.query_one("#correspondence-body").render())  # noqa: E731
                shown = body()
                assert "2 d 09:00 left" in shown and "Tue 22 Jun 2021 18:00" in shown
                assert "Replied online: 1" in shown and "United States" in shown and "Not replied online: 47" in shown
                assert "25 approvals needed of the 48" in shown
                assert "object" not in shown  # never an answer
                # The way to the reminder list (names, e-mails: the command line has them) stays in
                # sight below the 47 names, which scroll with the keys.
                hint = app.screen.query_one("#correspondence-hint")
                assert "vccsched correspondence reminders --db" in str(hint.render())
                assert hint.region.height >= 1 and hint.region.bottom <= SIZE[1]
                scroll = app.screen.query_one("#correspondence-scroll")
                await pilot.press("end")
                await until(pilot, lambda: scroll.scroll_y > 0)
                # China replies: the view follows without being reopened.
                async with ws_client(srv, "CHN") as chn:
                    assert (await chn.command({"type": "cast_reply", "item": 3, "answer": "approve"}))[0]["type"] == "accepted"
                clock.at = dt.datetime(2021, 6, 22, 17, 0, tzinfo=ZURICH)
                await until(pilot, lambda: "Replied online: 2" in body() and "01:00:00 left" in body(), timeout=5)
                assert "Not replied online: 46" in body()
                log = str(app.floor_screen.query_one("#log").lines)
                assert "replied by correspondence" in log
                await pilot.press("v")
                await until(pilot, lambda: not isinstance(app.screen, CorrespondenceView))
