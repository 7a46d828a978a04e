"""Snapshots of the console (pytest-textual-snapshot) on a fixed floor and a fixed clock:
the floor is made by the real rules (console.sample), nothing is connected.

Look at a changed snapshot before accepting it (``--snapshot-update``): the report
pytest writes on failure shows the old and the new side by side."""

from __future__ import annotations

import datetime as dt

import pytest

from console.app import ConsoleApp
from console.client import Connection
from console.sample import mixed_floor
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


def test_mixed_queue_with_the_countdown_in_warning(snap_compare, floor):
    assert snap_compare(console(floor, after=160), terminal_size=(120, 36))


def test_overrun_at_100_by_30(snap_compare, floor):
    assert snap_compare(console(floor, after=196), terminal_size=(100, 30))


def test_deferral_dialog(snap_compare, floor):
    assert snap_compare(console(floor, after=60), press=["d", "i", "r"], terminal_size=(120, 36))


def test_help_screen(snap_compare, floor):
    assert snap_compare(console(floor, after=60), press=["question_mark"], terminal_size=(120, 36))


def test_offline_the_whole_screen_says_so(snap_compare, floor):
    lost = floor.state.speaker.since + dt.timedelta(seconds=40)
    offline = Connection("offline", lost, "connection refused", attempt=6)
    assert snap_compare(console(floor, after=75, connection=offline), terminal_size=(120, 36))


def test_a_delegations_view(snap_compare, floor):
    assert snap_compare(console(floor, after=60, delegation="GBR"), terminal_size=(120, 36))
