"""The decision by correspondence on a live server (issue 19): the receipt in `accepted`
checked against the record, /ballot.json per token, nothing of the answers broadcast."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from live_server import get, live_server, ws_client

from vccsched.correspondence.online import online_versions

ZURICH = ZoneInfo("Europe/Zurich")


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
            reply, _ = await sg.command({"type": "open_correspondence", "deadline": deadline.isoformat()})
            assert reply["type"] == "accepted", reply
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
        # The receipt checked against the record, as the tally reads it.
        store = srv.shell.store
        [version] = online_versions(store.meeting_id, store.events(), store.accepted_commands())
        assert version.receipt == reply["receipt"] and version.replies == command["replies"]
