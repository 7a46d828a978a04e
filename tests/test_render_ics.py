"""The iCalendar file: parsed back with icalendar, exact instants, VTIMEZONE, stable UIDs."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from test_render_samples import NASTY_EN, june, november

from vccsched.render import render_plan
from vccsched.render.ics import event_uid, meeting_slug, vtimezone

UTC = dt.timezone.utc


def _ics(sample=june):
    plan, data = sample()
    return plan, render_plan(plan, data, "ics")


@pytest.mark.parametrize("sample", [june, november])
def test_parses_back_with_exact_instants(sample):
    plan, text = _ics(sample)
    cal = icalendar.Calendar.from_ical(text)
    events = cal.walk("VEVENT")
    assert len(events) == len(plan.items) == 5
    for event, item in zip(events, plan.items, strict=True):
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert start == item.start and end == item.end  # same instants
        assert start.utcoffset() == item.start.utcoffset()
        assert event["dtstart"].params["TZID"] == "Europe/Zurich"
        assert event["dtend"].params["TZID"] == "Europe/Zurich"


def test_november_instants_in_utc():
    _, text = _ics(november)
    first = icalendar.Calendar.from_ical(text).walk("VEVENT")[0]
    assert first.decoded("dtstart").astimezone(UTC) == dt.datetime(2021, 11, 9, 11, 0, tzinfo=UTC)
    assert "DTSTART;TZID=Europe/Zurich:20211109T120000\r\n" in text


def test_calendar_properties_and_vtimezone():
    _, text = _ics()
    cal = icalendar.Calendar.from_ical(text)
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]).startswith("-//vccsched//")
    assert str(cal["CALSCALE"]) == "GREGORIAN"
    assert str(cal["X-WR-CALNAME"]) == "C21/VCC-1 time-management plan"
    zones = cal.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Europe/Zurich"]
    assert cal.get_missing_tzids() == set()
    # The VTIMEZONE alone (no IANA lookup) gives the right offset on the meeting days.
    tz = zones[0].to_tz()
    assert dt.datetime(2021, 6, 8, 12, tzinfo=tz).utcoffset() == dt.timedelta(hours=2)
    assert dt.datetime(2021, 11, 9, 12, tzinfo=tz).utcoffset() == dt.timedelta(hours=1)


def test_events_summary_description_uid_stamp_categories():
    plan, text = _ics()
    events = icalendar.Calendar.from_ical(text).walk("VEVENT")
    by_uid = {str(e["UID"]): e for e in events}
    assert sorted(by_uid) == sorted(f"c21-vcc-1-item-{n}@vccsched" for n in (1, 2, 3, 36, 37))
    e36 = by_uid["c21-vcc-1-item-36@vccsched"]
    assert str(e36["SUMMARY"]) == f"ADM 1 \u2014 {NASTY_EN}"
    description = str(e36["DESCRIPTION"])
    assert "2022-2023年双年度预算草案" in description
    assert "Documents: C21/65, C21/#" in description
    assert "13:50\u201314:10 Geneva (11:50\u201312:10 UTC)" in description
    assert list(e36["CATEGORIES"].cats) == ["C21/VCC-1", "budget"]
    assert "en bloc" in str(by_uid["c21-vcc-1-item-1@vccsched"]["DESCRIPTION"])
    stamps = {e.decoded("dtstamp") for e in events}
    assert stamps == {dt.datetime(2021, 6, 8, 10, 0, tzinfo=UTC)}  # first start, not "now"


def test_crlf_and_folding():
    _, text = _ics()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))


def test_uids_stable_when_the_plan_moves():
    june_plan, june_text = _ics(june)
    _, nov_text = _ics(november)
    uids = lambda t: [str(e["UID"]) for e in icalendar.Calendar.from_ical(t).walk("VEVENT")]  # noqa: E731
    assert uids(june_text) == uids(nov_text)
    assert meeting_slug("C21/VCC-1") == "c21-vcc-1"
    assert event_uid("C21/VCC-1", 36) == "c21-vcc-1-item-36@vccsched"


def test_vtimezone_onsets_follow_rfc5545():
    """Onsets are local times in the offset before the change (RFC 5545 3.6.5)."""
    tz = vtimezone("Europe/Zurich", dt.date(2021, 1, 1), dt.date(2022, 1, 1))
    onsets = [
        (sub.name, sub.decoded("dtstart"), sub.decoded("tzoffsetfrom"), sub.decoded("tzoffsetto"))
        for sub in tz.subcomponents
    ]
    h = dt.timedelta(hours=1)
    assert onsets == [
        ("STANDARD", dt.datetime(2021, 1, 1, 0, 0), h, h),
        ("DAYLIGHT", dt.datetime(2021, 3, 28, 2, 0), h, 2 * h),  # 01:00 UTC
        ("STANDARD", dt.datetime(2021, 10, 31, 3, 0), 2 * h, h),  # 01:00 UTC
    ]
    # Southern hemisphere, and a zone without DST.
    nz = vtimezone("Pacific/Auckland", dt.date(2021, 1, 1), dt.date(2022, 1, 1))
    assert [(s.name, s.decoded("dtstart")) for s in nz.subcomponents] == [
        ("DAYLIGHT", dt.datetime(2021, 1, 1, 0, 0)),
        ("STANDARD", dt.datetime(2021, 4, 4, 3, 0)),
        ("DAYLIGHT", dt.datetime(2021, 9, 26, 2, 0)),
    ]
    tokyo = vtimezone("Asia/Tokyo", dt.date(2021, 1, 1), dt.date(2022, 1, 1))
    assert len(tokyo.subcomponents) == 1


@pytest.mark.parametrize("sample", [june, november])
def test_the_embedded_vtimezone_alone_gives_the_same_instants(sample):
    """A calendar without the IANA database resolves TZID through the VTIMEZONE: renaming
    the zone forces icalendar down that path."""
    plan, text = _ics(sample)
    text = text.replace("Europe/Zurich", "X-Unknown-Geneva")
    cal = icalendar.Calendar.from_ical(text)
    events = cal.walk("VEVENT")
    assert str(events[0]["DTSTART"].params["TZID"]) == "X-Unknown-Geneva"
    for event, item in zip(events, plan.items, strict=True):
        assert event.decoded("dtstart") == item.start and event.decoded("dtend") == item.end
        assert "X-Unknown-Geneva" in repr(event.decoded("dtstart").tzinfo)
