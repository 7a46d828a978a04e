"""What the reply-form commands share (``grouping`` and ``correspondence``).

Both write a form named FILE.xlsx or FILE.csv and read a pile of filled forms
with the dates they arrived: :func:`form_suffix` and :func:`write_form` for the
first, :data:`RepliesArgument`, :data:`ReceivedOption` and :func:`reply_files` for the second.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Optional

import typer

from vccsched.cli.common import write_output
from vccsched.errors import VccschedError
from vccsched.output_format import format_from_suffix
from vccsched.replyforms.sheets import collect_reply_files

RepliesArgument = Annotated[
    Optional[list[Path]],
    typer.Argument(metavar="REPLY", help="Filled forms (.xlsx, .csv) or folders holding them (all .xlsx/.csv inside)."),
]
ReceivedOption = Annotated[
    Optional[list[str]],
    typer.Option(
        "--received",
        metavar="FILE=YYYY-MM-DD",
        help="FILE=YYYY-MM-DD: the date a reply arrived; overrides or supplies the form's date.",
    ),
]


def form_suffix(out: Path) -> str:
    """``.xlsx`` or ``.csv`` from the form's file name, or a ``DataError`` saying how to name it."""
    return format_from_suffix(out, {".xlsx": ".xlsx", ".csv": ".csv"}, what="form", names="FILE.xlsx (Excel) or FILE.csv")


def write_form(out: Path, suffix: str, xlsx: Callable[[], bytes], csv: Callable[[], str]) -> None:
    """Write the form made by ``xlsx`` or ``csv`` (only the one asked for is made)."""
    if suffix == ".xlsx":
        write_output(xlsx(), out)
    else:
        # The BOM lets Excel show the Chinese titles of a UTF-8 CSV.
        write_output(csv().encode("utf-8-sig"), out)


def reply_files(replies: list[Path] | None, error: type[VccschedError]) -> list[tuple[Path, str]]:
    """The reply files (path, name shown) found in ``replies``; notes on stderr, ``error`` if none."""
    files, notes = collect_reply_files(replies or [])
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if not files:
        raise error(
            "no reply files found; pass filled forms (.xlsx or .csv) or folders holding them",
            title="Nothing to tally",
        )
    return files
