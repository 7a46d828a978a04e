"""plan.html on a phone: Debian's headless Chromium at 360 px (see test_page.py for the set-up).
The table was 702 px wide there, the Chinese column one or two characters wide (issue 16)."""

from __future__ import annotations

from test_page import SCREENSHOTS, browser, browser_test  # noqa: F401
from test_render_samples import june, rendered

from vccsched.render import render_plan


@browser_test
async def test_plan_html_reads_on_a_360_px_phone_and_stays_a_table_on_a_desktop(browser, tmp_path):  # noqa: F811
    plan, data = june()
    html = tmp_path / "plan.html"
    html.write_text(render_plan(plan, data, "html", ("Asia/Tokyo",)), encoding="utf-8")
    context = await browser.new_context(viewport={"width": 360, "height": 740})
    page = await context.new_page()
    await page.goto(html.as_uri())
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing sticks out
    widths = await page.locator("td.zh").evaluate_all("(cells) => cells.map((c) => c.getBoundingClientRect().width)")
    assert widths and min(widths) > 250, widths  # the Chinese title takes the card's width
    label = await page.locator("td.docs").first.evaluate("(td) => getComputedStyle(td, '::before').content")
    assert "Documents" in label
    await page.screenshot(path=str(SCREENSHOTS / "vccsched-plan-360.png"), full_page=True)
    await page.set_viewport_size({"width": 1280, "height": 800})
    assert await page.locator("thead").first.is_visible()
    assert await page.locator("td.zh").first.evaluate("(td) => getComputedStyle(td).display") == "table-cell"
    await context.close()


def test_the_phone_labels_name_the_columns():
    html = rendered("html", june, ("Asia/Tokyo",))
    assert 'data-label="Geneva"' in html and 'data-label="UTC"' in html and 'data-label="Tokyo"' in html
    assert 'data-label="Documents"' in html and 'data-label="Min."' in html
