"""The page's footer shows the record's head on request (docs/protocol.md, "The record's chain")."""

from __future__ import annotations

from live_server import live_server, ws_client
from test_page import SCREENSHOTS, Watch, browser, browser_test, delegate  # noqa: F401 (browser: a fixture)

try:
    from playwright.async_api import expect
except ImportError:  # pragma: no cover - playwright is a test dependency
    expect = None


@browser_test
async def test_the_footer_shows_the_head_on_request_and_follows_each_command(browser, tmp_path):  # noqa: F811
    watch = Watch()
    async with live_server(tmp_path) as srv, ws_client(srv, "VC") as vc:
        page = await delegate(browser, srv, "CHN", watch, width=360, height=740)
        toggle, line = page.locator("#record-toggle"), page.locator("#record-line")
        await expect(toggle).to_have_text("Record")
        await expect(line).to_be_hidden()  # only on request
        await toggle.click()
        await expect(line).to_be_visible()
        await expect(toggle).to_have_attribute("aria-expanded", "true")
        await expect(page.locator("#record-head")).to_have_text(srv.shell.store.genesis)
        await vc.command({"type": "open_item", "item": 3})
        await expect(page.locator("#record-head")).to_have_text(srv.shell.store.head)
        await page.click("#btn-speech")
        await expect(page.locator("#my-place")).to_have_text("Speech: place 1 of 1")
        await expect(page.locator("#record-head")).to_have_text(srv.shell.store.head)
        assert await page.evaluate("document.documentElement.scrollWidth") <= 360  # the head wraps
        await page.screenshot(path=str(SCREENSHOTS / "vccsched-page-record.png"), full_page=True)
        await toggle.click()
        await expect(line).to_be_hidden()
    watch.check()
