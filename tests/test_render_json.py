"""The public JSON plan: schema, UTC offsets, exact round trip, and errors on bad input."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from test_render_samples import june, november

from vccsched.errors import DataError
from vccsched.render import plan_from_json, render_plan


def test_schema_keys_and_order():
    plan, data = june()
    doc = json.loads(render_plan(plan, data, "json"))
    assert list(doc) == ["meeting", "timezone", "days", "solver"]
    assert doc["meeting"] == "C21/VCC-1" and doc["timezone"] == "Europe/Zurich"
    assert [d["date"] for d in doc["days"]] == ["2021-06-08", "2021-06-10"]
    item = doc["days"][0]["items"][0]
    assert list(item) == ["number", "code", "start", "end", "minutes"]
    assert item == {
        "number": 1,
        "code": "PL 1.01",
        "start": "2021-06-08T12:00:00+02:00",
        "end": "2021-06-08T12:05:00+02:00",
        "minutes": 5,
    }
    assert list(doc["solver"])[:2] == ["status", "seconds"]
    assert doc["solver"]["status"] == "OPTIMAL"
    # The planner's lexicographic order is kept, not sorted alphabetically.
    assert list(doc["solver"]["objectives"]) == ["days", "inversions", "imbalance"]


def test_text_layout():
    plan, data = june()
    text = render_plan(plan, data, "json")
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text.startswith('{\n  "meeting": "C21/VCC-1",\n')


def test_june_is_utc_plus_two_november_utc_plus_one():
    for (plan, data), offset in ((june(), "+02:00"), (november(), "+01:00")):
        doc = json.loads(render_plan(plan, data, "json"))
        stamps = [i[k] for d in doc["days"] for i in d["items"] for k in ("start", "end")]
        assert stamps and all(s.endswith(offset) for s in stamps), stamps


def test_instants_are_the_plan_instants_even_if_given_in_utc():
    plan, data = june()
    utc_plan = plan.model_copy(
        update={
            "days": [
                d.model_copy(
                    update={
                        "items": [
                            i.model_copy(
                                update={
                                    "start": i.start.astimezone(dt.timezone.utc),
                                    "end": i.end.astimezone(dt.timezone.utc),
                                }
                            )
                            for i in d.items
                        ]
                    }
                )
                for d in plan.days
            ]
        }
    )
    assert render_plan(utc_plan, data, "json") == render_plan(plan, data, "json")


@pytest.mark.parametrize("sample", [june, november])
def test_round_trip_is_byte_exact(sample):
    plan, data = sample()
    text = render_plan(plan, data, "json")
    back = plan_from_json(text, "plan.json")
    assert render_plan(back, data, "json") == text
    assert back == plan  # same instants, dates, numbers and solver info
    zone = ZoneInfo("Europe/Zurich")
    assert all(i.start.tzinfo == zone and i.end.tzinfo == zone for i in back.items)


def _doc():
    plan, data = june()
    return json.loads(render_plan(plan, data, "json"))


def _error(text: str) -> DataError:
    with pytest.raises(DataError) as info:
        plan_from_json(text, "out/plan.json")
    return info.value


def test_not_json_names_file_and_place():
    err = _error('{"meeting": ')
    assert "out/plan.json" in err.message and "line 1" in err.message


def test_not_an_object():
    err = _error("[1, 2]")
    assert "out/plan.json" in err.message and "JSON object" in err.message


def test_missing_field_names_day_item_and_field():
    doc = _doc()
    del doc["days"][1]["items"][0]["end"]
    err = _error(json.dumps(doc))
    assert err.message.startswith("out/plan.json: 1 problem")
    assert err.details == ["days[1] (date 2021-06-10), items[0] (item 36), field 'end': missing; this field is required"]


def test_number_as_string_is_rejected_not_coerced():
    doc = _doc()
    doc["days"][0]["items"][2]["number"] = "3"
    err = _error(json.dumps(doc))
    assert any("items[2]" in d and "field 'number'" in d for d in err.details), err.details


def test_naive_time_is_rejected():
    doc = _doc()
    doc["days"][0]["items"][0]["start"] = "2021-06-08T12:00:00"
    err = _error(json.dumps(doc))
    assert any("field 'start'" in d and "timezone" in d.lower() for d in err.details), err.details


def test_offset_that_is_not_the_zones_is_rejected():
    doc = _doc()
    doc["days"][0]["items"][0]["start"] = "2021-06-08T11:00:00+01:00"  # same instant, wrong offset
    err = _error(json.dumps(doc))
    assert "out/plan.json" in err.message
    assert "has UTC offset +01:00, but Europe/Zurich is at +02:00 then" in err.details[0]
    assert "'2021-06-08T12:00:00+02:00'" in err.details[0]
    assert "item 1" in err.details[0] and "field 'start'" in err.details[0]


def test_unknown_field_and_unknown_zone():
    doc = _doc()
    doc["solver"]["wall_seconds"] = 1.0
    err = _error(json.dumps(doc))
    assert any("solver.wall_seconds" in d and "unknown field" in d for d in err.details), err.details
    doc = _doc()
    doc["timezone"] = "Europe/Geneva"
    err = _error(json.dumps(doc))
    assert "out/plan.json" in err.message and "timezone" in err.message and "Europe/Geneva" in err.message
