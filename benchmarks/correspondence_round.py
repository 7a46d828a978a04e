"""Issue 19's "Done when", end to end, with the real command line, server and browser.

A short meeting (the bundled C21/VCC-1) with two conclusions by correspondence; the
focal points registered from an export; `correspondence open` on the running server;
three focal points reply (China and the United States over the WebSocket as the page
does, Saudi Arabia on the Arabic /ballot page in Debian's headless Chromium); Brazil
e-mails the form instead; `correspondence reminders` and `correspondence tally --db`
(with the form), whose receipts are checked against those the focal points were given.

    .venv/bin/python benchmarks/correspondence_round.py [--keep DIR]

Prints each step and its time; exit status 0 when every check holds. Needs Playwright
and /usr/bin/chromium (as the browser tests).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

# The project first: benchmarks/server.py would hide the server package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from serverproc import ROOT, start_server_process  # noqa: E402

from server.publish import send_command  # noqa: E402

ZURICH = ZoneInfo("Europe/Zurich")
EXPORT = """\
Delegation,Family name,Given name,Title,Function,E-mail,Speaker,Floor language,Correspondence focal point
China,Example-Focal,Example,Ms,Head of delegation,focal.chn@example.org,yes,Chinese,yes
China,Example-Adviser,Example,Mr,Adviser,adviser.chn@example.org,no,,no
Saudi Arabia,Example-Focal,Example,Mr,Head of delegation,focal.sau@example.org,yes,Arabic,yes
United States,Example-Focal,Example,Ms,Head of delegation,focal.usa@example.org,yes,English,yes
Brazil,Example-Focal,Example,Mr,Head of delegation,focal.bra@example.org,yes,Spanish,yes
"""
T0 = time.monotonic()


def say(text: str) -> None:
    print(f"[{time.monotonic() - T0:6.1f} s] {text}", flush=True)


def vccsched(*args: str, expect: int = 0) -> subprocess.CompletedProcess:
    """The command line, as the secretariat runs it."""
    done = subprocess.run([sys.executable, "-m", "vccsched", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    if done.returncode != expect or "Traceback" in done.stderr:
        raise SystemExit(f"vccsched {' '.join(args)}: exit {done.returncode}\n{done.stderr}")
    return done


async def command(url: str, token: str, raw: dict) -> dict:
    sent = await send_command(url, token, raw, what=raw["type"])
    return sent.accepted


async def arabic_ballot(http_url: str, token: str, shots: Path) -> str:
    """Saudi Arabia's focal point replies on /ballot in Arabic; returns the receipt shown."""
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium")
        try:
            context = await browser.new_context(locale="ar-SA", viewport={"width": 390, "height": 800})
            page = await context.new_page()
            await page.goto(f"{http_url}/ballot#t={token}")
            await expect(page.locator("body")).to_have_attribute("data-conn", "live", timeout=10000)
            await expect(page.locator("#round")).to_be_visible()
            await expect(page.locator("html")).to_have_attribute("dir", "rtl")
            heading = await page.locator("#page-heading").inner_text()
            await page.check("#q-3-approve")
            await page.check("#q-4-object")
            await page.click("#review")
            await page.click("#confirm")
            await expect(page.locator("#receipt-code")).to_be_visible(timeout=10000)
            receipt = (await page.locator("#receipt-code").inner_text()).strip()
            await page.screenshot(path=str(shots / "ballot-ar-receipt.png"), full_page=True)
            say(f"SAU.1 on /ballot in Arabic ({heading}): approve 3, object 4 -> receipt {receipt}")
            return receipt
        finally:
            await browser.close()


async def main(work: Path) -> None:
    folder = work / "meeting"
    shutil.copytree(ROOT / "data" / "c21-vcc1", folder)
    export = work / "export.csv"
    export.write_text(EXPORT, encoding="utf-8")
    done = vccsched("registrations", "import", str(export), "--meeting", str(folder), "--out", str(folder / "registrations.yaml"))
    say(f"registrations import: {sum('no correspondence focal point' in line for line in done.stderr.splitlines())} "
        "Council Members reported without a focal point")
    db, tokens_csv = work / "floor.db", work / "tokens.csv"
    vccsched("server", "tokens", "--db", str(db), "--meeting", str(folder), "--out", str(tokens_csv),
             "--url", "https://vcc.example.org")
    with tokens_csv.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    token = {r["person"] or r["delegation"]: r["token"] for r in rows}
    ballot_links = [r["person"] for r in rows if r["ballot_link"] and r["person"]]
    say(f"server tokens: {len(rows)} links, /ballot links for {', '.join(ballot_links)}")
    server = start_server_process(db, "--meeting", str(folder))
    try:
        url = server.http_url
        say(f"server run: {url}")
        # The short meeting: the chair concludes items 3 and 4 by correspondence.
        for item in (3, 4):
            for n, raw in enumerate(({"type": "open_item", "item": item},
                                     {"type": "record_conclusion", "by_correspondence": True,
                                      "conclusion": f"The Council approved the proposal under item {item}."},
                                     {"type": "close_item"})):
                await command(server.ws_url, token["VC"], {**raw, "id": f"vc-{item}-{n}"})
        say("the chair concluded items 3 and 4 by correspondence")
        form = work / "form.csv"
        vccsched("correspondence", "form", "--db", str(db), "--out", str(form))
        sg_token = work / "sg.token"
        sg_token.write_text(token["SG"], encoding="utf-8")
        sg_token.chmod(0o600)
        tomorrow = (dt.datetime.now(ZURICH) + dt.timedelta(days=1)).date()
        done = vccsched("correspondence", "open", "--server", url, "--token-file", str(sg_token),
                        "--deadline", tomorrow.isoformat(), "--deadline-time", "18:00")
        say(f"correspondence open: {done.stderr.strip()}")
        receipts = {}
        for person, answers in (("CHN.1", {3: "approve", 4: "approve"}), ("USA.1", {3: "approve", 4: "abstain"})):
            replies = [{"item": i, "answer": a} for i, a in answers.items()]
            accepted = await command(server.ws_url, token[person], {"type": "cast_reply", "id": f"{person}-1", "replies": replies})
            receipts[person[:3]] = accepted["receipt"]
            say(f"{person} replied {answers} -> receipt {accepted['receipt']}")
        # China's adviser is not its focal point: refused.
        try:
            await command(server.ws_url, token["CHN.2"], {"type": "cast_reply", "id": "chn2", "item": 3, "answer": "object"})
            raise SystemExit("CHN.2 (not the focal point) was allowed to reply")
        except Exception as exc:  # PublishError
            if "not_focal_point" not in str(exc):
                raise
            say("CHN.2 (not the focal point) refused: not_focal_point")
        receipts["SAU"] = await arabic_ballot(url, token["SAU.1"], work)
        # Brazil e-mails the form instead.
        replies = work / "replies"
        replies.mkdir()
        lines = form.read_text(encoding="utf-8-sig").splitlines()
        filled = []
        for line in csv.reader(lines):
            if line and line[0] == "member_state":
                line[1] = "Brazil"
            elif line and line[0] == "reply_date":
                line[1] = dt.datetime.now(ZURICH).date().isoformat()
            elif line and line[0] in ("3", "4"):
                line[5] = "object" if line[0] == "3" else "approve"
            filled.append(line)
        with (replies / "brazil.csv").open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(filled)
        say("BRA e-mailed the form: object 3, approve 4 (replies/brazil.csv)")
        remind = work / "remind.csv"
        done = vccsched("correspondence", "reminders", "--db", str(db), "--meeting", str(folder), str(replies),
                        "--out", str(remind))
        say(f"correspondence reminders: {done.stderr.strip().splitlines()[-1]}")
        with remind.open(encoding="utf-8", newline="") as handle:
            listed = {r["delegation"] for r in csv.DictReader(handle)}
        assert {"CHN", "USA", "SAU", "BRA"}.isdisjoint(listed) and len(listed) == 44, sorted(listed)
        result = work / "result.json"
        done = vccsched("correspondence", "tally", "--db", str(db), "--meeting", str(folder), str(replies),
                        "--out", str(result))
        vccsched("correspondence", "tally", "--db", str(db), "--meeting", str(folder), str(replies),
                 "--out", str(work / "result.md"))
        doc = json.loads(result.read_text(encoding="utf-8"))
        members = {m["member_id"]: m for m in doc["members"]}
        for member, receipt in receipts.items():
            channel = members[member]["channels"][0]
            assert channel["via"] == "online" and channel["receipt"] == receipt, (member, channel, receipt)
        assert members["BRA"]["channels"][0]["via"] == "form" and members["BRA"]["counted"].endswith("brazil.csv")
        for p in doc["proposals"]:
            say(f"tally item {p['number']}: {p['result']} (approve {p['approve']}, object {p['object']}, "
                f"abstain {p['abstain']}; {p['needed']} of {p['base']} needed)")
        say("tally --db: each online reply listed with the receipt its focal point was given; Brazil by form")
        print(done.stderr, end="")
    finally:
        server.terminate()


def run_walkthrough(main, doc: str, prefix: str) -> None:
    """Run ``main(work_dir)``: in ``--keep DIR`` (made, kept) or in a temporary folder."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="Work in this folder (made; kept afterwards) instead of a temporary one.")
    options = parser.parse_args()
    if options.keep is not None:
        options.keep.mkdir(parents=True, exist_ok=False)
        asyncio.run(main(options.keep))
    else:
        with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
            asyncio.run(main(Path(tmp)))
    say("done")


if __name__ == "__main__":
    run_walkthrough(main, __doc__, "vccsched-round-")
