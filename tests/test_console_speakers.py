"""The console names who asked and who speaks (issue 17): "China — Ms …, Head of delegation"
in the waiting list and the speaker panel, from the server's /meeting.json, with a live
server whose meeting has registrations; without names, the delegation alone as before."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from pathlib import Path

from test_console_app import console, queue, text, until
from test_page_speakers import private, with_person_tokens
from test_person_tokens import meeting  # noqa: F401 (fixture)

from console.model import speakers_from, who_text
from live_server import live_server, ws_client

HEAD = "China — Ms Example-Delegate-1, Head of delegation"
SCREENSHOT = Path("/tmp/vccsched-console-speaker-name.svg")


async def test_the_chair_sees_the_delegation_then_who_asked_and_who_speaks(tmp_path, meeting):
    async with live_server(tmp_path, meeting_dir=meeting) as srv:
        await with_person_tokens(srv, meeting, tmp_path)
        async with console(srv, "VC") as (app, pilot):
            screen = app.screen
            await until(pilot, lambda: screen.speakers is not None, what="the speakers' names")
            async with ws_client(srv, "VC") as vc, ws_client(srv, "BRA") as bra, ws_client(srv, "CHN.1") as head:
                await vc.command({"type": "open_item", "item": 3})
                await bra.command({"type": "request_floor"})
                reply, _ = await head.command({"type": "request_floor"})
                assert reply["type"] == "accepted", reply
            waiting = screen.query_one("#queue")
            await until(pilot, lambda: queue(app) == [("BRA", "speech"), ("CHN", "speech")])
            assert waiting.row_text(0)["name"] == "Brazil"  # its own token: no person
            assert waiting.row_text(1)["name"] == HEAD
            app.save_screenshot("vccsched-console-waiting-names.svg", str(SCREENSHOT.parent))
            await pilot.press("n")  # Brazil first, then China's head of delegation
            await until(pilot, lambda: "Brazil" in text(app, "#speaker-name"))
            assert "—" not in text(app, "#speaker-name")
            await pilot.press("n")
            await until(pilot, lambda: HEAD in text(app, "#speaker-name"))
            app.save_screenshot(SCREENSHOT.name, str(SCREENSHOT.parent))


async def test_names_that_arrive_after_the_list_are_shown_in_it(tmp_path, meeting):
    async with live_server(tmp_path, meeting_dir=meeting) as srv:
        await with_person_tokens(srv, meeting, tmp_path)
        async with ws_client(srv, "VC") as vc, ws_client(srv, "CHN.1") as head:
            await vc.command({"type": "open_item", "item": 3})
            await head.command({"type": "request_floor"})
        async with console(srv, "VC") as (app, pilot):  # the snapshot comes before /meeting.json
            await until(pilot, lambda: queue(app) == [("CHN", "speech")])
            await until(pilot, lambda: app.screen.query_one("#queue").row_text(0)["name"] == HEAD)


async def test_without_published_names_the_chair_and_interpreters_still_see_them(tmp_path, meeting):
    """floor.public_speaker_names false keeps names off /meeting.json (anyone reads it); the
    chair's and the interpreters' consoles have them from /speakers.json with their token, a
    delegate's console does not."""
    async with live_server(tmp_path, meeting_dir=private(meeting)) as srv:
        await with_person_tokens(srv, meeting, tmp_path)
        url = f"{srv.http_url}/speakers.json"
        assert await http_status(url) == 401
        assert await http_status(url, srv.tokens["CHN.1"]) == await http_status(url, srv.tokens["BRA"]) == 403
        document = await fetch_json_with(url, srv.tokens["INT-EN"])
        assert {"id": "CHN.1", "delegation": "CHN", "name": "Ms Example-Delegate-1",
                "function": "Head of delegation"} in document["speakers"]
        assert "@" not in json.dumps(document) and "CHN.3" not in json.dumps(document)  # speakers only
        async with console(srv, "VC") as (app, pilot), console(srv, "BRA") as (own, own_pilot), \
                console(srv, "INT-EN") as (booth, booth_pilot):
            await until(pilot, lambda: app.screen.speakers is not None)
            assert "CHN.1" in app.screen.speakers
            await until(own_pilot, lambda: own.screen.speakers is not None)
            assert own.screen.speakers == {}  # a delegate's console reads /meeting.json
            async with ws_client(srv, "VC") as vc, ws_client(srv, "CHN.1") as head:
                await vc.command({"type": "open_item", "item": 3})
                await head.command({"type": "request_floor"})
            await until(pilot, lambda: queue(app) == [("CHN", "speech")])
            await until(pilot, lambda: app.screen.query_one("#queue").row_text(0)["name"] == HEAD)
            await until(own_pilot, lambda: queue(own) == [("CHN", "speech")])
            assert own.screen.query_one("#queue").row_text(0)["name"] == "China"
            await until(booth_pilot, lambda: "Example-Delegate-1" in text(booth, "#interp-next"))


async def http_status(url: str, token: str | None = None) -> int:
    try:
        await fetch_json_with(url, token)
    except urllib.error.HTTPError as exc:
        return exc.code
    return 200


async def fetch_json_with(url: str, token: str | None) -> dict:
    """GET ``url`` with ``token`` as its Bearer, off the event loop (the server runs on it)."""

    def get() -> dict:
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
        with urllib.request.urlopen(request, timeout=5) as answer:
            return json.load(answer)

    return await asyncio.to_thread(get)


def test_names_are_taken_only_as_published_and_only_for_their_delegation(c21):
    from vccsched.floor.engine import Floor
    from vccsched.floor.setup import FloorSetup

    state = Floor(FloorSetup.from_meeting(c21)).state
    speakers = speakers_from({"speakers": [
        {"id": "CHN.1", "delegation": "CHN", "name": "Ms Example-Delegate-1", "function": "Head of delegation"},
        {"id": "USA.1", "delegation": "USA", "name": "x" * 201, "function": "Delegate"},  # past the bound
        {"id": "GBR.1", "delegation": "GBR", "name": "Dr \u202eEvil", "function": 7},  # bidi control, odd function
        "not an object",
    ]})
    assert sorted(speakers) == ["CHN.1", "GBR.1"]
    assert who_text(state, "CHN", "CHN.1", speakers) == HEAD
    assert who_text(state, "GBR", "GBR.1", speakers) == "United Kingdom — Dr Evil"
    assert who_text(state, "USA", "CHN.1", speakers) == "United States"  # another delegation's person
    assert who_text(state, "CHN", None, speakers) == who_text(state, "CHN", "CHN.1", None) == "China"
    assert speakers_from({"speakers": "no"}) == speakers_from([]) == {}


async def test_the_chair_names_who_speaks_and_g_finds_a_delegation_by_a_speakers_name(tmp_path, meeting):
    from console.dialogs import GiveFloorDialog, NamedSpeakerDialog

    delegate_2 = "China — Mr Example-Delegate-2, Delegate"
    async with live_server(tmp_path, meeting_dir=meeting) as srv:
        await with_person_tokens(srv, meeting, tmp_path)
        async with console(srv, "VC") as (app, pilot), console(srv, "CHN.1") as (own, own_pilot):
            screen = app.screen
            await until(pilot, lambda: screen.speakers is not None, what="the speakers' names")
            # The head of delegation's own console says whose link it is.
            await until(own_pilot, lambda: "Ms Example-Delegate-1 · China (CM)" in text(own, "#status-right"))
            assert own.title == "vccsched console — Connected as Ms Example-Delegate-1, Head of delegation — China"
            assert "Connected as" not in app.title  # the chair's own token names no person
            async with ws_client(srv, "VC") as vc, ws_client(srv, "CHN.1") as head:
                await vc.command({"type": "open_item", "item": 3})
                reply, _ = await head.command({"type": "request_floor"})
                assert reply["type"] == "accepted", reply
            await until(pilot, lambda: queue(app) == [("CHN", "speech")])

            # g, then the delegate's family name: China is found by it, and the delegate is
            # offered first in the list of China's speakers.
            await pilot.press("g")
            await until(pilot, lambda: isinstance(app.screen, GiveFloorDialog))
            await pilot.press(*"delegate-2")
            options = app.screen.query_one("#picker-options")
            await until(pilot, lambda: options.option_count == 1)
            assert "China" in str(options.get_option_at_index(0).prompt)
            assert "Mr Example-Delegate-2, Delegate" in str(options.get_option_at_index(0).prompt)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, NamedSpeakerDialog))
            named = app.screen.query_one("#named-speaker")
            assert named.option_count == 3  # CHN.1 (asked), CHN.2, no one named; CHN.3 is no speaker
            assert named.highlighted == 1 and "asked" in str(named.get_option_at_index(0).prompt)
            assert "speaks Chinese" in str(named.get_option_at_index(0).prompt)  # the language named, as in the list
            app.save_screenshot("vccsched-console-named-speaker.svg", "/tmp")
            await pilot.press("enter")
            await until(pilot, lambda: delegate_2 in text(app, "#speaker-name"))
            assert srv.shell.floor.state.speaker.person == "CHN.2"
            # The console states the delegate's registered language: the floor never looks it up.
            registered = srv.shell.floor.state.setup.speaker("CHN.2").floor_language
            assert srv.shell.floor.state.speaker.language == registered
            # The head of delegation's own console does not say the delegate's speech is hers.
            await until(own_pilot, lambda: delegate_2 in text(own, "#speaker-name"))
            assert "you have the floor" not in text(own, "#item")

            # Brazil has no registered speaker: g gives the floor at once, as before.
            await pilot.press("g", *"brazil", "enter")
            await until(pilot, lambda: "Brazil" in text(app, "#speaker-name"))
            assert srv.shell.floor.state.speaker.person is None

            # China again, asked by its head: the one who asked is the default; Escape gives nothing.
            async with ws_client(srv, "CHN.1") as head:
                reply, _ = await head.command({"type": "request_floor", "id": "again"})
                assert reply["type"] == "accepted", reply
            await until(pilot, lambda: queue(app) == [("CHN", "speech")])
            await pilot.press("g", *"china", "enter")
            await until(pilot, lambda: isinstance(app.screen, NamedSpeakerDialog))
            assert app.screen.query_one("#named-speaker").highlighted == 0
            await pilot.press("escape")
            await pilot.pause(0.1)
            assert "Brazil" in text(app, "#speaker-name") and queue(app) == [("CHN", "speech")]
            await pilot.press("g", *"china", "enter")
            await until(pilot, lambda: isinstance(app.screen, NamedSpeakerDialog))
            await pilot.press("enter")
            await until(pilot, lambda: HEAD in text(app, "#speaker-name"))
            assert srv.shell.floor.state.speaker.person == "CHN.1"
            await until(own_pilot, lambda: "you have the floor" in text(own, "#item"))
            own.save_screenshot("vccsched-console-connected-as.svg", "/tmp")

            # g on China, which has the floor: its head hands over to her colleague, the only
            # other speaker offered, for the rest of her time; no "no one named".
            await pilot.press("g", *"china", "enter")
            await until(pilot, lambda: isinstance(app.screen, NamedSpeakerDialog))
            assert app.screen.handover
            named = app.screen.query_one("#named-speaker")
            assert named.option_count == 1 and "Example-Delegate-2" in str(named.get_option_at_index(0).prompt)
            app.save_screenshot("vccsched-console-hand-over.svg", "/tmp")
            await pilot.press("enter")
            await until(pilot, lambda: delegate_2 in text(app, "#speaker-name"))
            state = srv.shell.floor.state
            assert [(x.person, x.reason) for x in state.speeches[-1:]] == [("CHN.1", "handed_over")]
            assert state.speaker.person == "CHN.2" and state.speaker.language == registered
            assert state.speaker.limit_seconds <= state.speeches[-1].limit_seconds
            await until(pilot, lambda: "handed over to CHN.2" in "".join(str(x) for x in app.screen.query_one("#log").lines))
            app.save_screenshot("vccsched-console-handed-over.svg", "/tmp")
