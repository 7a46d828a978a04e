"""The ``vccsched`` command line.

Each group of subcommands lives in its own module and registers itself here.
Errors from the core (:class:`~vccsched.errors.VccschedError`) are printed as
their title and message on stderr with the error's exit status: never a
traceback.

A run imports only the module of the command it runs (``vccsched floor replay``
needs neither the planner nor the server): :data:`COMMAND_MODULES` says which
module registers which top-level command (tests/test_cli_basics.py checks it).
:data:`app` is the whole command tree, built when first asked for.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import traceback

import typer

from vccsched.cli.common import command_group
from vccsched.errors import VccschedError

#: The modules of vccsched/cli/ that register commands, in the order of ``vccsched --help``.
MODULES = (
    "agenda", "plan", "grouping", "roster", "floor", "server", "console", "report",
    "correspondence", "contributions", "registrations",
)  # fmt: skip

#: Top-level command -> the module that registers it (all of them: a test compares).
COMMAND_MODULES = {name: name for name in MODULES} | {"demo": "console"}


def _print_version(value: bool) -> None:
    if value:
        from vccsched import __version__

        print(__version__)
        raise typer.Exit()


def build_app(modules: tuple[str, ...] = MODULES) -> typer.Typer:
    """The ``vccsched`` app with the commands of ``modules`` (default: all of them)."""
    root = command_group(
        "vccsched",
        "Run a virtual consultation of councillors: grouping consultation, "
        "time-management plan, floor rules.",
    )

    @root.callback()
    def _root(
        version: bool = typer.Option(
            False, "--version", help="Print the version and exit.", is_eager=True, callback=_print_version
        ),
    ) -> None:
        """Run a virtual consultation of councillors: grouping consultation,
        time-management plan, floor rules."""

    for name in modules:
        importlib.import_module(f"vccsched.cli.{name}").register(root)
    return root


def app_for(argv: list[str]) -> typer.Typer:
    """The app to run ``argv`` with: only the module of its command when the first word
    names one exactly; otherwise (help, --version, a misspelt command) the whole tree."""
    module = COMMAND_MODULES.get(argv[0]) if argv else None
    return build_app((module,)) if module is not None else build_app()


def __getattr__(name: str):
    # ``from vccsched.cli import app``: the whole command tree, built once.
    if name == "app":
        global app
        app = build_app()
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Set to 1 to see the Python traceback of an internal error (for developers).
DEBUG_VARIABLE = "VCCSCHED_DEBUG"


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``vccsched`` script and of ``python -m vccsched``.

    A ``VccschedError`` is the user's to fix: its title and message, its exit
    status. Anything else is a bug of ours: one line asking for a report
    (exit status 70), the traceback only with ``VCCSCHED_DEBUG=1``.
    """
    try:
        app_for(list(sys.argv[1:] if argv is None else argv))(args=argv, prog_name="vccsched", standalone_mode=True)
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
