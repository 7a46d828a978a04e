"""Fuzz: 10,000 random and malformed frames over real connections to a real server.

Five connections (the chair, a Council Member, an observer, a Sector Member and
the secretariat) each send a seeded stream of frames: bad JSON, JSON that is
not an object, binary frames, deep nesting, numbers too big or not finite, odd
Unicode (right-to-left text, combining marks, NUL, noncharacters, escaped
surrogate pairs and lone surrogates), long strings under 64 KiB, envelopes and
commands with wrong, missing or forged fields, and plausible commands, many of
which the floor accepts. Checked:

* every frame gets exactly one structured reply (``error``, ``refusal`` or
  ``accepted``), except a well-formed ``sync``, which gets the missed events
  (a marker command after each ``sync`` keeps the count);
* only frames built as plausible commands are ever accepted;
* the floor's state equals a replay of exactly the accepted commands, and the
  database holds exactly those;
* the server stays up: no connection is dropped, no handler fails (nothing is
  logged at ERROR), ``/healthz`` answers and a fresh client is welcomed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import sqlite3
import urllib.request
from dataclasses import dataclass, field

import pytest
from live_server import live_server, ws_client

from server.app import Limits
from vccsched.floor.commands import COMMAND_TYPES
from vccsched.floor.engine import Floor
from vccsched.floor.events import event_adapter
from vccsched.floor.protocol import ERROR_CODES, PROTOCOL_VERSION, SHELL_REFUSAL_CODES, parse_server_message
from vccsched.floor.refusals import REFUSAL_CODES

SEED = 20210608
FRAMES_PER_CONNECTION = 2000
DELEGATIONS = ("VC", "USA", "GBR", "SM-D1", "SG")
#: Frames are kept under the server's 64 KiB limit (over it is a privilege test: close 1009).
MAX_BYTES = 60_000
#: Frames sent before their replies are read (the replies come back in order).
WINDOW = 64

ROSTER_SAMPLE = ["CHN", "USA", "GBR", "FRA", "PSE", "SM-R1", "SG", "VC", "IRN", "BRA", "XXX", ""]
ODD_TEXT = [
    "\u0627\u0644\u0645\u062c\u0644\u0633 \u202eRTL\u202c",  # Arabic, a right-to-left override
    "e\u0301\u0301\u0301\u0301",  # stacked combining marks
    "a\u0000b",  # NUL
    "\ufeff\ufffe\uffff",  # BOM and noncharacters
    "\U0010ffff\U0001f600",  # the last code point, an emoji (a surrogate pair once escaped)
    "\u200b\u200d\u2028\u2029",  # zero width, line and paragraph separators
    "<img src=x onerror=alert(1)>",
    "'; DROP TABLE commands; --",
    "\\u0000 \\ud800",  # backslashes, not escapes
]
LONE_SURROGATES = ["\ud800", "\udfff", "x\udc00y", "\ud83d"]  # json.dumps escapes them as \udXXX


@dataclass
class Frame:
    data: str | bytes
    kind: str
    #: Only plausible commands may be accepted; anything else accepted is a failure.
    may_accept: bool = False
    #: A well-formed sync gets no reply of its own when nothing was missed.
    maybe_silent: bool = False
    command: dict | None = None


@dataclass
class Outcome:
    replies: list[tuple[Frame, dict]] = field(default_factory=list)
    accepted: list[tuple[str, dict, list[int]]] = field(default_factory=list)
    events: dict[int, dict] = field(default_factory=dict)


class FrameMaker:
    """A seeded stream of frames for one delegation."""

    def __init__(self, rng: random.Random, delegation: str) -> None:
        self.rng = rng
        self.delegation = delegation
        self.n = 0
        self.sent: list[dict] = []

    def _id(self) -> str:
        rng = self.rng
        if self.sent and rng.random() < 0.08:
            return rng.choice(self.sent)["id"]  # a repeat, or an id reused for another command
        self.n += 1
        return f"{self.delegation}-{self.n}"

    def plausible(self) -> dict:
        """A command of a random type with fields a client might send."""
        rng = self.rng
        if self.sent and rng.random() < 0.04:
            again = dict(rng.choice(self.sent))  # the same command again: answered as a repeat
            self.sent.append(again)
            return again
        weights = {t: 1 for t in COMMAND_TYPES}
        if self.delegation == "VC":  # the chair keeps the floor moving
            weights.update(open_item=6, next_speaker=4, close_item=3, give_floor=3, resume_meeting=2)
        else:
            weights.update(request_floor=8, withdraw=4, end_speech=2)
        type_ = rng.choices(list(weights), list(weights.values()))[0]
        command: dict = {"type": type_, "id": self._id()}
        kind = rng.choice(["speech", "speech", "point_of_order", "right_of_reply"])
        if type_ in ("request_floor", "withdraw"):
            command["kind"] = kind
            if rng.random() < 0.3:
                command["item"] = rng.randint(1, 80)
        elif type_ == "open_item":
            command["item"] = rng.randint(1, 80)
        elif type_ in ("give_floor", "remove_request"):
            command["delegation"] = rng.choice(ROSTER_SAMPLE[:-1])
            command["kind"] = kind
        elif type_ == "set_speaking_time":
            command["seconds"] = rng.choice([5, 10, 60, 180, 3600, 3601])
        elif type_ == "record_conclusion":
            command["conclusion"] = rng.choice(["The Council noted the report.", *ODD_TEXT])
            command["by_correspondence"] = rng.random() < 0.3
        elif type_ == "defer_item":
            command["requested_by"] = rng.choice(ROSTER_SAMPLE[:-1])
            command["scope"] = rng.choice(["item", "conclusion"])
            if rng.random() < 0.5:
                command["note"] = rng.choice(ODD_TEXT)
        elif type_ == "conclude_en_bloc" and rng.random() < 0.6:
            command["items"] = rng.sample(range(1, 80), rng.randint(1, 4))
        elif type_ == "publish_plan":
            command["plan"] = {"meeting": "C21/VCC-1", "timezone": "Europe/Zurich", "days": [], "solver": {}}
        self.sent.append(command)
        return command

    def frame(self) -> Frame:
        rng = self.rng
        kind = rng.choices(
            ["plausible", "odd_values", "mutated", "envelope", "sync", "bad_json", "not_object",
             "binary", "deep", "numbers", "surrogates", "long"],
            [26, 10, 18, 9, 2, 9, 4, 5, 3, 6, 5, 3],
        )[0]
        return getattr(self, f"_{kind}")()

    @staticmethod
    def _wrap(command) -> str:
        return json.dumps({"type": "command", "command": command})

    def _plausible(self) -> Frame:
        command = self.plausible()
        text = self._wrap(command) if self.rng.random() < 0.5 else json.dumps(
            {"type": "command", "command": command}, ensure_ascii=False, indent=self.rng.choice([None, 1])
        )
        return Frame(text, "plausible", may_accept=True, command=command)

    def _odd_values(self) -> Frame:
        """A plausible command whose text fields hold odd but valid Unicode: may be accepted."""
        command = self.plausible()
        for key in ("conclusion", "note", "delegation", "requested_by"):
            if key in command:
                command[key] = self.rng.choice(ODD_TEXT)
        return Frame(json.dumps({"type": "command", "command": command}, ensure_ascii=False), "odd_values",
                     may_accept=True, command=command)

    def _mutated(self) -> Frame:
        """A plausible command made certainly invalid: a forged, missing or wrongly typed field."""
        rng = self.rng
        command = dict(self.plausible())
        self.sent.pop()  # never sent as such
        how = rng.randrange(7)
        if how == 0:
            command[rng.choice(["actor", "category", "at", "seq", "delegation_id", "token"])] = "VC"
        elif how == 1:
            command.pop("id")
        elif how == 2:
            command.pop("type")
        elif how == 3:
            command["id"] = rng.choice(["", "x" * 101, 7, None, ["a"], {"id": "a"}, True])
        elif how == 4:
            command["type"] = rng.choice(["shout", "OPEN_ITEM", "request-floor", "", 3, None])
        elif how == 5:
            command["kind"] = rng.choice(["speach", "", 1, None, ["speech"], {"k": 1}])
        else:
            key = rng.choice(["item", "seconds", "by_correspondence", "items", "plan", "conclusion"])
            command[key] = rng.choice([{"nested": [1]}, "three", -1, 0, 10**30, 2.5, [None], ""])
            command["unexpected"] = True  # the value alone might fit this command; this field never does
        return Frame(self._wrap(command), "mutated")

    def _envelope(self) -> Frame:
        rng = self.rng
        command = self.plausible()
        self.sent.pop()
        choices = [
            {"type": "command", "command": command, "actor": "VC"},
            {"type": "command", "command": command, "delegation": "VC", "category": "chair"},
            {"type": "command"},
            {"type": "command", "command": json.dumps(command)},
            {"type": "command", "command": [command]},
            {"type": "Command", "command": command},
            {"command": command},
            {"type": "hello", "protocol": PROTOCOL_VERSION, "token": "x"},
            {"type": "hello", "protocol": "vccsched.floor/1"},
            {"type": "sync"},
            {"type": "sync", "last_seq": -1},
            {"type": "sync", "last_seq": "a lot"},
            {"type": "sync", "last_seq": [1]},
            {"type": "sync", "last_seq": 3, "extra": 1},
            {"type": None},
            {},
        ]
        return Frame(json.dumps(rng.choice(choices)), "envelope")

    def _sync(self) -> Frame:
        last = self.rng.choice([0, 1, 5, 10**12, 10**4000, "7"])
        return Frame(json.dumps({"type": "sync", "last_seq": last}), "sync", maybe_silent=True)

    def _bad_json(self) -> Frame:
        rng = self.rng
        good = self._wrap(self.plausible())
        self.sent.pop()
        choices = [
            good[: rng.randrange(1, len(good))],  # truncated
            good + "}",
            good.replace('"', "'"),
            good.replace(":", "=", 1),
            "{" + good,
            '{"type": "command", "command": {}, }',
            "// comment\n" + good,
            "",
            " ",
            "\u0000",
            "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(rng.randrange(1, 200))),
            '{"type": "command", "command": {"type": "request_floor", "id": "a\\q"}}',  # bad escape
            '{"type": "command", "command": {"type": "request_floor", "id": "a\\ud8"}}',  # short escape
        ]
        return Frame(rng.choice(choices), "bad_json")

    def _not_object(self) -> Frame:
        return Frame(self.rng.choice(["[]", "[{}]", "null", "true", "42", '"hello"', "1e999", "-0", "[" * 10 + "]" * 10]),
                     "not_object")

    def _binary(self) -> Frame:
        rng = self.rng
        choices = [
            bytes(rng.randrange(256) for _ in range(rng.randrange(0, 300))),
            self._wrap({"type": "request_floor", "id": f"{self.delegation}-bin"}).encode(),
            b"\xff\xfe\x00",
            b"",
        ]
        return Frame(rng.choice(choices), "binary")

    def _deep(self) -> Frame:
        rng = self.rng
        depth = rng.choice([50, 900, 1200, 5000, 25000])
        shape = rng.randrange(3)
        if shape == 1:
            depth = min(depth, 8000)  # seven bytes a level: stay under 64 KiB
        if shape == 0:
            text = "[" * depth + "]" * depth
        elif shape == 1:
            text = '{"type": "command", "command": ' + '{"a": ' * depth + "1" + "}" * depth + "}"
        else:
            plan = "[" * depth + "]" * depth
            text = self._wrap({"type": "publish_plan", "id": f"{self.delegation}-deep"})[:-2] + ', "plan": {"days": ' + plan + "}}}"
        return Frame(text, "deep")

    def _numbers(self) -> Frame:
        rng = self.rng
        number = rng.choice(
            ["1e999", "-1e999", "NaN", "Infinity", "-Infinity", "1e-400", "-0", "0.0", "3.000000000001",
             "9" * 4000, "9" * 5000, "-" + "9" * 300, "1" + "0" * 100, "2e2", "1E+2", "0x10", "01"]
        )
        key = rng.choice(["item", "seconds", "id", "by_correspondence", "items"])
        type_ = {"item": "open_item", "seconds": "set_speaking_time", "items": "conclude_en_bloc"}.get(key, "request_floor")
        if key == "items":
            number = f"[{number}]"
        command = f'{{"type": "{type_}", "id": "{self.delegation}-n{rng.randrange(10**6)}", "{key}": {number}}}'
        if rng.random() < 0.2:
            return Frame(f'{{"type": "sync", "last_seq": {number}}}', "numbers", maybe_silent=True)
        # Some of these are valid (2e2 seconds, an item 1 followed by zeros): they may be accepted.
        return Frame(f'{{"type": "command", "command": {command}}}', "numbers", may_accept=True)

    def _surrogates(self) -> Frame:
        rng = self.rng
        command = self.plausible()
        self.sent.pop()
        lone = rng.choice(LONE_SURROGATES)
        where = rng.randrange(4)
        if where == 0:
            command["id"] = lone
        elif where == 1:
            command[lone] = 1
        elif where == 2:
            command = {**command, "type": "record_conclusion", "conclusion": "ok " + lone}
        else:
            return Frame(json.dumps({"type": lone, "command": command}), "surrogates")
        return Frame(json.dumps({"type": "command", "command": command}), "surrogates")

    def _long(self) -> Frame:
        rng = self.rng
        size = rng.randrange(1000, MAX_BYTES - 200)
        choice = rng.randrange(4)
        if choice == 0:  # a long conclusion (the floor takes at most 5000 characters)
            command = {"type": "record_conclusion", "id": self._id(), "conclusion": "x" * rng.choice([4999, 5000, 5001, size])}
            return Frame(self._wrap(command), "long", may_accept=True, command=command)
        if choice == 1:
            return Frame(self._wrap({"type": "request_floor", "id": "i" * size}), "long")
        if choice == 2:
            return Frame(json.dumps({"type": "command", "command": {"type": "withdraw", "id": "w", "k" * size: 1}}), "long")
        return Frame(" " * size + "{}", "long")


def marker(n: int) -> tuple[str, str]:
    """A frame certain to get exactly one refusal, with an id to recognise it."""
    id_ = f"marker-{n}"
    return json.dumps({"type": "command", "command": {"type": "withdraw", "id": id_, "kind": "none"}}), id_


async def fuzz_one(srv, delegation: str, frames: list[Frame], outcome: Outcome) -> None:
    async with ws_client(srv, delegation) as client:
        ws = client.ws
        for start in range(0, len(frames), WINDOW):
            batch = frames[start : start + WINDOW]
            expected: list[Frame | str] = []
            for n, frame in enumerate(batch, start=start):
                await ws.send(frame.data)
                expected.append(frame)
                if frame.maybe_silent:
                    text, id_ = marker(n)
                    await ws.send(text)
                    expected.append(id_)
            position = 0
            while position < len(expected):
                message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                parse_server_message(json.dumps(message))  # every message is a well-formed server message
                if message["type"] == "event":
                    outcome.events[message["event"]["seq"]] = message["event"]
                    continue
                if message["type"] == "snapshot":
                    continue
                assert message["type"] in ("accepted", "refusal", "error"), message
                item = expected[position]
                if isinstance(item, Frame) and item.maybe_silent and message.get("command_id") == expected[position + 1]:
                    position += 1  # the sync had nothing to say; this is its marker's refusal
                    item = expected[position]
                if isinstance(item, str):
                    assert (message["type"], message["command_id"], message["code"]) == ("refusal", item, "invalid_command")
                else:
                    outcome.replies.append((item, message))
                    if message["type"] == "accepted":
                        assert item.may_accept, (item.kind, item.data[:200], message)
                        if not message["repeated"]:
                            command = item.command or json.loads(item.data)["command"]
                            outcome.accepted.append((delegation, command, message["seqs"]))
                position += 1


@pytest.mark.slow
async def test_ten_thousand_bad_frames_leave_the_server_up_and_the_floor_exact(tmp_path, caplog):
    caplog.set_level(logging.ERROR)
    rng = random.Random(SEED)
    plan = {}
    for d in DELEGATIONS:
        maker = FrameMaker(random.Random(rng.random()), d)
        plan[d] = [maker.frame() for _ in range(FRAMES_PER_CONNECTION)]
    frames = [f for fs in plan.values() for f in fs]
    assert len(frames) >= 10_000
    assert all(len(f.data if isinstance(f.data, bytes) else f.data.encode()) <= MAX_BYTES for f in frames)

    limits = Limits(rate_burst=1_000_000, rate_per_second=1_000_000.0, moderator_burst=1_000_000, moderator_per_second=1_000_000.0)
    async with live_server(tmp_path, limits=limits) as srv:
        outcome = Outcome()
        await asyncio.gather(*(fuzz_one(srv, d, plan[d], outcome) for d in DELEGATIONS))

        # Every frame had its one structured reply (a well-formed sync may have had none).
        answered = {id(f) for f, _ in outcome.replies}
        assert len(answered) == len(outcome.replies)
        assert all(id(f) in answered or f.maybe_silent for f in frames)
        for frame, reply in outcome.replies:
            if reply["type"] == "error":
                assert reply["code"] in ERROR_CODES and reply["message"], reply
            elif reply["type"] == "refusal":
                assert reply["code"] in REFUSAL_CODES or reply["code"] in SHELL_REFUSAL_CODES, reply
            if frame.kind == "binary":
                assert reply["code"] == "invalid_message"
            if frame.kind in ("bad_json", "not_object", "deep", "surrogates"):
                assert reply["type"] in ("error", "refusal"), (frame.kind, frame.data[:100], reply)

        # Only the accepted commands changed the floor: a replay of exactly those gives its state.
        accepted = sorted(outcome.accepted, key=lambda a: a[2][0])
        floor = srv.shell.floor
        assert sum(len(seqs) for _, _, seqs in accepted) == floor.seq
        assert sorted(outcome.events) == list(range(1, floor.seq + 1))
        replayed = Floor(floor.setup)
        for actor, command, seqs in accepted:
            at = event_adapter.validate_python(outcome.events[seqs[0]]).at
            answer = replayed.handle_raw(actor, command, at)
            assert answer.accepted and answer.seqs == seqs, (actor, command, answer.refusal)
        assert replayed.state == floor.state
        assert [e.model_dump(mode="json") for e in replayed.events] == [outcome.events[s] for s in range(1, floor.seq + 1)]
        with contextlib.closing(sqlite3.connect(srv.db_path)) as db:
            stored = db.execute("SELECT actor, command_id FROM commands ORDER BY n").fetchall()
        assert stored == [(actor, command["id"]) for actor, command, _ in accepted]

        # Still up.
        health = await asyncio.to_thread(
            lambda: json.loads(urllib.request.urlopen(srv.http_url + "/healthz", timeout=5).read())
        )
        assert health["seq"] == floor.seq
        async with ws_client(srv, "CHN") as fresh:
            assert fresh.welcome["seq"] == floor.seq
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]

    kinds: dict[str, list[int]] = {}
    for frame, reply in outcome.replies:
        counts = kinds.setdefault(frame.kind, [0, 0])
        counts[0] += 1
        counts[1] += reply["type"] == "accepted"
    print(f"fuzz: {len(frames)} frames, {len(accepted)} commands accepted, {floor.seq} events;",
          ", ".join(f"{k} {n} ({a} accepted)" for k, (n, a) in sorted(kinds.items())))
