"""``vccsched correspondence``: a decision by correspondence (Rule 3.2) after the VCC.

``form`` writes the reply form (XLSX or CSV) listing the conclusions the floor
marked "by correspondence"; ``open`` opens the round online (focal points reply on
``/ballot``); ``tally`` counts the online replies of the record (``--db``) and the
filled forms together and writes the result (Markdown or JSON) under an explicit
majority rule; ``publish`` puts it on ``/ballot``; ``reminders`` lists the focal
points who have not replied, online or by an e-mailed form.
"""

from __future__ import annotations

import datetime as dt
import enum
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from vccsched.cli.common import (
    MeetingOption,
    check_outputs,
    choice,
    command_group,
    load,
    meeting_inputs,
    write_output,
    write_private_output,
)
from vccsched.cli.replies import ReceivedOption, RepliesArgument, form_suffix, reply_files, write_form
from vccsched.cli.report import DbOption, LogOption, date_option, record_inputs, record_source
from vccsched.correspondence.form import form_csv, form_xlsx, majority_text
from vccsched.correspondence.proposals import proposals_from_state
from vccsched.correspondence.render import render_result, result_format
from vccsched.correspondence.replies import read_reply
from vccsched.correspondence.reminders import reminders
from vccsched.correspondence.tally import CorrespondenceResult, tally
from vccsched.correspondence.translations import read_translations
from vccsched.errors import CorrespondenceError, DataError
from vccsched.replyforms.senders import received_dates

correspondence_app = command_group(
    "correspondence",
    "The decision by correspondence (Rule 3.2): write the reply form, tally the replies.",
)


class MajorityChoice(str, enum.Enum):
    of_voting_members = "of-voting-members"
    of_replies = "of-replies"


DeadlineOption = Annotated[
    Optional[str],
    typer.Option(
        "--deadline", metavar="YYYY-MM-DD",
        help="Replies dated after this day are reported and not counted (tally); shown on the form.",
    ),
]


@correspondence_app.command("form")
def form_command(
    out: Annotated[
        Path,
        typer.Option("--out", help="Where to write the form: FILE.xlsx (Excel, replies validated) or FILE.csv."),
    ],
    log: LogOption = None,
    db: DbOption = None,
    deadline: DeadlineOption = None,
    meeting: MeetingOption = None,  # type: ignore[assignment]
) -> None:
    """Write the reply form for the conclusions marked 'by correspondence' on the floor."""
    suffix = form_suffix(out)
    closes = date_option(deadline, "--deadline")
    check_outputs({"--out": out}, record_inputs(log, db, meeting))
    data, result = record_source(log, db, meeting)
    proposals = proposals_from_state(result.state, data)
    if not proposals:
        raise CorrespondenceError(
            "the floor's record has no proposed conclusion for a decision by correspondence "
            "(record_conclusion with by_correspondence: true); there is nothing to put to the vote",
            title="Nothing to put to the vote",
        )
    for p in proposals:
        if p.item_open:
            print(f"warning: item {p.number} is still open at the end of the record; its "
                  "conclusion may yet change", file=sys.stderr)
    write_form(out, suffix, lambda: form_xlsx(data, proposals, closes), lambda: form_csv(proposals, closes))
    numbers = ", ".join(str(p.number) for p in proposals)
    print(f"Wrote {out}: {len(proposals)} conclusion(s) (item {numbers}); majority needed "
          f"{majority_text(data)}.", file=sys.stderr)


MajorityOption = Annotated[
    Optional[MajorityChoice],
    typer.Option("--majority", **choice(MajorityChoice), help="of-voting-members: more than half of all Council Members with "
                 "the right to vote approve; of-replies: more than half of the valid replies. Default: the online "
                 "round's rule, else of-voting-members.", show_default=False),
]
ServerOption = Annotated[
    Optional[str],
    typer.Option("--server", help="The running floor server, e.g. http://127.0.0.1:8765 (with --token-file).",
                 show_default=False),
]
TokenFileOption = Annotated[
    Optional[Path],
    typer.Option("--token-file", help="File holding the secretariat's or the chair's token. Default: "
                 "$VCCSCHED_TOKEN, else a prompt.", show_default=False),
]
WriteDbOption = Annotated[
    Optional[Path],
    typer.Option("--db", help="The floor database, when no server holds it (the command is stored in it).",
                 show_default=False),
]
AsOption = Annotated[
    Optional[str],
    typer.Option("--as", help="With --db: the chair or secretariat delegation sending the command "
                 "(default: the roster's first secretariat delegation).", show_default=False),
]


#: A published result must fit in one frame (64 KiB, docs/protocol.md) with its envelope.
PUBLISH_MAX = 60 * 1024


def _send(raw: dict, server: str | None, token_file: Path | None, db: Path | None, actor: str | None,
          what: str) -> tuple[dict, list[dict]]:
    """Send ``raw`` to the running server, or decide it on the database; (accepted, its events)."""
    if (server is None) == (db is None):
        raise DataError(
            "give exactly one of --server URL (the running server, with --token-file) or --db FILE "
            "(the floor database, when no server runs on it)", title="Missing or conflicting options")
    if server is not None:
        import asyncio

        from server.publish import send_command
        from vccsched.cli.console import read_token, websocket_url

        if actor is not None:
            raise DataError("--as goes with --db; with --server the token says who sends it",
                                      title="Conflicting options")
        url = websocket_url(server)
        sent = asyncio.run(send_command(url, read_token(token_file), raw, error=CorrespondenceError, what=what))
        return sent.accepted, sent.events
    from server.offline import handle_on_db

    answer, _, _ = handle_on_db(db, raw, actor=actor)  # type: ignore[arg-type]
    if answer.refusal is not None:
        raise CorrespondenceError(f"{db}: the floor refused {what} ({answer.refusal.code}): {answer.refusal.message}")
    events = [e.model_dump(mode="json") for e in answer.events]
    return {"type": "accepted", "command_id": answer.command_id, "repeated": not answer.fresh}, events


def record_lines(log: Path | None, db: Path | None) -> list[str]:
    """The record's lines again (the floor's replay keeps the events, the commands hold the answers)."""
    if db is not None:
        from server.store import read_floor_log

        return read_floor_log(db).lines
    from vccsched.cli.common import read_log_text

    return read_log_text(log).splitlines()  # type: ignore[arg-type]


def deadline_of(day: str, time_text: str | None, zone) -> dt.datetime:
    """``--deadline`` and ``--deadline-time`` as a zone-aware time (default: the end of the day)."""
    closes = date_option(day, "--deadline")
    assert closes is not None
    if time_text is None:
        at = dt.time(23, 59, 59)
    else:
        try:
            at = dt.time.fromisoformat(time_text.strip())
        except ValueError:
            raise DataError(f"--deadline-time {time_text!r}: expected HH:MM (Geneva time), e.g. 18:00",
                                      title="Bad option") from None
        if at.tzinfo is not None:
            # combine() below would put the Geneva zone in its place: 18:00+05:00 read as 18:00 in Geneva.
            raise DataError(f"--deadline-time {time_text!r}: give the Geneva time without an offset "
                            "(HH:MM, e.g. 18:00); the deadline is always in Geneva time", title="Bad option")
    return dt.datetime.combine(closes, at, tzinfo=zone)


@correspondence_app.command("open")
def open_command(
    deadline: Annotated[str, typer.Option("--deadline", metavar="YYYY-MM-DD", help="The last day replies are taken "
                                          "(Geneva time).", show_default=False)],
    deadline_time: Annotated[Optional[str], typer.Option("--deadline-time", metavar="HH:MM", help="The time on that "
                             "day replies stop (Geneva time). Default: the end of the day (23:59:59).",
                             show_default=False)] = None,
    majority: MajorityOption = None,
    translations: Annotated[Optional[Path], typer.Option("--translations", help="The conclusions in other languages: "
                            "FILE.csv (item,language,text) or FILE.yaml ({12: {fr: ...}}).", show_default=False)] = None,
    server: ServerOption = None,
    token_file: TokenFileOption = None,
    db: WriteDbOption = None,
    actor: AsOption = None,
    meeting: MeetingOption = None,  # type: ignore[assignment]
) -> None:
    """Open the decision by correspondence online: the conclusions recorded 'by correspondence'
    are put to the Council Members, whose focal points reply on /ballot until the deadline."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Zurich")
    if meeting is not None or db is None:
        zone = load(meeting, quiet=True).meeting.zone
    closes = deadline_of(deadline, deadline_time, zone)
    texts = read_translations(translations) if translations is not None else {}
    rule = (majority or MajorityChoice.of_voting_members).value
    raw = {"type": "open_correspondence", "id": f"open-{closes.isoformat()}-{rule}",
           "deadline": closes.isoformat(), "majority": rule}
    if texts:
        raw["translations"] = texts
    accepted, events = _send(raw, server, token_file, db, actor, "to open the round")
    if accepted.get("repeated"):
        print("The round was already open with this deadline (nothing changed).", file=sys.stderr)
        return
    opened = next((e for e in events if e.get("type") == "correspondence_opened"), None)
    items = ", ".join(f"{q['item']} ({q['code']})" for q in opened["questions"]) if opened else "?"
    print(f"Opened the decision by correspondence until {closes.isoformat()} ({rule}; "
          f"{opened['required'] if opened else '?'} approvals needed of the voting members): item {items}. "
          "Focal points reply on /ballot with their links.", file=sys.stderr)


@correspondence_app.command("publish")
def publish_command(
    result: Annotated[Path, typer.Argument(help="The tally's result: FILE.json from 'correspondence tally --out'.",
                                           show_default=False)],
    server: ServerOption = None,
    token_file: TokenFileOption = None,
    db: WriteDbOption = None,
    actor: AsOption = None,
) -> None:
    """Put the result on /ballot for everyone with a link (after the deadline)."""
    import hashlib
    import json

    from vccsched.loading import read_text

    from vccsched.correspondence.render import published_result

    text = read_text(result, kind="JSON result", missing_title="Missing result")
    try:
        document = published_result(CorrespondenceResult.model_validate(json.loads(text)))
    except ValueError as exc:
        raise DataError(f"{result}: not the JSON written by 'correspondence tally --out FILE.json' "
                        f"({str(exc).splitlines()[0]})", title="Bad result") from None
    size = len(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode())
    if size > PUBLISH_MAX:
        raise DataError(f"{result}: the result is {size // 1024} KiB, more than the {PUBLISH_MAX // 1024} KiB a "
                        "command may carry; tally fewer conclusions per round", title="Result too large")
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    raw = {"type": "publish_correspondence_result", "id": f"result-{digest}", "result": document}
    accepted, _ = _send(raw, server, token_file, db, actor, "the result")
    print(f"{result}: {'already published' if accepted.get('repeated') else 'published on /ballot'}.", file=sys.stderr)


@correspondence_app.command("reminders")
def reminders_command(
    db: Annotated[Path, typer.Option("--db", help="The floor database (read only).", show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="Where to write the list: FILE.csv.", show_default=False)],
    replies: RepliesArgument = None,
    received: ReceivedOption = None,
    meeting: MeetingOption = None,  # type: ignore[assignment]
) -> None:
    """List the Council Members that have not replied, online or by an e-mailed form (the
    filled forms or folders given, read as 'tally' reads them), with their focal point's name
    and e-mail (from the meeting folder's registrations.yaml), as CSV."""
    if out.suffix.lower() != ".csv":
        raise DataError(f"--out {out}: expected FILE.csv", title="Bad option")
    files = reply_files(replies, CorrespondenceError) if replies else []
    check_outputs({"--out": out}, {"--db": db, **meeting_inputs(meeting), **{f"REPLY {name}": path for path, name in files}})
    data = load(meeting, quiet=True)
    _, record = record_source(None, db, meeting)
    dates = received_dates(received or [], [name for _, name in files])
    # Without a round, reminders() says so before any form is read.
    forms = [read_reply(path, name) for path, name in files] if record.state.correspondence is not None else []
    remind = reminders(record.state, data, forms, dates)
    write_private_output(remind.text, out)  # names and e-mail addresses: for its owner only, as tokens.csv
    for problem in remind.problems:
        print(f"problem: {problem}", file=sys.stderr)
    print(f"Wrote {out}: {remind.summary()}.", file=sys.stderr)


@correspondence_app.command("tally")
def tally_command(
    out: Annotated[Path, typer.Option("--out", help="Where to write the result: FILE.md or FILE.json.")],
    replies: RepliesArgument = None,
    majority: MajorityOption = None,
    deadline: DeadlineOption = None,
    received: ReceivedOption = None,
    log: Annotated[
        Optional[Path],
        typer.Option("--log", help="The floor's log: check the replies against the conclusions recorded.",
                     show_default=False),
    ] = None,
    db: Annotated[
        Optional[Path],
        typer.Option("--db", help="The server's floor database, instead of --log.", show_default=False),
    ] = None,
    meeting: MeetingOption = None,  # type: ignore[assignment]
) -> None:
    """Count the replies and write the result per conclusion; problems go to stderr."""
    fmt = result_format(out)
    closes = date_option(deadline, "--deadline")
    # With the record (--db, --log) the replies may all be online: forms are then optional.
    files = reply_files(replies, CorrespondenceError) if replies or (log is None and db is None) else []
    inputs = {f"REPLY {name}": path for path, name in files}
    if log is not None or db is not None:
        inputs.update(record_inputs(log, db, meeting))
    else:
        inputs.update(meeting_inputs(meeting))
    check_outputs({"--out": out}, inputs)
    proposals = None
    record = None
    if log is not None or db is not None:
        data, record = record_source(log, db, meeting)
        proposals = proposals_from_state(record.state, data)
    else:
        data = load(meeting)
    dates = received_dates(received or [], [name for _, name in files])
    read = [read_reply(path, name) for path, name in files]
    round_ = record.state.correspondence if record is not None else None
    if round_ is None and not files:
        reply_files(replies, CorrespondenceError)  # no online round: says there is nothing to tally
    if round_ is not None:
        # The online round: its replies (from the record) and the forms, in one tally.
        import json

        from vccsched.correspondence.merged import tally_round
        from vccsched.correspondence.online import online_versions

        round_day = round_.deadline.astimezone(data.meeting.zone).date()
        if closes is not None and closes != round_day:
            raise DataError(
                f"--deadline {closes}: the online round's deadline is {round_.deadline.isoformat()} "
                f"(day {round_day}); leave out --deadline (the round's applies to the forms too)",
                title="Conflicting deadline")
        commands = [(line["actor"], line["command"]) for line in map(json.loads, record_lines(log, db)) if "actor" in line]
        versions = online_versions(data.meeting.id, record.floor.events, commands, after_seq=round_.opened_seq)
        if not versions and not read:
            raise CorrespondenceError("no reply online and no reply files given; nothing to tally yet",
                                      title="Nothing to tally")
        result = tally_round(data, record.state, versions, read, received=dates,
                             rule=majority.value if majority else None)
    else:
        result = tally(data, read, proposals=proposals, rule=(majority or MajorityChoice.of_voting_members).value,
                       deadline=closes, received=dates)
    write_output(render_result(result, fmt), out)
    for problem in result.problems:
        print(f"problem: {problem}", file=sys.stderr)
    for p in result.proposals:
        invalid = f", {len(p.invalid)} invalid answer" if p.invalid else ""
        print(f"item {p.number}: {p.result} ({len(p.approve)} approve, {len(p.object)} object, "
              f"{len(p.abstain)} abstain{invalid}; {p.needed} of {p.base} needed)", file=sys.stderr)
    for member in result.members:
        how = "; ".join(
            f"{c.via} {c.receipt or c.file}{' (counted)' if c.counted else ''}" for c in member.channels
        )
        print(f"{member.name} ({member.member_id}): {how}", file=sys.stderr)
    print(f"Counted {len(result.counted)} of {len(result.replies)} replies ({result.rule}). "
          f"Wrote {out}.", file=sys.stderr)


def register(app: typer.Typer) -> None:
    """Add the ``correspondence`` command group to ``app``."""
    app.add_typer(correspondence_app, name="correspondence")
