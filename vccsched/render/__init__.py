"""Renderers of the time-management plan: json, md, html, ics, csv.

Call :func:`render_plan` with a :class:`~vccsched.plan.Plan` and the meeting's
:class:`~vccsched.loading.MeetingData`; write the returned text with
``vccsched.cli.common.write_output`` (it keeps CRLF line ends and the CSV's
byte order mark). Read a plan written as JSON back with :func:`plan_from_json`.
Every output is the same bytes for the same input (no "generated at" times).
"""

from __future__ import annotations

from collections.abc import Sequence

from vccsched.errors import DataError
from vccsched.loading import MeetingData
from vccsched.plan import Plan
from vccsched.render.csv_plan import render_csv
from vccsched.render.html import render_html
from vccsched.render.ics import render_ics
from vccsched.render.json_plan import plan_from_json, plan_to_json
from vccsched.render.markdown import render_markdown
from vccsched.render.view import build_view, check_plan_matches
from vccsched.render.zones import resolve_zones

#: Formats in the order the CLI lists them; the file suffix is the format name.
FORMATS = ("md", "html", "ics", "csv", "json")

_VIEW_RENDERERS = {"md": render_markdown, "html": render_html, "ics": render_ics, "csv": render_csv}


def render_plan(
    plan: Plan, data: MeetingData, fmt: str, extra_zones: Sequence[str] = ()
) -> str:
    """The plan as text in ``fmt`` (one of :data:`FORMATS`).

    ``extra_zones`` (IANA names, from ``--tz``) add local-time columns to md,
    html and csv; json and ics carry instants with offsets/TZID, so they ignore
    them (the names are still checked). Raises ``DataError`` for an unknown
    format or zone, or a plan that does not match ``data``.
    """
    if fmt not in FORMATS:
        raise DataError(
            f"unknown output format {fmt!r}; expected one of {', '.join(FORMATS)}",
            title="Unknown format",
        )
    if fmt == "json":
        resolve_zones(extra_zones)
        check_plan_matches(plan, data)
        return plan_to_json(plan)
    return _VIEW_RENDERERS[fmt](build_view(plan, data, extra_zones))


__all__ = ["FORMATS", "plan_from_json", "plan_to_json", "render_plan"]
