"""The floor's record as a hash chain: each stored command is linked to the one before.

``hash(n) = SHA-256(hash(n-1) ‖ canonical(record n))`` where ``hash(0)`` is the
*genesis*, a fixed value naming the meeting and the digest of its three data
files, and a record is ``{"actor", "at", "command", "events", "seqs"}``. The
canonical bytes are JSON with sorted keys, no spaces, UTF-8 (exactly
``json.dumps(..., sort_keys=True, separators=(",", ":"), ensure_ascii=False)``).
The last hash is the *head*: whoever keeps a head can later check that a copy of
the record still contains, unchanged, everything up to it. docs/protocol.md
("The record's chain") is the contract; this module is its only implementation
and does no I/O, so the store, the CLI and the report share it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: The chain's format, named in the genesis and in exported logs' headers.
CHAIN_FORMAT = "vccsched-floor-chain/1"

#: How many hex characters of a head people read and compare (48 bits).
SHORT_HEAD = 12

#: The meeting files the genesis covers, in their order in the digest.
CHAINED_FILES = ("meeting.yaml", "agenda.yaml", "roster.yaml")


#: One encoder for every call: ``json.dumps`` with options would make a new one each time,
#: a tenth of the time ``floor verify`` takes over 50,000 commands.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(value: Any) -> bytes:
    """``value`` as canonical JSON: sorted keys, no spaces, UTF-8 (what
    ``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` writes)."""
    return _ENCODER.encode(value).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_digest(files: Mapping[str, str]) -> str:
    """The digest of the meeting's data files: SHA-256 of the canonical JSON ``{name: text}``
    of meeting.yaml, agenda.yaml and roster.yaml."""
    return sha256_hex(canonical({name: files.get(name, "") for name in CHAINED_FILES}))


def genesis(meeting_id: str, meeting_files_digest: str) -> str:
    """``hash(0)``: SHA-256 of the canonical ``{"chain", "meeting", "meeting_files"}``."""
    return sha256_hex(
        canonical({"chain": CHAIN_FORMAT, "meeting": meeting_id, "meeting_files": meeting_files_digest})
    )


def record(actor: str, at: str, command: Any, events: Sequence[Any]) -> dict[str, Any]:
    """The chained record of one command (``events`` as JSON objects, in seq order)."""
    seqs = [events[0]["seq"], events[-1]["seq"]] if events else []
    return {"actor": actor, "at": at, "command": command, "events": list(events), "seqs": seqs}


def link(previous: str, record_bytes: bytes) -> str:
    """``SHA-256(previous hash as 32 bytes ‖ the record's canonical bytes)``, in hex."""
    return hashlib.sha256(bytes.fromhex(previous) + record_bytes).hexdigest()


def command_digest(actor: str, at: str, command: Any) -> str:
    """Not part of the chain: lets :func:`verify` say whether the command or its events changed."""
    return sha256_hex(canonical({"actor": actor, "at": at, "command": command}))


def events_digest(events: Sequence[Any]) -> str:
    """Not part of the chain (see :func:`command_digest`)."""
    return sha256_hex(canonical(list(events)))


def short(head: str) -> str:
    """The first :data:`SHORT_HEAD` hex characters, as shown on screens."""
    return head[:SHORT_HEAD]


@dataclass(frozen=True, slots=True)
class ChainEntry:
    """One stored command as a reader finds it (a database row or a log line)."""

    where: str  # "row 12" or "line 13", for messages
    actor: str
    at: str
    command: Any
    events: list[Any]
    hash: str | None  # as stored; None when the row or line has none
    #: As stored beside the hash in a database (None in a log): where a link breaks,
    #: they tell a changed command from changed events.
    command_digest: str | None = None
    events_digest: str | None = None

    @property
    def seq_range(self) -> str:
        seqs = [e.get("seq") for e in self.events if isinstance(e, dict)]
        if not seqs:
            return "no events"
        return f"seq {seqs[0]}" if seqs[0] == seqs[-1] else f"seq {seqs[0]}–{seqs[-1]}"


@dataclass(frozen=True)
class Break:
    """The first link that does not hold."""

    where: str
    seqs: str
    differs: str  # "the command", "its events", "the order", "its hash"
    detail: str

    def message(self) -> str:
        return f"{self.where} ({self.seqs}): {self.detail}"


@dataclass
class ChainReport:
    """What :func:`verify` found."""

    genesis: str
    count: int = 0
    #: The head recomputed up to the first break (all of it when ``broken`` is None).
    head: str = ""
    #: The last hash as stored (equal to ``head`` when the record is sound).
    stored_head: str | None = None
    broken: Break | None = None
    #: For ``wanted``: the position (1 = first command, 0 = genesis) whose hash it is, and where.
    wanted_at: int | None = None
    wanted_where: str | None = None
    hashes_checked: int = 0
    notes: list[str] = field(default_factory=list)


def _seqs_of(events: Sequence[Any]) -> list[int] | None:
    """The events' seqs if each is an object with an integer seq, numbered one after the other."""
    try:
        seqs = [e["seq"] for e in events]
    except (TypeError, KeyError):
        return None
    if not seqs or type(seqs[0]) is not int or seqs != list(range(seqs[0], seqs[0] + len(seqs))):
        return None
    return seqs


def verify(entries: Iterable[ChainEntry], genesis_hash: str, *, wanted: str | None = None) -> ChainReport:
    """Recompute the chain over ``entries`` in order and report the first broken link.

    Checked for each entry, in this order: its events' ``seq`` follow the previous
    entry's without a gap (else *the order*: a command missing or moved); with
    stored digests, the command and the events are those stored (else *the
    command* / *its events*); the stored hash is the link from the previous one.
    ``wanted`` (a head kept earlier: all 64 hex characters, or at least the first
    :data:`SHORT_HEAD` as screens show it) is looked for among the sound links.
    """
    report = ChainReport(genesis=genesis_hash, head=genesis_hash)
    wanted = wanted.lower() if wanted else None
    if wanted is not None and genesis_hash.startswith(wanted):
        report.wanted_at, report.wanted_where = 0, "the genesis"
    previous = genesis_hash
    last_seq = 0
    for entry in entries:
        report.count += 1
        report.stored_head = entry.hash
        if report.broken is not None:
            continue  # count the rest; the chain is no longer checked
        seqs = _seqs_of(entry.events)
        if seqs is None:
            report.broken = Break(
                entry.where, entry.seq_range, "its events",
                "its events are missing or not numbered one after the other",
            )
            continue
        if seqs[0] != last_seq + 1:
            report.broken = Break(
                entry.where, entry.seq_range, "the order",
                f"the order differs: seq {seqs[0]} comes after seq {last_seq}, expected seq {last_seq + 1}; "
                + ("a command before it is missing, or commands were moved" if seqs[0] > last_seq + 1
                   else "it was moved or repeated"),
            )
            continue
        last_seq = seqs[-1]
        body = {"actor": entry.actor, "at": entry.at, "command": entry.command, "events": entry.events,
                "seqs": [seqs[0], seqs[-1]]}  # record(), inlined: this loop runs 50,000 times in 2 s
        computed = link(previous, canonical(body))
        if computed != entry.hash:
            report.broken = _what_differs(entry, computed)
            continue
        previous = computed
        report.head = computed
        report.hashes_checked += 1
        if wanted is not None and computed.startswith(wanted):
            report.wanted_at, report.wanted_where = report.count, f"{entry.where}, {entry.seq_range}"
    return report


def _what_differs(entry: ChainEntry, computed: str) -> Break:
    if entry.hash is None:
        return Break(entry.where, entry.seq_range, "its hash", "it has no hash: the record's chain is incomplete")
    if entry.command_digest is not None and entry.command_digest != command_digest(
        entry.actor, entry.at, entry.command
    ):
        return Break(
            entry.where, entry.seq_range, "the command",
            "the command differs from the one recorded (its sender, time or text was changed)",
        )
    if entry.events_digest is not None and entry.events_digest != events_digest(entry.events):
        return Break(entry.where, entry.seq_range, "its events", "its events differ from those recorded")
    if entry.command_digest is None:
        return Break(
            entry.where, entry.seq_range, "the command or its events",
            f"its content does not match its hash {short(entry.hash)}: the command or its events were changed",
        )
    return Break(
        entry.where, entry.seq_range, "its hash",
        f"its stored hash {short(entry.hash)} is not the link from the one before ({short(computed)}): "
        "the hash was changed, or the record before it",
    )


def head_verdict(report: ChainReport, wanted: str) -> tuple[bool, str]:
    """Whether the record ends at, or contains, the head ``wanted``; and a sentence saying so."""
    wanted = wanted.lower()
    if report.wanted_at is None:
        if report.broken is not None:
            return False, (
                f"head {wanted} is not among the sound links before the break: the record was changed "
                "at or before the command it names"
            )
        return False, (
            f"head {wanted} is not in this record: entries are missing (the record ends before it) "
            "or were changed"
        )
    if report.broken is None and report.wanted_at == report.count:
        return True, f"the record ends at head {wanted} ({report.wanted_where})"
    after = report.count - report.wanted_at
    return True, (
        f"the record contains head {wanted} at {report.wanted_where}; "
        f"{after} command(s) follow it"
    )
