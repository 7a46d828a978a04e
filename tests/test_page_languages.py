"""The delegates' page in its six languages, in Debian's headless Chromium against a real
server (see test_page.py for the set-up): plural forms, whole-phrase templates, names of
delegations from CLDR, French typography, isolated names in Arabic lines, the local zone's
name. Screenshots of the Arabic and Chinese pages go to /tmp.
"""

from __future__ import annotations

import re

from live_server import live_server, ws_client
from test_page import SCREENSHOTS, Watch, browser, browser_test, delegate  # noqa: F401

try:
    from playwright.async_api import expect
except ImportError:  # pragma: no cover - test_page skips the module's browser then
    expect = None

FSI, PDI, NBSP = "\u2068", "\u2069", "\u00a0"


async def say(page, lang: str, key: str, **params) -> str:
    """Our text for ``key`` in ``lang`` as the page's own i18n module gives it."""
    return await page.evaluate(
        """([lang, key, params]) => import('/static/i18n.js').then((i18n) => {
            // The page loads i18n under its hashed name; this import is another instance of it,
            // so the page's language is read from the document, not from this instance.
            const before = document.documentElement.lang;
            i18n.setLanguage(lang);
            try { return i18n.t(key, params); } finally { i18n.setLanguage(before); }
        })""",
        [lang, key, params],
    )


async def text(page, selector: str) -> str:
    """textContent as is (inner_text would fold the non-breaking spaces we test for)."""
    return await page.locator(selector).evaluate("(node) => node.textContent")


@browser_test
async def test_plural_forms_follow_each_languages_rules(browser, tmp_path):
    watch = Watch()
    async with live_server(tmp_path) as srv:
        page = await delegate(browser, srv, "EGY", watch, locale="ar-EG")
        # Arabic: one, two, few (3–10), many (11–99), other (100).
        assert await say(page, "ar", "offline_retry", s=1) == "إعادة الاتصال خلال ثانية واحدة…"
        assert await say(page, "ar", "offline_retry", s=2) == "إعادة الاتصال خلال ثانيتين…"
        assert await say(page, "ar", "offline_retry", s=5) == "إعادة الاتصال خلال 5 ثوانٍ…"
        assert await say(page, "ar", "offline_retry", s=10) == "إعادة الاتصال خلال 10 ثوانٍ…"
        assert await say(page, "ar", "offline_retry", s=11) == "إعادة الاتصال خلال 11 ثانية…"
        assert await say(page, "ar", "plan_minutes", n=2) == "دقيقتان"
        assert await say(page, "ar", "plan_minutes", n=5) == "5 دقائق"
        assert await say(page, "ar", "plan_minutes", n=25) == "25 دقيقة"
        # Russian: one (1, 21), few (2–4, 22), many (5–20).
        assert "1 секунду" in await say(page, "ru", "offline_retry", s=1)
        assert "21 секунду" in await say(page, "ru", "offline_retry", s=21)
        assert "3 секунды" in await say(page, "ru", "offline_retry", s=3)
        assert "5 секунд…" in await say(page, "ru", "offline_retry", s=5)
        assert "12 секунд…" in await say(page, "ru", "offline_retry", s=12)
        # Languages without plural forms in a text keep their one string.
        assert await say(page, "en", "offline_retry", s=2) == "Reconnecting in 2 s…"
        assert await say(page, "zh", "plan_minutes", n=2) == "2 分钟"
    watch.check()


@browser_test
async def test_the_page_in_chinese_arabic_russian_and_french(browser, tmp_path):
    watch = Watch()
    async with live_server(tmp_path) as srv, ws_client(srv, "VC") as vc:
        await vc.command({"type": "open_item", "item": 3})
        zh = await delegate(browser, srv, "CHN", watch, locale="zh-CN", width=1280)
        ar = await delegate(browser, srv, "SAU", watch, locale="ar-SA", width=1280)
        ru = await delegate(browser, srv, "RUS", watch, locale="ru-RU")
        fr = await delegate(browser, srv, "FRA", watch, locale="fr-FR")
        for other in ("GBR", "SM-R1", "KOR"):
            async with ws_client(srv, other) as client:
                await client.command({"type": "request_floor", "kind": "speech"})
        await vc.command({"type": "give_floor", "delegation": "USA"})

        # Names from CLDR in the page's language; a Sector Member keeps the roster's name.
        await expect(zh.locator("#queue li")).to_have_count(3)
        queue = {lang: await page.locator("#queue li .name").all_inner_texts() for lang, page in
                 (("zh", zh), ("ar", ar), ("ru", ru), ("fr", fr))}
        assert queue["zh"] == ["大韩民国", "英国", "Example Sector Member R1 (ITU-R)"]
        assert queue["ar"] == ["جمهورية كوريا", "المملكة المتحدة", "Example Sector Member R1 (ITU-R)"]
        assert queue["ru"] == ["Республика Корея", "Великобритания", "Example Sector Member R1 (ITU-R)"]
        assert queue["fr"] == ["République de Corée", "Royaume-Uni", "Example Sector Member R1 (ITU-R)"]
        await expect(zh.locator("#speaker-who .name")).to_have_text("美国")
        await expect(ar.locator("#speaker-who .name")).to_have_text("الولايات المتحدة")
        # The tier's new name, in each language.
        await expect(zh.locator("#queue li").nth(0).locator(".tier")).to_have_text("理事国")
        await expect(ar.locator("#queue li").nth(0).locator(".tier")).to_have_text("دولة عضو في المجلس")
        await expect(ru.locator("#queue li").nth(0).locator(".tier")).to_have_text("Государство – Член Совета")
        await expect(fr.locator("#queue li").nth(0).locator(".tier")).to_have_text("État Membre du Conseil")
        await expect(zh.locator("#queue-card h2")).to_contain_text("发言者名单")
        await expect(ar.locator("#speaker-card h2")).to_have_text("المتكلم الحالي")

        # The countdown as a whole phrase: Chinese puts its words before the figure, English after.
        await expect(zh.locator("#countdown-before")).to_have_text("剩余")
        assert await zh.locator("#countdown-label").inner_text() == ""
        order = await zh.evaluate(
            "document.getElementById('countdown-before').compareDocumentPosition(document.getElementById('countdown'))"
        )
        assert order & 4, "the words come before the figure"  # Node.DOCUMENT_POSITION_FOLLOWING
        await expect(fr.locator("#countdown-before")).to_have_text("Il reste")
        await expect(ru.locator("#countdown-before")).to_have_text("Осталось")
        await expect(ar.locator("#countdown-before")).to_have_text("بقي")

        # A deferral: the requesting delegation's name and the target isolated in every language.
        await vc.command({"type": "defer_item", "requested_by": "IRN", "scope": "item"})
        await expect(ar.locator("#outcome")).to_contain_text(f"أُرجئ إلى {FSI}C22{PDI} بناءً على طلب {FSI}إيران{PDI}")
        await expect(zh.locator("#outcome")).to_contain_text(f"应 {FSI}伊朗{PDI} 的要求推迟至 {FSI}C22{PDI}")

        # French: non-breaking spaces before the colon and inside « ».
        await expect(fr.locator("#outcome .outcome-text")).to_be_visible()
        deferral = await text(fr, "#outcome")
        assert f"à la demande de{NBSP}: {FSI}Iran{PDI}" in deferral, deferral
        assert await say(fr, "fr", "you_have_floor_hint") == (
            f"Vous pouvez parler. Appuyez sur «{NBSP}Terminer mon intervention{NBSP}» lorsque vous avez fini.")
        strings = await fr.evaluate("import('/static/i18n.js').then(({_strings}) => _strings.fr)")
        for key, value in strings.items():
            for form in value.values() if isinstance(value, dict) else [value]:
                assert not re.search(r" [:;?!»]|« ", form), f"fr {key}: plain space in {form!r}"
        await expect(fr.locator("#speaker-card h2")).to_have_text("À la parole")

        # "Your time" names the zone as the browser does (the contexts run in Tokyo), not "Asia/Tokyo".
        for page in (zh, ar, ru, fr):
            zone = await page.locator("#clock-local-zone").inner_text()
            assert zone and "Asia" not in zone and "/" not in zone, zone
        assert "日本" in await zh.locator("#clock-local-zone").inner_text()
        assert "اليابان" in await ar.locator("#clock-local-zone").inner_text()

        await ar.screenshot(path=str(SCREENSHOTS / "vccsched-page-ar-names.png"), full_page=True)
        await zh.screenshot(path=str(SCREENSHOTS / "vccsched-page-zh-names.png"), full_page=True)
    watch.check()


@browser_test
async def test_todays_plan_in_arabic_and_chinese_counts_its_minutes_in_each_language(browser, tmp_path, c21_solved):  # noqa: F811
    """The published plan's minutes by the page's plural rules (Arabic 5 دقائق, 30 دقيقة) and its heading."""
    import datetime as dt
    import json
    from zoneinfo import ZoneInfo

    from test_page import clock_from

    from vccsched.render.json_plan import plan_to_json

    plan = json.loads(plan_to_json(c21_solved))
    first_day = clock_from(dt.datetime(2021, 6, 8, 11, 50, tzinfo=ZoneInfo("Europe/Zurich")))
    async with live_server(tmp_path, clock=first_day) as srv:
        ar = await delegate(browser, srv, "EGY", Watch(), locale="ar-EG", width=390, height=900)
        zh = await delegate(browser, srv, "CHN", Watch(), locale="zh-CN", width=390, height=900)
        async with ws_client(srv, "SG") as sg:
            reply, _ = await sg.command({"type": "publish_plan", "id": "sg-plan-1", "plan": plan})
            assert reply["type"] == "accepted", reply
        minutes = {i["number"]: i["minutes"] for i in plan["days"][0]["items"]}
        five = next(n for n, m in minutes.items() if m == 5)
        thirty = next(n for n, m in minutes.items() if m == 30)
        await expect(ar.locator("#plan-heading")).to_have_text("خطة اليوم")
        await expect(ar.locator(f"#plan-today li[data-item='{five}'] .plan-min")).to_have_text("5 دقائق")
        await expect(ar.locator(f"#plan-today li[data-item='{thirty}'] .plan-min")).to_have_text("30 دقيقة")
        await expect(zh.locator(f"#plan-today li[data-item='{five}'] .plan-min")).to_have_text("5 分钟")
        await ar.screenshot(path=str(SCREENSHOTS / "vccsched-page-ar-plan.png"), full_page=True)
