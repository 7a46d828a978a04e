"""Protocol v2: the published plan on the floor (publish_plan -> plan_published -> state.plan)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from test_floor_rules import T0, ZONE, Session, small_setup

from vccsched.floor.engine import Floor
from vccsched.floor.events import parse_event
from vccsched.floor.protocol import parse_server_message, resume_messages, serialize
from vccsched.floor.published import plan_of
from vccsched.floor.state import fold

CODES = {1: "PL 1.01", 2: "PL 1.02", 3: "PL 1.03", 4: "PL 1.04", 12: "PL 1.10"}


def plan_json(days: dict[str, list[tuple[int, int]]], meeting: str = "TEST") -> dict:
    """A public plan object: per date, (item number, minutes) back to back from 12:00."""
    out = []
    for date, items in days.items():
        start = dt.datetime.combine(dt.date.fromisoformat(date), dt.time(12), tzinfo=ZONE)
        rows = []
        for number, minutes in items:
            end = start + dt.timedelta(minutes=minutes)
            rows.append(
                {
                    "number": number,
                    "code": CODES.get(number, "X 1"),
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "minutes": minutes,
                }
            )
            start = end
        out.append({"date": date, "items": rows})
    return {
        "meeting": meeting,
        "timezone": "Europe/Zurich",
        "days": out,
        "solver": {"status": "OPTIMAL", "seconds": 0.1, "objectives": {"days": len(out)}, "lower_bound_days": 1, "buffer_minutes": 20},
    }


FIRST = plan_json({"2021-06-08": [(1, 5), (2, 5), (3, 30)], "2021-06-09": [(4, 30), (12, 20)]})


def dated_session() -> Session:
    return Session(small_setup(timezone="Europe/Zurich", dates=[dt.date(2021, 6, 8), dt.date(2021, 6, 9), dt.date(2021, 6, 10)]))


def test_the_secretariat_publishes_a_first_plan():
    s = dated_session()
    (event,) = s.ok("SG", "publish_plan", plan=FIRST)
    assert (event.type, event.revision, event.changes, event.actor) == ("plan_published", 1, [], "SG")
    published = s.state.plan
    assert (published.revision, published.by, published.at) == (1, "SG", event.at)
    assert published.plan == FIRST  # already canonical: kept as sent
    assert [i.number for i in plan_of(published.plan).items] == [1, 2, 3, 4, 12]


def test_the_chair_publishes_a_revision_and_the_changes_are_listed():
    s = dated_session()
    s.ok("SG", "publish_plan", plan=FIRST)
    s.ok("VC", "conclude_en_bloc", items=[1, 2])
    # A re-plan: the en bloc items are done (left out), item 3 moves to the 9th,
    # item 12 to the 10th, item 4 keeps its start.
    second = plan_json({"2021-06-09": [(4, 30), (3, 30)], "2021-06-10": [(12, 20)]})
    (event,) = s.ok("VC", "publish_plan", plan=second)
    assert event.revision == 2
    changes = [(c.item, c.announced_start, c.new_start) for c in event.changes]
    at = lambda day, hh, mm: dt.datetime(2021, 6, day, hh, mm, tzinfo=ZONE)  # noqa: E731
    assert changes == [(3, at(8, 12, 10), at(9, 12, 30)), (12, at(9, 12, 30), at(10, 12, 0))]
    assert s.state.plan.changes == event.changes and s.state.plan.by == "VC"


def test_items_added_or_left_out_while_not_closed_are_changes_too():
    s = dated_session()
    s.ok("SG", "publish_plan", plan=plan_json({"2021-06-08": [(3, 30), (4, 30)]}))
    (event,) = s.ok("SG", "publish_plan", plan=plan_json({"2021-06-08": [(3, 30), (12, 20)]}))
    changes = {c.item: (c.announced_start, c.new_start) for c in event.changes}
    assert changes[4][1] is None and changes[4][0] is not None  # left out, not closed
    assert changes[12][0] is None and changes[12][1] is not None  # new in the plan
    assert 3 not in changes


def test_a_plan_is_published_while_the_meeting_is_suspended():
    s = dated_session()
    s.ok("VC", "suspend_meeting")
    s.ok("SG", "publish_plan", plan=FIRST)
    assert s.state.plan.revision == 1 and s.state.suspended


@pytest.mark.parametrize("actor", ["CHN", "KEN", "GBR", "PSE", "SM-R1"])
def test_only_the_chair_or_the_secretariat_may_publish(actor):
    s = dated_session()
    assert s.refused(actor, "publish_plan", plan=FIRST) == "not_chair_or_secretariat"
    assert s.state.plan is None


def _edited(change) -> dict:
    plan = json.loads(json.dumps(FIRST))
    change(plan)
    return plan


@pytest.mark.parametrize(
    "change, code, words",
    [
        (lambda p: p.update(meeting="C22"), "plan_for_other_meeting", "meeting 'C22'"),
        (lambda p: p.update(timezone="Asia/Tokyo"), "invalid_plan", "UTC offset"),
        (lambda p: p["days"][1].update(date="2021-06-10"), "invalid_plan", "not on its day"),
        (lambda p: p["days"][0]["items"][0].update(number=99), "unknown_item", "item 99"),
        (lambda p: p["days"][0]["items"][2].update(code="PL 9.99"), "item_code_mismatch", "'PL 9.99'"),
        (lambda p: p["days"][0]["items"][0].update(minutes="5"), "invalid_plan", "field 'minutes'"),
        (lambda p: p.pop("solver"), "invalid_plan", "field 'solver': missing"),
        (lambda p: p["days"][0]["items"][0].update(start="2021-06-08T12:00:00+01:00"), "invalid_plan", "UTC offset +01:00"),
        (lambda p: p["days"][0]["items"][0].update(end="2021-06-08T12:07:00+02:00"), "invalid_plan", "not its 5 min"),
        (lambda p: p["days"][1]["items"].append(p["days"][0]["items"][0]), "invalid_plan", "item 1 is planned 2 times"),
        (lambda p: p["days"].reverse(), "invalid_plan", "not in date order"),
        (lambda p: p.update(extra=1), "invalid_plan", "unknown field"),
    ],
)
def test_a_plan_that_does_not_fit_the_meeting_is_refused(change, code, words):
    s = dated_session()
    s.ok("SG", "publish_plan", plan=FIRST)
    before = s.state.plan
    assert s.refused("SG", "publish_plan", plan=_edited(change)) == code
    message = s.floor.handle_raw("SG", {"type": "publish_plan", "id": "again", "plan": _edited(change)}, s.now).refusal.message
    assert words in message, message
    assert s.state.plan is before


def test_dates_and_zone_are_checked_only_when_the_setup_knows_them():
    s = Session()  # small_setup: no dates, no zone
    s.ok("SG", "publish_plan", plan=plan_json({"2030-01-01": [(3, 30)]}))
    assert dated_session().refused("SG", "publish_plan", plan=plan_json({"2030-01-01": [(3, 30)]})) == "plan_for_other_meeting"


def test_a_repeated_publish_is_answered_the_same_without_a_new_revision():
    floor = Floor(small_setup())
    command = {"type": "publish_plan", "id": "p1", "plan": FIRST}
    first = floor.handle_raw("SG", command, T0)
    again = floor.handle_raw("SG", command, T0 + dt.timedelta(seconds=5))
    assert again.seqs == first.seqs and not again.fresh and floor.state.plan.revision == 1
    other = floor.handle_raw("SG", {**command, "plan": plan_json({"2021-06-08": [(3, 30)]})}, T0)
    assert other.refusal.code == "command_id_reused"


def test_the_published_plan_is_rebuilt_from_events_and_crosses_the_wire():
    s = dated_session()
    s.ok("SG", "publish_plan", plan=FIRST)
    s.open(3)
    s.ok("VC", "publish_plan", plan=plan_json({"2021-06-09": [(3, 30), (4, 30), (12, 20)]}))
    events = [parse_event(json.loads(e.model_dump_json())) for e in s.floor.events]
    assert fold(s.floor.setup, events) == s.state
    assert Floor(s.floor.setup, events).state.plan == s.state.plan
    (snapshot,) = resume_messages(s.floor, None)
    back = parse_server_message(serialize(snapshot))
    assert back.state.plan == s.state.plan and back.state.plan.revision == 2
