"""The secretariat's console: the chair's view of the agenda and time without the chair's
commands, re-plan and publish, asking for the floor as the floor's rules have it, and the
log so far saved to a file that `vccsched floor replay` reads back to the server's state."""

from __future__ import annotations

import json

import pytest

from console.actions import KEY_ACTIONS, actions_for
from console.app import ConsoleApp
from console.client import FloorClient
from console.dialogs import HelpScreen, ReplanDialog
from console.log_export import LogExportError, command_of, log_text
from console.sample import SAMPLE_PLAN, Script, hand_plan
from console.screen import SecretariatScreen
from console.widgets.time_panel import TimePanel
from test_console_app import console, text, until
from live_server import live_server, ws_client
from test_console_time import Clock, c21_plan, geneva, has_figures  # noqa: F401 (c21_plan: a fixture)
from vccsched.floor.replay import replay

CHAIR_KEYS = {"n", "o", "c", "x", "d", "b", "g", "t", "r", "l", "space"}


def test_the_secretariat_has_its_own_keys_and_none_of_the_chairs():
    keys = {a.key: a.action for a in actions_for("secretariat")}
    assert keys["p"] == "replan" and keys["s"] == "export_log" and keys["f"] == "ask_floor"
    assert keys["e"] == "end_speech"
    assert not CHAIR_KEYS & set(keys)
    chair_only = {a.action for a in KEY_ACTIONS if a.role == "chair"} - {"replan", "end_speech"}
    assert not chair_only & set(keys.values())


@pytest.mark.slow
async def test_the_secretariats_console_shows_the_chairs_view_without_chair_actions(tmp_path):
    async with live_server(tmp_path) as srv:
        async with ws_client(srv, "VC") as vc:
            await vc.command({"type": "open_item", "item": 3})
            await vc.command({"type": "give_floor", "delegation": "SG"})
        async with console(srv, "SG") as (app, pilot):
            screen = app.screen
            assert isinstance(screen, SecretariatScreen)
            bound = set(screen._bindings.key_to_bindings)
            assert {"p", "s", "f", "e"} <= bound and not CHAIR_KEYS & bound
            titles = [c.title for c in app.get_system_commands(screen)]
            assert any(t.endswith("(p)") and "Re-plan" in t for t in titles)
            assert any(t.endswith("(s)") and "Save the floor's log" in t for t in titles)
            assert not any("first in line" in t or "Open the item" in t or "Defer" in t for t in titles)
            for action in ("next_speaker", "open_item", "close_item", "give_floor", "defer", "request"):
                assert screen.check_action(action, ()) is False, action
            # The time panel as the chair sees it (not the delegations' one line).
            assert not screen.query_one(TimePanel).compact
            assert "Secretary-General" in text(app, "#status-right") and "Secretariat" in text(app, "#status-right")
            assert "you have the floor" in text(app, "#item")

            # e: the Secretariat ends its own speech.
            await pilot.press("e")
            await until(pilot, lambda: srv.shell.floor.state.speaker is None)
            assert srv.shell.floor.state.speeches[-1].reason == "finished"
            assert "the chair gives you the floor" in text(app, "#item")

            # f: the floor's rules have the chair give the secretariat the floor; nothing is sent.
            before = len(srv.shell.floor.events)
            await pilot.press("f")
            await pilot.pause(0.2)
            assert len(srv.shell.floor.events) == before and not app.refusals
            assert any("gives it the floor with g" in str(n.message) for n in app._notifications)

            # Chair keys do nothing: no command reaches the server.
            await pilot.press("n", "c", "o", "x", "d")
            await pilot.pause(0.2)
            assert len(srv.shell.floor.events) == before and not app.refusals

            # ?: the help says whose console it is and lists its keys, not the chair's.
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            keys = text(app, "#help-keys")
            assert "Re-plan what is left" in keys and "Save the floor's log" in keys
            assert "Give the floor" not in keys and "Defer" not in keys
            await pilot.press("escape")


@pytest.mark.slow
async def test_the_saved_log_replays_to_the_servers_state(tmp_path):
    out = tmp_path / "logs"
    out.mkdir()
    async with live_server(tmp_path) as srv:
        setup = srv.shell.floor.state.setup
        async with ws_client(srv, "SG") as sg:
            await sg.command({"type": "publish_plan", "plan": hand_plan(setup, SAMPLE_PLAN)})
        async with ws_client(srv, "VC") as vc, ws_client(srv, "BRA") as bra, ws_client(srv, "GBR") as gbr:
            await vc.command({"type": "conclude_en_bloc", "items": [1, 2]})
            await vc.command({"type": "open_item", "item": 3})
            await bra.command({"type": "request_floor"})
            await gbr.command({"type": "request_floor"})
            await gbr.command({"type": "request_floor", "kind": "point_of_order"})
            await vc.command({"type": "next_speaker"})  # the point of order first
            await vc.command({"type": "pause_clock"})
            await vc.command({"type": "resume_clock"})
            await gbr.command({"type": "end_speech"})
            await vc.command({"type": "give_floor", "delegation": "GBR"})  # out of order
            await vc.command({"type": "set_speaking_time", "seconds": 120})
            await vc.command({"type": "close_list"})
            await vc.command({"type": "reopen_list"})
            await bra.command({"type": "withdraw"})
            await bra.command({"type": "request_floor"})
            await vc.command({"type": "remove_request", "delegation": "BRA"})
            await vc.command({"type": "end_speech"})
            await vc.command({"type": "record_conclusion", "conclusion": "Noted.", "by_correspondence": True})
            await vc.command({"type": "defer_item", "requested_by": "IRN", "note": "to C22"})
            await bra.command({"type": "request_floor"})
            await vc.command({"type": "close_item"})
            await vc.command({"type": "open_item", "item": 3})  # reopened
            await vc.command({"type": "close_item"})
            await vc.command({"type": "suspend_meeting"})
            await vc.command({"type": "resume_meeting"})
        async with console(srv, "SG") as (app, pilot):
            app.screen.export_dir = out
            await pilot.press("s")
            await until(pilot, lambda: any(out.iterdir()), timeout=10)
            await pilot.pause(0.1)
        [saved] = list(out.iterdir())
        assert saved.name.startswith("floor-log-C21-VCC-1-") and saved.suffix == ".jsonl"
        lines = saved.read_text(encoding="utf-8").splitlines()
        assert json.loads(lines[0])["meeting"] == "C21/VCC-1"
        result = replay(lines, setup, source=str(saved))
        assert result.refusals == []
        assert result.state == srv.shell.floor.state
        assert len(lines) - 1 == 26  # one line per command the server accepted


def test_a_scripted_floor_exports_to_a_log_that_replays_to_the_same_state():
    s = Script()
    s.do("SG", {"type": "publish_plan", "plan": hand_plan(s.floor.setup, SAMPLE_PLAN)})
    s.do("VC", {"type": "conclude_en_bloc"})
    s.do("VC", {"type": "open_item", "item": 36}).do("VC", {"type": "give_floor", "delegation": "SG"})
    s.ask(["BRA", "JPN"]).do("VC", {"type": "next_speaker"}).do("BRA", {"type": "end_speech"})
    s.do("VC", {"type": "record_conclusion", "conclusion": "Endorsed."})
    s.do("VC", {"type": "defer_item", "requested_by": "IRN", "scope": "conclusion"})
    s.do("VC", {"type": "next_speaker"}).do("VC", {"type": "suspend_meeting"})
    text_ = log_text(s.floor.setup.meeting_id, s.floor.events, "test")
    result = replay(text_.splitlines(), s.floor.setup)
    assert result.refusals == [] and result.state == s.state
    commands = [json.loads(line)["command"]["type"] for line in text_.splitlines()[1:]]
    assert commands[-2:] == ["next_speaker", "suspend_meeting"]
    assert commands[3] == "give_floor"


def test_the_saved_log_keeps_persons_and_languages_and_replays_without_registrations():
    """A floor with persons: who asked (line "person", "language"), the chair naming another
    speaker than the one who asked while first in line, a hand-over, a delegation's own token
    stating its language. The saved log replays to the same state, persons and languages
    included, with the registrations and without them (report --log has none)."""
    from test_floor_rules import Session, small_setup
    from test_named_speaker import HEAD_ZH, SPEAKERS

    from vccsched.floor.asker import Asker

    s = Session(small_setup(speakers=SPEAKERS)).open(3)
    s.floor.handle_raw("CHN", {"type": "request_floor", "id": "c-1"}, s.now, HEAD_ZH)
    usa = Asker(person="USA.1", label="USA.1", speaker=True, floor_language="en")
    s.floor.handle_raw("USA", {"type": "request_floor", "id": "u-1", "language": "fr"}, s.now, usa)
    s.ok("RUS", "request_floor", language="es")  # its own token, a stated language
    s.ok("VC", "give_floor", delegation="CHN", person="CHN.2")  # first in line, another person
    s.ok("VC", "give_floor", advance=30, delegation="CHN", person="CHN.1", language="zh")  # handed back
    s.ok("VC", "next_speaker")  # USA.1, in French
    s.ok("VC", "next_speaker")  # Russia, in Spanish
    s.ok("VC", "end_speech")
    assert [(x.person, x.language) for x in s.state.speeches] == [
        ("CHN.2", None), ("CHN.1", "zh"), ("USA.1", "fr"), (None, "es")]
    lines = log_text(s.floor.setup.meeting_id, s.floor.events, "test").splitlines()
    for setup in (s.floor.setup, small_setup()):
        result = replay(lines, setup)
        assert result.refusals == []
        assert result.state.model_copy(update={"setup": s.state.setup}) == s.state  # the setup: with or without speakers
    asked = [json.loads(line) for line in lines[1:] if json.loads(line)["command"]["type"] == "request_floor"]
    assert [(a.get("person"), a.get("language"), a["command"].get("language")) for a in asked] == [
        ("CHN.1", "zh", None), ("USA.1", "fr", None), (None, None, "es")]


def test_an_event_no_command_makes_is_said_not_guessed():
    s = Script().do("VC", {"type": "open_item", "item": 3})
    event = s.floor.events[0].model_copy(update={"type": "something_new"})
    with pytest.raises(LogExportError, match="something_new"):
        command_of([event])


@pytest.mark.slow
async def test_the_secretariat_re_plans_and_publishes_from_its_console(tmp_path, c21_plan):
    clock = Clock(geneva(8, 12))
    async with live_server(tmp_path, clock=clock) as srv:
        async with ws_client(srv, "SG") as sg, ws_client(srv, "VC") as vc:
            await sg.command({"type": "publish_plan", "plan": c21_plan})
            await vc.command({"type": "conclude_en_bloc", "items": [1, 2, 7, 8, 9]})
            clock.at = geneva(8, 12, 0, 30)
            await vc.command({"type": "open_item", "item": 3})
            clock.at = geneva(8, 12, 50)
            await vc.command({"type": "close_item"})
        client = FloorClient(srv.ws_url, srv.tokens["SG"], backoff=(0.05, 0.1), clock=clock)
        app = ConsoleApp(client, url=srv.ws_url, bell=False)
        async with app.run_test(size=(120, 36)) as pilot:
            await until(pilot, lambda: has_figures(app), timeout=10)
            assert isinstance(app.screen, SecretariatScreen)
            await pilot.press("p")
            await until(pilot, lambda: isinstance(app.screen, ReplanDialog), timeout=30)
            await pilot.press("y")
            await until(pilot, lambda: srv.shell.floor.state.plan.revision == 2)
            assert srv.shell.floor.state.plan.by == "SG"
