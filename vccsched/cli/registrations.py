"""``vccsched registrations``: the registered participants of a meeting.

``import`` reads the registration service's export (XLSX or CSV) and writes
``registrations.yaml`` for the meeting folder; every row it cannot take goes to stderr by
file, row and column, as the grouping tally reports its replies' problems.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from vccsched.cli.common import MeetingOption, check_outputs, command_group, meeting_inputs, write_output
from vccsched.errors import DataError
from vccsched.loading import DEFAULT_MEETING_DIR, load_roster
from vccsched.registrations.importer import import_registrations, registrations_yaml
from vccsched.registrations.model import focal_point_problems

registrations_app = command_group("registrations", "Registered participants: import the registration service's export.")


@registrations_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The registration service's export: FILE.xlsx or FILE.csv.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="Where to write registrations.yaml (put it in the meeting folder).")],
    meeting: MeetingOption = None,  # type: ignore[assignment]
) -> None:
    """Read the export (columns Delegation, Family name, Given name, Title, Function, E-mail,
    Speaker, Floor language; optionally Correspondence focal point) into registrations.yaml; problems go to stderr."""
    folder = meeting or DEFAULT_MEETING_DIR
    check_outputs({"--out": out}, {"FILE": file, **meeting_inputs(meeting)})
    if not folder.is_dir():
        raise DataError(f"{folder}: no such meeting folder", title="Missing data folder")
    # Only the roster: a broken registrations.yaml of the folder is what this command replaces.
    roster = load_roster(folder / "roster.yaml")
    result = import_registrations(file, roster, str(file))
    write_output(registrations_yaml(result.registrations), out)
    for problem in result.problems:
        print(f"problem: {problem}", file=sys.stderr)
    for text in focal_point_problems(result.registrations, roster):
        print(f"problem: {file}: {text}", file=sys.stderr)
    persons = result.registrations.persons
    speakers = sum(p.speaker for p in persons)
    delegations = len(result.registrations.delegations)
    not_taken = f"; {result.rows_not_taken} row(s) not taken (see the problems above)" if result.rows_not_taken else ""
    print(
        f"Took {len(persons)} of {result.rows} row(s): {len(persons)} person(s) of {delegations} "
        f"delegation(s), {speakers} speaker(s){not_taken}. Wrote {out}.",
        file=sys.stderr,
    )


def register(app: typer.Typer) -> None:
    """Add the ``registrations`` command group to ``app``."""
    app.add_typer(registrations_app, name="registrations")
