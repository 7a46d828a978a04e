"""The ``vccsched`` command line.

Each group of subcommands lives in its own module and registers itself here.
Errors from the core (:class:`~vccsched.errors.VccschedError`) are printed as
their title and message on stderr with the error's exit status: never a
traceback.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback

import typer

from vccsched.cli import agenda, console, floor, grouping, plan, roster, server
from vccsched.cli import contributions, correspondence, registrations, report
from vccsched.cli.common import command_group
from vccsched.errors import VccschedError

app = command_group(
    "vccsched",
    "Run a virtual consultation of councillors: grouping consultation, "
    "time-management plan, floor rules.",
)



def _print_version(value: bool) -> None:
    if value:
        from vccsched import __version__

        print(__version__)
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", is_eager=True, callback=_print_version
    ),
) -> None:
    """Run a virtual consultation of councillors: grouping consultation,
    time-management plan, floor rules."""


agenda.register(app)
plan.register(app)
grouping.register(app)
roster.register(app)
floor.register(app)
server.register(app)
console.register(app)
report.register(app)
correspondence.register(app)
contributions.register(app)
registrations.register(app)


#: Set to 1 to see the Python traceback of an internal error (for developers).
DEBUG_VARIABLE = "VCCSCHED_DEBUG"


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``vccsched`` script and of ``python -m vccsched``.

    A ``VccschedError`` is the user's to fix: its title and message, its exit
    status. Anything else is a bug of ours: one line asking for a report
    (exit status 70), the traceback only with ``VCCSCHED_DEBUG=1``.
    """
    try:
        app(args=argv, prog_name="vccsched", standalone_mode=True)
    except VccschedError as exc:
        print(exc.render(), file=sys.stderr)
        raise SystemExit(exc.exit_code) from None
    except BrokenPipeError:
        # The reader of our output went away (``vccsched plan | head``): not an
        # error of the user's; keep Python from complaining again at exit.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(141) from None
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        raise SystemExit(130) from None
    except Exception as exc:  # noqa: BLE001 (the last resort: never a raw traceback)
        if os.environ.get(DEBUG_VARIABLE, "") not in ("", "0"):
            traceback.print_exc()
        command = " ".join(["vccsched", *(argv if argv is not None else sys.argv[1:])])
        print(
            f"Internal error: {type(exc).__name__}: {exc}\n"
            f"This is a bug in vccsched, not a problem with your files; please report it "
            f"with the command you ran ({command}) and the files it read. "
            f"Run it again with {DEBUG_VARIABLE}=1 to see the details.",
            file=sys.stderr,
        )
        raise SystemExit(70) from None
