"""The interpreters' view on the page (protocol 4): a booth's link opens a read-only view with
the speaker, the floor language written out in the page's language and the countdown, and the
next three in line with theirs, each change of language marked; in French and in Arabic (right
to left). The delegates' floor card shows the language beside the speaker's name. One real
server (with the example registrations) and Debian's chromium for the module."""

from __future__ import annotations

import csv
import re
import shutil

import pytest
import pytest_asyncio
from conftest import run_cli
from live_server import live_server, ws_client
from page_axe import no_axe_violations
from test_page import SCREENSHOTS, Watch, browser, browser_test, delegate  # noqa: F401 (fixture)
from test_page_speakers import with_person_tokens

from vccsched.loading import DEFAULT_MEETING_DIR

try:
    from playwright.async_api import expect
except ImportError:  # pragma: no cover - the browser fixture skips
    expect = None

EXAMPLE = DEFAULT_MEETING_DIR / "registrations" / "example-export.csv"
BOOTHS = ["INT-AR", "INT-ZH", "INT-EN", "INT-FR", "INT-RU", "INT-ES"]


def test_server_tokens_issues_a_link_per_booth(tmp_path):
    out = tmp_path / "tokens.csv"
    result = run_cli("server", "tokens", "--db", str(tmp_path / "floor.db"), "--out", str(out), "--url", "https://vcc.example.org")
    assert result.returncode == 0, result.stderr
    with out.open(encoding="utf-8", newline="") as handle:
        rows = {r["delegation"]: r for r in csv.DictReader(handle)}
    assert [d for d in rows if d.startswith("INT-")] == BOOTHS
    assert {rows[b]["category"] for b in BOOTHS} == {"interpreter"}
    assert all(rows[b]["link"].startswith("https://vcc.example.org/#t=") for b in BOOTHS)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def floor(tmp_path_factory):
    """A live server on the bundled meeting with the example registrations, China speaking
    (Chinese) and four waiting: the United States (English), Russia (Russian), France (stated
    Russian: no change), Brazil (its own link: not stated)."""
    tmp = tmp_path_factory.mktemp("interpreters")
    meeting = tmp / "meeting"
    shutil.copytree(DEFAULT_MEETING_DIR, meeting)
    result = run_cli("registrations", "import", str(EXAMPLE), "--meeting", str(meeting), "--out", str(meeting / "registrations.yaml"))
    assert result.returncode == 0, result.stderr
    async with live_server(tmp, meeting_dir=meeting) as srv:
        await with_person_tokens(srv, meeting, tmp)
        async with ws_client(srv, "VC") as vc:
            await vc.command({"type": "open_item", "item": 3})
            for who, fields in [("CHN.1", {}), ("USA.1", {}), ("RUS.1", {}), ("FRA.1", {"language": "ru"}), ("BRA", {})]:
                async with ws_client(srv, who) as client:
                    reply, _ = await client.command({"type": "request_floor", "id": f"{who}-ask", "kind": "speech", **fields})
                    assert reply["type"] == "accepted", reply
            reply, _ = await vc.command({"type": "next_speaker"})
            assert reply["type"] == "accepted"
        state = srv.shell.floor.state
        assert (state.speaker.delegation, state.speaker.language) == ("CHN", "zh")
        assert [(r.delegation, r.language) for r in state.items[3].queue] == [
            ("USA", "en"), ("RUS", "ru"), ("FRA", "ru"), ("BRA", None),
        ]
        yield srv


async def next_in_line(page) -> list[tuple[str, str, bool]]:
    """(delegation name, language shown, marked as a change) of each entry of the interpreters' list."""
    return [tuple(entry) for entry in await page.locator("#interp-next > li").evaluate_all(
        """items => items.map(li => [
            li.querySelector('.name').textContent,
            li.querySelector('.lang-chip').textContent,
            li.classList.contains('changes') && !!li.querySelector('.lang-chip.lang-change'),
        ])"""
    )]


@browser_test
async def test_the_interpreters_view_in_french_follows_the_floor_and_marks_changes(browser, floor):
    watch = Watch()
    srv = floor
    page = await delegate(browser, srv, "INT-FR", watch, locale="fr-FR", width=1100, height=760)
    await expect(page.locator("body")).to_have_class(re.compile(r"\binterpreter\b"))
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    # The speaker, named, with the language written out and the countdown.
    await expect(page.locator("#speaker-who .name")).to_have_text("Chine")
    await expect(page.locator("#speaker-who .person")).to_have_text("Ms Example-Delegate-1, Head of delegation")
    await expect(page.locator("#speaker-lang")).to_have_text("Chinois")
    await expect(page.locator("#countdown")).to_have_text(re.compile(r"^[23]:\d\d$"))  # the clock runs
    # The next three, each change of language marked against the language heard before.
    await expect(page.locator("#interp-next > li")).to_have_count(3)
    assert await next_in_line(page) == [
        ("États-Unis", "→ Anglais", True),
        ("Russie", "→ Russe", True),
        ("France", "Russe", False),  # stated Russian after Russia: no change
    ]
    await expect(page.locator("#interp-next > li.changes")).to_have_count(2)
    # Read-only: no button to ask for the floor, no list of one's own requests.
    for hidden in ("#actions", "#queue-card", "#btn-speech", "#copy-link"):
        await expect(page.locator(hidden)).to_be_hidden()
    await expect(page.locator("#whoami-tier")).to_have_text("Interprètes")
    await expect(page.locator("#whoami")).to_have_text("Cabine française")  # the booth in the page's language
    await page.screenshot(path=str(SCREENSHOTS / "vccsched-interpreters-fr.png"), full_page=True)
    await no_axe_violations(page, "the interpreters' view in French")
    # The chair corrects a language; the floor moves on: the view follows.
    async with ws_client(srv, "VC") as vc:
        reply, _ = await vc.command({"type": "set_floor_language", "id": "vc-fix-usa", "delegation": "USA", "language": "es"})
        assert reply["type"] == "accepted", reply
        await expect(page.locator("#interp-next > li").first.locator(".lang-change")).to_have_text("→ Espagnol")
        reply, _ = await vc.command({"type": "next_speaker", "id": "vc-next-usa"})
        assert reply["type"] == "accepted"
        await expect(page.locator("#speaker-lang")).to_have_text("Espagnol")
        assert await next_in_line(page) == [
            ("Russie", "→ Russe", True),
            ("France", "Russe", False),
            ("Brésil", "langue non indiquée", False),  # Brazil's own link stated none
        ]
    await page.context.close()
    watch.check()


@browser_test
async def test_the_interpreters_view_in_arabic_reads_right_to_left(browser, floor):
    watch = Watch()
    srv = floor
    page = await delegate(browser, srv, "INT-AR", watch, locale="ar", width=1100, height=760)
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")
    await expect(page.locator("#interp-heading")).to_have_text("المتكلمون التالون")
    speaker = srv.shell.floor.state.speaker
    names = await page.evaluate(
        "(codes) => codes.map((c) => new Intl.DisplayNames(['ar'], {type: 'language'}).of(c))", ["zh", "en", "es", "ru"]
    )
    expected = dict(zip(["zh", "en", "es", "ru"], names))
    await expect(page.locator("#speaker-lang")).to_have_text(expected[speaker.language])
    # Whichever test ran first (the French one moves the floor on), the first in line changes language.
    head = srv.shell.floor.state.items[3].queue[0]
    assert head.language != speaker.language
    first = page.locator("#interp-next > li").first
    await expect(first.locator(".lang-change")).to_have_text(f"← {expected[head.language]}")
    await expect(page.locator("#interp-note")).to_have_text("عرض المترجمين الفوريين: يتابع هذا الرابط سير الجلسة ولا يرسل شيئاً.")
    await page.screenshot(path=str(SCREENSHOTS / "vccsched-interpreters-ar.png"), full_page=True)
    await no_axe_violations(page, "the interpreters' view in Arabic")
    # A delegate's floor card shows the language beside the speaker's name too.
    delegate_page = await delegate(browser, srv, "BRA", watch, width=1100, height=760)
    english = {"zh": "Chinese", "es": "Spanish"}[speaker.language]
    await expect(delegate_page.locator("#speaker-who #speaker-lang")).to_have_text(english)
    await expect(delegate_page.locator("#interp-card")).to_have_count(0)
    await expect(delegate_page.locator("#btn-speech")).to_be_visible()
    await delegate_page.screenshot(path=str(SCREENSHOTS / "vccsched-floor-language-en.png"))
    await page.context.close()
    await delegate_page.context.close()
    watch.check()


@browser_test
async def test_a_speaker_says_in_which_language_they_will_speak(browser, floor):
    watch = Watch()
    srv = floor
    page = await delegate(browser, srv, "MEX.1", watch, locale="es-ES", width=1100, height=760)
    select = page.locator("#speak-in")
    await expect(select.locator("option").first).to_have_text("el de mi inscripción (Español)")  # as registered
    await expect(select.locator("option[value=fr]")).to_have_text("Francés")
    await select.select_option("fr")
    await page.locator("#btn-speech").click()
    await expect(page.locator("#my-place li")).to_have_count(1)
    mexico = next(r for r in srv.shell.floor.state.items[3].queue if r.delegation == "MEX")
    assert (mexico.person, mexico.language) == ("MEX.1", "fr")  # Spanish as registered, French today
    await page.screenshot(path=str(SCREENSHOTS / "vccsched-speak-in-es.png"))
    await page.context.close()
    watch.check()
