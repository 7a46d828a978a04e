"""The focal points' page for the decision by correspondence (/ballot, issue 19) in Debian's
headless Chromium against one real server for the module (port 0, real SQLite, a server clock
the tests move past the deadline): a whole round in English and in Arabic, receipts checked
against the record, the people who may not reply, and axe-core's accessibility rules.

The meeting is the bundled one with three registered persons: CHN.1 is China's focal point,
CHN.2 is not; Saudi Arabia has none, so its delegation's own link replies. Screenshots go to /tmp.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
import pytest_asyncio
from live_server import live_server, ws_client
from page_axe import no_axe_violations
from test_correspondence_server import conclude_by_correspondence
from test_page import SCREENSHOTS, MovableClock, Watch, browser, browser_test, open_page  # noqa: F401

from server.store import FloorStore
from server.tokens import issue_tokens
from vccsched.correspondence.merged import tally_round
from vccsched.correspondence.online import online_versions
from vccsched.loading import DEFAULT_MEETING_DIR
from vccsched.meeting_files import meeting_file_texts

try:
    from playwright.async_api import expect
except ImportError:  # pragma: no cover - test_page skips the module's browser then
    expect = None

RECEIPT = re.compile(r"^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$")
AR_TEXT_3 = "وافق المجلس على البند 3."

REGISTRATIONS = """\
example: true
persons:
  - {id: CHN.1, delegation: CHN, family_name: Example-Focal, given_name: Example, title: Ms,
     function: Head of delegation, email: focal@example.org, speaker: true, floor_language: zh,
     correspondence_focal_point: true}
  - {id: CHN.2, delegation: CHN, family_name: Example-Adviser, given_name: Example, title: Mr,
     function: Adviser, email: adviser@example.org, speaker: false}
  - {id: SAU.1, delegation: SAU, family_name: Example-Delegate, given_name: Example, title: Mr,
     function: Delegate, email: sau@example.org, speaker: true, floor_language: ar}
"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def srv(tmp_path_factory):
    """One server: items 3 and 4 concluded by correspondence, the round open for two days."""
    tmp = tmp_path_factory.mktemp("ballot")
    folder = tmp / "meeting"
    shutil.copytree(DEFAULT_MEETING_DIR, folder)
    (folder / "registrations.yaml").write_text(REGISTRATIONS, encoding="utf-8")
    # Brazil without the right to vote at present: it may reply, and is told its reply is not counted.
    roster = folder / "roster.yaml"
    text = roster.read_text(encoding="utf-8")
    assert 'id: BRA, name: "Brazil", category: council_member, voting_rights: true' in text
    roster.write_text(text.replace('id: BRA, name: "Brazil", category: council_member, voting_rights: true',
                                   'id: BRA, name: "Brazil", category: council_member, voting_rights: false'), encoding="utf-8")
    tokens = issue_tokens(tmp / "floor.db", folder)
    store = FloorStore.open_or_create(tmp / "floor.db", "C21/VCC-1", meeting_file_texts(folder))
    try:
        tokens |= store.issue_person_tokens([("CHN.1", "CHN"), ("CHN.2", "CHN")], replace=False)
    finally:
        store.close()
    clock = MovableClock()
    async with live_server(
        tmp, meeting_dir=folder, clock=clock, heartbeat_seconds=1.0, storage_probe_seconds=3600
    ) as server:
        server.tokens = tokens
        server.moved = clock
        async with ws_client(server, "VC") as vc:
            await conclude_by_correspondence(vc, (3, 4))
        deadline = (clock() + dt.timedelta(days=2, hours=3)).replace(microsecond=0)
        async with ws_client(server, "SG") as sg:
            reply, _ = await sg.command({
                "type": "open_correspondence", "id": "sg-open-1", "deadline": deadline.isoformat(), "majority": "of-voting-members",
                "translations": {"3": {"ar": AR_TEXT_3, "fr": "Le Conseil a approuvé le point 3."}},
            })
            assert reply["type"] == "accepted", reply
        yield server


async def ballot(browser, srv, holder: str, watch: Watch, **kwargs):
    """The ballot page opened from ``holder``'s link (token in the fragment), once it shows the round."""
    page = await open_page(browser, f"{srv.http_url}/ballot#t={srv.tokens[holder]}", watch, **kwargs)
    await expect(page.locator("body")).to_have_attribute("data-conn", "live")
    await expect(page.locator("#round")).to_be_visible()
    return page


def record(srv) -> dict[str, list]:
    """Every online reply version in the record, by delegation, as the tally reads them."""
    store = srv.shell.store
    found: dict[str, list] = {}
    for version in online_versions(store.meeting_id, store.events(), store.accepted_commands()):
        found.setdefault(version.delegation, []).append(version)
    return found


@browser_test
async def test_a_focal_point_replies_with_the_keyboard_changes_the_reply_and_keeps_each_receipt(browser, srv, tmp_path):
    watch = Watch()
    page = await ballot(browser, srv, "CHN.1", watch, width=1280, height=900)
    # Who, the round, the time in Geneva and in the reader's zone (Tokyo), the rule.
    await expect(page.locator("#who-delegation")).to_have_text("China")
    await expect(page.locator("#who-person")).to_have_text("Ms Example-Focal (CHN.1)")
    await expect(page.locator("#deadline-geneva")).to_contain_text("Geneva time")
    await expect(page.locator("#deadline-local")).to_contain_text("Japan")
    await expect(page.locator("#left")).to_have_text(re.compile(r"^2 days and \u20662:5\d:\d\d\u2069 left$"))
    await expect(page.locator("#rule")).to_contain_text("at least 24 of the Council Members with the right to vote")
    questions = page.locator("#questions > li")
    await expect(questions).to_have_count(2)
    await expect(questions.nth(0).locator(".item-code")).to_have_text("PL 1.03")
    await expect(questions.nth(0).locator(".question-title")).to_contain_text("ITU's Internet activities")
    # No English translation: the text as recorded, said to be so.
    await expect(questions.nth(0).locator(".text-note")).to_have_text("Text as recorded (not translated into this language)")
    await expect(questions.nth(0).locator(".question-text")).to_have_text("The Council approved item 3.")
    await expect(page.locator("#history-none")).to_be_visible()

    # The keyboard alone: Tab into the first group, arrows move the choice, Tab to the next group.
    await page.focus("#q-3-approve")
    await page.keyboard.press("Space")
    await expect(page.locator("#q-3-approve")).to_be_checked()
    await page.keyboard.press("ArrowRight")
    await expect(page.locator("#q-3-object")).to_be_checked()
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.name") == "q-4"
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("ArrowDown")
    focused = await page.evaluate("document.activeElement.id")
    await page.keyboard.press("Space")
    await expect(page.locator(f"#{focused}")).to_be_checked()
    assert focused == "q-4-object"
    await page.check("#q-4-abstain")
    # A blank stays a blank: nothing is sent for it.
    await page.check("#q-4-none")
    await page.click("#review")
    summary = page.locator("#summary-list li")
    await expect(summary).to_have_count(2)
    await expect(summary.nth(0)).to_contain_text("Object")
    await expect(summary.nth(1)).to_contain_text("No reply")
    await page.click("#back")
    await page.check("#q-4-abstain")
    await page.click("#review")
    await expect(page.locator("#summary")).to_be_focused()
    await expect(summary.nth(1)).to_contain_text("Abstain")
    await page.screenshot(path=str(SCREENSHOTS / "vccsched-ballot-en-summary.png"), full_page=True)
    await page.click("#confirm")

    # The receipt: shown, the record's, copied and downloaded.
    await expect(page.locator("#receipt")).to_be_visible()
    await expect(page.locator("#receipt")).to_be_focused()
    first = await page.locator("#receipt-code").inner_text()
    assert RECEIPT.match(first), first
    [version] = record(srv)["CHN"]
    assert version.receipt == first and version.person == "CHN.1"
    assert version.replies == [{"item": 3, "answer": "object"}, {"item": 4, "answer": "abstain"}]
    await expect(page.locator("#receipt-said")).to_contain_text("(Geneva time)")
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    await page.click("#copy-receipt")
    await expect(page.locator("#copy-said")).to_have_text("Receipt copied.")
    assert await page.evaluate("navigator.clipboard.readText()") == first
    async with page.expect_download() as download_info:
        await page.click("#download-receipt")
    download = await download_info.value
    assert download.suggested_filename == f"receipt-C21-VCC-1-CHN-{version.seq}.txt"
    saved = tmp_path / "receipt.txt"
    await download.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    for line in ("C21/VCC-1", "Delegation: China (CHN)", "Person: Ms Example-Focal (CHN.1)",
                 "Item 3 · PL 1.03 · ITU's Internet activities", ": Object", ": Abstain", f"Receipt: {first}",
                 version.at.isoformat()):
        assert line in text, (line, text)
    await expect(page.locator("#history > li")).to_have_count(1)

    # Changed before the deadline: a second version, both kept, the newest counts.
    await page.click("#change")
    await expect(page.locator("#q-3-object")).to_be_checked()  # the form starts from what counts
    await expect(page.locator("#q-3-counted")).to_have_text("Your reply that counts so far: Object")
    await page.check("#q-3-approve")
    # The last reply counts as a whole: "No reply" in it takes back the earlier answer on item 4.
    await page.check("#q-4-none")
    await page.click("#review")
    await expect(page.locator("#summary")).to_contain_text("your last reply counts as a whole")
    await page.click("#confirm")
    await expect(page.locator("#receipt-code")).not_to_have_text(first)
    second = await page.locator("#receipt-code").inner_text()
    versions = record(srv)["CHN"]
    assert [v.receipt for v in versions] == [first, second]
    assert versions[1].replies == [{"item": 3, "answer": "approve"}]
    await expect(page.locator("#q-4-none")).to_be_checked()
    await expect(page.locator("#q-4-counted")).to_be_hidden()
    history = page.locator("#history > li")
    await expect(history).to_have_count(2)
    await expect(history.nth(0)).to_contain_text(second)
    await expect(history.nth(0).locator(".mark")).to_have_text("counts")
    await expect(history.nth(1)).to_contain_text(first)
    await expect(history.nth(1).locator(".mark")).to_have_text("replaced")
    await page.screenshot(path=str(SCREENSHOTS / "vccsched-ballot-en.png"), full_page=True)
    await no_axe_violations(page, "/ballot in English with a receipt")
    await page.set_viewport_size({"width": 360, "height": 740})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing sticks out
    await page.screenshot(path=str(SCREENSHOTS / "vccsched-ballot-en-360.png"), full_page=True)
    await page.context.close()
    watch.check()


@browser_test
async def test_who_may_not_reply_is_told_why_and_sees_no_form(browser, srv):
    watch = Watch()
    cases = [
        ("CHN.2", "en-GB", "is not your delegation's focal point"),
        ("CHN", "en-GB", "this is your delegation's own link, not the focal point's"),
        ("GBR", "en-GB", "As an observer"),
        ("SM-R1", "en-GB", "As a Sector Member"),
        ("VC", "fr-FR", "seuls les points focaux des États Membres du Conseil le peuvent"),
    ]
    for holder, locale, said in cases:
        page = await ballot(browser, srv, holder, watch, locale=locale)
        await expect(page.locator("#cannot")).to_contain_text(said)
        await expect(page.locator("#questions > li")).to_have_count(2)  # the conclusions, to read
        assert await page.locator("#questions input").count() == 0
        await expect(page.locator("#form-buttons")).to_be_hidden()
        if holder == "CHN.2":
            # Not a speaker (no name published to others), but told its own name by the welcome.
            await expect(page.locator("#who-person")).to_have_text("Mr Example-Adviser (CHN.2)")
            await expect(page.locator("#cannot")).to_contain_text("Mr Example-Adviser (CHN.2)")
            await no_axe_violations(page, "/ballot for a person who is not the focal point")
            await page.screenshot(path=str(SCREENSHOTS / "vccsched-ballot-not-focal.png"), full_page=True)
        if holder == "VC":
            await expect(page.locator("html")).to_have_attribute("lang", "fr")
            await expect(page.locator(".text-note").first).to_have_text("Traduction fournie par le secrétariat")
            await expect(page.locator(".question-text").first).to_have_text("Le Conseil a approuvé le point 3.")
        await page.context.close()
    # A Council Member without the right to vote replies, and is told how its reply is taken.
    page = await ballot(browser, srv, "BRA", watch, locale="es-ES")
    await expect(page.locator("#cannot")).to_have_text(
        "La lista de participantes no indica actualmente derecho de voto para su Estado Miembro: su respuesta "
        "se registra y se notifica, pero no se cuenta.")
    await expect(page.locator("#form-buttons")).to_be_visible()
    await page.context.close()
    # The delegates' page passes the same rules.
    page = await open_page(browser, f"{srv.http_url}/#t={srv.tokens['BRA']}", watch)
    await expect(page.locator("body")).to_have_attribute("data-conn", "live")
    await no_axe_violations(page, "the delegates' page")
    await page.context.close()
    watch.check()


@browser_test
async def test_an_arabic_round_on_a_phone_to_the_deadline_and_the_published_result(browser, srv):
    watch = Watch()
    page = await ballot(browser, srv, "SAU", watch, locale="ar-SA", width=360, height=740)
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")
    await expect(page.locator("#page-heading")).to_have_text("القرار بالمراسلة")
    await expect(page.locator("#who-delegation")).to_have_text("المملكة العربية السعودية")
    await expect(page.locator("#who-person")).to_have_text("الرابط الخاص بالوفد")
    await expect(page.locator("#left")).to_have_text(re.compile(r"^بقي يومان و\u20662:5\d:\d\d\u2069$"))
    first = page.locator("#questions > li").nth(0)
    # The secretariat's Arabic translation, said to be one; the recorded text one click away.
    await expect(first.locator(".text-note")).to_have_text("ترجمة مقدمة من الأمانة")
    await expect(first.locator(".question-text").first).to_have_text(AR_TEXT_3)
    await expect(first.locator(".question-text").first).to_have_attribute("lang", "ar")
    await expect(page.locator("#q-3-approve + span")).to_have_text("موافقة")
    await page.check("#q-3-approve")
    await page.check("#q-4-approve")
    await page.click("#review")
    await expect(page.locator("#summary-list li").nth(1)).to_contain_text("موافقة")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    await page.screenshot(path=str(SCREENSHOTS / "vccsched-ballot-ar-360-summary.png"), full_page=True)
    await no_axe_violations(page, "/ballot in Arabic, the summary to confirm")
    await page.click("#confirm")
    await expect(page.locator("#receipt")).to_be_visible()
    await expect(page.locator("#receipt-heading")).to_have_text("إيصالكم")
    await expect(page.locator("#receipt-code")).to_have_text(RECEIPT)
    receipt = await page.locator("#receipt-code").inner_text()
    assert [v.receipt for v in record(srv)["SAU"]] == [receipt]
    await expect(page.locator("#receipt-said")).to_contain_text("بتوقيت جنيف")
    await no_axe_violations(page, "/ballot in Arabic with a receipt")
    await page.screenshot(path=str(SCREENSHOTS / "vccsched-ballot-ar-360.png"), full_page=True)

    # A change prepared, and the deadline passes on the server before it is sent: refused,
    # said in Arabic, and the page turns to "closed".
    await page.click("#change")
    await page.check("#q-4-abstain")
    await page.click("#review")
    srv.moved.advance(3 * 86400)
    await page.evaluate("document.getElementById('confirm').click()")  # before the next tick tells the page
    await expect(page.locator("#feedback")).to_contain_text("لم يُقبل الطلب")
    await expect(page.locator("#feedback")).to_contain_text("انقضى الموعد النهائي: أُغلقت الجولة")
    # Explained in Arabic: the server's English words (with an ISO time) are folded away.
    await expect(page.locator("#feedback .server-message")).to_be_hidden()
    await expect(page.locator("#feedback summary")).to_have_text("رسالة الخادم (بالإنجليزية)")
    await expect(page.locator("#closed")).to_be_visible()
    await expect(page.locator("#closed")).to_have_text("أُغلقت الجولة: انقضى الموعد النهائي ولم تعد الردود مقبولة.")
    await expect(page.locator("#summary")).to_be_hidden()
    await expect(page.locator("#q-4-abstain")).to_be_disabled()
    assert [v.receipt for v in record(srv)["SAU"]] == [receipt]  # the first reply stands
    await expect(page.locator("#result-none")).to_be_visible()
    async with ws_client(srv, "USA") as usa:
        refused, _ = await usa.command({"type": "cast_reply", "replies": [{"item": 3, "answer": "approve"}]})
        assert refused["type"] == "refusal" and refused["code"] == "correspondence_closed", refused

    # The secretariat publishes the result: every page with a link shows it.
    english = await ballot(browser, srv, "CHN.1", watch, width=1280)
    await expect(english.locator("#closed")).to_be_visible()
    # The tally as `correspondence tally --db` makes it (online replies only here).
    shell = srv.shell
    versions = [v for found in record(srv).values() for v in found]
    result = tally_round(shell.data, shell.floor.state, sorted(versions, key=lambda v: v.seq), []).model_dump(mode="json")
    assert [p["result"] for p in result["proposals"]] == ["not approved", "not approved"]
    async with ws_client(srv, "SG") as sg:
        reply, _ = await sg.command({"type": "publish_correspondence_result", "id": "sg-result-1", "result": result})
        assert reply["type"] == "accepted", reply
    rows = page.locator("#result > li.result-row")
    await expect(rows).to_have_count(2)
    await expect(page.locator("#result .result-yours")).to_have_text(
        f"المحتسب لدولتكم العضو: ردها عبر الإنترنت ذو الإيصال \u2066{receipt}\u2069.")
    await expect(rows.nth(0).locator(".result-verdict")).to_have_text("غير معتمد")
    four = result["proposals"][1]
    await expect(rows.nth(1).locator(".result-counts")).to_have_text(
        f"موافقة 1، اعتراض 0، امتناع 0، بدون رد {len(four['no_reply'])}؛ الموافقات المطلوبة: {four['needed']}")
    await expect(english.locator("#result .result-yours")).to_contain_text(record(srv)["CHN"][-1].receipt)
    await expect(english.locator("#result > li.result-row").nth(1)).to_contain_text("Not approved")
    await page.screenshot(path=str(SCREENSHOTS / "vccsched-ballot-ar-360-result.png"), full_page=True)
    await page.set_viewport_size({"width": 1280, "height": 900})
    await page.screenshot(path=str(SCREENSHOTS / "vccsched-ballot-ar.png"), full_page=True)
    await english.screenshot(path=str(SCREENSHOTS / "vccsched-ballot-en-result.png"), full_page=True)
    await no_axe_violations(english, "/ballot after the deadline with the result")
    await english.context.close()

    # The delegates' page's banners: the server cannot store, then it goes away and comes back.
    srv.shell._storage_failed(OSError("database or disk is full"))
    await expect(page.locator("#storage")).to_be_visible()
    await expect(page.locator("#storage")).to_contain_text("لا يستطيع الخادم")
    srv.shell._storage_recovered()
    await expect(page.locator("#storage")).to_be_hidden()
    await srv.stop()
    await expect(page.locator("#offline")).to_be_visible()
    await expect(page.locator("#offline-title")).to_have_text("انقطع الاتصال. ما تشاهدونه ليس مباشراً.")
    await srv.start()
    await expect(page.locator("body")).to_have_attribute("data-conn", "live", timeout=10000)
    await expect(page.locator("#offline")).to_be_hidden()
    await expect(page.locator("#result .result-yours")).to_contain_text(receipt)
    watch.check()


def test_the_page_has_every_text_in_every_language():
    """Every key the ballot page uses exists in English (the completeness test of test_page.py
    then holds every language to English's keys)."""
    static = Path(__file__).resolve().parent.parent / "server" / "static"
    code = (static / "ballot.js").read_text() + (static / "ballot.html").read_text()
    strings = (static / "i18n.js").read_text()
    english = strings[strings.index("  en: {"):strings.index("\n  },\n")]
    used = set(re.findall(r'\bt\("([a-z0-9_]+)"', code)) | set(re.findall(r'data-i18n="([a-z0-9_]+)"', code))
    used |= {f"answer_{a}" for a in ("approve", "object", "abstain", "none")}
    used |= {f"refusal_{c}" for c in ("no_correspondence_open", "correspondence_closed", "not_focal_point",
                                      "item_not_in_round", "invalid_command")}
    missing = sorted(key for key in used if not re.search(rf"^    {key}:", english, re.M))
    assert missing == []
