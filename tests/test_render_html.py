"""The HTML page: self-contained, well-formed, escaped, Chinese marked lang="zh"."""

from __future__ import annotations

import re
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_render_samples import NASTY_EN, june, november, rendered


VOID = {"meta", "br", "link", "img", "hr", "input", "col", "wbr"}


class _Collector(HTMLParser):
    """Collects tags, checks nesting, and remembers the lang of every text run."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text_langs: list[tuple[str, str | None]] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs_d = dict(attrs)
        self.tags.append((tag, attrs_d))
        if tag in VOID:
            return
        lang = attrs_d.get("lang") or (self.stack[-1][1] if self.stack else None)
        self.stack.append((tag, lang))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"unexpected </{tag}> with open {[t for t, _ in self.stack]}")
            return
        self.stack.pop()

    def handle_data(self, data):
        if data.strip():
            self.text_langs.append((data.strip(), self.stack[-1][1] if self.stack else None))


def _parse(html: str) -> _Collector:
    parser = _Collector()
    parser.feed(html)
    parser.close()
    return parser


def _html(sample=june, zones=()):
    return rendered("html", sample, zones)


def test_document_skeleton():
    html = _html()
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    assert '<meta charset="utf-8">' in html
    assert html.rstrip().endswith("</html>")
    parsed = _parse(html)
    assert parsed.errors == [] and parsed.stack == []


def test_self_contained_no_outside_resources():
    html = _html(zones=("Asia/Tokyo",))
    parsed = _parse(html)
    for tag, attrs in parsed.tags:
        for name in ("src", "href", "action", "data", "poster"):
            value = attrs.get(name)
            assert value is None or not re.match(r"(?i)\s*(https?:)?//", value), (tag, attrs)
        assert tag not in {"script", "link", "img", "iframe"}, tag
    assert "<style>" in html
    assert not re.search(r"(?i)url\(|@import", html)


def test_titles_escaped():
    html = _html()
    assert "<script>" not in html
    assert "Budget &lt;script&gt;alert(1)&lt;/script&gt; &amp; R|D *draft*" in html
    texts = [t for t, _ in _parse(html).text_langs]
    assert NASTY_EN in texts  # a browser shows the title as written


def test_chinese_text_is_marked_zh_and_english_is_not():
    langs = dict(_parse(_html()).text_langs)
    assert langs["国际电联互联网活动"] == "zh"
    assert langs["2022-2023年双年度预算草案"] == "zh"
    assert langs["理事磋商会虚拟会议"] == "zh"
    assert langs["ITU's activities related to the Internet"] == "en"


def test_same_content_as_markdown():
    html = _html(november, zones=("Pacific/Auckland",))
    texts = [t for t, _ in _parse(html).text_langs]
    assert "Tuesday 9 November 2021 \u2014 12:00\u201315:00 Geneva (11:00\u201314:00 UTC)" in texts
    assert "12:10\u201312:40" in texts and "11:10\u201311:40" in texts
    assert "00:10\u201300:40 (+1 day)" in texts  # Auckland is UTC+13 in November
    assert "C20/33" in texts and "C21/33" in texts
    assert any(t.startswith("Planned: 40 min of 180 min; free (buffer for overruns): 140 min.") for t in texts)
    assert any("for approval en bloc" in t for t in texts)
    footer = next(t for t in texts if t.startswith("Planned by OR-Tools CP-SAT"))
    assert "status OPTIMAL (proven best)" in footer and "balance" not in footer and "tiebreak" not in footer


def test_has_print_stylesheet():
    assert "@media print" in _html()


CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()), None) or shutil.which("chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def test_chromium_is_there_in_ci():
    # .ci/run installs Debian's chromium; in CI a missing browser is a failure, not a skip.
    if os.environ.get("CI") and CHROMIUM is None:
        pytest.fail("CI=true but no chromium: .ci/run should have installed Debian's chromium")


@pytest.mark.skipif(CHROMIUM is None, reason="no headless chromium on this machine")
def test_renders_in_headless_chromium(tmp_path):
    page = tmp_path / "plan.html"
    page.write_text(_html(), encoding="utf-8")
    result = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Tuesday 8 June 2021" in result.stdout
    assert 'lang="zh"' in result.stdout
