"""``vccsched floor verify``: check the record's hash chain in a database or an exported log."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from vccsched.cli.common import read_log_text
from vccsched.errors import DataError, ProtocolError
from vccsched.floor import chain
from vccsched.floor.replay import LogHeader, checked_genesis, parse_line

_HEX_HEAD = re.compile(rf"[0-9a-fA-F]{{{chain.SHORT_HEAD},64}}")


def check_head_option(head: str | None) -> str | None:
    if head is None:
        return None
    if not _HEX_HEAD.fullmatch(head):
        raise DataError(
            f"--head {head!r}: expected a head as printed by 'floor verify', the console or the report: "
            f"{chain.SHORT_HEAD} to 64 hexadecimal characters",
            title="Invalid option",
        )
    return head.lower()


def log_entries(lines: list[str], source: str) -> tuple[LogHeader, str, Iterator[chain.ChainEntry]]:
    """The header, genesis and entries of an exported log; a ``ProtocolError`` naming the line
    for a log that is not an exported record (no header with the chain, a line without hash)."""
    numbered = [(n, text) for n, text in enumerate(lines, start=1) if text.strip()]
    if not numbered:
        raise ProtocolError(f"{source}: the log is empty; expected a log written by 'vccsched floor export'")
    number, text = numbered[0]
    try:
        raw = json.loads(text)
        header = LogHeader.model_validate(raw) if isinstance(raw, dict) and "command" not in raw else None
    except Exception:  # noqa: BLE001 (not JSON, or not a header: said below)
        header = None
    if header is None or header.chain is None:
        raise ProtocolError(
            f"{source} line {number}: no header with the record's chain; this log was not written by "
            "'vccsched floor export' of this version (its first line names the meeting and the chain)",
            title="No chain",
        )
    genesis = checked_genesis(header, number, source)

    def entries() -> Iterator[chain.ChainEntry]:
        for number, text in numbered[1:]:
            raw = _exported_line(text)
            if raw is None:
                # Not the shape 'floor export' writes: parse_line says what is wrong, else we do.
                parse_line(text, number, source)
                raise ProtocolError(
                    f"{source} line {number}: the line has no \"events\", \"seqs\" or \"hash\"; every line "
                    "of an exported record carries them",
                    title="Broken record",
                )
            events = raw["events"]
            seqs = [events[0].get("seq"), events[-1].get("seq")] if events and all(type(e) is dict for e in events) else []
            if raw["seqs"] != seqs:
                raise ProtocolError(
                    f"{source} line {number}: \"seqs\" {raw['seqs']} is not the seq range of its events {seqs}",
                    title="Broken record",
                )
            yield chain.ChainEntry(f"line {number}", raw["actor"], raw["at"], raw["command"], events, raw["hash"])

    return header, genesis, entries()


_EXPORTED = {"actor": str, "at": str, "command": dict, "events": list, "seqs": list, "hash": str}


def _exported_line(text: str) -> dict | None:
    """The line as 'floor export' writes it, or None. Checked by hand, not with the pydantic
    model: 'floor verify --log' reads 50,000 lines in well under 2 s."""
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if type(raw) is not dict or not set(_EXPORTED) <= set(raw) <= {*_EXPORTED, "comment"}:
        return None
    if any(type(raw[key]) is not kind for key, kind in _EXPORTED.items()) or not raw["actor"]:
        return None
    return raw


def verify_record(db: Path | None, log: Path | None, head: str | None) -> int:
    """Print what ``floor verify`` finds; return its exit status."""
    if (db is None) == (log is None):
        raise DataError(
            "give the record with exactly one of --db FILE (the server's database) or --log FILE "
            "(written by 'vccsched floor export')",
            title="Missing or conflicting options",
        )
    wanted = check_head_option(head)
    header = None
    if db is not None:
        from server.store import FloorStore

        store = FloorStore.open(db)
        try:
            meeting, genesis = store.meeting_id, store.genesis
            report = chain.verify(store.chain_entries(), genesis, wanted=wanted)
        finally:
            store.close_reader()
        name = str(db)
    else:
        source = str(log)
        header, genesis, entries = log_entries(read_log_text(log).splitlines(), source)
        meeting = header.meeting
        report = chain.verify(entries, genesis, wanted=wanted)
        name = source
    print(f"record: {name}, the floor of {meeting}")
    print(f"commands: {report.count}")
    if report.broken is None:
        print(f"head: {report.head}")
        print("chain: sound (every link recomputed)")
    else:
        print(f"head: {report.stored_head or '-'} (as stored; the chain is broken)")
        print(f"chain: BROKEN at {report.broken.message()}")
        print(f"differs: {report.broken.differs}")
    status = 0 if report.broken is None else 2
    if header is not None and report.broken is None and header.head is not None and (
        header.head != report.head or header.commands != report.count
    ):
        print(
            f"export: the header says {header.commands} command(s) ending at head {header.head}; "
            f"the log holds {report.count}: lines are missing at the end"
        )
        status = 2
    if wanted is not None:
        held, sentence = chain.head_verdict(report, wanted)
        print(f"--head: {sentence}")
        if not held and status == 0:
            status = 1
    if status == 2:
        why = report.broken.message() if report.broken else "lines are missing at the end of the log"
        print(f"Broken record: {name}: {why}", file=sys.stderr)
    return status
