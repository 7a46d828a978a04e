"""Check the register against the meeting: every flag by row, contributions per Group 1 item.

Annex 1 of the letter: Member States may send written contributions on the
items that stay in Group 1, at the latest ``contributions.deadline_days_before``
days before the VCC opens (25 May 2021 for 8 June), two pages at most. Nothing
here drops a row: a late or long contribution is still listed under its item,
with its flags, for the secretariat and the chair to decide.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field

from vccsched.contributions.pages import PageCount, count_pages
from vccsched.contributions.register import Register, RegisterRow
from vccsched.grouping_file import final_groups
from vccsched.loading import MeetingData
from vccsched.models import Delegation, StrictModel
from vccsched.replyforms.cells import CellRef, normalise
from vccsched.replyforms.senders import CATEGORY_NAMES, find_sender

FlagKind = Literal[
    "bad_cell", "late", "over_length", "not_group_1", "not_member_state", "duplicate_symbol",
    "file_missing", "file_unreadable",
]

#: How the report names each flag, in the order a row's flags are listed.
FLAG_LABELS: dict[str, str] = {
    "bad_cell": "cell not read",
    "late": "late",
    "over_length": "over length",
    "not_group_1": "not in Group 1",
    "not_member_state": "not a Member State",
    "duplicate_symbol": "symbol given twice",
    "file_missing": "file missing",
    "file_unreadable": "file unreadable",
}

#: The roster categories that are Member States of the ITU (Annex 1: they may contribute).
MEMBER_STATE_CATEGORIES = frozenset({"council_member", "observer_state"})


class Flag(StrictModel):
    """One thing wrong with one row of the register."""

    kind: FlagKind
    row: int
    cell: CellRef = Field(description="The cell the flag is about.")
    message: str = Field(description="What is wrong and what the secretariat can do.")

    def __str__(self) -> str:
        return f"{self.cell}: {FLAG_LABELS[self.kind]}: {self.message}"


class ContributionLine(StrictModel):
    """One row of the register as the report shows it."""

    row: int
    symbol: str | None
    member: str | None = Field(description="The Member State as written.")
    sender_id: str | None = Field(description="Roster id of the sender; None if not on the roster.")
    sender_name: str | None
    items: list[int]
    received: dt.date | None = Field(description="The date of arrival in the meeting's zone.")
    received_text: str = Field(description="As written (a time shown with its offset).")
    file: str | None
    title: str | None
    pages: int | None
    pages_text: str = Field(description="'2', 'not known', 'unreadable', '-' (no file) or '' (no --files).")
    flags: list[FlagKind]

    @property
    def sender(self) -> str:
        if self.sender_id:
            return f"{self.sender_name} ({self.sender_id})"
        return self.member or "(none)"


class ItemContributions(StrictModel):
    number: int
    code: str
    title: str
    lines: list[ContributionLine] = Field(description="In order of arrival.")


class CheckResult(StrictModel):
    meeting_id: str
    register_file: str
    deadline: dt.date
    timezone: str
    max_pages: int
    files_dir: str | None
    lines: list[ContributionLine] = Field(description="Every row, in register order.")
    items: list[ItemContributions] = Field(description="Group 1 items with contributions, agenda order.")
    flags: list[Flag] = Field(description="By row, then in the order of FLAG_LABELS.")
    unlisted_files: list[str] = Field(default_factory=list, description="Files in --files the register does not name.")

    def count(self, kind: str) -> int:
        return sum(1 for f in self.flags if f.kind == kind)


def received_date(received: dt.datetime | dt.date | None, zone) -> dt.date | None:
    """The day a contribution arrived in the meeting's zone (a time without offset is local)."""
    if received is None:
        return None
    if isinstance(received, dt.datetime):
        return received.astimezone(zone).date() if received.tzinfo is not None else received.date()
    return received


def arrival_key(row: RegisterRow, zone) -> tuple:
    """Order of arrival: by day in the meeting's zone, a bare date before the times of that
    day, then by time, then by row; rows without a date last."""
    received = row.received
    day = received_date(received, zone) or dt.date.max
    if isinstance(received, dt.datetime):
        local = received.astimezone(zone) if received.tzinfo is not None else received
        return (day, 1, local.time().isoformat(), row.row)
    return (day, 0, "", row.row)


def sender_problem(text: str | None, sender: Delegation | None) -> str | None:
    """Why a register's sender is not a Member State of the roster, or ``None``."""
    if text is None:
        return None  # said as a bad cell already
    if sender is None:
        return (f"{text!r} is not a Member State of the roster: no delegation has this name or ISO "
                "code; check the spelling or use the ISO code")
    if sender.category not in MEMBER_STATE_CATEGORIES:
        what = CATEGORY_NAMES.get(sender.category, sender.category)
        return (f"{sender.name} ({sender.id}) is {what}, not a Member State; Annex 1 invites "
                "contributions from Member States")
    return None


def _group_problem(number: int, groups: Mapping[int, int | None], deferral_target: str) -> str | None:
    if number not in groups:
        return f"item {number} is not on the agenda"
    group = groups[number]
    if group == 1:
        return None
    if group == 2:
        return f"item {number} is in Group 2 (deferred to {deferral_target}), not on the VCC agenda"
    return f"item {number} has no group; contributions are invited on Group 1 items only"


def check_register(
    data: MeetingData,
    register: Register,
    *,
    files: Path | None = None,
    grouping: Mapping[int, int] | None = None,
) -> CheckResult:
    """Flag every row of ``register``; with ``files``, open each row's file and count its pages.

    ``grouping`` (``grouping.yaml``, as ``vccsched grouping tally`` writes it)
    decides which items are in Group 1; without it, the secretariat's proposal.
    """
    meeting, agenda, roster = data.meeting, data.agenda, data.roster
    zone = meeting.zone
    deadline = meeting.contributions_due
    max_pages = meeting.contributions.max_pages
    groups = final_groups(agenda, dict(grouping or {}))
    flags: list[Flag] = []
    lines: list[ContributionLine] = []

    symbols: dict[str, list[RegisterRow]] = defaultdict(list)
    for row in register.rows:
        if row.symbol is not None:
            symbols[normalise(row.symbol).replace(" ", "")].append(row)

    named: set[str] = set()
    for row in register.rows:
        row_flags: list[Flag] = []

        def flag(kind: FlagKind, key: str, message: str) -> None:
            row_flags.append(Flag(kind=kind, row=row.row, cell=row.ref(key), message=message))

        for key, message in row.problems:
            flag("bad_cell", key, message)
        sender = find_sender(row.member, roster) if row.member else None
        why_not = sender_problem(row.member, sender)
        if why_not:
            flag("not_member_state", "member_state", why_not)
        for number in row.items:
            problem = _group_problem(number, groups, meeting.deferral_target)
            if problem:
                flag("not_group_1", "items", f"{problem}; the contribution is listed here only")
        arrived = received_date(row.received, zone)
        if arrived is not None and arrived > deadline:
            local = ""
            if isinstance(row.received, dt.datetime) and row.received.tzinfo is not None:
                local = f" ({row.received.astimezone(zone):%Y-%m-%d %H:%M} in {meeting.timezone})"
            days = (arrived - deadline).days
            flag("late", "received", f"received {arrived}{local}, {days} day{'s' if days != 1 else ''} "
                 f"after the deadline {deadline}")
        if row.symbol is not None:
            same = symbols[normalise(row.symbol).replace(" ", "")]
            if len(same) > 1:
                others = ", ".join(str(r.row) for r in same if r is not row)
                flag("duplicate_symbol", "symbol", f"{row.symbol} is also given in row{'s' if len(same) > 2 else ''} "
                     f"{others}; one document has one symbol: correct one of them")
        pages: PageCount | None = None
        pages_text = ""
        if files is not None:
            pages_text = "-"
            if row.file is None:
                flag("file_missing", "file" if "file" in row.cells else "symbol",
                     f"no file name given; write the name of the file in {files}")
            elif any(sep in row.file for sep in ("/", "\\")) or row.file in (".", ".."):
                flag("file_missing", "file", f"{row.file!r} is not a plain file name; put the file in {files} "
                     "and write only its name")
            else:
                path = files / row.file
                named.add(row.file)
                if not path.is_file():
                    flag("file_missing", "file", f"{row.file} is not in {files}")
                else:
                    pages = count_pages(path)
                    if pages.unreadable:
                        flag("file_unreadable", "file", f"{row.file}: {pages.unreadable}")
                        pages_text = "unreadable"
                    elif pages.pages is None:
                        pages_text = "not known"
                    else:
                        pages_text = str(pages.pages)
                        if pages.pages > max_pages:
                            flag("over_length", "file", f"{row.file} has {pages.pages} pages, more than "
                                 f"{max_pages}; Annex 1 asks for short contributions")
        order = list(FLAG_LABELS)
        row_flags.sort(key=lambda f: order.index(f.kind))
        flags.extend(row_flags)
        lines.append(ContributionLine(
            row=row.row, symbol=row.symbol, member=row.member,
            sender_id=sender.id if sender else None, sender_name=sender.name if sender else None,
            items=row.items, received=arrived,
            received_text=_received_text(row.received),
            file=row.file, title=row.title,
            pages=pages.pages if pages else None, pages_text=pages_text,
            flags=sorted({f.kind for f in row_flags}, key=order.index),
        ))

    by_row = {row.row: row for row in register.rows}
    per_item: dict[int, list[ContributionLine]] = defaultdict(list)
    for line in lines:
        for number in dict.fromkeys(line.items):
            if groups.get(number) == 1:
                per_item[number].append(line)
    items = [
        ItemContributions(
            number=item.number, code=item.code, title=item.title.en,
            lines=sorted(per_item[item.number], key=lambda line: arrival_key(by_row[line.row], zone)),
        )
        for item in agenda.items
        if per_item.get(item.number)
    ]
    unlisted: list[str] = []
    if files is not None and files.is_dir():
        unlisted = sorted(
            p.name for p in files.iterdir()
            if p.is_file() and p.name not in named and not p.name.startswith(".")
        )
    return CheckResult(
        meeting_id=meeting.id, register_file=register.file, deadline=deadline, timezone=meeting.timezone,
        max_pages=max_pages, files_dir=str(files) if files is not None else None,
        lines=lines, items=items, flags=flags, unlisted_files=unlisted,
    )


def _received_text(received: dt.datetime | dt.date | None) -> str:
    if received is None:
        return ""
    if isinstance(received, dt.datetime):
        return received.isoformat(timespec="minutes")
    return received.isoformat()
