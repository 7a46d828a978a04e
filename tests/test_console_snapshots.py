"""Snapshots of the console (pytest-textual-snapshot) on a fixed floor and a fixed clock:
the floor is made by the real rules (console.sample), nothing is connected.

Look at a changed snapshot before accepting it (``--snapshot-update``): the report
pytest writes on failure shows the old and the new side by side."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from console.app import ConsoleApp
from console.client import Connection
from console.dialogs import ReplanDialog
from console.sample import mixed_floor, running_late
from console.source import FixedFloor


@pytest.fixture(scope="module")
def floor():
    """Saudi Arabia speaking on the draft budget since 12:15:47, limit 3:00; nine waiting:
    a point of order, Council Members, an observer, Palestine, two Sector Members, a reply."""
    return mixed_floor()


def console(floor, *, after: float, delegation: str = "VC", connection: Connection | None = None) -> ConsoleApp:
    speaker = floor.state.speaker
    now = speaker.since + dt.timedelta(seconds=after)
    category = "chair" if delegation == "VC" else floor.state.setup.category_of[delegation]
    source = FixedFloor.from_events(
        floor.floor.setup, floor.floor.events, now, delegation=delegation, category=category, connection=connection
    )
    return ConsoleApp(source, url="ws://127.0.0.1:8765/ws", bell=False)


async def ready(pilot) -> None:
    """The floor is shown and the time panel has its figures (the meeting loads in a worker)."""
    app = pilot.app
    async with asyncio.timeout(10):
        while app.floor_screen is None or app.floor_screen.query_one("#time").figures is None:
            await pilot.pause(0.02)


def test_mixed_queue_with_the_countdown_in_warning(snap_compare, floor):
    assert snap_compare(console(floor, after=160), terminal_size=(120, 36), run_before=ready)


def test_overrun_at_100_by_30(snap_compare, floor):
    assert snap_compare(console(floor, after=196), terminal_size=(100, 30), run_before=ready)


def test_deferral_dialog(snap_compare, floor):
    assert snap_compare(console(floor, after=60), press=["d", "i", "r"], terminal_size=(120, 36), run_before=ready)


def test_help_screen(snap_compare, floor):
    assert snap_compare(console(floor, after=60), press=["question_mark"], terminal_size=(120, 36), run_before=ready)


def test_offline_the_whole_screen_says_so(snap_compare, floor):
    lost = floor.state.speaker.since + dt.timedelta(seconds=40)
    offline = Connection("offline", lost, "connection refused", attempt=6)
    assert snap_compare(console(floor, after=75, connection=offline), terminal_size=(120, 36), run_before=ready)


def test_a_delegations_view(snap_compare, floor):
    assert snap_compare(console(floor, after=60, delegation="GBR"), terminal_size=(120, 36), run_before=ready)


@pytest.fixture(scope="module")
def late():
    """Day 1 at 13:40:15: the draft budget 26 min over its 70, Uganda speaking since 13:39."""
    return running_late()


def test_the_time_panel_warns_once_the_day_runs_past_the_window(snap_compare, late):
    assert snap_compare(console(late, after=75), terminal_size=(120, 36), run_before=ready)


def test_the_re_plan_preview(snap_compare, late):
    async def preview(pilot) -> None:
        await ready(pilot)
        await pilot.press("p")
        async with asyncio.timeout(20):  # CP-SAT in a worker thread
            while not isinstance(pilot.app.screen, ReplanDialog):
                await pilot.pause(0.05)

    assert snap_compare(console(late, after=75), terminal_size=(120, 36), run_before=preview)


def test_the_secretariats_view(snap_compare, floor):
    """The agenda and time as the chair sees them; the Secretariat's keys, none of the chair's."""
    assert snap_compare(console(floor, after=60, delegation="SG"), terminal_size=(120, 36), run_before=ready)


def test_the_secretariats_help_screen(snap_compare, floor):
    assert snap_compare(
        console(floor, after=60, delegation="SG"), press=["question_mark"], terminal_size=(120, 36), run_before=ready
    )
