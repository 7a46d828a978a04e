"""The delegates' page over a slow link: a first load and a reload, timed and weighed.

Run ``.venv/bin/python benchmarks/page_load.py`` (about a minute; needs Debian's
chromium and playwright, as the page tests do). A real server on port 0 with a
real database; between it and the browser a TCP proxy (benchmarks/tcp_proxy.py) that
gives every connection a round trip of ``--rtt`` seconds and shares ``--rate``
bytes a second each way among them, as one hotel or mobile link would (browsers'
own network emulation does not slow WebSockets). The floor has an item open,
ten requests and a speaker, as in a session.

For each load it reports the bytes that crossed the link towards the browser
(HTTP and WebSocket, headers included), the time to the first contentful paint
(the meeting's title and "Connecting…"), and the time until the page is live
with the floor shown.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"


async def load(page, url: str | None, proxy) -> dict:
    before = proxy.bytes_down
    started = time.monotonic()
    if url is None:
        await page.reload(wait_until="commit")
    else:
        await page.goto(url, wait_until="commit")
    while await page.evaluate("() => document.body ? document.body.dataset.conn : ''") != "live":
        if time.monotonic() - started > 60:
            raise RuntimeError("the page did not become live in 60 s")
        await asyncio.sleep(0.05)
    live = time.monotonic() - started
    paint = await page.evaluate(
        "(performance.getEntriesByName('first-contentful-paint')[0] || {startTime: NaN}).startTime / 1000"
    )
    await asyncio.sleep(0.5)  # what is still on its way
    return {"bytes": proxy.bytes_down - before, "paint": paint, "live": live}


async def main(args) -> None:
    import json

    from playwright.async_api import async_playwright
    from tcp_proxy import TcpProxy
    from websockets.asyncio.client import connect

    from server.app import ServerConfig, serve
    from server.tokens import issue_tokens
    from vccsched.floor.protocol import PROTOCOL_VERSION
    from vccsched.loading import DEFAULT_MEETING_DIR

    async def command(ws_url: str, token: str, command: dict) -> None:
        """Say hello as a delegation and send one command; wait for its answer."""
        async with connect(ws_url) as ws:
            await ws.send(json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "last_seq": None, "token": token}))
            await ws.send(json.dumps({"type": "command", "command": command}))
            while json.loads(await asyncio.wait_for(ws.recv(), 10)).get("command_id") != command["id"]:
                pass

    with tempfile.TemporaryDirectory(prefix="vccsched-page-load-") as tmp:
        db = Path(tmp) / "floor.db"
        tokens = issue_tokens(db)
        async with serve(ServerConfig(meeting_dir=DEFAULT_MEETING_DIR, db_path=db, port=0)) as srv:
            await command(srv.ws_url, tokens["VC"], {"type": "open_item", "id": "vc-1", "item": 3})
            for other in ("USA", "BRA", "GBR", "PSE", "SM-R1", "FRA", "KEN", "IND", "RUS", "MEX"):
                await command(srv.ws_url, tokens[other], {"type": "request_floor", "id": f"{other}-1", "kind": "speech"})
            await command(srv.ws_url, tokens["VC"], {"type": "next_speaker", "id": "vc-2"})
            async with TcpProxy(srv.port, rtt=args.rtt, rate=args.rate) as proxy, async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
                rows = []
                for n in range(args.runs):
                    context = await browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844})
                    page = await context.new_page()
                    first = await load(page, f"http://127.0.0.1:{proxy.port}/#t={tokens['CHN']}", proxy)
                    again = await load(page, None, proxy)
                    rows.append((first, again))
                    await context.close()
                await browser.close()
    print(f"\nlink: {args.rtt * 1000:.0f} ms round trip, {args.rate / 1000:.0f} KB/s each way; {args.runs} runs (median)\n")
    print("| load | bytes to the browser | first paint (title, Connecting…) | live, floor shown |")
    print("|---|---|---|---|")
    for name, index in (("first load", 0), ("reload", 1)):
        picked = sorted((r[index] for r in rows), key=lambda x: x["live"])[len(rows) // 2]
        print(f"| {name} | {picked['bytes'] / 1000:.1f} KB | {picked['paint']:.1f} s | {picked['live']:.1f} s |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rtt", type=float, default=0.6, help="round trip of the link, seconds")
    parser.add_argument("--rate", type=float, default=50_000, help="bytes a second, each way")
    parser.add_argument("--runs", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
