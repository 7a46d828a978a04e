"""``vccsched grouping``: the grouping consultation on Annex 2.

``form`` writes the reply form (XLSX or CSV) for the Council Members;
``tally`` reads their filled forms and writes ``grouping.yaml`` (what
``vccsched plan --grouping`` reads) and, on request, a report.
"""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from vccsched.cli.common import MeetingOption, check_outputs, choice, command_group, load, meeting_inputs, write_output
from vccsched.cli.replies import ReceivedOption, RepliesArgument, form_suffix, reply_files, write_form
from vccsched.errors import GroupingError
from vccsched.grouping.form import form_csv, form_xlsx
from vccsched.grouping.replies import read_reply
from vccsched.grouping.report import render_report, report_format
from vccsched.grouping.tally import grouping_yaml, tally
from vccsched.replyforms.senders import received_dates

grouping_app = command_group("grouping", "The grouping consultation: write the Annex 2 reply form, tally the replies.")


class PolicyChoice(str, enum.Enum):
    any_deferral = "any-deferral"
    majority = "majority"


class LateChoice(str, enum.Enum):
    accept = "accept"
    reject = "reject"


@grouping_app.command("form")
def form_command(
    out: Annotated[
        Path,
        typer.Option("--out", help="Where to write the form: FILE.xlsx (Excel, 1/2 validated) or FILE.csv."),
    ],
    meeting: MeetingOption = None,  # type: ignore[assignment]
) -> None:
    """Write the Annex 2 reply form to send to the Council Members."""
    suffix = form_suffix(out)
    check_outputs({"--out": out}, meeting_inputs(meeting))
    data = load(meeting)
    write_form(out, suffix, lambda: form_xlsx(data), lambda: form_csv(data))
    print(f"Wrote {out} ({len(data.agenda.items)} items); reply deadline "
          f"{data.meeting.grouping_reply_deadline}.", file=sys.stderr)


@grouping_app.command("tally")
def tally_command(
    out: Annotated[Path, typer.Option("--out", help="Where to write grouping.yaml.")],
    replies: RepliesArgument = None,
    meeting: MeetingOption = None,  # type: ignore[assignment]
    policy: Annotated[
        PolicyChoice,
        typer.Option("--policy", **choice(PolicyChoice), help="How replies decide an item's group (see README)."),
    ] = PolicyChoice.any_deferral,
    late: Annotated[
        LateChoice,
        typer.Option("--late", **choice(LateChoice), help="Count replies dated after the deadline (accept) or not."),
    ] = LateChoice.accept,
    report: Annotated[
        Optional[Path], typer.Option("--report", help="Also write a report: FILE.md or FILE.html.")
    ] = None,
    received: ReceivedOption = None,
) -> None:
    """Tally the filled forms into grouping.yaml (and a report); problems go to stderr."""
    fmt = report_format(report) if report is not None else None
    files = reply_files(replies, GroupingError)
    check_outputs(
        {"--out": out, "--report": report},
        {**{f"REPLY {name}": path for path, name in files}, **meeting_inputs(meeting)},
    )
    data = load(meeting)
    dates = received_dates(received or [], [name for _, name in files])
    read = [read_reply(path, name) for path, name in files]
    result = tally(data, read, policy=policy.value, late=late.value, received=dates)
    # Render both before writing either, so a failing report leaves no lone grouping.yaml.
    grouping_text = grouping_yaml(result)
    report_text = render_report(result, fmt) if report is not None and fmt is not None else None
    write_output(grouping_text, out)
    if report is not None and report_text is not None:
        write_output(report_text, report)
    for problem in result.problems:
        print(f"problem: {problem}", file=sys.stderr)
    for number in result.ungrouped:
        print(f"problem: item {number} has no proposed group and the replies do not decide one; "
              "it is not in grouping.yaml", file=sys.stderr)
    balance = result.minutes_available - result.minutes_needed
    time_text = f"headroom {balance} min" if balance >= 0 else f"over by {-balance} min"
    written = f"{out}" + (f" and {report}" if report is not None else "")
    print(
        f"Counted {len(result.counted)} of {len(result.replies)} replies; "
        f"{len(result.changed)} item(s) changed group; Group 1 needs {result.minutes_needed} of "
        f"{result.minutes_available} min ({time_text}). Wrote {written}.",
        file=sys.stderr,
    )


def register(app: typer.Typer) -> None:
    """Add the ``grouping`` command group to ``app``."""
    app.add_typer(grouping_app, name="grouping")
