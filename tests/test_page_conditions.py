"""The delegates' page under the conditions delegates really have (issue 20), in Debian's
headless Chromium against a real server (see test_page.py for the set-up): a link that
stalls without closing (a TCP proxy that holds the bytes), a computer clock set forward
and back by 7 minutes during a speech, a 320 x 658 phone given the floor while scrolled
down, a sixth tab of one delegation on a Chinese page, and the bytes of a first load
with and without compression.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gzip
import re
import time
import urllib.request

import pytest
from live_server import live_server, ws_client
from server.heartbeat import tick
from tcp_proxy import TcpProxy
from test_page import SCREENSHOTS, Watch, browser, browser_test, delegate, open_page  # noqa: F401

try:
    from playwright.async_api import expect
except ImportError:  # pragma: no cover - test_page skips the module's browser then
    expect = None


def seconds_of(countdown: str) -> float:
    """The countdown's text as signed seconds left ("2:15" -> 135, "+0:07" -> -7)."""
    sign = -1 if countdown.startswith("+") else 1
    minutes, seconds = countdown.lstrip("+").split(":")
    return sign * (int(minutes) * 60 + int(seconds))


def time_left(srv) -> float:
    """The speaker's time left now, by the server's state and clock."""
    speaker = srv.shell.floor.state.speaker
    left = speaker.limit_seconds - speaker.elapsed_seconds
    if speaker.running_since is not None:
        left -= (srv.shell.clock() - speaker.running_since).total_seconds()
    return left


async def poll(page, script: str, until, timeout: float) -> float:
    """Evaluate ``script`` every 50 ms until ``until(value)``; returns the seconds it took."""
    started = time.monotonic()
    while True:
        if until(await page.evaluate(script)):
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{script} not as wanted after {timeout} s: {await page.evaluate(script)!r}")
        await asyncio.sleep(0.05)


async def page_time_until(page, until, seconds: float) -> float | None:
    """Let the page's clock (Playwright's, ``open_page(clock=True)``) run a quarter of a second
    at a time, firing its timers, until ``until(document.body.dataset.conn)``: the page's
    seconds it took, or None if ``seconds`` of them went by without."""
    elapsed = 0.0
    while not until(await page.evaluate("document.body.dataset.conn")):
        if elapsed >= seconds:
            return None
        await page.clock.run_for(250)
        await asyncio.sleep(0.01)  # and let real events (frames, connections) in
        elapsed += 0.25
    return elapsed


SHOWN = """() => [document.body.dataset.conn,
    (document.getElementById('speaker-who') || {}).textContent || '',
    (document.getElementById('item-flags') || {}).textContent || '']"""


@pytest.mark.slow
@browser_test
async def test_a_silent_drop_leaves_live_within_12_s_and_is_right_2_s_after_the_link_returns(browser, tmp_path):
    watch = Watch()
    async with live_server(tmp_path) as srv, TcpProxy(srv.port) as proxy, ws_client(srv, "VC") as vc:
        await vc.command({"type": "open_item", "item": 3})
        # The page's timers and clocks are Playwright's (they flow with real time): the 10 s of
        # silence the page waits for are jumped over below instead of waited for in real time.
        page = await open_page(browser, f"http://127.0.0.1:{proxy.port}/#t={srv.tokens['BRA']}", watch, clock=True)
        await expect(page.locator("body")).to_have_attribute("data-conn", "live")
        await expect(page.locator("#item-code")).to_have_text("PL 1.03")
        await expect(page.locator("#speaker-none")).to_be_visible()

        proxy.stall()  # no FIN, no RST: the socket stays open and says nothing
        stalled_at = srv.shell.clock()
        # Meanwhile the floor moves on: the page cannot know, and must not say it is live.
        await vc.command({"type": "give_floor", "delegation": "CHN"})
        await vc.command({"type": "close_list"})
        await asyncio.sleep(0.5)  # what the page was sent is stuck in the proxy, not late
        assert await page.evaluate("document.body.dataset.conn") == "live"  # no frame for 0.5 s is no silence
        # The page's time goes on a quarter of a second at a time (its silence check runs every
        # 0.5 s of it): it must leave live within 12 s of it, as it must within 12 s of real time.
        noticed = await page_time_until(page, lambda conn: conn != "live", 12)
        assert noticed is not None and noticed <= 12, "still live after 12 s of the page's time without a frame"
        await expect(page.locator("#offline")).to_be_visible()
        await expect(page.locator("#countdown")).to_be_hidden()  # nobody had the floor when it last knew
        await expect(page.locator("#offline-said")).to_have_text("Nothing heard from the server for 10 seconds.")
        # "Last update" is when the server was last heard (at most a heartbeat before the stall),
        # not when the silence was noticed.
        since = re.search(r"(\d\d):(\d\d):(\d\d)", await page.locator("#offline-since").inner_text())
        assert since, await page.locator("#offline-since").inner_text()
        last = int(since[1]) * 3600 + int(since[2]) * 60 + int(since[3])
        stall = stalled_at.hour * 3600 + stalled_at.minute * 60 + stalled_at.second
        assert -6 <= (last - stall + 43200) % 86400 - 43200 <= 1, (since[0], stalled_at)
        # 20 s of the page's time in all (its retries meanwhile go into the stalled link): never live.
        assert await page_time_until(page, lambda conn: conn == "live", 20 - noticed) is None

        proxy.resume()
        right = await poll(
            page, SHOWN,
            lambda shown: shown[0] == "live" and "China" in shown[1] and "List of speakers closed" in shown[2],
            timeout=5,
        )  # fmt: skip
        assert right <= 2, right
        print(f"stall: left Live {noticed:.1f} s (the page's time) after the link stalled; right again {right:.2f} s after it returned")
        await expect(page.locator("#offline")).to_be_hidden()
        await page.screenshot(path=str(SCREENSHOTS / "vccsched-page-after-stall.png"))
    watch.check()


@browser_test
async def test_the_page_takes_the_silence_it_waits_for_from_the_servers_heartbeat(browser, tmp_path):
    """A welcome stating ``heartbeat_seconds: 1`` makes 2 s of silence a dead link, not 10 s."""
    watch = Watch()
    async with live_server(tmp_path, heartbeat_seconds=1.0) as srv, TcpProxy(srv.port) as proxy:
        # Real time here: the ticks come in real time, and 2 s of them must keep the page live.
        page = await open_page(browser, f"http://127.0.0.1:{proxy.port}/#t={srv.tokens['BRA']}", watch)
        await expect(page.locator("body")).to_have_attribute("data-conn", "live")
        await asyncio.sleep(2.5)
        assert await page.evaluate("document.body.dataset.conn") == "live"  # ticks keep it live
        proxy.stall()
        noticed = await poll(page, "document.body.dataset.conn", lambda conn: conn != "live", timeout=8)
        assert noticed <= 3.5, noticed  # 2 x 1 s and the 0.5 s check, not 2 x 5 s
    watch.check()


@pytest.mark.slow
@browser_test
async def test_the_countdown_follows_the_real_time_when_the_computer_clock_is_set_7_minutes_off(browser, tmp_path):
    watch = Watch()
    async with live_server(tmp_path) as srv, ws_client(srv, "VC") as vc:
        page = await delegate(browser, srv, "CHN", watch, clock=True)
        await vc.command({"type": "open_item", "item": 3})
        await vc.command({"type": "give_floor", "delegation": "BRA"})
        countdown = page.locator("#countdown")
        await expect(countdown).to_have_text(re.compile(r"^(3:00|2:5\d)$"))
        reconnections: list = []
        page.on("websocket", lambda ws: reconnections.append(ws))

        async def check(what: str) -> None:
            await asyncio.sleep(1)  # a few of the page's ticks, and perhaps one of the server's
            # The page shows whole seconds rounded up: when the figure changes to n, its own
            # time left has just passed n (a quarter of a second ago at most).
            before = await countdown.inner_text()
            async with asyncio.timeout(5):
                while (shown := await countdown.inner_text()) == before:
                    await asyncio.sleep(0.02)
            truth = time_left(srv)
            assert abs(truth - seconds_of(shown)) <= 1, (what, shown, truth)
            geneva = dt.datetime.strptime(await page.locator("#clock-geneva").inner_text(), "%H:%M:%S")
            server = srv.shell.clock()
            drift = abs((geneva.hour * 3600 + geneva.minute * 60 + geneva.second)
                        - (server.hour * 3600 + server.minute * 60 + server.second))  # fmt: skip
            assert min(drift, 86400 - drift) <= 2, (what, geneva, server)
            assert await page.evaluate("document.body.dataset.conn") == "live", what

        await check("before")
        real = dt.datetime.now(dt.timezone.utc)
        await page.clock.set_system_time(real + dt.timedelta(minutes=7))  # NTP corrects a slow clock
        await check("the computer clock set 7 minutes forward")
        await page.clock.set_system_time(dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=7))
        await check("then 7 minutes back")
        await page.clock.set_system_time(dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=7, seconds=30))
        # The server's next tick gives a fresh offset: still the same countdown. The tick is sent
        # now rather than waited for (its 5 s period is test_heartbeat's to check).
        assert await tick(srv.shell) == 2  # to the chair and to the page
        await check("a tick after")
        assert reconnections == []  # the same connection all along: a clock step is no silence
    watch.check()


def controls_too_small_js() -> str:
    return """() => [...document.querySelectorAll('button, select, input, summary, a[href]')]
        .filter((e) => e.offsetParent !== null)
        .map((e) => [e.id || e.tagName, e.getBoundingClientRect()])
        .filter(([, r]) => r.width < 44 || r.height < 44)
        .map(([id, r]) => `${id} ${Math.round(r.width)}x${Math.round(r.height)}`)"""


def in_view_js(selector: str) -> str:
    return f"""() => {{ const r = document.querySelector('{selector}').getBoundingClientRect();
        return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }}"""


@pytest.mark.slow
@browser_test
async def test_a_320_by_658_phone_reaches_its_actions_and_is_shown_the_floor_wherever_scrolled(browser, tmp_path):
    watch = Watch()
    async with live_server(tmp_path) as srv, ws_client(srv, "VC") as vc:
        await vc.command({"type": "open_item", "item": 3})
        for other in ("USA", "BRA", "GBR", "PSE", "SM-R1", "FRA", "KEN", "IND", "RUS", "MEX"):
            async with ws_client(srv, other) as client:
                await client.command({"type": "request_floor", "kind": "speech"})
        page = await delegate(browser, srv, "CHN", watch, width=320, height=658)
        await expect(page.locator("#queue li")).to_have_count(10)
        assert await page.evaluate("window.scrollY") == 0
        for selector in ("#btn-speech", "#btn-point_of_order", "#btn-right_of_reply"):
            assert await page.evaluate(in_view_js(selector)), f"{selector} is below the first screen"
        assert await page.evaluate(controls_too_small_js()) == []
        await page.screenshot(path=str(SCREENSHOTS / "vccsched-page-320-first.png"))

        await page.click("#btn-speech")
        await expect(page.locator("#my-place")).to_contain_text("Speech: place")
        assert await page.evaluate(in_view_js("#withdraw-speech"))  # to withdraw: no scrolling either
        await page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        assert await page.evaluate("window.scrollY") > 300
        assert not await page.evaluate(in_view_js("#actions"))

        await vc.command({"type": "give_floor", "delegation": "CHN"})
        await expect(page.locator("#you-speak")).to_be_visible()
        await poll(page, in_view_js("#btn-end"), bool, timeout=3)
        assert await page.evaluate(in_view_js(".you-speak-title"))
        # And it stays reachable: scrolled to the very bottom again, it is still there.
        await page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        assert await page.evaluate(in_view_js("#btn-end"))
        assert await page.evaluate(controls_too_small_js()) == []
        assert await page.evaluate("document.documentElement.scrollWidth") <= 320
        await page.screenshot(path=str(SCREENSHOTS / "vccsched-page-320-floor.png"))
        await page.click("#btn-end")
        await expect(page.locator("#you-speak")).to_be_hidden()
    watch.check()


@browser_test
async def test_a_sixth_tab_on_a_chinese_page_says_why_and_what_to_do_and_waits(browser, tmp_path):
    watch = Watch()
    async with live_server(tmp_path) as srv, ws_client(srv, "VC") as vc, contextlib.AsyncExitStack() as stack:
        await vc.command({"type": "open_item", "item": 3})
        five = [await stack.enter_async_context(ws_client(srv, "CHN")) for _ in range(5)]
        context = await browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1024, "height": 700})
        page = await context.new_page()
        watch.attach(page)
        sockets: list = []
        page.on("websocket", lambda ws: sockets.append(ws))
        await page.goto(f"{srv.http_url}/#t={srv.tokens['CHN']}")

        body = page.locator("body")
        await expect(body).to_have_attribute("data-conn", "refused")
        said = page.locator("#offline-said")
        await expect(said).to_contain_text("请关闭另一个标签页或另一台设备上的页面，然后按“立即重新连接”")
        await expect(page.locator("#conn")).to_have_text("未连接")
        await expect(page.locator("#reconnect")).to_have_text("立即重新连接")
        banner = await page.locator("#offline").inner_text()
        assert "连接已中断" not in banner and "Connection" not in banner and "connections" not in banner
        # Never an empty floor as if it were the state: no "no item is open", no "nobody has the floor".
        await expect(page.locator("#floor")).to_be_hidden()
        await expect(page.locator("#item-none")).to_be_hidden()
        await page.screenshot(path=str(SCREENSHOTS / "vccsched-page-sixth-tab-zh.png"))
        await asyncio.sleep(3)
        assert len(sockets) == 1  # no reconnecting on its own: it would be refused again and again
        await expect(body).to_have_attribute("data-conn", "refused")

        await five[0].ws.close()  # the delegate closes the page on another device
        await asyncio.sleep(0.1)
        await page.click("#reconnect")
        await expect(body).to_have_attribute("data-conn", "live")
        await expect(page.locator("#item-code")).to_have_text("PL 1.03")
        await expect(page.locator("#offline")).to_be_hidden()
    watch.check()


def fetch(url: str, gzip_ok: bool) -> tuple[bytes, dict]:
    headers = {"Accept-Encoding": "gzip, deflate, br" if gzip_ok else "identity"}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
        return response.read(), {k.lower(): v for k, v in response.headers.items()}


@browser_test
async def test_the_page_comes_compressed_with_hashed_cacheable_assets_and_a_first_screen(browser, tmp_path):
    watch = Watch()
    async with live_server(tmp_path) as srv:
        # Compressed for a client that accepts gzip, not for one that does not.
        totals = {}
        for gzip_ok in (True, False):
            html, headers = await asyncio.to_thread(fetch, f"{srv.http_url}/", gzip_ok)
            assert headers["cache-control"] == "no-store"  # the next start may bring other assets
            assert (headers.get("content-encoding") == "gzip") is gzip_ok
            text = (gzip.decompress(html) if gzip_ok else html).decode()
            assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', text)
            assert len(assets) >= 8 and all(re.search(r"\.[0-9a-f]{10}\.(js|css|svg|json)$", a) for a in assets), assets
            total = len(html)
            for asset in sorted(set(assets)):
                body, asset_headers = await asyncio.to_thread(fetch, srv.http_url + asset, gzip_ok)
                assert asset_headers["cache-control"] == "public, max-age=31536000, immutable", asset
                assert "Accept-Encoding" in asset_headers["vary"]
                total += len(body)
            totals[gzip_ok] = total
        print(f"first load (HTML, scripts, style, icon, meeting data; not the snapshot): {totals[True]} bytes gzipped, {totals[False]} plain")
        assert totals[True] < 0.4 * totals[False], totals
        # The first screen is in the HTML: the meeting, and that the page is connecting, in the
        # reader's language as far as the browser says it.
        assert "C21/VCC-1" in text and "Connecting…" in text
        request = urllib.request.Request(f"{srv.http_url}/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
        chinese = await asyncio.to_thread(lambda: urllib.request.urlopen(request, timeout=10).read().decode())
        assert '<html lang="zh"' in chinese and "正在连接…" in chinese and "理事" in chinese

        # In the browser: a reload takes only the page itself from the network.
        context = await browser.new_context(locale="en-GB", viewport={"width": 1024, "height": 800})
        page = await context.new_page()
        watch.attach(page)
        cdp = await context.new_cdp_session(page)
        await cdp.send("Network.enable")
        received: list[int] = []
        cdp.on("Network.loadingFinished", lambda e: received.append(e["encodedDataLength"]))
        await page.goto(f"{srv.http_url}/#t={srv.tokens['FRA']}")
        await expect(page.locator("body")).to_have_attribute("data-conn", "live")
        first = sum(received)
        received.clear()
        await page.reload()
        await expect(page.locator("body")).to_have_attribute("data-conn", "live")
        await asyncio.sleep(0.3)
        reload = sum(received)
        print(f"in Chromium: first load {first} bytes, reload {reload} bytes (HTTP only)")
        assert reload < 0.35 * first, (first, reload)

        # Before any script has run, the reader sees the meeting and "Connecting…", not a blank page.
        slow = await context.new_page()
        await slow.route(re.compile(r"\.js$"), lambda route: route.abort())
        await slow.goto(f"{srv.http_url}/")
        await expect(slow.locator("h1")).to_contain_text("C21/VCC-1")
        await expect(slow.locator(".pill")).to_have_text("Connecting…")
        await context.close()
    watch.check()


@browser_test
async def test_the_access_code_form_points_to_the_link_and_a_joined_page_copies_it(browser, tmp_path):
    watch = Watch()
    async with live_server(tmp_path) as srv:
        # An address copied from another tab (the token is gone from it): the form says what to use.
        bare = await open_page(browser, f"{srv.http_url}/", watch)
        await expect(bare.locator("#join")).to_be_visible()
        await expect(bare.locator(".join-hint")).to_contain_text("The personal link in the secretariat's e-mail opens the meeting directly")

        context = await browser.new_context(locale="en-GB", viewport={"width": 1024, "height": 800})
        await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=srv.http_url)
        page = await context.new_page()
        watch.attach(page)
        await page.goto(f"{srv.http_url}/#t={srv.tokens['KEN']}")
        await expect(page.locator("body")).to_have_attribute("data-conn", "live")
        assert await page.evaluate("location.hash") == ""  # still taken out of the address bar
        await page.click("#copy-link")
        await expect(page.locator("#copy-link-said")).to_contain_text("Link copied")
        link = await page.evaluate("navigator.clipboard.readText()")
        assert link == f"{srv.http_url}/#t={srv.tokens['KEN']}"

        second = await open_page(browser, link, watch)  # the other device
        await expect(second.locator("body")).to_have_attribute("data-conn", "live")
        await expect(second.locator("#whoami")).to_have_text("Kenya")
        await context.close()
    watch.check()


@browser_test
async def test_a_full_server_is_explained_and_the_page_gets_in_by_itself_when_there_is_room(browser, tmp_path):
    # Only the public view can be full: a delegation's places are its own (issue 18).
    import json as json_

    from websockets.asyncio.client import connect as ws_connect

    from server.app import Limits
    from vccsched.floor.protocol import PROTOCOL_VERSION

    watch = Watch()
    async with live_server(tmp_path, public=True, limits=Limits(public_max=1)) as srv:
        async with ws_connect(srv.ws_url + "/public") as viewer:  # the one place
            await viewer.send(json_.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "last_seq": None}))
            assert json_.loads(await asyncio.wait_for(viewer.recv(), 5))["type"] == "welcome"
            page = await open_page(browser, f"{srv.http_url}/public", watch, locale="fr-FR")
            await expect(page.locator("#offline-said")).to_have_text(
                "Le serveur est complet pour le moment. La page réessaie d'elle-même."
            )
            assert await page.evaluate("document.body.dataset.conn") != "refused"  # it keeps trying
            await expect(page.locator("#offline")).not_to_contain_text("Connexion perdue")
        await expect(page.locator("body")).to_have_attribute("data-conn", "live", timeout=20000)
    watch.check()
