"""The interpreters' screen in the console (protocol 4), and the floor language on the chair's:
a booth's token opens a read-only screen with the speaker, the floor language and the
countdown, and the next three in line with theirs, each change marked. Textual run_test()
on a fixed floor made by the real rules (console.sample), and an SVG snapshot."""

from __future__ import annotations

import datetime as dt

import pytest

from console.actions import KEY_ACTIONS, actions_for
from console.app import ConsoleApp
from console.model import next_in_line, queue_rows
from console.sample import interpreters_floor
from console.screen import ChairScreen, InterpreterScreen
from console.source import FixedFloor
from test_console_app import text

SIZE = (100, 30)


@pytest.fixture(scope="module")
def floor():
    return interpreters_floor()


def app_for(floor, delegation: str, category: str, after: float = 42) -> ConsoleApp:
    now = floor.state.speaker.since + dt.timedelta(seconds=after)
    source = FixedFloor.from_events(floor.floor.setup, floor.floor.events, now, delegation=delegation, category=category)
    return ConsoleApp(source, url="ws://127.0.0.1:8765/ws", bell=False)


def test_the_next_three_with_their_languages_and_each_change(floor):
    entries = next_in_line(floor.state)
    assert [(e.place, e.name, e.language, e.changes) for e in entries] == [
        (1, "Russian Federation", "Russian", True),  # after China's Chinese
        (2, "France", "Russian", False),  # stated Russian: no change
        (3, "Egypt", "Arabic", True),
    ]
    assert len(floor.state.current.queue) == 5  # the others are not the interpreters' concern yet


def test_the_interpreters_have_only_the_keys_to_read():
    keys = {a.action for a in actions_for("interpreter")}
    assert keys == {"help", "app.command_palette", "quit"}
    assert {a.action for a in KEY_ACTIONS if a.floor} & keys == set()


async def test_a_booths_console_opens_the_read_only_interpreters_screen(floor):
    app = app_for(floor, "INT-FR", "interpreter")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.1)
        screen = app.screen
        assert isinstance(screen, InterpreterScreen)
        assert "CHINESE" in text(app, "#interp-language")
        assert "China" in text(app, "#speaker-name") and "Chinese" in text(app, "#speaker-detail")
        assert str(screen.query_one("#countdown").value) == "2:18"
        upcoming = text(app, "#interp-next")
        assert "1. Russian Federation" in upcoming and "→ Russian" in upcoming
        assert "2. France" in upcoming and "→ Arabic" in upcoming and "United Kingdom" not in upcoming
        assert upcoming.count("change of language") == 2
        assert "Interpreters, French booth" in text(app, "#status-right") and "read-only" in text(app, "#status-right")
        # Nothing it presses reaches the floor: the chair's and the delegations' keys are not its own.
        for key in ("n", "e", "f", "g", "x", "space", "w", "p", "s"):
            await pilot.press(key)
        await pilot.pause(0.05)
        assert app.source.sent == []
        for action in ("next_speaker", "request", "withdraw", "end_speech", "give_floor", "export_log"):
            assert screen.check_action(action, ()) is False, action


async def test_the_chair_sees_the_languages_in_the_waiting_list_and_on_the_speaker(floor):
    rows = queue_rows(floor.state)
    assert [(r.delegation, r.language) for r in rows] == [
        ("RUS", "Russian"), ("FRA", "Russian"), ("EGY", "Arabic"), ("USA", "English"), ("GBR", ""),
    ]
    app = app_for(floor, "VC", "chair")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.1)
        assert isinstance(app.screen, ChairScreen)
        waiting = app.screen.query_one("#queue")
        assert waiting.row_text(0)["language"] == "Russian" and waiting.row_text(4)["language"] == "–"
        assert "Chinese" in text(app, "#speaker-detail")


async def test_at_100_columns_the_speakers_detail_line_keeps_the_limit(floor):
    """China speaking in Chinese: the whole line does not fit the panel's 48 cells; the start
    loses its seconds, never the limit (and a point of order loses the start)."""
    from rich.text import Text

    from console.model import countdown
    from console.widgets.floor import detail_text

    app = app_for(floor, "VC", "chair")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.1)
        detail = app.screen.query_one("#speaker-detail")
        shown = text(app, "#speaker-detail")
        assert shown.endswith("limit 3:00") and "Chinese" in shown and "since 12:" in shown
        assert Text(shown).cell_len <= detail.size.width == 48
        app.save_screenshot("vccsched-console-detail-100.svg", "/tmp")
        await pilot.resize_terminal(140, 36)  # wider: the whole line again, seconds included
        await pilot.pause(0.2)
        assert len(text(app, "#speaker-detail").split(":")) == 4  # since HH:MM:SS · limit M:SS
    current = countdown(floor.state, floor.state.speaker.since)
    zone = floor.state.speaker.since.tzinfo
    for kind in ("[b reverse $warning] POINT OF ORDER [/]", "right of reply"):
        line = Text.from_markup(detail_text(current, zone, kind, 48)).plain
        assert line.endswith("limit 3:00") and "Chinese" in line and len(line) <= 48, line
    assert "since" in detail_text(current, zone, "speech", 0)  # not laid out yet: the whole line


def test_the_interpreters_screen_snapshot(snap_compare, floor):
    async def ready(pilot) -> None:
        await pilot.pause(0.2)

    assert snap_compare(app_for(floor, "INT-AR", "interpreter"), terminal_size=SIZE, run_before=ready)


def test_the_log_says_the_languages_and_the_chairs_correction(floor):
    from console.model import describe
    from vccsched.floor.events import FloorLanguageSet

    requested = next(e for e in floor.floor.events if e.type == "floor_requested" and e.delegation == "EGY")
    assert describe(requested, floor.state) == "Egypt asked for the floor (speech, in Arabic)"
    given = next(e for e in floor.floor.events if e.type == "floor_given")
    assert describe(given, floor.state) == "floor to China (speech, in Chinese, 3:00)"
    corrected = FloorLanguageSet(
        seq=99, at=given.at, actor="VC", command_id="vc-x", item=3, delegation="EGY", kind="speech",
        language="fr", target="request",
    )
    assert describe(corrected, floor.state) == "Egypt's waiting request (speech): floor language corrected to French"


async def test_the_chair_corrects_a_language_with_i(floor):
    app = app_for(floor, "VC", "chair")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.1)
        # No list focused: the speaker's (Chinese, highlighted first); down to English.
        await pilot.press("i")
        await pilot.pause(0.05)
        assert app.screen.query_one("#floor-language").highlighted == 1
        await pilot.press("down", "enter")
        await pilot.pause(0.05)
        assert app.source.sent[-1] == {"type": "set_floor_language", "delegation": "CHN", "language": "en"}
        # The waiting list focused, its third request (Egypt): that request.
        app.screen.query_one("#queue").focus()
        await pilot.press("down", "down", "i", "up", "enter")
        await pilot.pause(0.05)
        assert app.source.sent[-1] == {
            "type": "set_floor_language", "delegation": "EGY", "language": "es", "kind": "speech",
        }
        # The give-floor picker does not offer the interpreters.
        choices = app.screen._choices(floor.state)
        assert not any(c.id.startswith("INT-") for c in choices) and any(c.id == "SG" for c in choices)
