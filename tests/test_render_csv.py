"""The CSV: BOM for Excel, RFC 4180 quoting, CRLF, UTC and --tz columns across the date line."""

from __future__ import annotations

import csv
import datetime as dt
import io

from test_render_samples import AGENDA, JUNE, NASTY_EN, june, meeting_data, november, rendered

from vccsched.models import Agenda, LocalizedText
from vccsched.render import render_plan


def _rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def _csv(sample=june, zones=()):
    return rendered("csv", sample, zones)


def test_bom_crlf_and_header():
    text = _csv()
    assert text.startswith("\ufeffdate,start,end,start_utc,end_utc,number,code,title_en,title_zh,documents,minutes\r\n")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    # Read as a file would be: utf-8-sig drops the BOM.
    reader = csv.reader(io.StringIO(text.encode("utf-8").decode("utf-8-sig"), newline=""))
    assert next(reader)[0] == "date"


def test_one_row_per_item_with_times_titles_documents():
    rows = _rows(_csv())
    assert [r["number"] for r in rows] == ["1", "2", "3", "36", "37"]
    r3 = rows[2]
    assert r3 == {
        "date": "2021-06-08",
        "start": "2021-06-08T12:10:00+02:00",
        "end": "2021-06-08T12:40:00+02:00",
        "start_utc": "2021-06-08T10:10:00+00:00",
        "end_utc": "2021-06-08T10:40:00+00:00",
        "number": "3",
        "code": "PL 1.03",
        "title_en": "ITU's activities related to the Internet",
        "title_zh": "国际电联互联网活动",
        "documents": "C20/33; C21/33",
        "minutes": "30",
    }
    assert rows[3]["title_en"] == NASTY_EN and rows[3]["documents"] == "C21/65; C21/#"
    assert rows[4]["documents"] == ""


def test_november_offsets():
    rows = _rows(_csv(november))
    assert rows[0]["start"] == "2021-11-09T12:00:00+01:00"
    assert rows[0]["start_utc"] == "2021-11-09T11:00:00+00:00"


def test_tz_columns_across_the_date_line():
    rows = _rows(_csv(zones=("Pacific/Auckland", "America/Los_Angeles")))
    assert list(rows[0])[-4:] == [
        "start_Pacific/Auckland",
        "end_Pacific/Auckland",
        "start_America/Los_Angeles",
        "end_America/Los_Angeles",
    ]
    r36 = rows[3]  # 13:50-14:10 Geneva on 10 June
    assert r36["start_Pacific/Auckland"] == "2021-06-10T23:50:00+12:00"
    assert r36["end_Pacific/Auckland"] == "2021-06-11T00:10:00+12:00"  # next day
    assert r36["start_America/Los_Angeles"] == "2021-06-10T04:50:00-07:00"  # early morning
    for row in rows:
        instants = {
            dt.datetime.fromisoformat(row[k])
            for k in ("start", "start_utc", "start_Pacific/Auckland", "start_America/Los_Angeles")
        }
        assert len(instants) == 1, row  # one instant, four notations


def test_rfc4180_quoting_of_commas_quotes_and_newlines():
    tricky = 'Report on "Resolution 1380", annex\nsecond line'
    items = [
        item.model_copy(update={"title": LocalizedText(zh="报告，附件", en=tricky)}) if item.number == 3 else item
        for item in AGENDA.items
    ]
    data = meeting_data(JUNE)
    data = type(data)(data.directory, data.meeting, Agenda(items=items), data.roster)
    plan, _ = june()
    text = render_plan(plan, data, "csv")
    assert '"Report on ""Resolution 1380"", annex\nsecond line"' in text
    rows = _rows(text)
    assert rows[2]["title_en"] == tricky and rows[2]["title_zh"] == "报告，附件"
    assert len(rows) == 5
