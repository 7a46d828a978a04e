"""Issue 17's "Done when", end to end, with the real command line, server and browser.

The example registrations imported into a copy of the bundled C21/VCC-1; a link per person;
`server run`; two persons of China and one of the United States join over the WebSocket
(as the page does) and ask for the floor, one stating another language than registered; a
non-speaker is refused; the chair's snapshot names who asked and in which language, and
`/speakers.json` gives the chair their names; the French booth's interpreters' view in
Debian's headless Chromium follows the floor (speaker, language, next in line); revoking
one person of China closes that person's connection only; the report names who spoke and
the participants list says who connected.

    .venv/bin/python benchmarks/registered_speakers.py [--keep DIR]

Prints each step and its time; exit status 0 when every check holds. Needs Playwright and
/usr/bin/chromium (as the browser tests).
"""

from __future__ import annotations

import asyncio
import csv
import json
import re
import shutil
import sys
import urllib.request
from pathlib import Path

# The project first: benchmarks/server.py would hide the server package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from correspondence_round import run_walkthrough, say, vccsched  # noqa: E402
from serverproc import ROOT, start_server_process  # noqa: E402

from vccsched.floor.protocol import PROTOCOL_VERSION  # noqa: E402

EXAMPLE = ROOT / "data" / "c21-vcc1" / "registrations" / "example-export.csv"


class Link:
    """One person's (or delegation's) connection, as the page holds it: hello, then frames."""

    def __init__(self, ws, welcome: dict) -> None:
        self.ws, self.welcome, self.count = ws, welcome, 0
        # Command ids are per delegation: two persons of one delegation need their own.
        person = welcome.get("person")
        self.prefix = person["id"] if isinstance(person, dict) else welcome["delegation"]

    @classmethod
    async def join(cls, ws_url: str, token: str) -> Link:
        import websockets

        origin = ws_url.replace("ws://", "http://").rsplit("/", 1)[0]
        ws = await websockets.connect(ws_url, origin=origin, open_timeout=10)
        await ws.send(json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "last_seq": None, "token": token}))
        welcome = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if welcome.get("type") != "welcome":
            raise SystemExit(f"not welcomed: {welcome}")
        return cls(ws, welcome)

    async def command(self, raw: dict) -> dict:
        self.count += 1
        await self.ws.send(json.dumps({"type": "command", "command": {"id": f"{self.prefix}-{self.count}", **raw}}))
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
            if message["type"] in ("accepted", "refusal"):
                return message

    async def open_after(self, seconds: float) -> bool:
        """Still open after ``seconds`` (reading what comes meanwhile)?"""
        import websockets

        try:
            async with asyncio.timeout(seconds):
                while True:
                    await self.ws.recv()
        except TimeoutError:
            return True
        except websockets.ConnectionClosed:
            return False


def staff_names(http_url: str, token: str) -> dict:
    request = urllib.request.Request(f"{http_url}/speakers.json", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (the test's own server)
        return json.loads(answer.read())


async def interpreters_page(http_url: str, token: str, shots: Path) -> tuple[str, str]:
    """The French booth's page: (speaker card text, next-in-line text)."""
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium")
        try:
            context = await browser.new_context(locale="fr-FR", viewport={"width": 1100, "height": 850})
            page = await context.new_page()
            await page.goto(f"{http_url}/#t={token}")
            await expect(page.locator("body")).to_have_attribute("data-conn", "live", timeout=10000)
            await expect(page.locator("body")).to_have_class(re.compile(r"\binterpreter\b"), timeout=10000)
            main = page.locator("main")
            await expect(main).to_contain_text("Example-Delegate-2", timeout=10000)  # the speaker
            await page.screenshot(path=str(shots / "interpreters-fr.png"))
            return await main.inner_text(), await page.locator("#interp-card").inner_text()
        finally:
            await browser.close()


async def main(work: Path) -> None:
    folder = work / "meeting"
    shutil.copytree(ROOT / "data" / "c21-vcc1", folder)
    done = vccsched("registrations", "import", str(EXAMPLE), "--meeting", str(folder), "--out", str(folder / "registrations.yaml"))
    say(f"registrations import: {done.stderr.strip().splitlines()[-1]}")
    db, tokens_csv = work / "floor.db", work / "tokens.csv"
    vccsched("server", "tokens", "--db", str(db), "--meeting", str(folder), "--out", str(tokens_csv),
             "--url", "https://vcc.example.org")
    with tokens_csv.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    token = {r["person"] or r["delegation"]: r["token"] for r in rows}
    say(f"server tokens: {len(rows)} links, {sum(bool(r['person']) for r in rows)} of them for persons")
    server = start_server_process(db, "--meeting", str(folder))
    links: list[Link] = []
    try:
        say(f"server run: {server.http_url}")
        chair = await Link.join(server.ws_url, token["VC"])
        head, delegate = await Link.join(server.ws_url, token["CHN.1"]), await Link.join(server.ws_url, token["CHN.2"])
        usa, follower = await Link.join(server.ws_url, token["USA.1"]), await Link.join(server.ws_url, token["USA.2"])
        links += [chair, head, delegate, usa, follower]
        for link in (head, delegate, usa):
            who = link.welcome["person"]
            say(f"{who['id']} joined: connected as {who['name']}, {who['function']} — {link.welcome['delegation']}")
        assert (await chair.command({"type": "open_item", "item": 3}))["type"] == "accepted"
        assert (await delegate.command({"type": "request_floor", "language": "fr"}))["type"] == "accepted"
        assert (await usa.command({"type": "request_floor"}))["type"] == "accepted"
        refused = await follower.command({"type": "request_floor"})
        assert refused["type"] == "refusal" and refused["code"] == "not_a_speaker", refused
        say(f"USA.2 (registered, not a speaker) refused: {refused['message']}")
        assert (await chair.command({"type": "next_speaker"}))["type"] == "accepted"
        assert (await head.command({"type": "request_floor", "kind": "point_of_order"}))["type"] == "accepted"

        # What the chair's console is sent: the queue and the speaker with persons and languages.
        sync = await Link.join(server.ws_url, token["VC"])
        links.append(sync)
        snapshot = json.loads(await asyncio.wait_for(sync.ws.recv(), 10))["state"]
        speaker = snapshot["speaker"]
        queue = snapshot["items"]["3"]["queue"]
        names = {s["id"]: s["name"] for s in staff_names(server.http_url, token["VC"])["speakers"]}
        say(f"chair: speaking {speaker['delegation']} — {names[speaker['person']]} in {speaker['language']}; "
            "waiting: " + ", ".join(f"{q['delegation']} — {names.get(q.get('person'), '?')} ({q['kind']}, "
                                    f"{q.get('language')})" for q in queue))
        assert (speaker["person"], speaker["language"]) == ("CHN.2", "fr")
        assert [(q["person"], q.get("language")) for q in queue] == [("CHN.1", "zh"), ("USA.1", "en")]

        shown, next_in_line = await interpreters_page(server.http_url, token["INT-FR"], work)
        say("French booth's page: " + " · ".join(line.strip() for line in shown.splitlines() if line.strip())[:200])
        assert "Français" in shown and "→ Chinois" in next_in_line and "→ Anglais" in next_in_line

        vccsched("server", "tokens", "--db", str(db), "--meeting", str(folder), "--revoke", "CHN.2",
                 "--out", str(work / "none.csv"), "--url", "https://vcc.example.org")
        delegate_open, head_open = await asyncio.gather(delegate.open_after(3), head.open_after(3))
        say(f"revoked CHN.2: its connection {'still open' if delegate_open else 'closed'}; "
            f"CHN.1's {'still open' if head_open else 'closed'}")
        assert not delegate_open and head_open
        assert (await chair.command({"type": "next_speaker"}))["type"] == "accepted"  # CHN.1's point of order
        assert (await chair.command({"type": "end_speech"}))["type"] == "accepted"
    finally:
        for link in links:
            await link.ws.close()
        server.terminate()
    report, participants = work / "report.md", work / "participants.md"
    vccsched("report", "--db", str(db), "--meeting", str(folder), "--out", str(report))
    spoke = [line for line in report.read_text(encoding="utf-8").splitlines() if line.startswith("| China (CHN):")]
    say(f"report: {spoke[0] if spoke else 'no line for China'}")
    assert spoke and "Mr Example-Delegate-2, Delegate" in spoke[0] and "Ms Example-Delegate-1" in spoke[0]
    done = vccsched("report", "--participants", "--db", str(db), "--meeting", str(folder), "--out", str(participants))
    say(f"report --participants: {done.stderr.strip()}")
    assert "@" not in participants.read_text(encoding="utf-8")


if __name__ == "__main__":
    run_walkthrough(main, __doc__, "vccsched-persons-")
