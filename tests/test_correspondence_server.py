"""The decision by correspondence on a live server (issue 19): the receipt in `accepted`
checked against the record, /ballot.json per token, nothing of the answers broadcast."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from live_server import ROOT, get, live_server, ws_client

from vccsched.correspondence.online import online_versions

ZURICH = ZoneInfo("Europe/Zurich")


async def run_cli(*args: str) -> str:
    """``python -m vccsched ARGS`` beside the in-process server; its stderr (exit 0 expected)."""
    import asyncio
    import sys

    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "vccsched", *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    return stderr.decode()


class Clock:
    """The server's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = dt.datetime(2021, 6, 8, 12, 0, tzinfo=ZURICH)

    def __call__(self) -> dt.datetime:
        return self.now


async def conclude_by_correspondence(vc, items=(3, 4)) -> None:
    for item in items:
        for command in (
            {"type": "open_item", "item": item},
            {"type": "record_conclusion", "conclusion": f"The Council approved item {item}.", "by_correspondence": True},
            {"type": "close_item"},
        ):
            reply, _ = await vc.command(command)
            assert reply["type"] == "accepted", reply


async def test_a_reply_its_receipt_the_record_and_ballot_json(tmp_path):
    clock = Clock()
    deadline = dt.datetime(2021, 7, 2, 23, 59, 59, tzinfo=ZURICH)
    async with live_server(tmp_path, clock=clock) as srv:
        url = f"{srv.http_url}/ballot.json"
        status, _, _ = await get(url)
        assert status == 401
        assert (await get(url, {"Authorization": "Bearer nope"}))[0] == 401
        async with ws_client(srv, "VC") as vc, ws_client(srv, "SG") as sg, ws_client(srv, "USA") as usa, \
                ws_client(srv, "BRA") as bra:
            status, _, body = await get(url, {"Authorization": f"Bearer {srv.tokens['USA']}"})
            assert status == 200 and json.loads(body)["round"] is None
            await conclude_by_correspondence(vc)
            token_file = tmp_path / "sg.token"
            token_file.write_text(srv.tokens["SG"] + "\n")
            server_args = ("--server", srv.http_url, "--token-file", str(token_file))
            said = await run_cli("correspondence", "open", "--deadline", "2021-07-02", *server_args)
            assert "until 2021-07-02T23:59:59+02:00" in said
            assert [q.item for q in srv.shell.floor.state.correspondence.questions] == [3, 4]
            clock.now = dt.datetime(2021, 6, 20, 9, 0, tzinfo=ZURICH)
            command = {"type": "cast_reply", "id": "usa-1", "replies": [{"item": 3, "answer": "approve"}, {"item": 4, "answer": "object"}]}
            reply, events = await usa.command(command)
            assert reply["type"] == "accepted" and reply["receipt"], reply
            assert "object" not in json.dumps(events) and reply["receipt"] not in json.dumps(events)
            # The others hear who replied, not how.
            seen, _ = await bra.recv_until("event")
            while seen["event"]["type"] != "reply_cast":
                seen, _ = await bra.recv_until("event")
            assert seen["event"]["items"] == [3, 4] and "answer" not in json.dumps(seen)
            status, _, body = await get(url, {"Authorization": f"Bearer {srv.tokens['USA']}"})
            assert [v["receipt"] for v in json.loads(body)["replies"]] == [reply["receipt"]]
            again, _ = await usa.command(command)
            assert again["repeated"] and again["receipt"] == reply["receipt"]
            status, _, body = await get(url, {"Authorization": f"Bearer {srv.tokens['USA']}"})
            doc = json.loads(body)
            assert doc["round"]["open"] and [q["item"] for q in doc["round"]["questions"]] == [3, 4]
            assert doc["you"] == {"delegation": "USA", "name": doc["you"]["name"], "person": None, "may_reply": True, "why_not": None}
            assert [v["receipt"] for v in doc["replies"]] == [reply["receipt"]]
            other = json.loads((await get(url, {"Authorization": f"Bearer {srv.tokens['BRA']}"}))[2])
            assert other["replies"] == []
            sm = json.loads((await get(url, {"Authorization": f"Bearer {srv.tokens['SM-R1']}"}))[2])
            assert sm["you"]["may_reply"] is False and sm["you"]["why_not"] == "not_council_member"
            statuses = [(await get(url, {"Authorization": f"Bearer {srv.tokens['SM-R1']}"}))[0] for _ in range(10)]
            assert statuses[-1] == 429  # 10 per link, then 1 a second
            # After the deadline: replies refused; the tally of the record is published on /ballot.
            clock.now = deadline + dt.timedelta(seconds=1)
            late, _ = await usa.command({"type": "cast_reply", "item": 3, "answer": "object"})
            assert late["code"] == "correspondence_closed"
            result = tmp_path / "result.json"
            said = await run_cli("correspondence", "tally", "--db", str(srv.db_path), "--out", str(result))
            assert reply["receipt"] in said
            await run_cli("correspondence", "publish", str(result), *server_args)
            doc = json.loads((await get(url, {"Authorization": f"Bearer {srv.tokens['BRA']}"}))[2])
            assert doc["round"]["open"] is False and doc["result"]["proposals"][1]["object"] == ["USA"]
        # The receipt checked against the record, as the tally reads it.
        store = srv.shell.store
        [version] = online_versions(store.meeting_id, store.events(), store.accepted_commands())
        assert version.receipt == reply["receipt"] and version.replies == command["replies"]


async def test_kill_9_during_the_round_loses_no_acknowledged_reply(tmp_path):
    """Ten Council Members reply and change their replies as fast as the server answers; the
    server is killed with SIGKILL; every reply acknowledged (with its receipt) is in the record
    with that receipt, and the restarted server gives each its own replies on /ballot.json."""
    import asyncio
    import contextlib

    from live_server import issue_tokens, start_server_process
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    from server.offline import handle_on_db
    from server.store import FloorStore
    from vccsched.floor.protocol import PROTOCOL_VERSION

    db = tmp_path / "floor.db"
    tokens = issue_tokens(db)
    for n, raw in enumerate(({"type": "open_item", "item": 3},
                             {"type": "record_conclusion", "conclusion": "Approved.", "by_correspondence": True},
                             {"type": "close_item"})):
        assert handle_on_db(db, {**raw, "id": f"vc-{n}"}, actor="VC")[0].accepted
    deadline = dt.datetime(dt.date.today().year + 1, 7, 2, 18, 0, tzinfo=ZURICH)
    assert handle_on_db(db, {"type": "open_correspondence", "id": "o", "deadline": deadline.isoformat()})[0].accepted
    members = ["USA", "CHN", "FRA", "BRA", "ARG", "CAN", "DEU", "IND", "JPN", "KEN"]
    acknowledged: dict[tuple[str, str], str] = {}
    proc = start_server_process(db)

    async def member(delegation: str) -> None:
        with contextlib.suppress(ConnectionClosed, OSError, asyncio.TimeoutError):
            async with connect(proc.ws_url) as ws:
                await ws.send(json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "last_seq": None, "token": tokens[delegation]}))
                for n in range(1000):
                    command = {"type": "cast_reply", "id": f"{delegation}-{n}", "item": 3,
                               "answer": ("approve", "object", "abstain")[n % 3]}
                    await ws.send(json.dumps({"type": "command", "command": command}))
                    while True:
                        message = json.loads(await asyncio.wait_for(ws.recv(), 5))
                        if message.get("command_id") == command["id"]:
                            break
                    if message["type"] == "accepted":
                        acknowledged[(delegation, command["id"])] = message["receipt"]

    tasks = [asyncio.create_task(member(m)) for m in members]
    await asyncio.sleep(1.0)
    proc.kill()
    await asyncio.wait_for(asyncio.gather(*tasks), 15)
    assert len(acknowledged) >= 5 * len(members), len(acknowledged)  # the kill came mid-stream
    store = FloorStore.open(db)
    try:
        versions = online_versions(store.meeting_id, store.events(), store.accepted_commands())
    finally:
        store.close_reader()
    by_receipt = {v.receipt for v in versions}
    lost = [key for key, code in acknowledged.items() if code not in by_receipt]
    assert lost == [], f"{len(lost)} acknowledged replies lost"
    proc = start_server_process(db)
    try:
        status, _, body = await get(f"{proc.http_url}/ballot.json", {"Authorization": f"Bearer {tokens['USA']}"})
        mine = [v["receipt"] for v in json.loads(body)["replies"]]
        assert status == 200 and set(mine) >= {code for (who, _), code in acknowledged.items() if who == "USA"}
    finally:
        proc.kill()


async def test_a_focal_point_replies_with_their_own_link_and_the_record_replays(tmp_path):
    """With registrations: China's focal point (CHN.1) replies; another person of China is
    refused; the tally of the record (which keeps no registrations) names the reply."""
    import asyncio
    import shutil
    import time

    from server.store import FloorStore
    from vccsched.loading import DEFAULT_MEETING_DIR

    meeting = tmp_path / "meeting"
    shutil.copytree(DEFAULT_MEETING_DIR, meeting)
    (meeting / "registrations.yaml").write_text(
        "persons:\n"
        "- {id: CHN.1, delegation: CHN, family_name: A, given_name: B, function: Head, email: a@example.org,"
        " speaker: true, floor_language: zh, correspondence_focal_point: true}\n"
        "- {id: CHN.2, delegation: CHN, family_name: C, given_name: D, function: Adviser, email: c@example.org,"
        " speaker: false}\n", encoding="utf-8")
    clock = Clock()
    async with live_server(tmp_path, meeting_dir=meeting, clock=clock) as srv:
        store = FloorStore.open(srv.db_path)
        try:
            srv.tokens.update(store.issue_person_tokens([("CHN.1", "CHN"), ("CHN.2", "CHN")], replace=False))
        finally:
            store.close_reader()
        limit = time.monotonic() + 3
        while "CHN.2" not in srv.shell.token_hashes:
            assert time.monotonic() < limit, "the server did not read the persons' tokens"
            await asyncio.sleep(0.05)
        async with ws_client(srv, "VC") as vc, ws_client(srv, "SG") as sg:
            await conclude_by_correspondence(vc, items=(3,))
            deadline = dt.datetime(2021, 7, 2, 23, 59, 59, tzinfo=ZURICH)
            assert (await sg.command({"type": "open_correspondence", "deadline": deadline.isoformat()}))[0]["type"] == "accepted"
        async with ws_client(srv, "CHN.1") as focal, ws_client(srv, "CHN.2") as adviser, ws_client(srv, "CHN") as own:
            refused, _ = await adviser.command({"type": "cast_reply", "item": 3, "answer": "object"})
            assert refused["code"] == "not_focal_point" and "(CHN.1)" in refused["message"]
            refused, _ = await own.command({"type": "cast_reply", "item": 3, "answer": "object"})
            assert refused["code"] == "not_focal_point"
            reply, events = await focal.command({"type": "cast_reply", "item": 3, "answer": "approve"})
            assert reply["type"] == "accepted" and events[-1]["person"] == "CHN.1"
        url = f"{srv.http_url}/ballot.json"
        mine = json.loads((await get(url, {"Authorization": f"Bearer {srv.tokens['CHN.1']}"}))[2])
        other = json.loads((await get(url, {"Authorization": f"Bearer {srv.tokens['CHN.2']}"}))[2])
        assert mine["you"]["may_reply"] and mine["you"]["person"] == "CHN.1"
        assert other["you"]["why_not"] == "not_focal_point" and other["replies"] == mine["replies"]  # the delegation's
        result = tmp_path / "result.json"
        said = await run_cli("correspondence", "tally", "--db", str(srv.db_path), "--out", str(result))
        assert reply["receipt"] in said and "1 of 1 replies" in said
