"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vccsched.errors import DataError

if TYPE_CHECKING:  # pragma: no cover
    from vccsched.loading import MeetingData

# The meeting's models (pydantic) are imported by the commands that load a meeting, not by
# every run of the command line (``--help``, ``floor verify``): see vccsched/cli/__init__.py.


MeetingOption = Annotated[
    Path,
    typer.Option(
        "--meeting",
        help="Meeting data folder holding meeting.yaml, agenda.yaml and roster.yaml.",
        show_default="data/c21-vcc1",
    ),
]


def choice(values: type[enum.Enum]) -> dict:
    """``typer.Option`` keywords for an option that takes one of ``values`` (a str Enum).

    Typer checks enum options through pydantic, whose message for a wrong value starts
    with "Value error, "; this parser gives click's own wording instead:
    ``Invalid value for '--majority': 'half' is not one of 'of-voting-members', 'of-replies'.``
    """
    names = [str(member.value) for member in values]

    def parse(value: object) -> enum.Enum:
        if isinstance(value, values):
            return value
        for member in values:
            if value == member.value:
                return member
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(map(repr, names))}.")

    return {"parser": parse, "metavar": f"<{'|'.join(names)}>"}


def load(meeting_dir: Path | None, *, quiet: bool = False) -> MeetingData:
    """Load the meeting folder and print its warnings on stderr."""
    from vccsched.loading import DEFAULT_MEETING_DIR, load_meeting

    data = load_meeting(meeting_dir or DEFAULT_MEETING_DIR)
    if not quiet:
        for warning in data.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    return data


def unwritable(out: Path) -> str | None:
    """Why ``out`` can certainly not be written as a file (a folder, under a file), or ``None``."""
    if out.is_dir():
        return f"{out}: is a folder; give the name of a file (in it or elsewhere)"
    blocker = next((a for a in out.parents if a.exists()), None)
    if blocker is not None and not blocker.is_dir():
        return f"{out}: cannot write: {blocker} is a file, not a folder; choose another path"
    return None


def write_output(content: str | bytes, out: Path | None) -> None:
    """Write ``content`` to ``out`` (creating folders) or to stdout, byte for byte.

    A file is written whole or not at all: into a temporary file in the same
    folder, renamed over ``out`` only once complete, so a full disk or a
    failure half-way never leaves a truncated plan, and an existing file is
    replaced only by a complete one. Problems are ``DataError`` s naming the path.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    if out is None:
        try:
            if isinstance(content, bytes):
                sys.stdout.flush()
                sys.stdout.buffer.write(content)
            else:
                sys.stdout.write(content)
            sys.stdout.flush()
        except BrokenPipeError:
            raise  # the reader went away (``| head``): click and main() end quietly
        except OSError as exc:
            raise DataError(
                f"standard output: cannot write ({exc.strerror or exc}); use --out FILE",
                title="Cannot write output",
            ) from None
        return
    problem = unwritable(out)
    if problem is not None:
        raise DataError(problem, title="Cannot write output")
    if out.exists() and not out.is_file():
        # A device or a pipe (/dev/stdout, a FIFO): write into it, never replace it.
        try:
            with out.open("wb") as handle:
                handle.write(data)
        except OSError as exc:
            raise DataError(
                f"{out}: cannot write ({exc.strerror or exc})", title="Cannot write output"
            ) from None
        return
    tmp_name = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            dir=out.parent, prefix=f".{out.name}.", suffix=".tmp", delete=False
        ) as tmp:
            tmp_name = tmp.name
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        # NamedTemporaryFile creates files readable by the owner only; give the
        # output the permissions any new file of the user would have.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)
        os.replace(tmp_name, out)
        tmp_name = None
    except OSError as exc:
        raise DataError(
            f"{out}: cannot write ({exc.strerror or exc}); check that the folder "
            f"{out.parent} exists or can be created and is writable, and that there is "
            "free space",
            title="Cannot write output",
        ) from None
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)



def write_private_output(text: str, out: Path) -> None:
    """:func:`write_output` for a file holding secrets or personal data (links, e-mail
    addresses): readable and writable by its owner only."""
    umask = os.umask(0o077)
    try:
        write_output(text, out)
    finally:
        os.umask(umask)

def check_outputs(outputs: dict[str, Path | None], inputs: dict[str, Path | None]) -> None:
    """Refuse, before any work, an output that would overwrite an input or another
    output, or that cannot be written (a folder, a path under a file).

    ``outputs`` and ``inputs`` map the option that names a path (``--out``,
    ``--grouping``) to the path. An input file overwritten by a result is lost
    data, so this must be called by every command that writes files.
    """
    def same(a: Path, b: Path) -> bool:
        try:
            return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
        except OSError:
            return False

    outs = [(name, path) for name, path in outputs.items() if path is not None]
    ins = [(name, path) for name, path in inputs.items() if path is not None]
    for i, (name, path) in enumerate(outs):
        problem = unwritable(path)
        if problem is not None:  # say so now, not after a solve or a tally
            raise DataError(f"{name}: {problem}", title="Cannot write output")
        for in_name, in_path in ins:
            if same(path, in_path):
                raise DataError(
                    f"{name} {path} is also the input {in_name}; writing it would destroy "
                    "the input: choose another output file",
                    title="Output would overwrite an input",
                )
        for other_name, other in outs[i + 1:]:
            if same(path, other):
                raise DataError(
                    f"{name} and {other_name} both name {path}; give each output its own file",
                    title="Conflicting options",
                )


def meeting_inputs(meeting_dir: Path | None) -> dict[str, Path]:
    """The meeting folder's files, as inputs for :func:`check_outputs`."""
    from vccsched.loading import DEFAULT_MEETING_DIR
    from vccsched.meeting_files import MEETING_FILES

    folder = meeting_dir or DEFAULT_MEETING_DIR
    return {f"--meeting {folder} ({name})": folder / name for name in MEETING_FILES}


def command_group(name: str, help: str) -> typer.Typer:
    """A Typer app for a group of subcommands, set up like the root ``vccsched`` app:
    help when called bare, plain (not rich) output, no traceback pretty-printing
    (``main`` turns errors into messages)."""
    return typer.Typer(
        name=name,
        help=help,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )


#: The first bytes of every SQLite database file (a floor database given as a log).
SQLITE_MAGIC = b"SQLite format 3\x00"


def read_log_text(log: Path) -> str:
    """The text of a floor log (``--log``, ``floor replay LOG``); a ``ProtocolError`` naming the
    file otherwise, and for a floor database given instead, one that says to use ``--db``."""
    from vccsched.errors import ProtocolError
    from vccsched.loading import read_text

    with contextlib.suppress(OSError):
        with log.open("rb") as handle:
            if handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC:
                raise ProtocolError(
                    f"{log}: this is a floor database (SQLite), not a floor log: use --db {log} "
                    f"(or write a log with 'vccsched floor export --db {log} --out log.jsonl')",
                    title="A database, not a log",
                )
    return read_text(log, kind="floor log (JSON Lines)", error=ProtocolError, missing_title="Missing floor log")


def floor_source(log: Path | None, db: Path | None, meeting_dir: Path | None):
    """The meeting and the replayed floor of ``--log FILE`` or ``--db FILE`` (exactly one).

    With ``--db`` the meeting is the copy stored in the database when it was
    made (so a report or a re-plan reads the data the floor ran with; a
    ``--meeting`` given as well must hold the same meeting, and its
    registrations.yaml names the record's persons: the database keeps none); with
    ``--log`` it is ``--meeting`` (default: the bundled C21/VCC-1 data).
    Returns ``(MeetingData, ReplayResult)``; refusals in a log are kept in the
    result, as ``floor replay`` reports them.
    """
    from vccsched.floor.replay import replay
    from vccsched.floor.state import FloorSetup
    from vccsched.loading import load_meeting
    from vccsched.meeting_files import load_meeting_files

    if (log is None) == (db is None):
        raise DataError(
            "give the floor's record with exactly one of --log FILE (JSON Lines, as written by "
            "'vccsched floor export') or --db FILE (the server's database)",
            title="Missing or conflicting options",
        )
    if db is not None:
        # Imported here: the core and its CLI must load without the server package's deps.
        from server.store import read_floor_log

        record = read_floor_log(db)
        data = load_meeting_files(record.meeting_files, f"{db}: the meeting data stored in the database")
        data = dataclasses.replace(data, directory=db)
        if meeting_dir is not None:
            other = load_meeting(meeting_dir)
            if other.meeting.id != data.meeting.id:
                raise DataError(
                    f"{db}: this floor database is for the meeting {data.meeting.id!r}, but --meeting "
                    f"{meeting_dir} holds {other.meeting.id!r}; leave out --meeting (the database keeps "
                    "its own copy of the meeting data) or give the database of that meeting",
                    title="Another meeting",
                )
            # The database keeps the three meeting files, not the registrations (they change
            # as people register): the folder's registrations name the persons of the record.
            data = dataclasses.replace(data, registrations=other.registrations)
        lines, source = record.lines, f"{db} (log)"
    else:
        data = load(meeting_dir, quiet=True)
        lines, source = read_log_text(log).splitlines(), str(log)
    result = replay(lines, FloorSetup.from_meeting(data), source=source)
    if db is not None:  # the database's lines carry no hashes: its chain is the store's
        result.head, result.commands = record.head, len(record.lines)
    return data, result
