"""The ``vccsched`` command line.

Each group of subcommands lives in its own module and registers itself here.
Errors from the core (:class:`~vccsched.errors.VccschedError`) are printed as
their title and message on stderr with the error's exit status: never a
traceback.
"""

from __future__ import annotations

import sys

import typer

from vccsched.cli import agenda, floor, grouping, plan, roster
from vccsched.errors import VccschedError

app = typer.Typer(
    name="vccsched",
    help="Run a virtual consultation of councillors: grouping consultation, "
    "time-management plan, floor rules.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
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


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``vccsched`` script and of ``python -m vccsched``."""
    try:
        app(args=argv, prog_name="vccsched", standalone_mode=True)
    except VccschedError as exc:
        print(exc.render(), file=sys.stderr)
        raise SystemExit(exc.exit_code) from None
