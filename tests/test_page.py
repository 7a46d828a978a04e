"""The delegates' page and the webcast view in a real browser: Debian's headless Chromium
driven by Playwright, against a real server on port 0 with a real SQLite file.

The chair is a websockets client with the VC token; delegates are browser pages.
One browser for the module; each test opens its own server and contexts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from live_server import live_server, ws_client

from vccsched.floor.protocol import PROTOCOL_VERSION
from vccsched.loading import DEFAULT_MEETING_DIR, load_meeting

STATIC = Path(__file__).resolve().parent.parent / "server" / "static"
CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()), None) or shutil.which("chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
SCREENSHOTS = Path("/tmp")

browser_test = pytest.mark.asyncio(loop_scope="module")


def clock_from(start: dt.datetime):
    """A server clock that runs from ``start`` (the page corrects its own by welcome.server_time)."""
    shift = start - dt.datetime.now(dt.timezone.utc)
    return lambda: (dt.datetime.now(dt.timezone.utc) + shift).astimezone(start.tzinfo)


class MovableClock:
    """A server clock that runs in real time and can be moved ahead (``advance``), as time
    passing on the server; the pages follow it from the next tick."""

    def __init__(self) -> None:
        self.shift = dt.timedelta(0)

    def advance(self, seconds: float) -> None:
        self.shift += dt.timedelta(seconds=seconds)

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(ZoneInfo("Europe/Zurich")) + self.shift

try:
    from playwright.async_api import async_playwright, expect
except ImportError:  # pragma: no cover - playwright is a test dependency
    async_playwright = None


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser():
    if CHROMIUM is None or async_playwright is None:
        if os.environ.get("CI"):
            pytest.fail("CI=true but no chromium or playwright: .ci/run should have installed them")
        pytest.skip("no headless chromium (or playwright) on this machine")
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        await launched.close()


class Watch:
    """What a page did that it should not: script errors, CSP violations, dialogs."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []

    def attach(self, page) -> None:
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on(
            "console",
            lambda m: self.errors.append(m.text) if m.type == "error" and "Content Security Policy" in m.text else None,
        )

        async def dismiss(dialog):
            self.dialogs.append(dialog.message)
            await dialog.dismiss()

        page.on("dialog", dismiss)

    def check(self) -> None:
        assert not self.errors, self.errors
        assert not self.dialogs, self.dialogs


async def open_page(browser, url: str, watch: Watch, *, locale="en-GB", width=1024, height=800, clock=False, route=None):
    context = await browser.new_context(
        locale=locale, timezone_id="Asia/Tokyo", viewport={"width": width, "height": height}
    )
    page = await context.new_page()
    watch.attach(page)
    if clock:
        await page.clock.install()  # time flows; fast_forward jumps it (the countdown's warning, overrun)
    if route is not None:
        await page.route_web_socket(re.compile(r"/ws$"), route)
    await page.goto(url)
    return page


async def delegate(browser, srv, delegation: str, watch: Watch, **kwargs):
    """A delegate's page opened from its link (token in the fragment), once live."""
    page = await open_page(browser, f"{srv.http_url}/#t={srv.tokens[delegation]}", watch, **kwargs)
    await expect(page.locator("body")).to_have_attribute("data-conn", "live")
    return page


# --- the files themselves --------------------------------------------------------------------


def test_pages_have_no_inline_code_and_scripts_insert_no_html():
    """CSP forbids inline script and style; texts from others must never be parsed as HTML."""
    for html in STATIC.glob("*.html"):
        text = html.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), f"{html.name}: inline <script>"
        assert "<style" not in text, f"{html.name}: inline <style>"
        assert not re.search(r"\sstyle=", text), f"{html.name}: style attribute"
        assert not re.search(r"\son[a-z]+=", text), f"{html.name}: inline event handler"
        assert not re.search(r"(src|href)=\"(https?:)?//", text), f"{html.name}: fetches from elsewhere"
    for script in STATIC.glob("*.js"):
        code = script.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in code, f"{script.name} uses {sink}"
        assert not re.search(r"setAttribute\(\s*[\"']style", code), f"{script.name} sets a style attribute"


def test_page_speaks_the_cores_protocol_version():
    """The page says hello with /meeting.json's "protocol"; its fallback must be the core's version."""
    code = (STATIC / "connection.js").read_text()
    assert f'FALLBACK_PROTOCOL = "{PROTOCOL_VERSION}"' in code


# --- the floor, live -------------------------------------------------------------------------


@pytest.mark.slow
@browser_test
async def test_council_member_is_placed_ahead_of_an_observer_and_the_countdown_runs(browser, tmp_path):
    watch = Watch()
    server_clock = MovableClock()
    async with live_server(tmp_path, clock=server_clock, heartbeat_seconds=1.0) as srv, ws_client(srv, "VC") as vc:
        observer = await delegate(browser, srv, "GBR", watch)
        member = await delegate(browser, srv, "CHN", watch, clock=True)
        for page in (observer, member):
            await expect(page.locator("#btn-speech")).to_be_disabled()  # no item open yet
        await vc.command({"type": "open_item", "item": 3})
        await expect(observer.locator("#item-code")).to_have_text("PL 1.03")

        await observer.click("#btn-speech")
        await expect(observer.locator("#my-place")).to_have_text("Speech: place 1 of 1")
        await member.click("#btn-speech")
        for page in (observer, member):
            rows = page.locator("#queue li")
            await expect(rows).to_have_count(2)
            await expect(rows.nth(0)).to_contain_text("China")
            await expect(rows.nth(0).locator(".tier")).to_have_text("Member State of the Council")
            await expect(rows.nth(1)).to_contain_text("United Kingdom")
            await expect(rows.nth(1).locator(".tier")).to_have_text("Observer")
        await expect(member.locator("#my-place")).to_have_text("Speech: place 1 of 2")
        await expect(observer.locator("#my-place")).to_have_text("Speech: place 2 of 2")
        await expect(member.locator("#btn-speech")).to_be_disabled()  # already waiting
        await expect(member.locator("#withdraw-speech")).to_be_visible()

        await vc.command({"type": "next_speaker"})
        await expect(member.locator("#you-speak")).to_be_visible()
        await expect(member.locator("#announce")).to_have_text("You have the floor")
        await expect(member.locator("#btn-end")).to_be_visible()
        await expect(observer.locator("#you-speak")).to_be_hidden()
        await expect(observer.locator("#speaker-who")).to_contain_text("China")
        countdown = observer.locator("#countdown")
        await expect(countdown).to_have_text(re.compile(r"^(3:00|2:5\d)$"))
        first = await countdown.inner_text()
        await expect(countdown).not_to_have_text(first, timeout=3000)  # it runs

        # 180 s limit: from 30 s left a warning, then the overrun (the server's time moves on;
        # the pages follow it from its next tick).
        server_clock.advance(155)
        await expect(member.locator("#speaker")).to_have_class(re.compile(r"\bwarn\b"))
        await expect(member.locator("#announce")).to_have_text("Less than 30 seconds left")
        server_clock.advance(30)
        await expect(member.locator("#speaker")).to_have_class(re.compile(r"\bover\b"))
        await expect(member.locator("#countdown")).to_have_text(re.compile(r"^\+0:0\d$"))
        await expect(member.locator("#countdown-label")).to_have_text("over time")

        await vc.command({"type": "pause_clock"})
        await expect(observer.locator("#paused")).to_be_visible()
        await expect(member.locator("#paused")).to_be_visible()
        frozen = await member.locator("#countdown").inner_text()
        await member.clock.fast_forward("00:05")
        await expect(member.locator("#countdown")).to_have_text(frozen)

        await member.click("#btn-end")
        await expect(member.locator("#you-speak")).to_be_hidden()
        await expect(observer.locator("#speaker-none")).to_be_visible()
        await expect(observer.locator("#my-place")).to_have_text("Speech: place 1 of 1")
    watch.check()


@browser_test
async def test_a_refused_request_shows_the_servers_message_and_a_gap_is_synced(browser, tmp_path):
    """The chair closes the list while the page has not heard yet (its events are held back):
    the page's request is refused with the server's message; later it catches up by sync."""
    watch = Watch()
    hold = {"events": False}
    seen: list[dict] = []
    sockets = []

    def route(ws):
        sockets.append(ws)
        server = ws.connect_to_server()
        ws.on_message(lambda message: server.send(message))

        def down(message):
            data = json.loads(message)
            seen.append(data)
            if hold["events"] and data.get("type") == "event":
                return  # lost on a bad link
            ws.send(message)

        server.on_message(down)

    async with live_server(tmp_path) as srv, ws_client(srv, "VC") as vc:
        page = await delegate(browser, srv, "BRA", watch, route=route)
        # A later server may send what this page does not know: it must carry on.
        sockets[-1].send(json.dumps({"type": "announcement", "text": "from a newer server"}))
        await vc.command({"type": "open_item", "item": 5})
        await expect(page.locator("#item-number")).to_have_text("Item 5")
        hold["events"] = True
        await vc.command({"type": "close_list"})
        await page.click("#btn-speech")
        feedback = page.locator("#feedback")
        await expect(feedback).to_contain_text("Not accepted")
        refusal = next(m for m in seen if m["type"] == "refusal")
        assert refusal["code"] == "list_closed"
        await expect(feedback.locator(".server-message")).to_have_text(refusal["message"])
        await expect(page.locator("#queue li")).to_have_count(0)  # nothing ran ahead of the server

        hold["events"] = False
        await vc.command({"type": "set_speaking_time", "seconds": 120})
        # Event 3 after 1: a gap, so the page asks for sync and gets 2 and 3.
        await expect(page.locator("#item-flags")).to_contain_text("List of speakers closed")
        await expect(page.locator("#item-flags")).to_contain_text("2:00 per speech")
        await expect(page.locator("#btn-speech")).to_be_disabled()
        await expect(page.locator("#btn-point_of_order")).to_be_enabled()  # still taken on a closed list
    watch.check()


@browser_test
async def test_a_command_whose_reply_was_lost_is_sent_again_with_the_same_id(browser, tmp_path):
    watch = Watch()
    sent: list[dict] = []
    replies: list[dict] = []
    lose = {"accepted": True}

    def route(ws):
        server = ws.connect_to_server()

        def up(message):
            data = json.loads(message)
            if data["type"] == "command":
                sent.append(data["command"])
            server.send(message)

        def down(message):
            data = json.loads(message)
            if data["type"] == "accepted":
                replies.append(data)
                if lose["accepted"]:  # the link drops just before the reply arrives
                    lose["accepted"] = False
                    asyncio.ensure_future(ws.close(code=4000, reason="link lost"))
                    return
            ws.send(message)

        ws.on_message(up)
        server.on_message(down)

    async with live_server(tmp_path) as srv, ws_client(srv, "VC") as vc:
        page = await delegate(browser, srv, "KEN", watch, route=route)
        await vc.command({"type": "open_item", "item": 3})
        await expect(page.locator("#btn-speech")).to_be_enabled()
        await page.click("#btn-speech")
        await expect(page.locator("body")).to_have_attribute("data-conn", "live")
        await expect(page.locator("#feedback")).to_be_empty()  # no longer "Sending…"
        assert [c["type"] for c in sent] == ["request_floor", "request_floor"]
        assert sent[0] == sent[1] and re.fullmatch(r"KEN-[0-9a-z]+-1", sent[0]["id"]), sent
        assert [r["repeated"] for r in replies] == [False, True]
        await expect(page.locator("#queue li")).to_have_count(1)
    watch.check()


@browser_test
async def test_the_page_recovers_after_a_server_restart(browser, tmp_path):
    watch = Watch()
    async with live_server(tmp_path) as srv:
        async with ws_client(srv, "VC") as vc:
            await vc.command({"type": "open_item", "item": 3})
        page = await delegate(browser, srv, "CHN", watch)
        hellos: list[dict] = []
        page.on(
            "websocket",
            lambda ws: ws.on("framesent", lambda payload: hellos.append(json.loads(payload)) if '"hello"' in payload else None),
        )
        await page.click("#btn-speech")
        await expect(page.locator("#queue li")).to_have_count(1)
        # page.evaluate has no timeout of its own: a fetch the server never answers would hang.
        seq = await asyncio.wait_for(page.evaluate("fetch('/healthz').then(r => r.json()).then(h => h.seq)"), 10)
        await page.evaluate(
            """() => { window.__seen = [];
            new MutationObserver(() => window.__seen.push([document.body.dataset.conn,
                !document.getElementById('offline').hidden,
                document.getElementById('btn-point_of_order').disabled])).observe(document.body,
                {attributes: true, attributeFilter: ['data-conn']}); }"""
        )

        await srv.restart()
        await expect(page.locator("body")).to_have_attribute("data-conn", "live", timeout=15000)
        seen = await page.evaluate("window.__seen")
        # Shown offline with the banner and its buttons disabled, never passed off as live.
        assert ["offline", True, True] in seen, seen
        assert hellos and hellos[-1]["last_seq"] == seq  # resumed from where it was
        await expect(page.locator("#queue li")).to_have_count(1)
        await expect(page.locator("#offline")).to_be_hidden()

        async with ws_client(srv, "VC") as vc:
            reply, _ = await vc.command({"type": "next_speaker", "id": "vc-after-restart"})
            assert reply["type"] == "accepted", reply
        await expect(page.locator("#you-speak")).to_be_visible()
    watch.check()


@browser_test
async def test_conclusions_and_notes_are_shown_as_text(browser, tmp_path):
    watch = Watch()
    attack = "<img src=x onerror=alert(1)>"
    note = "<script>alert(2)</script><b onmouseover=alert(3)>No consensus</b>"
    async with live_server(tmp_path) as srv, ws_client(srv, "VC") as vc:
        page = await delegate(browser, srv, "FRA", watch)
        await vc.command({"type": "open_item", "item": 3})
        await vc.command({"type": "record_conclusion", "conclusion": attack})
        await expect(page.locator("#outcome .outcome-text")).to_have_text(attack)
        await vc.command({"type": "defer_item", "requested_by": "IRN", "scope": "conclusion", "note": note})
        await expect(page.locator("#outcome")).to_contain_text(note)
        # Target and name isolated (U+2068…U+2069), so that they keep their direction in Arabic text.
        await expect(page.locator("#outcome")).to_contain_text(
            "Conclusion deferred to \u2068C22\u2069 at the request of \u2068Iran (Islamic Republic of)\u2069")
        await page.hover("#outcome")
        assert await page.evaluate("document.images.length") == 0
        assert await page.locator("#outcome script, #outcome b").count() == 0
        await vc.command({"type": "close_item"})
        await expect(page.locator("#last-outcome")).to_contain_text(attack)  # the last item stays readable
    watch.check()


@browser_test
async def test_arabic_is_laid_out_right_to_left_and_chinese_gets_chinese_titles(browser, tmp_path):
    watch = Watch()
    titles = {i.number: i.title for i in load_meeting(DEFAULT_MEETING_DIR).agenda.items}
    async with live_server(tmp_path) as srv, ws_client(srv, "VC") as vc:
        await vc.command({"type": "open_item", "item": 3})
        page = await delegate(browser, srv, "SAU", watch, locale="ar-SA", width=390)
        html = page.locator("html")
        await expect(html).to_have_attribute("dir", "rtl")
        await expect(html).to_have_attribute("lang", "ar")
        await expect(page.locator("#btn-speech")).to_have_text("طلب الكلمة")
        assert await page.evaluate("getComputedStyle(document.getElementById('actions')).direction") == "rtl"
        card = await page.locator("#item-card").bounding_box()
        number = await page.locator("#item-number").bounding_box()
        assert number["x"] + number["width"] > card["x"] + card["width"] - 40  # starts at the right
        await expect(page.locator("#item-title")).to_have_text(titles[3].en)
        await page.screenshot(path=str(SCREENSHOTS / "vccsched-page-ar.png"), full_page=True)

        await page.select_option("#lang", "zh")
        await expect(html).to_have_attribute("dir", "ltr")
        await expect(page.locator("#item-title")).to_have_text(titles[3].zh)
        await expect(page.locator("#btn-speech")).to_have_text("请求发言")

        # Every language has every text, with the same placeholders as English; a text with
        # plural forms has "other" with all of them, and the others no placeholder English lacks
        # (Arabic says "ثانيتين" for 2, without the figure).
        report = await asyncio.wait_for(page.evaluate(
            """() => import('/static/i18n.js').then(({_strings}) => {
                const holes = (s) => (s.match(/\\{\\w+\\}/g) || []).sort().join();
                const forms = (s) => (typeof s === "string" ? {other: s} : s);
                const categories = ["zero", "one", "two", "few", "many", "other"];
                const problems = [];
                for (const [lang, table] of Object.entries(_strings)) {
                  for (const [key, text] of Object.entries(_strings.en)) {
                    const want = holes(forms(text).other);
                    if (!table[key]) { problems.push(`${lang}: missing ${key}`); continue; }
                    const mine = forms(table[key]);
                    if (holes(mine.other || "") !== want) problems.push(`${lang}: placeholders of ${key}`);
                    for (const [category, form] of Object.entries(mine)) {
                      if (!categories.includes(category)) problems.push(`${lang}: ${key} has a form ${category}`);
                      else if (holes(form).split(",").some((h) => h && !want.includes(h))) problems.push(`${lang}: placeholders of ${key}.${category}`);
                    }
                  }
                  for (const key of Object.keys(table)) if (!(key in _strings.en)) problems.push(`${lang}: extra ${key}`);
                }
                return {languages: Object.keys(_strings).sort(), problems};
            })"""
        ), 10)  # page.evaluate has no timeout of its own
        assert report["languages"] == sorted(["ar", "zh", "en", "fr", "ru", "es"])
        assert report["problems"] == []
    watch.check()


@browser_test
async def test_phone_width_and_keyboard_alone(browser, tmp_path):
    watch = Watch()
    first_day = clock_from(dt.datetime(2021, 6, 8, 11, 50, tzinfo=ZoneInfo("Europe/Zurich")))
    async with live_server(tmp_path, clock=first_day) as srv, ws_client(srv, "VC") as vc:
        page = await delegate(browser, srv, "CHN", watch, width=360, height=740)
        # Geneva time is the server's; the session in the delegate's own time (Tokyo, UTC+9).
        await expect(page.locator("#clock-geneva")).to_have_text(re.compile(r"^11:5\d:\d\d$"))
        await expect(page.locator("#session")).not_to_be_empty()
        session = await page.locator("#session").inner_text()
        # Range isolated left to right (else Arabic shows "15:00–12:00"), kept on one line.
        assert "\u206612:00\u2060–\u206015:00\u2069" in session
        session = session.replace("\u2060", "").replace("\u2066", "").replace("\u2069", "")
        assert session == "Today's meeting: 12:00–15:00 Geneva time, 19:00–22:00 your time"
        await vc.command({"type": "open_item", "item": 36})
        for other in ("PSE", "SM-R1", "USA"):
            async with ws_client(srv, other) as client:
                await client.command({"type": "request_floor", "kind": "speech"})
        await vc.command({"type": "next_speaker"})

        # Keyboard only: Tab to "Ask for the floor", then Enter.
        await page.locator("body").focus()
        for _ in range(12):
            await page.keyboard.press("Tab")
            if await page.evaluate("document.activeElement.id") == "btn-speech":
                break
        else:
            pytest.fail("Tab never reaches the 'Ask for the floor' button")
        assert await page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
        await page.keyboard.press("Enter")
        await expect(page.locator("#my-place")).to_have_text("Speech: place 1 of 3")  # a Council Member, ahead of PSE and SM-R1
        await expect(page.locator("#speaker-who")).to_contain_text("United States")

        assert await page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing sticks out
        await page.screenshot(path=str(SCREENSHOTS / "vccsched-page-360.png"), full_page=True)
        await page.set_viewport_size({"width": 1280, "height": 800})
        await page.screenshot(path=str(SCREENSHOTS / "vccsched-page-1280.png"), full_page=True)
    watch.check()


@browser_test
async def test_token_leaves_the_address_bar_and_a_bad_one_is_explained(browser, tmp_path):
    watch = Watch()
    async with live_server(tmp_path) as srv:
        token = srv.tokens["BRA"]
        page = await delegate(browser, srv, "BRA", watch)
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        assert await page.evaluate("location.hash") == ""
        assert await page.evaluate("sessionStorage.getItem('vccsched.token')") == token
        await expect(page.locator("#whoami")).to_have_text("Brazil")
        await page.reload()  # the token is kept for the tab
        await expect(page.locator("body")).to_have_attribute("data-conn", "live")
        assert not any(token in url for url in requested)

        await page.click("#leave")
        await expect(page.locator("#join")).to_be_visible()
        await page.fill("#token", "not-a-token")
        await page.press("#token", "Enter")
        await expect(page.locator("#join-error")).to_contain_text("not accepted")
        assert await page.evaluate("sessionStorage.getItem('vccsched.token')") is None
    watch.check()


@browser_test
async def test_public_view_follows_the_floor_read_only(browser, tmp_path):
    watch = Watch()
    async with live_server(tmp_path, public=True) as srv, ws_client(srv, "VC") as vc:
        page = await open_page(browser, f"{srv.http_url}/public", watch, width=1280, height=720)
        await expect(page.locator("body")).to_have_attribute("data-conn", "live")
        await vc.command({"type": "open_item", "item": 3})
        async with ws_client(srv, "GBR") as gbr:
            await gbr.command({"type": "request_floor", "kind": "speech"})
        await vc.command({"type": "give_floor", "delegation": "CHN"})
        await expect(page.locator("#item-code")).to_have_text("PL 1.03")
        await expect(page.locator("#speaker-who")).to_contain_text("China")
        await expect(page.locator("#countdown")).to_have_text(re.compile(r"^(3:00|2:5\d)$"))
        await expect(page.locator("#queue li")).to_have_text(re.compile("United Kingdom"))
        assert await page.locator("button:not(#reconnect)").count() == 0
        await page.screenshot(path=str(SCREENSHOTS / "vccsched-public.png"), full_page=True)
    watch.check()
