"""``vccsched correspondence``: a decision by correspondence (Rule 3.2) after the VCC.

``form`` writes the reply form (XLSX or CSV) listing the conclusions the floor
marked "by correspondence"; ``tally`` reads the filled forms and writes the
result (Markdown or JSON) under an explicit majority rule.
"""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from vccsched.cli.common import MeetingOption, check_outputs, choice, command_group, load, meeting_inputs, write_output
from vccsched.cli.replies import ReceivedOption, RepliesArgument, form_suffix, reply_files, write_form
from vccsched.cli.report import DbOption, LogOption, date_option, record_inputs, record_source
from vccsched.correspondence.form import form_csv, form_xlsx, majority_text
from vccsched.correspondence.proposals import proposals_from_state
from vccsched.correspondence.render import render_result, result_format
from vccsched.correspondence.replies import read_reply
from vccsched.correspondence.tally import tally
from vccsched.errors import CorrespondenceError
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


@correspondence_app.command("tally")
def tally_command(
    out: Annotated[Path, typer.Option("--out", help="Where to write the result: FILE.md or FILE.json.")],
    replies: RepliesArgument = None,
    majority: Annotated[
        MajorityChoice,
        typer.Option("--majority", **choice(MajorityChoice), help="of-voting-members: more than half of all Council Members with "
                     "the right to vote approve; of-replies: more than half of the valid replies."),
    ] = MajorityChoice.of_voting_members,
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
    files = reply_files(replies, CorrespondenceError)
    inputs = {f"REPLY {name}": path for path, name in files}
    if log is not None or db is not None:
        inputs.update(record_inputs(log, db, meeting))
    else:
        inputs.update(meeting_inputs(meeting))
    check_outputs({"--out": out}, inputs)
    proposals = None
    if log is not None or db is not None:
        data, record = record_source(log, db, meeting)
        proposals = proposals_from_state(record.state, data)
    else:
        data = load(meeting)
    dates = received_dates(received or [], [name for _, name in files])
    read = [read_reply(path, name) for path, name in files]
    result = tally(data, read, proposals=proposals, rule=majority.value, deadline=closes, received=dates)
    write_output(render_result(result, fmt), out)
    for problem in result.problems:
        print(f"problem: {problem}", file=sys.stderr)
    for p in result.proposals:
        invalid = f", {len(p.invalid)} invalid answer" if p.invalid else ""
        print(f"item {p.number}: {p.result} ({len(p.approve)} approve, {len(p.object)} object, "
              f"{len(p.abstain)} abstain{invalid}; {p.needed} of {p.base} needed)", file=sys.stderr)
    print(f"Counted {len(result.counted)} of {len(result.replies)} replies ({majority.value}). "
          f"Wrote {out}.", file=sys.stderr)


def register(app: typer.Typer) -> None:
    """Add the ``correspondence`` command group to ``app``."""
    app.add_typer(correspondence_app, name="correspondence")
