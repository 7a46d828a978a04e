"""``vccsched floor``: the floor's rules, from the command line.

``vccsched floor replay LOG`` audits a session from its log: refusals go to
stderr with their line numbers, the final state to stdout as JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from vccsched.cli.common import MeetingOption, check_outputs, command_group, load, read_log_text, write_output
from vccsched.floor import chain
from vccsched.floor.replay import header_line, replay
from vccsched.floor.state import FloorSetup
from vccsched.floor.view import floor_summary

floor_app = command_group("floor", "The floor: speaking rules of the consultation (replay a session log).")


@floor_app.command("replay")
def replay_command(
    log: Annotated[
        Path,
        typer.Argument(
            help='JSON Lines file, one {"actor": ID, "at": ISO_TIME, "command": {...}} per line.',
            show_default=False,
        ),
    ],
    until: Annotated[
        int | None,
        typer.Option("--until", min=1, help="Stop after the event with this sequence number."),
    ] = None,
    meeting: MeetingOption = None,  # type: ignore[assignment]
) -> None:
    """Apply a floor log in order and print the final state as JSON.

    Each refused command is reported on stderr as 'line N: refused (CODE):
    ACTOR: MESSAGE' and the replay goes on; a broken line (bad JSON, missing field,
    time without offset or going backwards) stops it with exit status 2.
    """
    data = load(meeting, quiet=True)
    setup = FloorSetup.from_meeting(data)
    result = replay(read_log_text(log).splitlines(), setup, until=until, source=str(log))
    for number, actor, refusal in result.refusals:
        print(f"line {number}: refused ({refusal.code}): {actor}: {refusal.message}", file=sys.stderr)
    if until is not None and not result.until_reached:
        print(
            f"warning: the log ends at event {result.floor.seq}, before --until {until}",
            file=sys.stderr,
        )
    summary = floor_summary(result.state, result.now)
    write_output(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", None)


@floor_app.command("export")
def export_command(
    db: Annotated[Path, typer.Option("--db", help="The server's floor database.", show_default=False)],
    out: Annotated[
        Path | None, typer.Option("--out", help="JSON Lines file to write (default: standard output).")
    ] = None,
) -> None:
    """Write the accepted commands of a floor database as a log for 'floor replay'.

    'vccsched floor replay' on the export prints the state the server had.
    """
    from server.store import FloorStore

    check_outputs({"--out": out}, {"--db": db})
    store = FloorStore.open(db)
    try:
        lines = list(store.chained_log_lines())
        meeting_id, head = store.meeting_id, store.head
        # The header names the meeting, so that a report or a re-plan refuses the log with
        # another meeting's data, and carries the chain's start and head (docs/protocol.md,
        # "Floor logs" and "The record's chain").
        header = header_line(
            meeting_id,
            f"vccsched floor export of {db.name}: the floor log of {meeting_id}",
            chain=chain.CHAIN_FORMAT,
            meeting_files=chain.files_digest(store.meeting_files()),
            genesis=store.genesis,
            head=head,
            commands=len(lines),
        )
    finally:
        store.close_reader()
    write_output("".join(line + "\n" for line in [header, *lines]), out)
    print(f"{len(lines)} command(s) of {meeting_id} exported; head {head}", file=sys.stderr)


@floor_app.command("verify")
def verify_command(
    db: Annotated[Path | None, typer.Option("--db", help="The server's floor database.", show_default=False)] = None,
    log: Annotated[
        Path | None, typer.Option("--log", help="A floor log written by 'vccsched floor export'.", show_default=False)
    ] = None,
    head: Annotated[
        str | None,
        typer.Option("--head", help="A head kept earlier (64 hex characters): does the record still hold it?"),
    ] = None,
) -> None:
    """Recompute the record's hash chain and report the first broken link.

    Prints the number of commands and the head; with --head, whether the record
    ends at that head, contains it, or is missing it. Exit status 0 when the
    record is sound (and holds --head), 1 when it is sound but does not hold
    --head, 2 when a link is broken.
    """
    from vccsched.cli.record import verify_record

    raise typer.Exit(verify_record(db, log, head))


def register(app: typer.Typer) -> None:
    """Add the ``floor`` group to ``app``."""
    app.add_typer(floor_app, name="floor")
