"""``vccsched report``: the report of proposed conclusions after the VCC.

Also the options every command reading the floor's record shares (``--log``,
``--db``): :func:`record_source` loads the meeting and replays the record with
:func:`vccsched.cli.common.floor_source`.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from vccsched.cli.common import MeetingOption, check_outputs, floor_source, meeting_inputs, write_output
from vccsched.errors import DataError
from vccsched.floor.replay import ReplayResult
from vccsched.loading import MeetingData, read_text
from vccsched.render.json_plan import plan_from_json
from vccsched.render.view import check_plan_matches
from vccsched.report import build_report, render_report, report_format

LogOption = Annotated[
    Optional[Path],
    typer.Option("--log", help="The floor's log (JSON Lines, as 'vccsched floor export' writes it).",
                 show_default=False),
]
DbOption = Annotated[
    Optional[Path],
    typer.Option("--db", help="The server's floor database (instead of --log); the meeting data "
                 "stored in it is used.", show_default=False),
]


def date_option(value: str | None, option: str) -> dt.date | None:
    """A YYYY-MM-DD option value, or a ``DataError`` naming the option."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise DataError(f"{option} {value!r}: expected a date as YYYY-MM-DD, e.g. 2021-06-25",
                        title="Bad option") from None


def record_inputs(log: Path | None, db: Path | None, meeting: Path | None) -> dict[str, Path]:
    """The record's files as inputs for ``check_outputs`` (the meeting folder only with --log)."""
    if db is not None:
        return {"--db": db}
    return {"--log": log, **meeting_inputs(meeting)} if log is not None else meeting_inputs(meeting)


def record_source(log: Path | None, db: Path | None, meeting: Path | None) -> tuple[MeetingData, ReplayResult]:
    """The meeting and the replayed floor of ``--log`` or ``--db``; refusals noted on stderr."""
    data, result = floor_source(log, db, meeting)
    if result.refusals:
        print(f"note: {len(result.refusals)} command(s) of the log were refused by the floor and are "
              "not part of the record ('vccsched floor replay' lists them)", file=sys.stderr)
    return data, result


def report_command(
    out: Annotated[Path, typer.Option("--out", help="Where to write the report: FILE.md, FILE.html or FILE.docx.")],
    log: LogOption = None,
    db: DbOption = None,
    plan: Annotated[
        Optional[Path],
        typer.Option("--plan", help="The time-management plan (plan.json) to compare the time used "
                     "with; default: the plan published on the floor, if any.", show_default=False),
    ] = None,
    contributions: Annotated[
        Optional[Path],
        typer.Option("--contributions", help="The register of Member States' contributions (CSV or XLSX): "
                     "each item lists those considered and who presented them; default with --log: the "
                     "meeting folder's contributions.csv, if any.", show_default=False),
    ] = None,
    meeting: MeetingOption = None,  # type: ignore[assignment]
    participants: Annotated[
        bool,
        typer.Option("--participants", help="Write the list of participants instead: registered participants "
                     "by delegation and function, and who connected on which day (Geneva dates), from the "
                     "server's database (--db) and the meeting folder's registrations.yaml (--meeting)."),
    ] = False,
) -> None:
    """Write the report of proposed conclusions from the floor's record.

    Per item in agenda order: the outcome (proposed conclusion; concluded en
    bloc; proposed for decision by correspondence with the majority needed;
    deferred to C22 at a named Council Member's request; not reached), the
    speakers in order with tier and duration, and the time used against the
    plan. Then an annex of what C22 must take up and speaking-time statistics.
    """
    fmt = report_format(out)
    if participants:
        participants_command(out, fmt, db=db, log=log, meeting=meeting)
        return
    check_outputs({"--out": out}, {**record_inputs(log, db, meeting), "--plan": plan, "--contributions": contributions})
    data, result = record_source(log, db, meeting)
    from vccsched.contributions.floor import load_floor_contributions

    folder = (meeting or data.directory) if log is not None else None
    given, notes = load_floor_contributions(data, contributions, folder)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if db is not None and contributions is None:
        given = _stored_register(db) or given
    planned = None
    if plan is not None:
        planned = plan_from_json(read_text(plan, kind="JSON plan", missing_title="Missing plan"), source=str(plan))
        try:
            check_plan_matches(planned, data)
        except DataError as exc:
            raise DataError(
                f"{plan}: the plan does not fit the meeting of the record ({data.meeting.id}): "
                f"{exc.message}; give the plan of this meeting", title="Another meeting",
                details=exc.details,
            ) from None
    report = build_report(
        data, result.state, result.floor.events, plan=planned,
        plan_label=f"the plan {plan.name}" if plan is not None else None,
        refusals=len(result.refusals),
        contributions=given or None,
    )
    report = with_record_head(report, result, log, db)
    if data.registrations is None and any(getattr(e, "person", None) for e in result.floor.events):
        print(
            "note: the record names registered persons, but the meeting data has no registrations.yaml: "
            "speakers are named by their ids. Give --meeting FOLDER (the folder holding registrations.yaml) "
            "to name them.",
            file=sys.stderr,
        )
    write_output(render_report(report, fmt), out)
    print(
        f"Wrote {out}: {len(report.items)} items, {report.count('deferred')} deferred, "
        f"{report.count('correspondence')} for decision by correspondence, {len(report.annex)} in the "
        f"annex for {report.deferral_target}.",
        file=sys.stderr,
    )


def participants_command(out: Path, fmt: str, *, db: Path | None, log: Path | None, meeting: Path | None) -> None:
    """``report --participants``: the list of participants from the database's record of
    connections and the meeting folder's registrations (none: the delegations are listed)."""
    from vccsched.loading import load_meeting
    from vccsched.meeting_files import load_meeting_files
    from vccsched.report.participants import Connected, build_participants, render_participants

    if db is None or log is not None:
        raise DataError(
            "the list of participants is made from the server's database, which records who connected: "
            "give --db FILE (a floor log does not record connections)",
            title="Missing or conflicting options",
        )
    check_outputs({"--out": out}, {"--db": db, **(meeting_inputs(meeting) if meeting is not None else {})})
    # Imported here: the core and its CLI must load without the server package's deps.
    from server.store import FloorStore

    store = FloorStore.open(db)
    try:
        files, recorded = store.meeting_files(), store.connections()
    finally:
        store.close_reader()
    data = load_meeting_files(files, f"{db}: the meeting data stored in the database")
    registrations = None
    if meeting is not None:
        folder = load_meeting(meeting)
        if folder.meeting.id != data.meeting.id:
            raise DataError(
                f"{db}: this floor database is for the meeting {data.meeting.id!r}, but --meeting {meeting} "
                f"holds {folder.meeting.id!r}; give the folder of that meeting",
                title="Another meeting",
            )
        registrations = folder.registrations
    persons = sorted({c.person for c in recorded if c.person})
    if registrations is None and persons:
        raise DataError(
            f"{db}: registered persons connected ({', '.join(persons[:5])}{', …' if len(persons) > 5 else ''}), "
            "but no registrations were given: give the meeting folder that holds registrations.yaml with "
            "--meeting FOLDER, so that the list names them",
            title="Registrations needed",
        )
    connections = [Connected(c.delegation, c.person, dt.date.fromisoformat(c.day)) for c in recorded]
    listing = build_participants(data, registrations, connections)
    write_output(render_participants(listing, fmt), out)
    print(
        f"Wrote {out}: {listing.persons} registered participants, {len(listing.delegations)} delegations, "
        f"{len(listing.days)} day(s) of connection.",
        file=sys.stderr,
    )


def with_record_head(report, result: ReplayResult, log: Path | None, db: Path | None):
    """The report with the record's head, after checking the database's chain (a log's chain
    was checked by the replay): a report must not vouch for a record that was changed."""
    if db is not None:
        from server.store import FloorStore
        from vccsched.floor import chain

        store = FloorStore.open(db)
        try:
            checked = chain.verify(store.chain_entries(), store.genesis)
        finally:
            store.close_reader()
        if checked.broken is not None:
            raise DataError(
                f"{db}: the record's hash chain is broken at {checked.broken.message()}; the record was "
                f"changed after it was written ('vccsched floor verify --db {db}' says more)",
                title="Broken record",
            )
    if result.head is None:
        return report
    source = f"--db {db.name}" if db is not None else f"--log {log.name}" if log is not None else ""
    return report.model_copy(update={
        "record_head": result.head,
        "record_commands": result.commands,
        "record_check": f"vccsched floor verify {source} --head {result.head}",
    })


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to ``app``."""
    app.command("report")(report_command)


def _stored_register(db: Path) -> dict | None:
    """The contributions register the server stored in ``db`` (what the floor showed), so that
    ``report --db`` lists them without ``--contributions``; None when none was stored."""
    # Imported here: the core and its CLI must load without the server package's deps.
    from server.store import FloorStore
    from vccsched.floor.setup import Contribution

    store = FloorStore.open(db)
    try:
        stored = store.stored_contributions()
    finally:
        store.close_reader()
    if stored is None:
        return None
    print(f"note: contributions: the register the server stored on {stored.stored_at} ({stored.source}); "
          "give --contributions to use another", file=sys.stderr)
    return {n: [Contribution(symbol=s, delegation=d) for s, d in entries] for n, entries in stored.items.items()}
