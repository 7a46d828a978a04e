"""The list of participants (issue 17): the standard document of every ITU meeting.

Registered participants by delegation, in the order of the roster, with their function,
whether they are speakers, and the days each connected to the floor (dates in the
meeting's zone, Geneva's), from the server's record of connections
(:meth:`server.store.FloorStore.connections`) and ``registrations.yaml``. A meeting
without registrations lists the delegations that connected and their days. No e-mail
address ever appears; the same inputs give the same bytes (no time of the run).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, NamedTuple

from pydantic import Field

from vccsched.loading import MeetingData
from vccsched.models import StrictModel
from vccsched.registrations.model import Registrations
from vccsched.render.view import date_text
from vccsched.render.zones import zone_label
from vccsched.report.model import CATEGORY_LABELS


class Connected(NamedTuple):
    """One (holder, day) of the record of connections: ``person`` None for the delegation's own token."""

    delegation: str
    person: str | None
    day: dt.date


class ParticipantRow(StrictModel):
    name: str = Field(description="Title, given and family name as registered; the id for one no longer registered.")
    person: str | None = Field(default=None, description="The person's id; None for the delegation's own link.")
    function: str = ""
    speaker: str = Field(default="", description="'yes (Chinese)' for a speaker, 'no' otherwise, '' for a link.")
    days: list[dt.date] = Field(default_factory=list, description="Days connected, in order.")
    note: str = ""


class DelegationParticipants(StrictModel):
    id: str
    name: str
    category: str
    rows: list[ParticipantRow]


class ParticipantsList(StrictModel):
    meeting: str
    title_en: str = ""
    title_zh: str = ""
    zone: str
    registered: bool = Field(description="The meeting has registrations: persons are listed.")
    days: list[dt.date] = Field(description="Every day someone connected, in order.")
    delegations: list[DelegationParticipants]
    persons: int = 0
    person_delegations: int = Field(default=0, description="Delegations with registered participants.")
    persons_connected: int = 0
    roster_delegations: int = 0


def _full_name(person) -> str:
    parts = [person.title, person.given_name, person.family_name]
    return " ".join(p for p in parts if p)


def build_participants(
    data: MeetingData, registrations: Registrations | None, connections: Iterable[Connected]
) -> ParticipantsList:
    """The list from the meeting, its registrations (None: none) and the record of connections."""
    from vccsched.registrations.languages import language_name

    days_of: dict[tuple[str, str | None], set[dt.date]] = {}
    for c in connections:
        days_of.setdefault((c.delegation, c.person), set()).add(c.day)
    registered = {p.id for p in registrations.persons} if registrations is not None else set()
    groups = []
    for delegation in data.roster.delegations:  # the roster's order
        rows = []
        for person in registrations.of(delegation.id) if registrations is not None else []:
            rows.append(ParticipantRow(
                name=_full_name(person), person=person.id, function=person.function,
                speaker=f"yes ({language_name(person.floor_language)})" if person.speaker and person.floor_language else "no",
                days=sorted(days_of.get((delegation.id, person.id), ())),
            ))
        # Persons whose links still worked but who have left the registrations: by id.
        for (holder, person_id), days in sorted(days_of.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            if holder == delegation.id and person_id is not None and person_id not in registered:
                rows.append(ParticipantRow(name=person_id, person=person_id, days=sorted(days),
                                           note="no longer registered"))
        own = days_of.get((delegation.id, None))
        if own:
            whose = {"chair": "The chair's", "secretariat": "The secretariat's"}.get(delegation.category, "The delegation's")
            rows.append(ParticipantRow(name=f"{whose} own link", days=sorted(own)))
        if rows:
            groups.append(DelegationParticipants(
                id=delegation.id, name=delegation.name,
                category=CATEGORY_LABELS.get(delegation.category, (delegation.category,))[0], rows=rows,
            ))
    title = data.meeting.title
    persons = [r for g in groups for r in g.rows if r.person is not None and not r.note]
    return ParticipantsList(
        meeting=data.meeting.id,
        title_en=title.en if title else "",
        title_zh=title.zh if title else "",
        zone=zone_label(data.meeting.timezone),
        registered=registrations is not None,
        days=sorted({d for days in days_of.values() for d in days}),
        delegations=groups,
        persons=len(persons),
        person_delegations=sum(1 for g in groups if any(r.person is not None and not r.note for r in g.rows)),
        persons_connected=sum(1 for r in persons if r.days),
        roster_delegations=sum(1 for d in data.roster.delegations if d.category != "chair"),
    )


def _day(day: dt.date) -> str:
    return f"{date_text(day)[:3]} {day.day} {date_text(day, weekday=False).split(' ')[1][:3]}"


def participants_context(report: ParticipantsList) -> dict[str, Any]:
    """The texts every format shows, formatted once."""
    connected = sum(1 for g in report.delegations if any(r.days for r in g.rows))
    if report.registered:
        summary = (
            f"{report.persons} registered participants of {report.person_delegations} delegations; "
            f"{report.persons_connected} connected on at least one day."
        )
    else:
        summary = (
            f"The meeting has no registrations: the delegations are listed. {connected} of the "
            f"{report.roster_delegations} delegations on the roster connected."
        )
    days = ", ".join(date_text(d) for d in report.days) if report.days else "no one connected"
    return {
        "heading": f"List of participants — {report.meeting}",
        "meeting": report.meeting,
        "title_en": report.title_en,
        "title_zh": report.title_zh,
        "registered": report.registered,
        "summary": summary,
        "days": f"Days of connection ({report.zone} dates): {days}.",
        "source": "From the floor server's record of connections"
        + (" and the meeting's registrations." if report.registered else "."),
        "delegations": [
            {
                "heading": f"{g.name} ({g.id})" if g.name and g.name != g.id else g.id,
                "category": g.category,
                "connected": ", ".join(_day(d) for d in sorted({d for r in g.rows for d in r.days})) or "not connected",
                "rows": [
                    {
                        "name": r.name + (f" ({r.note})" if r.note else ""),
                        "function": r.function,
                        "speaker": r.speaker,
                        "days": ", ".join(_day(d) for d in r.days) or "not connected",
                    }
                    for r in g.rows
                ],
            }
            for g in report.delegations
        ],
    }


def render_participants(report: ParticipantsList, fmt: str) -> str | bytes:
    """The list as Markdown or HTML text, or the bytes of a .docx file."""
    from vccsched.render.templates import template_environment

    context = participants_context(report)
    if fmt == "docx":
        return _docx(context)
    template = template_environment(fmt == "html").get_template(f"participants.{fmt}.j2")
    return template.render(**context).rstrip("\n") + "\n"


def _docx(c: dict[str, Any]) -> bytes:
    from docx.shared import Pt

    from vccsched.ooxml import document_safe
    from vccsched.report.docx import _table, _zh, document_bytes, new_document

    c = document_safe(c)
    doc = new_document(c, keywords=f"{c['meeting']}; list of participants", category="List of participants")
    doc.add_heading(c["heading"], level=0)
    if c["title_en"]:
        doc.add_paragraph(c["title_en"])
        _zh(doc.add_paragraph(), c["title_zh"])
    for line in (c["summary"], c["days"], c["source"]):
        doc.add_paragraph(line)
    if c["registered"]:
        for g in c["delegations"]:
            doc.add_heading(f"{g['heading']} — {g['category']}", level=2)
            _table(doc, ["Participant", "Function", "Speaker", "Connected"],
                   [[r["name"], r["function"], r["speaker"], r["days"]] for r in g["rows"]],
                   [5.6, 3.8, 2.8, 4.8])
    elif c["delegations"]:
        _table(doc, ["Delegation", "Category", "Connected"],
               [[g["heading"], g["category"], g["connected"]] for g in c["delegations"]], [6.5, 4.0, 6.5])
    footer = doc.sections[0].footer.paragraphs[0]
    footer.add_run(f"{c['meeting']}: list of participants").font.size = Pt(8)
    return document_bytes(doc)
