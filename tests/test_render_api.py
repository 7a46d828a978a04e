"""render_plan as a whole: formats, errors that say what to do, determinism, the real data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_render_samples import june, meeting_data, JUNE

from vccsched.errors import DataError
from vccsched.plan import Plan, PlannedDay, PlannedItem, SolverInfo
from vccsched.render import FORMATS, plan_from_json, render_plan

TESTS = Path(__file__).resolve().parent
ZONES = ("Pacific/Auckland", "America/Los_Angeles", "Asia/Shanghai")


def test_formats():
    assert set(FORMATS) == {"json", "md", "html", "ics", "csv"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_twice_the_same_text(fmt):
    plan, data = june()
    assert render_plan(plan, data, fmt, ZONES) == render_plan(plan, data, fmt, ZONES)


def test_same_bytes_in_fresh_processes_whatever_the_hash_seed_and_locale():
    script = (
        "import sys, hashlib; sys.path.insert(0, sys.argv[1])\n"
        "from test_render_samples import june\n"
        "from vccsched.render import render_plan, FORMATS\n"
        "plan, data = june()\n"
        "for f in FORMATS:\n"
        "    text = render_plan(plan, data, f, ('Pacific/Auckland', 'Asia/Tokyo'))\n"
        "    print(f, hashlib.sha256(text.encode()).hexdigest())\n"
    )
    outputs = set()
    for seed, locale in (("1", "C.UTF-8"), ("4242", "fr_FR.UTF-8")):
        env = {**os.environ, "PYTHONHASHSEED": seed, "LC_ALL": locale, "TZ": "Pacific/Kiritimati"}
        result = subprocess.run(
            [sys.executable, "-c", script, str(TESTS)], capture_output=True, text=True, env=env, timeout=60
        )
        assert result.returncode == 0, result.stderr
        outputs.add(result.stdout)
    assert len(outputs) == 1


def test_unknown_format():
    plan, data = june()
    with pytest.raises(DataError) as info:
        render_plan(plan, data, "pdf")
    assert info.value.message == "unknown output format 'pdf'; expected one of md, html, ics, csv, json"
    assert info.value.exit_code == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_zones_named_all_at_once(fmt):
    plan, data = june()
    with pytest.raises(DataError) as info:
        render_plan(plan, data, fmt, ["Asia/Tokyo", "Mars/Olympus", "Geneva"])
    err = info.value
    assert err.title == "Unknown time zone"
    assert err.message == "2 unknown time zone(s) given with --tz"
    assert err.details[0].startswith("--tz 'Mars/Olympus': unknown IANA time zone 'Mars/Olympus'")
    assert err.details[1].startswith("--tz 'Geneva': ")
    assert "Europe/Zurich" in err.details[1]


def test_repeated_zone_gives_one_column():
    plan, data = june()
    md = render_plan(plan, data, "md", ["Asia/Tokyo", "Asia/Tokyo"])
    assert md.count("| Tokyo |") == 2  # once per day's header


def test_plan_for_other_data_is_refused():
    plan, _ = june()
    other = meeting_data(JUNE, meeting_id="C22/VCC-2")
    with pytest.raises(DataError) as info:
        render_plan(plan, other, "md")
    assert info.value.title == "Plan and data disagree"
    assert "plan is for meeting 'C21/VCC-1', the data for 'C22/VCC-2'" in info.value.details
    stray = plan.model_copy(
        update={
            "days": [
                *plan.days,
                PlannedDay(
                    date=JUNE[3],
                    items=[
                        PlannedItem(
                            number=99,
                            code="PL 9.99",
                            start=plan.days[0].items[0].start.replace(day=11),
                            end=plan.days[0].items[0].end.replace(day=11),
                            minutes=5,
                        )
                    ],
                ),
            ]
        }
    )
    with pytest.raises(DataError) as info:
        render_plan(stray, meeting_data(JUNE), "json")
    assert info.value.details == ["item 99 (PL 9.99) is not on the agenda"]


def test_empty_plan_renders_everywhere():
    _, data = june()
    empty = Plan(meeting="C21/VCC-1", timezone="Europe/Zurich", days=[], solver=SolverInfo(status="OPTIMAL", seconds=0.0))
    for fmt in FORMATS:
        assert render_plan(empty, data, fmt)
    assert plan_from_json(render_plan(empty, data, "json"), "empty.json") == empty


def _simple_plan_for(data) -> Plan:
    """Group 1 items in agenda order, packed greedily into the window, blocks kept together.

    Not the planner: just a realistic, valid plan over the whole real agenda for the renderers.
    """
    import datetime as dt

    meeting = data.meeting
    items = [i for i in data.agenda.items if i.proposed_group == 1]
    days, current, dates = [], [], iter(meeting.dates)
    day = next(dates)
    start, end = meeting.session_bounds(day)
    cursor = start
    for item in items:
        span = dt.timedelta(minutes=item.minutes)
        if cursor + span > end:
            days.append(PlannedDay(date=day, items=current))
            day = next(dates)
            start, end = meeting.session_bounds(day)
            cursor, current = start, []
        current.append(PlannedItem(number=item.number, code=item.code, start=cursor, end=cursor + span, minutes=item.minutes))
        cursor += span
    days.append(PlannedDay(date=day, items=current))
    return Plan(meeting=meeting.id, timezone=meeting.timezone, days=days, solver=SolverInfo(status="FEASIBLE", seconds=0.5))


@pytest.fixture(scope="module")
def real():
    from vccsched.loading import DEFAULT_MEETING_DIR, load_meeting

    if not (DEFAULT_MEETING_DIR / "meeting.yaml").exists():
        pytest.skip("bundled data/c21-vcc1 not written yet")
    data = load_meeting(DEFAULT_MEETING_DIR)
    return _simple_plan_for(data), data


@pytest.mark.parametrize("fmt", FORMATS)
def test_bundled_c21_data_renders(real, fmt):
    plan, data = real
    text = render_plan(plan, data, fmt, ("Pacific/Auckland", "America/Los_Angeles"))
    assert text == render_plan(plan, data, fmt, ("Pacific/Auckland", "America/Los_Angeles"))
    if fmt == "json":
        assert render_plan(plan_from_json(text, "c21.json"), data, "json") == text
        assert all(i["start"].endswith("+02:00") for d in json.loads(text)["days"] for i in d["items"])
    for item in plan.items:
        assert data.agenda.item(item.number).code in text
