"""The command line as a whole: help everywhere, version, errors without tracebacks."""

from __future__ import annotations

import pytest
import typer.main

from vccsched.cli import app
from vccsched.errors import DataError, VccschedError


def command_paths(command, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    # Typer bundles its own copy of click, so walk groups by duck typing.
    paths = [prefix]
    if hasattr(command, "commands"):
        for name, sub in sorted(command.commands.items()):
            paths.extend(command_paths(sub, (*prefix, name)))
    return paths


ALL_COMMANDS = command_paths(typer.main.get_command(app))


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
