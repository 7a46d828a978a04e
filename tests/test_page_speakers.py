"""The speaker's name on the page (issue 17): registered speakers named from /meeting.json on
the floor card and in the list, the not_a_speaker refusal in the page's language, and the
meeting's floor.public_speaker_names setting. Real server on port 0, Debian's chromium."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request

from live_server import live_server, ws_client
from page_axe import no_axe_violations
from test_page import SCREENSHOTS, Watch, browser, browser_test, delegate, open_page  # noqa: F401 (fixture)
from test_person_tokens import URL, meeting, rows, run_cli, with_person_tokens  # noqa: F401 (fixture; re-exported)

from server.app import meeting_document
from vccsched.loading import load_meeting

try:
    from playwright.async_api import expect
except ImportError:  # pragma: no cover - the browser fixture skips
    expect = None

HEAD = "Ms Example-Delegate-1, Head of delegation"


async def fetch_json(url: str) -> dict:
    """GET ``url`` off the event loop (the server runs on it)."""

    def get() -> dict:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return json.load(answer)

    return await asyncio.to_thread(get)


def private(meeting):
    text = (meeting / "meeting.yaml").read_text(encoding="utf-8")
    assert text.count("\nfloor:\n") == 1
    (meeting / "meeting.yaml").write_text(text.replace("\nfloor:\n", "\nfloor:\n  public_speaker_names: false\n"), encoding="utf-8")
    return meeting


def test_meeting_json_names_speakers_only_and_never_an_email(meeting, c21):
    document = meeting_document(load_meeting(meeting))
    speakers = document["speakers"]
    chn = [s for s in speakers if s["delegation"] == "CHN"]
    assert chn == [
        {"id": "CHN.1", "delegation": "CHN", "name": "Ms Example-Delegate-1", "function": "Head of delegation"},
        {"id": "CHN.2", "delegation": "CHN", "name": "Mr Example-Delegate-2", "function": "Delegate"},
    ]  # CHN.3 is an adviser, not a speaker
    assert "@" not in json.dumps(document)
    registered = load_meeting(meeting).registrations
    assert {s["id"] for s in speakers} == {p.id for p in registered.persons if p.speaker}
    # Without registrations, or with the names kept private: nobody named.
    assert meeting_document(c21)["speakers"] == []
    assert meeting_document(load_meeting(private(meeting)))["speakers"] == []


@browser_test
async def test_the_page_names_the_speaker_and_translates_not_a_speaker(browser, tmp_path, meeting):
    watch = Watch()
    async with live_server(tmp_path, meeting_dir=meeting, public=True) as srv:
        await with_person_tokens(srv, meeting, tmp_path)
        published = await fetch_json(f"{srv.http_url}/meeting.json")
        assert [s["id"] for s in published["speakers"] if s["delegation"] == "CHN"] == ["CHN.1", "CHN.2"]
        async with ws_client(srv, "VC") as vc, ws_client(srv, "BRA") as bra:
            head = await delegate(browser, srv, "CHN.1", watch, width=1280)
            adviser = await delegate(browser, srv, "CHN.3", watch, locale="fr-FR")
            webcast = await open_page(browser, f"{srv.http_url}/public", watch, width=1280, height=720)
            await vc.command({"type": "open_item", "item": 3})
            await expect(adviser.locator("#btn-speech")).to_be_enabled()

            # Each page says whose link it is: the person and function, then the delegation, in
            # the page's language (the welcome names the person to that connection only).
            await expect(head.locator("#whoami-person")).to_have_text(
                "Connected as \u2068Ms Example-Delegate-1\u2069, \u2068Head of delegation\u2069 — \u2068China\u2069")
            await expect(adviser.locator("#whoami-person")).to_have_text(
                "Connecté en tant que \u2068Example Example-Delegate-3\u2069, \u2068Adviser\u2069 — \u2068Chine\u2069")
            egypt = await delegate(browser, srv, "EGY.1", watch, locale="ar-EG")
            await expect(egypt.locator("html")).to_have_attribute("dir", "rtl")
            await expect(egypt.locator("#whoami-person")).to_have_text(
                "متصل باسم \u2068Dr Example-Delegate-6\u2069، \u2068Head of delegation\u2069 — \u2068مصر\u2069")
            await expect(egypt.locator("#whoami-delegation")).to_be_hidden()
            brazil = await delegate(browser, srv, "BRA", watch)  # a delegation's own link names no one
            await expect(brazil.locator("#whoami-delegation")).to_have_text("Signed in as Brazil")
            await expect(brazil.locator("#whoami-person")).to_be_hidden()
            assert "person" not in vc.welcome and "person" not in bra.welcome
            await egypt.screenshot(path=str(SCREENSHOTS / "vccsched-page-connected-as-ar.png"), full_page=True)
            await brazil.context.close()

            # An adviser follows the meeting: refused, in French, the server's message after it.
            await adviser.click("#btn-speech")
            feedback = adviser.locator("#feedback")
            await expect(feedback).to_contain_text("la parole est demandée par les orateurs inscrits")
            await expect(feedback).to_contain_text("Ms Example-Delegate-1 (CHN.1)")
            await expect(adviser.locator("#queue li")).to_have_count(0)

            await bra.command({"type": "request_floor", "kind": "speech"})  # Brazil's own token: no person
            await head.click("#btn-speech")
            for page, china, brazil in ((head, "China", "Brazil"), (adviser, "Chine", "Brésil"), (webcast, "China", "Brazil")):
                queue = page.locator("#queue li")  # both Council Members: first come, first served
                await expect(queue).to_have_count(2)
                await expect(queue.nth(0)).to_contain_text(brazil)
                await expect(queue.nth(0).locator(".person")).to_have_count(0)
                await expect(queue.nth(1).locator(".name")).to_have_text(china)  # the delegation first
                await expect(queue.nth(1).locator(".person-line")).to_have_text(f"— {HEAD}")
                # Who of it on a line of its own under the delegation, the dash not drawn (it was left
                # at the start of a wrapped line).
                assert await queue.nth(1).evaluate(
                    """li => li.querySelector('.person-line').getBoundingClientRect().top
                            >= li.querySelector('.name').getBoundingClientRect().bottom - 1
                          && li.querySelector('.person-sep').getBoundingClientRect().width <= 1"""
                )
            await vc.command({"type": "give_floor", "delegation": "CHN"})
            for page, china in ((head, "China"), (adviser, "Chine"), (webcast, "China")):
                await expect(page.locator("#speaker-who .person")).to_have_text(HEAD)
                await expect(page.locator("#speaker-who")).to_contain_text(china)
            # "you" beside the head of delegation's own name; a colleague reads "your delegation".
            await expect(head.locator("#speaker-who .you-tag")).to_have_text("you")
            await expect(adviser.locator("#speaker-who .you-tag")).to_have_text("votre délégation")
            await head.screenshot(path=str(SCREENSHOTS / "vccsched-page-speaker-name.png"), full_page=True)
            # The public webcast view and the delegates' page in Arabic (right to left), a speaker
            # named and two in line, pass axe-core's rules.
            await expect(egypt.locator("#speaker-who .person")).to_have_text(HEAD)
            await no_axe_violations(webcast, "the public webcast view (/public)")
            await no_axe_violations(egypt, "the delegates' page in Arabic")
            await adviser.screenshot(path=str(SCREENSHOTS / "vccsched-page-not-a-speaker-fr.png"), full_page=True)
            # The chair gives the floor to Brazil, whose request had no person: no name shown.
            await vc.command({"type": "give_floor", "delegation": "BRA"})
            await expect(webcast.locator("#speaker-who")).to_contain_text("Brazil")
            await expect(webcast.locator("#speaker-who .person")).to_have_count(0)
            # The chair names China's delegate: the head of delegation's page does not say
            # "You have the floor" for someone else's speech.
            await expect(head.locator("#you-speak")).to_be_hidden()
            reply, _ = await vc.command({"type": "give_floor", "delegation": "CHN", "person": "CHN.2"})
            assert reply["type"] == "accepted", reply
            await expect(head.locator("#speaker-who .person")).to_have_text("Mr Example-Delegate-2, Delegate")
            await expect(head.locator("#speaker-who .you-tag")).to_have_text("your delegation")
            await expect(head.locator("#you-speak")).to_be_hidden()
    watch.check()


@browser_test
async def test_with_public_speaker_names_false_no_page_names_anyone(browser, tmp_path, meeting):
    watch = Watch()
    async with live_server(tmp_path, meeting_dir=private(meeting), public=True) as srv:
        await with_person_tokens(srv, meeting, tmp_path)
        assert (await fetch_json(f"{srv.http_url}/meeting.json"))["speakers"] == []
        async with ws_client(srv, "VC") as vc:
            webcast = await open_page(browser, f"{srv.http_url}/public", watch, width=1280, height=720)
            await expect(webcast.locator("body")).to_have_attribute("data-conn", "live")
            await vc.command({"type": "open_item", "item": 3})
            async with ws_client(srv, "CHN.1") as head:
                reply, _ = await head.command({"type": "request_floor", "kind": "speech"})
                assert reply["type"] == "accepted", reply
            await vc.command({"type": "next_speaker"})
            await expect(webcast.locator("#speaker-who")).to_contain_text("China")
            await expect(webcast.locator("#speaker-who .person")).to_have_count(0)
            assert "Example-Delegate" not in await webcast.locator("body").inner_text()
            # The interpreters are accredited staff: their page has the names from /speakers.json.
            booth = await delegate(browser, srv, "INT-EN", watch, width=1100, height=760)
            await expect(booth.locator("#speaker-who .person")).to_have_text("Ms Example-Delegate-1, Head of delegation")
            await booth.screenshot(path=str(SCREENSHOTS / "vccsched-interpreters-private-names.png"), full_page=True)
            await booth.context.close()
            assert "Example-Delegate" not in await webcast.locator("body").inner_text()
    watch.check()
