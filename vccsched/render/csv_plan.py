"""The plan as CSV: one row per item, for spreadsheets.

Columns: date, start, end (meeting zone, ISO 8601 with offset), start_utc,
end_utc, number, code, title_en, title_zh, documents ("; "-joined), minutes,
then ``start_<zone>``/``end_<zone>`` for each ``--tz`` zone (IANA name as
given). RFC 4180 quoting and "\\r\\n" line ends, as the csv module writes.

The text starts with a UTF-8 byte order mark (U+FEFF): without it Excel reads
the file in the legacy code page and garbles the Chinese titles. Python
readers should open it with ``encoding="utf-8-sig"``.
"""

from __future__ import annotations

import csv
import io

from vccsched.render.view import PlanView

BOM = "\ufeff"
BASE_COLUMNS = (
    "date",
    "start",
    "end",
    "start_utc",
    "end_utc",
    "number",
    "code",
    "title_en",
    "title_zh",
    "documents",
    "minutes",
)


def csv_columns(view: PlanView) -> list[str]:
    columns = list(BASE_COLUMNS)
    for zone in view.extra_zones:
        columns += [f"start_{zone}", f"end_{zone}"]
    return columns


def render_csv(view: PlanView) -> str:
    """Header plus one row per item, BOM first."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(csv_columns(view))
    for day in view.days:
        for row in day.rows:
            cells = [
                day.date.isoformat(),
                row.start.isoformat(),
                row.end.isoformat(),
                row.start_utc.isoformat(),
                row.end_utc.isoformat(),
                str(row.number),
                row.code,
                row.title.en,
                row.title.zh,
                "; ".join(row.documents),
                str(row.minutes),
            ]
            for local in row.local:
                cells += [local.start.isoformat(), local.end.isoformat()]
            writer.writerow(cells)
    return BOM + buffer.getvalue()
