"""The page when the server cannot store commands: everyone sees it, in their language, and sees it go."""

from __future__ import annotations

from live_server import live_server
from test_page import Watch, browser, browser_test, delegate  # noqa: F401 (browser is a fixture)

try:
    from playwright.async_api import expect
except ImportError:  # pragma: no cover
    expect = None


@browser_test
async def test_the_page_says_when_the_server_cannot_store_commands_and_when_it_can_again(browser, tmp_path):  # noqa: F811
    watch = Watch()
    async with live_server(tmp_path, storage_probe_seconds=3600) as srv:
        page = await delegate(browser, srv, "CHN", watch)
        banner = page.locator("#storage")
        await expect(banner).to_be_hidden()
        srv.shell._storage_failed(OSError("database or disk is full"))  # as after a failed commit
        await expect(banner).to_be_visible(timeout=5000)
        await expect(banner).to_contain_text("cannot record anything")
        await page.select_option("#lang", "fr")
        await expect(banner).to_contain_text("ne peut rien enregistrer")
        srv.shell._storage_recovered()
        await expect(banner).to_be_hidden(timeout=5000)
        # A page that opens while it fails is told too.
        srv.shell._storage_failed(OSError("database or disk is full"))
        late = await delegate(browser, srv, "USA", watch)
        await expect(late.locator("#storage")).to_be_visible(timeout=5000)
    watch.check()
