"""``vccsched contributions``: check the secretariat's register of Member States' contributions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from vccsched.cli.common import MeetingOption, check_outputs, command_group, load, meeting_inputs, write_output
from vccsched.errors import DataError

contributions_app = command_group(
    "contributions", "Member States' written contributions: check the register (deadline, length, items)."
)


@contributions_app.command("check")
def check_command(
    register: Annotated[
        Path, typer.Argument(help="The register: CSV or XLSX with the columns Document symbol, Member State, "
                             "Items, Received (and File name, Title).", show_default=False),
    ],
    files: Annotated[
        Optional[Path],
        typer.Option("--files", help="Folder holding the contributions' files: each is opened and its pages counted.",
                     show_default=False),
    ] = None,
    out: Annotated[
        Optional[Path],
        typer.Option("--out", help="Where to write the report: FILE.md, FILE.html or FILE.csv (default: Markdown on stdout).",
                     show_default=False),
    ] = None,
    grouping: Annotated[
        Optional[Path],
        typer.Option("--grouping", help="The final grouping (grouping.yaml); default: the proposed groups.",
                     show_default=False),
    ] = None,
    meeting: MeetingOption = None,  # type: ignore[assignment]
) -> None:
    """Check the register: per Group 1 item the contributions in order of arrival, and every
    row flagged (late, over length, not in Group 1, not a Member State, symbol given twice,
    file missing or unreadable). Exit 0 with the report written; 2 if the register cannot be read."""
    from vccsched.contributions.check import check_register
    from vccsched.contributions.register import read_register
    from vccsched.contributions.render import render_check, report_format
    from vccsched.grouping_file import load_grouping

    fmt = report_format(out) if out is not None else "md"
    check_outputs({"--out": out}, {"REGISTER": register, "--grouping": grouping, **meeting_inputs(meeting)})
    if files is not None and not files.is_dir():
        what = "is a file, not a folder" if files.exists() else "no such folder"
        raise DataError(f"--files {files}: {what}; give the folder holding the contributions' files",
                        title="Bad option")
    data = load(meeting)
    groups = load_grouping(grouping, data.agenda) if grouping is not None else None
    result = check_register(data, read_register(register), files=files, grouping=groups)
    write_output(render_check(result, fmt), out)
    for flag in result.flags:
        print(f"flag: {flag}", file=sys.stderr)
    flagged = sum(1 for line in result.lines if line.flags)
    where = f" Wrote {out}." if out is not None else ""
    print(f"{len(result.lines)} contribution(s) on {len(result.items)} Group 1 item(s); {flagged} row(s) "
          f"flagged; deadline {result.deadline}.{where}", file=sys.stderr)


def register(app: typer.Typer) -> None:
    """Add the ``contributions`` group to ``app``."""
    app.add_typer(contributions_app, name="contributions")
