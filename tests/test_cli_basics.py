"""The command line as a whole: help everywhere, version, errors without tracebacks."""

from __future__ import annotations

import pytest
import typer.main

from vccsched.cli import app
from vccsched.errors import DataError, VccschedError

from conftest import run_cli_process


def command_paths(command, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    # Typer bundles its own copy of click, so walk groups by duck typing.
    paths = [prefix]
    if hasattr(command, "commands"):
        for name, sub in sorted(command.commands.items()):
            paths.extend(command_paths(sub, (*prefix, name)))
    return paths


ALL_COMMANDS = command_paths(typer.main.get_command(app))


@pytest.fixture
def cli():
    """This file is the command line's process boundary: every command's help, the version and
    a clear error, each from ``python -m vccsched`` in a process of its own."""
    return run_cli_process


def test_the_command_tree_has_the_agenda_command():
    assert ("agenda",) in ALL_COMMANDS


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda p: " ".join(p) or "vccsched")
def test_every_command_has_help(cli, path):
    result = cli(*path, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: vccsched")
    assert "Traceback" not in result.stderr


def test_version(cli):
    from vccsched import __version__

    result = cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == __version__


def test_missing_meeting_folder_is_a_clear_error(cli, tmp_path):
    missing = tmp_path / "nowhere"
    result = cli("agenda", "--meeting", str(missing))
    assert result.returncode == 2
    assert "Missing data folder" in result.stderr
    assert str(missing) in result.stderr
    assert "meeting.yaml, agenda.yaml and roster.yaml" in result.stderr
    assert "Traceback" not in result.stderr


def test_error_render_has_title_message_and_details():
    err = DataError("agenda.yaml: 2 problems", details=["item 36, field 'minutes': missing", "x"])
    assert err.render() == (
        "Invalid input data: agenda.yaml: 2 problems\n"
        "  - item 36, field 'minutes': missing\n"
        "  - x"
    )
    assert err.exit_code == 2
    assert isinstance(err, VccschedError)
    assert VccschedError("m", title="Custom").render() == "Custom: m"
    nested = VccschedError("m", details=["These rules conflict:", "  at most 7 days", "Move item 44"])
    assert nested.render().splitlines()[1:] == [
        "  - These rules conflict:",
        "      - at most 7 days",
        "  - Move item 44",
    ]


def test_each_command_is_registered_by_the_module_main_imports_for_it():
    """``main`` builds only the module of the command it runs (vccsched/cli/__init__.py): the map
    it uses must name, for every top-level command, the module that registers it."""
    import vccsched.cli as cli_package

    assert set(typer.main.get_command(app).commands) == set(cli_package.COMMAND_MODULES)
    for name, module in cli_package.COMMAND_MODULES.items():
        assert name in typer.main.get_command(cli_package.build_app((module,))).commands, (name, module)
        assert typer.main.get_command(cli_package.app_for([name, "--help"])).commands.keys() == (
            typer.main.get_command(cli_package.build_app((module,))).commands.keys()
        )
    # Anything else (help, --version, a misspelt command) gets the whole tree, for click's messages.
    for argv in ([], ["--help"], ["--version"], ["flor", "replay"]):
        assert typer.main.get_command(cli_package.app_for(argv)).commands.keys() == ALL_TOP_LEVEL


ALL_TOP_LEVEL = typer.main.get_command(app).commands.keys()


def test_the_command_line_loads_no_meeting_models_before_a_command_needs_them():
    # What every run of the command line pays (each test's ``cli`` fixture is a process).
    import subprocess
    import sys

    code = "import sys, vccsched.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'ortools', 'openpyxl', 'docx', 'babel', 'jinja2', 'yaml', 'server', 'console')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
