"""The decision by correspondence online (issue 19), in the pure core: who may reply, the
deadline, the items of the round, every version kept, the receipt, and that nothing
broadcast carries an answer or a receipt."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from vccsched.correspondence.online import ballot_document, counted_answers, online_versions
from vccsched.correspondence.receipt import receipt
from vccsched.floor.asker import Asker
from vccsched.floor.commands import parse_command
from vccsched.floor.engine import Floor
from vccsched.floor.protocol import answer_messages, resume_messages, serialize, with_view
from vccsched.floor.setup import FloorSetup, FocalPoint

ZURICH = ZoneInfo("Europe/Zurich")
T0 = dt.datetime(2021, 6, 8, 12, 0, tzinfo=ZURICH)
DEADLINE = dt.datetime(2021, 7, 2, 23, 59, 59, tzinfo=ZURICH)
BEFORE = DEADLINE - dt.timedelta(hours=1)


def person(pid: str, focal: bool = False) -> Asker:
    return Asker(person=pid, label=pid, speaker=True, focal_point=focal)


@pytest.fixture
def floor(c21) -> Floor:
    """The bundled meeting with items 3 and 4 concluded by correspondence, item 5 not; China's
    focal point is CHN.2; Brazil has no right to vote."""
    setup = FloorSetup.from_meeting(c21)
    participants = [p.model_copy(update={"voting_rights": False}) if p.id == "BRA" else p for p in setup.participants]
    setup = setup.model_copy(update={"participants": participants, "focal_points": [FocalPoint(id="CHN.2", delegation="CHN")]})
    setup = FloorSetup.model_validate(setup.model_dump())
    f = Floor(setup)
    n = 0
    for item, by_corr in ((3, True), (4, True), (5, False)):
        for raw in (
            {"type": "open_item", "item": item},
            {"type": "record_conclusion", "conclusion": f"Conclusion on item {item}.", "by_correspondence": by_corr},
            {"type": "close_item"},
        ):
            n += 1
            assert f.handle("VC", parse_command({**raw, "id": f"vc-{n}"}), T0).accepted
    assert f.handle("VC", parse_command({"type": "suspend_meeting", "id": "vc-s"}), T0).accepted
    return f


def open_round(floor: Floor, **extra) -> None:
    raw = {"type": "open_correspondence", "id": "sg-open", "deadline": DEADLINE.isoformat(), **extra}
    answer = floor.handle("SG", parse_command(raw), T0)
    assert answer.accepted, answer.refusal


def cast(floor: Floor, actor: str, replies, now=BEFORE, asker=None, cid="r-1"):
    return floor.handle(actor, parse_command({"type": "cast_reply", "id": cid, "replies": replies}), now, asker)


def test_the_round_takes_the_conclusions_by_correspondence_with_translations(floor):
    answer = floor.handle("USA", parse_command({"type": "open_correspondence", "id": "x", "deadline": DEADLINE.isoformat()}), T0)
    assert answer.refusal.code == "not_chair_or_secretariat"
    assert "open a decision by correspondence" in answer.refusal.message
    bad = floor.handle("SG", parse_command({"type": "open_correspondence", "id": "x", "deadline": T0.isoformat()}), T0)
    assert bad.refusal.code == "invalid_deadline"
    other = floor.handle("SG", parse_command({"type": "open_correspondence", "id": "x", "deadline": DEADLINE.isoformat(),
                                              "translations": {"5": {"fr": "Texte"}}}), T0)
    assert other.refusal.code == "item_not_in_round"
    open_round(floor, translations={"3": {"fr": "Conclusion sur le point 3.", "ar": "نص"}})
    round_ = floor.state.correspondence
    assert [q.item for q in round_.questions] == [3, 4]
    assert round_.questions[0].translations == {"ar": "نص", "fr": "Conclusion sur le point 3."}
    assert round_.required == 24 and round_.majority == "of-voting-members"  # 47 voters: Brazil has none
    again = floor.handle("SG", parse_command({"type": "open_correspondence", "id": "y", "deadline": DEADLINE.isoformat()}), T0)
    assert again.refusal.code == "correspondence_open"
    # Not floor time: the day's figures do not move.
    assert floor.state.floor_at == T0


def test_nothing_to_put_to_the_vote_is_refused(c21):
    f = Floor(FloorSetup.from_meeting(c21))
    answer = f.handle("SG", parse_command({"type": "open_correspondence", "id": "x", "deadline": DEADLINE.isoformat()}), T0)
    assert answer.refusal.code == "nothing_by_correspondence"


def test_only_a_council_members_focal_point_replies(floor):
    assert cast(floor, "USA", [{"item": 3, "answer": "approve"}]).refusal.code == "no_correspondence_open"
    open_round(floor)
    for actor in ("SM-R1", "COL", "PSE", "VC", "SG"):  # a Sector Member, observers, the chair, the secretariat
        answer = cast(floor, actor, [{"item": 3, "answer": "approve"}])
        assert answer.refusal.code == "not_focal_point", actor
        assert "not a Council Member" in answer.refusal.message
    # China has a focal point: its own link and another person of China are refused.
    assert cast(floor, "CHN", [{"item": 3, "answer": "approve"}]).refusal.code == "not_focal_point"
    other = cast(floor, "CHN", [{"item": 3, "answer": "approve"}], asker=person("CHN.1"))
    assert other.refusal.code == "not_focal_point" and "CHN.2" in other.refusal.message
    ok = cast(floor, "CHN", [{"item": 3, "answer": "approve"}], asker=person("CHN.2", True))
    assert ok.accepted and ok.events[0].person == "CHN.2"
    # The United States has none: it is not locked out (its own link, or a person of it, replies).
    assert cast(floor, "USA", [{"item": 3, "answer": "object"}], asker=person("USA.1")).accepted
    assert cast(floor, "USA", [{"item": 3, "answer": "object"}], cid="r-2").accepted
    # A Council Member without the right to vote is taken (the tally reports it, not counted).
    assert cast(floor, "BRA", [{"item": 3, "answer": "approve"}]).accepted
    assert sorted(floor.state.correspondence.replied) == ["BRA", "CHN", "USA"]


def test_items_outside_the_round_and_bad_replies_are_refused(floor):
    open_round(floor)
    assert cast(floor, "USA", [{"item": 5, "answer": "approve"}]).refusal.code == "item_not_in_round"
    answer = floor.handle_raw("USA", {"type": "cast_reply", "id": "x", "replies": [{"item": 3, "answer": "yes"}]}, BEFORE)
    assert answer.refusal.code == "invalid_command" and "answer" in answer.refusal.message
    twice = floor.handle_raw("USA", {"type": "cast_reply", "id": "x", "replies": [{"item": 3, "answer": "approve"},
                                                                                 {"item": 3, "answer": "object"}]}, BEFORE)
    assert twice.refusal.code == "invalid_command" and "twice" in twice.refusal.message
    naive = floor.handle_raw("SG", {"type": "open_correspondence", "id": "n", "deadline": "2021-07-02T23:59:59"}, T0)
    assert naive.refusal.code == "invalid_command"
    single = floor.handle_raw("USA", {"type": "cast_reply", "id": "s", "item": 4, "answer": "abstain"}, BEFORE)
    assert single.accepted and single.events[0].items == [4]


def test_after_the_deadline_replies_are_refused_and_the_result_can_be_published(floor):
    open_round(floor)
    publish = {"type": "publish_correspondence_result", "id": "p", "result": {"rule": "of-voting-members"}}
    assert floor.handle("SG", parse_command(publish), BEFORE).refusal.code == "correspondence_not_closed"
    late = cast(floor, "USA", [{"item": 3, "answer": "approve"}], now=DEADLINE)
    assert late.refusal.code == "correspondence_closed"
    assert floor.handle("SG", parse_command(publish), DEADLINE).accepted
    assert floor.state.correspondence.result == {"rule": "of-voting-members"}


def test_a_reply_changed_before_the_deadline_the_last_counts_every_version_kept(floor):
    open_round(floor)
    first = cast(floor, "USA", [{"item": 3, "answer": "object"}, {"item": 4, "answer": "approve"}], cid="u-1")
    second = cast(floor, "USA", [{"item": 3, "answer": "approve"}], now=BEFORE + dt.timedelta(minutes=5), cid="u-2")
    assert first.accepted and second.accepted
    commands = [("USA", {"type": "cast_reply", "id": "u-1", "replies": [{"item": 3, "answer": "object"}, {"item": 4, "answer": "approve"}]}),
                ("USA", {"type": "cast_reply", "id": "u-2", "replies": [{"item": 3, "answer": "approve"}]})]
    versions = online_versions(floor.setup.meeting_id, floor.events, commands)
    assert [v.seq for v in versions] == [first.events[0].seq, second.events[0].seq]
    assert counted_answers(versions) == {3: "approve"}  # the last reply as a whole: no answer on 4 now
    assert len({v.receipt for v in versions}) == 2
    doc = ballot_document(floor.state, "USA", None, versions, BEFORE)
    assert [v["receipt"] for v in doc["replies"]] == [v.receipt for v in versions]
    assert doc["you"]["may_reply"] and doc["round"]["open"] and doc["result"] is None
    assert ballot_document(floor.state, "CHN", None, versions, BEFORE)["replies"] == []
    assert ballot_document(floor.state, "COL", None, versions, BEFORE)["you"]["why_not"] == "not_council_member"
    assert ballot_document(floor.state, "CHN", person("CHN.1"), versions, BEFORE)["you"]["why_not"] == "not_focal_point"


def test_the_receipt_is_derived_from_the_stored_reply_and_the_same_for_a_repeat(floor):
    open_round(floor)
    raw = {"type": "cast_reply", "id": "c-1", "replies": [{"item": 4, "answer": "abstain"}, {"item": 3, "answer": "approve"}]}
    answer = floor.handle("CHN", parse_command(raw), BEFORE, person("CHN.2", True))
    seq = answer.events[0].seq
    code = receipt(floor.setup.meeting_id, seq, "CHN", "CHN.2", [{"item": 3, "answer": "approve"}, {"item": 4, "answer": "abstain"}])
    assert len(code) == 14 and code.count("-") == 2
    [version] = online_versions(floor.setup.meeting_id, floor.events, [("CHN", raw)])
    assert version.receipt == code
    # Any change of what was stored changes it.
    assert receipt(floor.setup.meeting_id, seq, "CHN", "CHN.2", [{"item": 3, "answer": "object"}, {"item": 4, "answer": "abstain"}]) != code
    assert receipt(floor.setup.meeting_id, seq + 1, "CHN", "CHN.2", version.replies) != code
    repeat = floor.handle("CHN", parse_command(raw), BEFORE, person("CHN.2", True))
    assert not repeat.fresh and repeat.events == answer.events


def test_nothing_broadcast_carries_an_answer_or_a_receipt(floor):
    open_round(floor)
    raw = {"type": "cast_reply", "id": "c-1", "replies": [{"item": 3, "answer": "abstain"}]}
    answer = floor.handle("CHN", parse_command(raw), BEFORE, person("CHN.2", True))
    [version] = online_versions(floor.setup.meeting_id, floor.events, [("CHN", raw)])
    _, events = answer_messages(answer, None, version.receipt)
    broadcast = [serialize(m) for m in with_view(events, floor.state, None)]
    broadcast += [serialize(m) for m in resume_messages(floor, None, None)]  # the snapshot
    broadcast += [serialize(m) for m in resume_messages(floor, 0, None)]  # every event
    text = "\n".join(broadcast)
    assert "reply_cast" in text and '"replied"' in text
    for secret in ("abstain", version.receipt, '"answer"'):
        assert secret not in text, secret
    accepted, _ = answer_messages(answer, None, version.receipt)
    assert json.loads(serialize(accepted))["receipt"] == version.receipt
