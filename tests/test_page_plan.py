"""Today's published plan on the delegates' page and the webcast view (issue 9, "Live"),
in Debian's headless Chromium against a real server (see test_page.py for the set-up).

The secretariat publishes the real C21/VCC-1 plan as a client with the SG token; the
server's clock is set to a meeting day and the browser runs in Tokyo (UTC+9 in June).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
from live_server import live_server, ws_client
from test_page import SCREENSHOTS, Watch, browser, browser_test, clock_from, delegate, open_page  # noqa: F401

from vccsched.render.json_plan import plan_to_json

try:
    from playwright.async_api import expect
except ImportError:  # pragma: no cover - test_page skips the module's browser then
    expect = None

GENEVA = ZoneInfo("Europe/Zurich")


@pytest.fixture(scope="module")
def c21_plan(c21_solved) -> dict:
    """The C21/VCC-1 plan as ``vccsched plan --format json`` writes it (solved once)."""
    return json.loads(plan_to_json(c21_solved))


def moved_to_end(plan: dict, number: int, date: str, *, added: dict | None = None) -> dict:
    """A re-plan: item ``number`` goes to the end of ``date`` (and ``added``, a new item, to the
    end of the day it leaves); both days are re-timed back to back."""
    new = copy.deepcopy(plan)
    days = {day["date"]: day for day in new["days"]}
    source = next(day for day in new["days"] if any(i["number"] == number for i in day["items"]))
    item = next(i for i in source["items"] if i["number"] == number)
    source["items"].remove(item)
    days[date]["items"].append(item)
    if added is not None:
        source["items"].append({**added, "start": source["items"][0]["start"], "end": ""})
    for day in (source, days[date]):
        start = dt.datetime.fromisoformat(day["items"][0]["start"])
        for row in day["items"]:
            end = start + dt.timedelta(minutes=row["minutes"])
            row["start"], row["end"] = start.isoformat(), end.isoformat()
            start = end
    return new


async def publish(srv, plan: dict, revision: int) -> None:
    async with ws_client(srv, "SG") as sg:
        reply, _ = await sg.command({"type": "publish_plan", "id": f"sg-plan-{revision}", "plan": plan})
        assert reply["type"] == "accepted", reply


def row(page, number: int):
    return page.locator(f"#plan-today li[data-item='{number}']")


@browser_test
async def test_todays_plan_in_geneva_and_local_time_and_a_re_plan_marks_what_moved(browser, tmp_path, c21, c21_plan):  # noqa: F811
    watch = Watch()
    first_day = clock_from(dt.datetime(2021, 6, 8, 11, 50, tzinfo=GENEVA))
    titles = {i.number: i.title.en for i in c21.agenda.items}
    async with live_server(tmp_path, clock=first_day) as srv, ws_client(srv, "VC") as vc:
        page = await delegate(browser, srv, "CHN", watch, width=360, height=740)
        await expect(page.locator("#plan-card")).to_be_hidden()  # nothing published yet
        await publish(srv, c21_plan, 1)

        card = page.locator("#plan-card")
        await expect(card).to_be_visible()
        await expect(page.locator("#plan-heading")).to_have_text("Today's plan")
        await expect(page.locator("#plan-day")).to_have_text("Tuesday 8 June")
        await expect(page.locator("#plan-meta")).to_have_text(re.compile(r"^Revision 1, published Tue 8 June at 11:5\d \(Geneva\)$"))
        rows = page.locator("#plan-today > li")
        await expect(rows).to_have_count(len(c21_plan["days"][0]["items"]))
        first = row(page, 1)
        # Geneva 12:00 is 19:00 in Tokyo; each time is labelled for screen readers.
        await expect(first.locator(".plan-geneva")).to_have_text("Geneva 12:00\u2060–\u206012:05")
        await expect(first.locator(".plan-local")).to_have_text("Your time 19:00\u2060–\u206019:05")
        await expect(first.locator(".plan-min")).to_have_text("5 min")
        await expect(first.locator(".plan-item")).to_have_text("Item 1 PL 1.01")
        await expect(first.locator(".plan-title")).to_have_text(titles[1])
        # The zone as the browser names it, not its IANA id (issue 16).
        await expect(page.locator("#plan-legend")).to_contain_text("Japan Standard Time")
        await expect(page.locator("#clock-local-zone")).to_have_text("Japan Standard Time")

        # The floor moves on: items 1 and 2 en bloc, item 7 open.
        await vc.command({"type": "conclude_en_bloc", "items": [1, 2], "conclusion": "Approved."})
        await vc.command({"type": "open_item", "item": 7})
        await expect(row(page, 7)).to_have_class(re.compile(r"\bis-open\b"))
        await expect(row(page, 7).locator(".mark-open")).to_have_text("Open now")
        await expect(row(page, 7)).to_have_attribute("aria-current", "true")
        for number in (1, 2):
            await expect(row(page, number)).to_have_class(re.compile(r"\bis-closed\b"))
            await expect(row(page, number).locator(".mark-closed")).to_have_text("Closed")
        await expect(page.locator("#plan-today .mark-moved")).to_have_count(0)
        await vc.command({"type": "defer_item", "requested_by": "IRN", "scope": "item"})
        # Deferred whole but still open until the chair closes it: deferred at once.
        await expect(row(page, 7).locator(".mark-deferred")).to_have_text("Deferred to C22")
        await expect(row(page, 7).locator(".mark-open")).to_have_text("Open now")
        await vc.command({"type": "close_item"})
        await expect(row(page, 7).locator(".mark-deferred")).to_have_text("Deferred to C22")
        await vc.command({"type": "open_item", "item": 8})
        await expect(row(page, 8).locator(".mark-open")).to_be_visible()

        # A re-plan takes item 4 (12:55-13:25) to the end of 9 June: 5, 6 and 10 come forward,
        # and item 13 (Group 2 until now) is added at the end of the day.
        added = {"number": 13, "code": "PL 1.11", "minutes": 10}
        await publish(srv, moved_to_end(c21_plan, 4, "2021-06-09", added=added), 2)
        await expect(page.locator("#plan-meta")).to_contain_text("Revision 2")
        await expect(page.locator("#announce")).to_have_text("The plan has been updated: revision 2")
        await expect(row(page, 4)).to_have_count(0)
        await expect(row(page, 5).locator(".plan-geneva")).to_have_text("Geneva 12:55\u2060–\u206013:20")
        await expect(row(page, 5).locator(".mark-moved")).to_have_text("Moved")
        await expect(row(page, 5).locator(".was")).to_have_text("was 13:25")
        await expect(row(page, 3).locator(".mark-moved")).to_have_count(0)  # unchanged
        await expect(row(page, 13).locator(".mark-new")).to_have_text("New in the plan")
        await expect(row(page, 13).locator(".plan-geneva")).to_have_text("Geneva 14:10\u2060–\u206014:20")
        await expect(row(page, 8).locator(".mark-open")).to_be_visible()  # the floor's marks stay
        await expect(row(page, 7).locator(".mark-deferred")).to_be_visible()
        off = page.locator("#plan-off li[data-item='4']")
        await expect(off).to_contain_text("Item 4 PL 1.04")
        await expect(off.locator(".was")).to_have_text("was 12:55")
        await expect(off.locator(".now")).to_have_text("now Wed 9 June at 14:30")

        assert await page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing sticks out
        await card.screenshot(path=str(SCREENSHOTS / "vccsched-plan-360-en.png"))

        # The whole plan: the other days, the moved item in its new place.
        await expect(page.locator("#plan-days")).to_be_hidden()
        await page.locator("#plan-whole summary").focus()
        await page.keyboard.press("Enter")
        ninth = page.locator(".plan-block", has=page.locator("h3", has_text="Wed 9 June"))
        await expect(ninth.locator("li").last).to_have_attribute("data-item", "4")
        await expect(ninth.locator("li").last.locator(".mark-moved")).to_have_text("Moved")
        await expect(page.locator(".plan-block.is-shown h3 .mark-today")).to_have_text("today")

        await page.locator(".plan-block").nth(1).screenshot(path=str(SCREENSHOTS / "vccsched-plan-360-en-whole.png"))
        await page.set_viewport_size({"width": 1280, "height": 900})
        await card.screenshot(path=str(SCREENSHOTS / "vccsched-plan-1280-en.png"))
    watch.check()


@browser_test
async def test_a_plan_published_while_offline_appears_after_reconnecting_in_arabic_and_on_the_webcast(
    browser, tmp_path, c21_plan  # noqa: F811
):
    watch = Watch()
    saturday = clock_from(dt.datetime(2021, 6, 12, 10, 0, tzinfo=GENEVA))  # between meeting days
    async with live_server(tmp_path, clock=saturday, public=True) as srv:
        page = await delegate(browser, srv, "SAU", watch, locale="ar-SA", width=360, height=740)
        await expect(page.locator("html")).to_have_attribute("dir", "rtl")
        await page.context.set_offline(True)
        await expect(page.locator("body")).not_to_have_attribute("data-conn", "live")
        await publish(srv, c21_plan, 1)
        await page.wait_for_timeout(300)
        await expect(page.locator("#plan-card")).to_be_hidden()  # not heard yet
        await page.context.set_offline(False)
        await expect(page.locator("body")).to_have_attribute("data-conn", "live", timeout=10000)

        # Saturday: the next meeting day, Monday 14 June, labelled as such.
        await expect(page.locator("#plan-heading")).to_have_text("يوم الاجتماع التالي")
        await expect(page.locator("#plan-day")).to_have_text(re.compile("الاثنين"))
        monday = next(d for d in c21_plan["days"] if d["date"] == "2021-06-14")
        await expect(page.locator("#plan-today > li")).to_have_count(len(monday["items"]))
        budget = row(page, 36)
        await expect(budget.locator(".plan-local")).to_contain_text("19:00\u2060–\u206020:10")
        await expect(budget.locator(".plan-min")).to_have_text("70 دقيقة")
        # Right to left: the times column starts at the right; the times themselves read left to right.
        box, when = await budget.bounding_box(), await budget.locator(".plan-when").bounding_box()
        assert when["x"] + when["width"] > box["x"] + box["width"] - 20
        assert await budget.locator(".plan-geneva").evaluate("e => getComputedStyle(e).direction") == "ltr"
        assert await page.evaluate("document.documentElement.scrollWidth") <= 360
        await page.locator("#plan-card").screenshot(path=str(SCREENSHOTS / "vccsched-plan-360-ar.png"))
        await page.set_viewport_size({"width": 1280, "height": 900})
        await page.screenshot(path=str(SCREENSHOTS / "vccsched-plan-1280-ar.png"), full_page=True)

        public = await open_page(browser, f"{srv.http_url}/public", watch, width=1280, height=900)
        await expect(public.locator("body")).to_have_attribute("data-conn", "live")
        await expect(public.locator("#plan-today > li")).to_have_count(len(monday["items"]))
        await expect(public.locator("#plan-heading")).to_have_text("Next meeting day")
        assert await public.locator("button:not(#reconnect)").count() == 0
        await public.screenshot(path=str(SCREENSHOTS / "vccsched-plan-public.png"), full_page=True)
    watch.check()
