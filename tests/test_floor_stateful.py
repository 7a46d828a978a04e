"""Hypothesis stateful test of the floor: random commands from random roster actors.

After every step the rules must still hold: the waiting lists are in rule
order (arrival counted here, not taken from the floor's ``order``), one waiting request of each kind per delegation, only the chair changed
chair-controlled state, every deferral names a Council Member, replaying the
events rebuilds the same state, sequence numbers have no gaps, and repeating a
command id repeats the answer without a second effect.

Runs 200 examples x 50 steps, derandomized and without an example database so
CI sees the same runs every time.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from test_floor_rules import T0, small_setup

from vccsched.floor.commands import REQUEST_KINDS, parse_command
from vccsched.floor.engine import Floor
from vccsched.floor.events import CHAIR_EVENTS, event_list_adapter
from vccsched.floor.state import FloorState, fold

SETUP = small_setup()
IDS = [p.id for p in SETUP.participants]
CATEGORY = {p.id: p.category for p in SETUP.participants}
CHAIR = "VC"
ACTORS = [*IDS, "XYZ"]  # XYZ: not on the roster
ITEMS = [i.number for i in SETUP.items]
KIND_RANK = {"point_of_order": 0, "speech": 1, "right_of_reply": 2}
TIER = {"council_member": 0, "observer_state": 1, "palestine_observer": 1, "sector_member": 2}

kinds = st.sampled_from(REQUEST_KINDS)
delegations = st.sampled_from(ACTORS)
maybe_item = st.one_of(st.none(), st.sampled_from([*ITEMS, 99]))

COMMANDS = st.one_of(
    st.fixed_dictionaries({"type": st.just("request_floor"), "kind": kinds, "item": maybe_item}),
    st.fixed_dictionaries({"type": st.just("withdraw"), "kind": kinds}),
    st.fixed_dictionaries({"type": st.just("end_speech")}),
    st.fixed_dictionaries({"type": st.just("open_item"), "item": st.sampled_from([*ITEMS, 99])}),
    st.fixed_dictionaries({"type": st.just("next_speaker")}),
    st.fixed_dictionaries({"type": st.just("give_floor"), "delegation": delegations, "kind": kinds}),
    st.fixed_dictionaries(
        {"type": st.just("set_speaking_time"), "seconds": st.sampled_from([10, 60, 180]), "item": maybe_item}
    ),
    st.fixed_dictionaries({"type": st.sampled_from(["pause_clock", "resume_clock"])}),
    st.fixed_dictionaries({"type": st.sampled_from(["close_list", "reopen_list"])}),
    st.fixed_dictionaries({"type": st.just("remove_request"), "delegation": delegations, "kind": kinds}),
    st.fixed_dictionaries(
        {"type": st.just("record_conclusion"), "conclusion": st.just("Noted."), "by_correspondence": st.booleans()}
    ),
    st.fixed_dictionaries(
        {"type": st.just("defer_item"), "requested_by": delegations, "scope": st.sampled_from(["item", "conclusion"])}
    ),
    st.fixed_dictionaries({"type": st.just("close_item")}),
    st.fixed_dictionaries(
        {"type": st.just("conclude_en_bloc"), "items": st.one_of(st.none(), st.lists(st.sampled_from(ITEMS), max_size=3))}
    ),
    st.fixed_dictionaries({"type": st.sampled_from(["suspend_meeting", "resume_meeting"])}),
)
QUEUERS = [i for i in IDS if CATEGORY[i] in TIER]
DELEGATE_COMMANDS = st.one_of(
    st.fixed_dictionaries({"type": st.just("request_floor"), "kind": kinds}),
    st.fixed_dictionaries({"type": st.just("withdraw"), "kind": kinds}),
    st.fixed_dictionaries({"type": st.just("end_speech")}),
)
CHAIR_ROUTINE = st.one_of(
    st.fixed_dictionaries({"type": st.sampled_from(["next_speaker", "next_speaker", "end_speech", "close_list"])}),
    st.fixed_dictionaries({"type": st.sampled_from(["pause_clock", "resume_clock", "reopen_list", "close_item"])}),
    st.fixed_dictionaries({"type": st.just("give_floor"), "delegation": st.sampled_from(["SG", *QUEUERS]), "kind": kinds}),
    st.fixed_dictionaries(
        {"type": st.just("defer_item"), "requested_by": st.sampled_from(QUEUERS), "scope": st.sampled_from(["item", "conclusion"])}
    ),
    st.fixed_dictionaries({"type": st.just("record_conclusion"), "conclusion": st.just("Agreed."), "by_correspondence": st.booleans()}),
)
ADVANCES = st.one_of(st.integers(0, 400), st.just(-5))  # -5: a clock stepping back

#: State a delegate must never change (everything but its own requests and its own speech).
CHAIR_FIELDS = ("current_item", "suspended")


def expected_key(state: FloorState, item_number: int, request, arrival: int) -> tuple:
    """The rule order, computed independently of vccsched.floor.queue; ``arrival`` is
    the test's own count of accepted requests, not the floor's ``order``."""
    spoken = {sp.delegation for sp in state.speeches if sp.item == item_number and sp.kind == "speech"}
    s = state.speaker
    if s is not None and s.item == item_number and s.kind == "speech":
        spoken.add(s.delegation)
    if request.kind != "speech":
        return (KIND_RANK[request.kind], 0, 0, arrival)
    return (1, TIER[CATEGORY[request.delegation]], int(request.delegation in spoken), arrival)


def chair_view(state: FloorState) -> tuple:
    items = tuple(
        (n, i.status, i.list_closed, i.speaking_time_seconds, i.outcome) for n, i in sorted(state.items.items())
    )
    return (state.current_item, state.suspended, items)


class FloorMachine(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.floor = Floor(SETUP)
        self.now = T0
        self.count = 0
        self.sent: list[tuple[str, dict, object]] = []
        # The test's own arrival count: (item, delegation, kind) -> 1, 2, 3 ... meeting-wide.
        self.arrivals = 0
        self.arrival: dict[tuple[int, str, str], int] = {}
        # Start in the thick of it: most rules need an open item.
        self._send(CHAIR, {"type": "open_item", "item": 3, "id": "c0"}, 0)

    def _send(self, actor: str, raw: dict, advance: int):
        self.now += dt.timedelta(seconds=advance)
        before = self.floor.state
        answer = self.floor.handle_raw(actor, raw, self.now)
        after = self.floor.state
        if answer.refusal is not None:
            assert after is before, "a refused command changed the state"
            assert answer.events == ()
        else:
            assert answer.events, "an accepted command must say what happened"
            assert [e.seq for e in answer.events] == list(range(before.seq + 1, after.seq + 1))
            assert all(e.actor == actor and e.command_id == raw["id"] for e in answer.events)
            if actor != CHAIR:
                self._check_delegate_effect(actor, before, after, answer.events)
            for e in answer.events:
                if e.type == "floor_requested":
                    self.arrivals += 1
                    self.arrival[(e.item, e.delegation, e.kind)] = self.arrivals
                    assert e.order == self.arrivals, "a request's order is not its arrival number"
        self.sent.append((actor, raw, answer))
        return answer

    def _check_delegate_effect(self, actor, before, after, events) -> None:
        assert not {e.type for e in events} & CHAIR_EVENTS, [e.type for e in events]
        assert chair_view(before) == chair_view(after), "a delegate changed chair-controlled state"
        if after.speaker != before.speaker:
            assert before.speaker is not None and before.speaker.delegation == actor and after.speaker is None
        for number, item in after.items.items():
            old = {(r.delegation, r.kind) for r in before.items[number].queue}
            new = {(r.delegation, r.kind) for r in item.queue}
            assert {d for d, _ in old ^ new} <= {actor}, "a delegate changed someone else's request"

    @rule(command=COMMANDS, advance=ADVANCES)
    def chair_sends(self, command, advance):
        self.count += 1
        self._send(CHAIR, {**command, "id": f"c{self.count}"}, advance)

    @precondition(lambda self: self.floor.state.current_item is None)
    @rule(item=st.sampled_from(ITEMS), advance=ADVANCES)
    def chair_opens_an_item(self, item, advance):
        self.count += 1
        self._send(CHAIR, {"type": "open_item", "item": item, "id": f"c{self.count}"}, advance)

    @rule(command=CHAIR_ROUTINE, advance=ADVANCES)
    def chair_runs_the_item(self, command, advance):
        self.count += 1
        self._send(CHAIR, {**command, "id": f"c{self.count}"}, advance)

    @precondition(lambda self: self.floor.state.suspended)
    @rule(advance=ADVANCES)
    def chair_resumes(self, advance):
        self.count += 1
        self._send(CHAIR, {"type": "resume_meeting", "id": f"c{self.count}"}, advance)

    @rule(actor=st.sampled_from(QUEUERS), kind=kinds, advance=ADVANCES)
    def delegate_asks(self, actor, kind, advance):
        self.count += 1
        self._send(actor, {"type": "request_floor", "kind": kind, "id": f"c{self.count}"}, advance)

    @rule(actor=st.sampled_from(QUEUERS), command=DELEGATE_COMMANDS, advance=ADVANCES)
    def delegate_acts(self, actor, command, advance):
        self.count += 1
        self._send(actor, {**command, "id": f"c{self.count}"}, advance)

    @rule(actor=st.sampled_from(ACTORS), command=COMMANDS, advance=ADVANCES)
    def anyone_sends_anything(self, actor, command, advance):
        self.count += 1
        self._send(actor, {**command, "id": f"c{self.count}"}, advance)

    @precondition(lambda self: bool(self.sent))
    @rule(data=st.data(), advance=ADVANCES)
    def repeat_a_command(self, data, advance):
        actor, raw, _ = data.draw(st.sampled_from(self.sent))
        # The latest answer to this id: a refused command sent again may have passed since.
        first = [a for d, r, a in self.sent if d == actor and r["id"] == raw["id"]][-1]
        if first.refusal is not None:
            # A refusal is not remembered: sent again, the command is decided again.
            self._send(actor, raw, advance)
            return
        before = self.floor.state
        self.now += dt.timedelta(seconds=advance)
        again = self.floor.handle_raw(actor, raw, self.now)
        assert again == first and not again.fresh
        assert self.floor.state is before, "a repeated command had a second effect"

    @precondition(lambda self: any(a.refusal is None for _, _, a in self.sent))
    @rule(data=st.data())
    def reuse_an_id_for_another_command(self, data):
        actor, raw, first = data.draw(st.sampled_from([s for s in self.sent if s[2].refusal is None]))
        other = {"type": "end_speech" if raw["type"] != "end_speech" else "next_speaker", "id": raw["id"]}
        before = self.floor.state
        answer = self.floor.handle_raw(actor, other, self.now)
        assert answer.refusal is not None and answer.refusal.code == "command_id_reused"
        assert self.floor.state is before

    # --- invariants -------------------------------------------------------------------------

    @invariant()
    def waiting_lists_are_in_rule_order_with_one_request_of_each_kind(self):
        state = self.floor.state
        for number, item in state.items.items():
            assert all(r.order == self.arrival[(number, r.delegation, r.kind)] for r in item.queue)
            keys = [expected_key(state, number, r, self.arrival[(number, r.delegation, r.kind)]) for r in item.queue]
            assert keys == sorted(keys), f"item {number} queue out of order"
            pairs = [(r.delegation, r.kind) for r in item.queue]
            assert len(pairs) == len(set(pairs)), f"item {number}: two requests of one kind"
            assert all(CATEGORY.get(d) in TIER for d, _ in pairs)
            if item.status != "open":
                assert not item.queue

    @invariant()
    def one_open_item_which_is_current_and_holds_the_speaker(self):
        state = self.floor.state
        open_items = [n for n, i in state.items.items() if i.status == "open"]
        assert open_items == ([] if state.current_item is None else [state.current_item])
        if state.speaker is not None:
            assert state.speaker.item == state.current_item
            assert not state.suspended
            assert CATEGORY[state.speaker.delegation] != "chair"

    @invariant()
    def every_deferral_names_a_council_member(self):
        state = self.floor.state
        for item in state.items.values():
            if item.outcome is not None and item.outcome.kind == "deferred":
                assert CATEGORY[item.outcome.requested_by] == "council_member"
                assert item.outcome.target == "C22"
        for e in self.floor.events:
            if e.type == "item_deferred":
                assert CATEGORY[e.requested_by] == "council_member"

    @invariant()
    def sequence_numbers_have_no_gaps(self):
        assert [e.seq for e in self.floor.events] == list(range(1, len(self.floor.events) + 1))
        assert self.floor.state.seq == len(self.floor.events)

    @invariant()
    def replaying_the_events_rebuilds_the_same_state(self):
        assert fold(SETUP, self.floor.events) == self.floor.state

    @invariant()
    def speeches_have_consistent_durations(self):
        for sp in self.floor.state.speeches:
            assert sp.end >= sp.start and sp.duration_seconds >= 0 and sp.paused_seconds >= 0
            wall = (sp.end - sp.start).total_seconds()
            assert abs(sp.duration_seconds + sp.paused_seconds - wall) < 1e-6

    def teardown(self):
        # Once per run (it is slower): the log and the snapshot survive JSON.
        if not hasattr(self, "floor"):
            return
        events = event_list_adapter.validate_json(event_list_adapter.dump_json(self.floor.events))
        assert fold(SETUP, events) == self.floor.state
        snapshot = FloorState.model_validate_json(self.floor.state.model_dump_json())
        assert snapshot == self.floor.state
        rebuilt = Floor(SETUP, events)
        for actor, raw, answer in self.sent[-5:]:
            if answer.refusal is None:
                again = rebuilt.handle(actor, parse_command(raw), self.now)
                assert again.events == answer.events and not again.fresh


FloorMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestFloorRules = FloorMachine.TestCase
