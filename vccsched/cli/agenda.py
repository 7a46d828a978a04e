"""``vccsched agenda``: show the agenda of a meeting."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from vccsched.cli.common import MeetingOption, load, write_output
from vccsched.models import Agenda


def agenda_json(agenda: Agenda) -> str:
    payload = {
        "items": [item.model_dump(mode="json") for item in agenda.items],
        "inf": [doc.model_dump(mode="json") for doc in agenda.inf],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def agenda_text(agenda: Agenda) -> str:
    lines = []
    for item in agenda.items:
        group = {1: "G1", 2: "G2", None: "--"}[item.proposed_group]
        extra = " en bloc" if item.en_bloc else ""
        minutes = f"{item.minutes:>3} min" if item.minutes else "       "
        lines.append(f"{item.number:>3}  {item.code:<8} {group}{extra:<8} {minutes}  {item.title.en}")
    lines.append("")
    for doc in agenda.inf:
        lines.append(f"     {doc.code:<8} INF              {doc.title.en}")
    return "\n".join(lines) + "\n"


def register(app: typer.Typer) -> None:
    @app.command("agenda")
    def agenda_command(
        meeting: MeetingOption = None,  # type: ignore[assignment]
        as_json: Annotated[
            bool, typer.Option("--json", help='Print {"items": [...], "inf": [...]} as JSON.')
        ] = False,
    ) -> None:
        """List the agenda items of Annex 2 and the information documents."""
        data = load(meeting)
        write_output(agenda_json(data.agenda) if as_json else agenda_text(data.agenda), None)
