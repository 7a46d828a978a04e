"""Tally the Council Members' replies into the final grouping.

:func:`tally` checks every :class:`~vccsched.grouping.replies.Reply` against the
roster, the agenda and the deadline, keeps one reply per Council Member, counts
the 1s and 2s per item and applies a policy:

``any-deferral`` (default; Annex 1: any Council Member may have an item deferred)
    A Group 1 item goes to Group 2 when at least one Council Member asks for 2.
    A Group 2 item comes into Group 1 when more than half of the Council Members
    whose reply counts ask for 1 and none asks for 2 (a blank is not a vote for 1).
``majority``
    Each item takes the choice of the majority of the Council Members who wrote
    1 or 2 against it; a tie or no choice keeps the secretariat's proposal.

An item without a proposal (item 32) gets the group the same rule gives when
the proposal is ignored, and otherwise stays without a group (reported; not in
``grouping.yaml``).

Everything wrong is a :class:`~vccsched.grouping.replies.Problem` in the result;
only "nothing can be counted" raises :class:`~vccsched.errors.GroupingError`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import Field

from vccsched.errors import GroupingError
from vccsched.grouping.layout import MEMBER_LABEL, normalise
from vccsched.grouping.replies import AdditionalItem, Choice, CellRef, Problem, Reply
from vccsched.loading import MeetingData
from vccsched.models import Category, Delegation, Group, Roster, StrictModel

Policy = Literal["any-deferral", "majority"]
LatePolicy = Literal["accept", "reject"]
POLICIES: tuple[Policy, ...] = ("any-deferral", "majority")
LATE_POLICIES: tuple[LatePolicy, ...] = ("accept", "reject")

_CATEGORY_NAMES: dict[str, str] = {
    "council_member": "a Council Member",
    "observer_state": "an observer Member State",
    "palestine_observer": "the observer State of Palestine",
    "sector_member": "a Sector Member",
    "secretariat": "the secretariat",
    "chair": "the chair",
}


class ReplyStatus(StrictModel):
    """What became of one reply file."""

    file: str
    member_id: str | None = Field(description="Roster id of the sender; None if unknown.")
    member_name: str | None = Field(description="Roster name of the sender (as written if unknown).")
    category: Category | None = None
    reply_date: dt.date | None
    date_source: Literal["form", "received", "none"] = Field(
        description="'received': the date was given with --received FILE=DATE."
    )
    late: bool = False
    counted: bool = Field(description="Its choices are counted in the tally.")
    reasons: list[str] = Field(default_factory=list, description="Why it is not counted, or notes.")


class ItemTally(StrictModel):
    """One agenda item: the proposal, the counts and the result."""

    number: int
    code: str
    title: str = Field(description="English title.")
    proposed: Group | None
    ones: list[str] = Field(description="Roster ids of the Council Members who wrote 1.")
    twos: list[str] = Field(description="Roster ids of the Council Members who wrote 2.")
    final: Group | None
    minutes: int | None = Field(description="Estimated minutes from the agenda.")

    @property
    def changed(self) -> bool:
        return self.final != self.proposed

    @property
    def asked_change(self) -> list[str]:
        """Council Members whose choice differs from the proposal."""
        if self.proposed == 1:
            return list(self.twos)
        if self.proposed == 2:
            return list(self.ones)
        return sorted(self.ones + self.twos)


class AdditionalProposal(StrictModel):
    """An item a Member State proposes to add, with its proposer."""

    title: str
    reason: str | None
    group: Group | None
    proposer_id: str
    proposer_name: str
    category: Category
    cell: CellRef


class TallyResult(StrictModel):
    """The outcome of the consultation: pass it to ``grouping_yaml`` and the report."""

    meeting_id: str
    policy: Policy
    late_policy: LatePolicy
    deadline: dt.date
    replies: list[ReplyStatus]
    items: list[ItemTally]
    additional: list[AdditionalProposal]
    problems: list[Problem]
    council_members: int = Field(description="Council Members in the roster.")
    not_replied: list[str] = Field(description="Names of the Council Members with no counted reply.")
    days: int = Field(description="At most this many meeting days (meeting.max_days).")
    window_minutes: int = Field(description="Length of the daily window.")
    buffer_minutes: int = Field(description="Minutes of each day kept free for overruns.")

    @property
    def day_minutes(self) -> int:
        """Usable minutes per day: the window minus the buffer."""
        return self.window_minutes - self.buffer_minutes

    @property
    def counted(self) -> list[ReplyStatus]:
        return [r for r in self.replies if r.counted]

    @property
    def grouping(self) -> dict[int, int]:
        """Every item with a final group, for ``grouping.yaml``."""
        return {item.number: item.final for item in self.items if item.final is not None}

    @property
    def ungrouped(self) -> list[int]:
        return [item.number for item in self.items if item.final is None]

    @property
    def changed(self) -> list[ItemTally]:
        return [item for item in self.items if item.changed]

    @property
    def group_one(self) -> list[ItemTally]:
        return [item for item in self.items if item.final == 1]

    @property
    def minutes_needed(self) -> int:
        return sum(item.minutes or 0 for item in self.group_one)

    @property
    def minutes_unknown(self) -> list[int]:
        """Group 1 items without a time estimate (e.g. moved in from Group 2)."""
        return [item.number for item in self.group_one if item.minutes is None]

    @property
    def minutes_available(self) -> int:
        return self.days * self.day_minutes


# --------------------------------------------------------------------------- policies


def decide(policy: Policy, proposed: int | None, ones: int, twos: int, counted_replies: int) -> int | None:
    """The final group of one item under ``policy`` (``None``: still no group)."""
    if policy == "any-deferral":
        if twos >= 1:
            return 2
        if 2 * ones > counted_replies:
            return 1
        return proposed
    if policy == "majority":
        if ones > twos:
            return 1
        if twos > ones:
            return 2
        return proposed
    raise GroupingError(f"unknown policy {policy!r}; expected one of {', '.join(POLICIES)}")


# --------------------------------------------------------------------------- senders


def _name_index(roster: Roster) -> dict[str, list[Delegation]]:
    index: dict[str, list[Delegation]] = defaultdict(list)
    for d in roster.delegations:
        keys = {normalise(d.id), normalise(d.name)}
        if " (" in d.name:
            keys.add(normalise(d.name.split(" (")[0]))
        for key in keys:
            index[key].append(d)
    return index


def find_sender(text: str, roster: Roster) -> Delegation | None:
    """The roster delegation a form's Member State cell names (ISO code or name)."""
    matches = _name_index(roster).get(normalise(text), [])
    return matches[0] if len(matches) == 1 else None


# --------------------------------------------------------------------------- tally


def tally(
    data: MeetingData,
    replies: Sequence[Reply],
    *,
    policy: Policy = "any-deferral",
    late: LatePolicy = "accept",
    received: Mapping[str, dt.date] | None = None,
) -> TallyResult:
    """Check and count ``replies``; ``received`` maps a reply's file to the date it arrived.

    ``received`` overrides the form's date (the secretariat's record of arrival
    is what the deadline is about) and supplies it when the form has none.
    Raise ``GroupingError`` when no reply can be counted.
    """
    if policy not in POLICIES:
        raise GroupingError(f"unknown policy {policy!r}; expected one of {', '.join(POLICIES)}")
    if late not in LATE_POLICIES:
        raise GroupingError(f"unknown --late {late!r}; expected accept or reject")
    if not replies:
        raise GroupingError(
            "no reply files given; pass the filled forms (.xlsx or .csv) or a folder holding them",
            title="Nothing to tally",
        )
    received = dict(received or {})
    meeting, agenda, roster = data.meeting, data.agenda, data.roster
    deadline = meeting.grouping_reply_deadline
    problems: list[Problem] = []
    statuses: dict[str, dict] = {}
    eligible: dict[str, list[Reply]] = defaultdict(list)  # sender id -> replies

    for reply in replies:
        problems.extend(reply.problems)
        status = {
            "file": reply.file, "member_id": None, "member_name": reply.member, "category": None,
            "reply_date": reply.reply_date, "date_source": "form" if reply.reply_date else "none",
            "late": False, "counted": False, "reasons": [],
        }
        statuses[reply.file] = status
        arrival = received.get(reply.file)
        if arrival is not None:
            status["reply_date"], status["date_source"] = arrival, "received"

        def reject(message: str, cell: CellRef | None) -> None:
            status["reasons"].append(message)
            problems.append(Problem(file=reply.file, cell=cell, message=message))

        if reply.member is None:
            label = "a 'member_state' line" if reply.format == "csv" else f"a '{MEMBER_LABEL}' label"
            where = "" if reply.member_cell else f" ({label} is missing above the table)"
            reject(f"no Member State given{where}; write the sender's name or ISO code; "
                   "the reply is not counted", reply.member_cell)
            continue
        sender = find_sender(reply.member, roster)
        if sender is None:
            reject(f"unknown sender {reply.member!r}: no delegation of the roster has this name or "
                   "ISO code; the reply is not counted", reply.member_cell)
            continue
        status.update(member_id=sender.id, member_name=sender.name, category=sender.category)
        if status["reply_date"] is None:
            reject(f"no date of reply from {sender.name}; write it as YYYY-MM-DD in the form or pass "
                   f"--received '{reply.file}=YYYY-MM-DD'; the reply is not counted", reply.date_cell)
            continue
        if status["reply_date"] > deadline:
            status["late"] = True
            counted = "counted (--late accept)" if late == "accept" else "not counted (--late reject)"
            source = " (--received)" if status["date_source"] == "received" else ""
            message = (f"late reply from {sender.name}: dated {status['reply_date']}{source}, after "
                       f"the deadline {deadline}; {counted}")
            problems.append(Problem(file=reply.file, cell=reply.date_cell, message=message))
            status["reasons"].append(message)
            if late == "reject":
                continue
        eligible[sender.id].append(reply)

    # One reply per sender: the latest by date, then by file name (deterministic).
    chosen: dict[str, Reply] = {}
    for sender_id, group in sorted(eligible.items()):
        ordered = sorted(group, key=lambda r: (statuses[r.file]["reply_date"], r.file))
        chosen[sender_id] = ordered[-1]
        if len(ordered) > 1:
            last = ordered[-1]
            name = statuses[last.file]["member_name"]
            for earlier in ordered[:-1]:
                message = (f"{name} replied more than once; this reply (dated "
                           f"{statuses[earlier.file]['reply_date']}) is replaced by {last.file} "
                           f"(dated {statuses[last.file]['reply_date']}) and not counted")
                statuses[earlier.file]["reasons"].append(message)
                problems.append(Problem(file=earlier.file, cell=earlier.member_cell, message=message))
            others = ", ".join(r.file for r in ordered[:-1])
            message = (f"{name} replied more than once; this reply (dated "
                       f"{statuses[last.file]['reply_date']}) is the latest and replaces {others}")
            statuses[last.file]["reasons"].append(message)
            problems.append(Problem(file=last.file, cell=last.member_cell, message=message))

    numbers = set(agenda.numbers)
    votes: dict[int, dict[int, list[str]]] = {n: {1: [], 2: []} for n in numbers}
    additional: list[AdditionalProposal] = []
    for sender_id, reply in sorted(chosen.items()):
        sender = roster.get(sender_id)
        assert sender is not None
        for item in reply.additional:
            additional.append(_proposal(item, sender))
        if sender.category != "council_member":
            what = _CATEGORY_NAMES.get(sender.category, sender.category)
            reject_msg = (f"{sender.name} ({sender.id}) is {what}, not a Council Member: the reply is "
                          "reported and not counted")
            statuses[reply.file]["reasons"].append(reject_msg)
            problems.append(Problem(file=reply.file, cell=reply.member_cell, message=reject_msg))
            continue
        statuses[reply.file]["counted"] = True
        for choice in _checked_choices(reply, numbers, problems):
            votes[choice.item][choice.group].append(sender_id)

    counted_replies = sum(1 for s in statuses.values() if s["counted"])
    if counted_replies == 0:
        raise GroupingError(
            f"none of the {len(replies)} reply file(s) can be counted: no reply from a Council "
            "Member of the roster with a date of reply",
            title="Nothing to tally",
            details=[str(p) for p in problems],
        )

    items = []
    for item in agenda.items:
        ones, twos = sorted(votes[item.number][1]), sorted(votes[item.number][2])
        items.append(ItemTally(
            number=item.number,
            code=item.code,
            title=item.title.en,
            proposed=item.proposed_group,
            ones=ones,
            twos=twos,
            final=decide(policy, item.proposed_group, len(ones), len(twos), counted_replies),
            minutes=item.minutes,
        ))

    replied = {s["member_id"] for s in statuses.values() if s["counted"]}
    return TallyResult(
        meeting_id=meeting.id,
        policy=policy,
        late_policy=late,
        deadline=deadline,
        replies=[ReplyStatus(**statuses[r.file]) for r in replies],
        items=items,
        additional=sorted(additional, key=lambda a: (normalise(a.title), a.proposer_id, a.cell.row)),
        problems=sorted(problems, key=_problem_order),
        council_members=len(roster.council_members),
        not_replied=[d.name for d in roster.council_members if d.id not in replied],
        days=meeting.max_days,
        window_minutes=meeting.window.minutes,
        buffer_minutes=meeting.buffer_minutes,
    )


def _problem_order(problem: Problem) -> tuple:
    """Problems of one file together, the reply as a whole first, then sheet by sheet, row by row."""
    cell = problem.cell
    if cell is None:
        return (problem.file, 0, 0, 0, 0, "")
    return (problem.file, 1, 0 if cell.sheet == "Annex 2" else 1, cell.row, len(cell.column), cell.column)


def _proposal(item: AdditionalItem, sender: Delegation) -> AdditionalProposal:
    return AdditionalProposal(
        title=item.title, reason=item.reason, group=item.group, proposer_id=sender.id,
        proposer_name=sender.name, category=sender.category, cell=item.cell,
    )


def _checked_choices(reply: Reply, numbers: set[int], problems: list[Problem]) -> list[Choice]:
    """The reply's choices on known items; an item written twice with different choices counts neither."""
    by_item: dict[int, list[Choice]] = defaultdict(list)
    for choice in reply.choices:
        if choice.item not in numbers:
            problems.append(Problem(file=reply.file, cell=choice.number_cell, message=(
                f"item {choice.item} is not on the agenda; the choice {choice.group} is not counted")))
            continue
        by_item[choice.item].append(choice)
    kept = []
    for number, found in sorted(by_item.items()):
        if len(found) > 1:
            rows = ", ".join(str(c.cell.row) for c in found)
            groups = {c.group for c in found}
            if len(groups) > 1:
                problems.append(Problem(file=reply.file, cell=found[-1].number_cell, message=(
                    f"item {number} appears in rows {rows} with different choices; neither is counted")))
                continue
            problems.append(Problem(file=reply.file, cell=found[-1].number_cell, message=(
                f"item {number} appears in rows {rows} with the same choice; counted once")))
        kept.append(found[-1])
    return kept


def grouping_header(result: TallyResult) -> str:
    """The comment lines at the top of ``grouping.yaml``: what was tallied and how."""
    late = "accepted" if result.late_policy == "accept" else "rejected"
    g1 = len(result.group_one)
    g2 = sum(1 for item in result.items if item.final == 2)
    lines = [
        f"Final grouping of the {result.meeting_id} agenda, written by 'vccsched grouping tally'.",
        f"Policy: {result.policy}; late replies {late} (deadline {result.deadline}).",
        f"Replies: {len(result.replies)} read, {len(result.counted)} counted "
        f"(Council Members: {len(result.counted)} of {result.council_members}).",
        f"Items: {g1} in Group 1, {g2} in Group 2, {len(result.changed)} changed from the proposal.",
    ]
    if result.ungrouped:
        lines.append("Without a group (not listed): " + ", ".join(str(n) for n in result.ungrouped) + ".")
    lines.append(
        f"Group 1 needs {result.minutes_needed} of {result.minutes_available} minutes "
        f"({result.days} day{'s' if result.days != 1 else ''} x ({result.window_minutes} - "
        f"{result.buffer_minutes}) min)."
    )
    return "\n".join(lines)


def grouping_yaml(result: TallyResult) -> str:
    """``grouping.yaml`` text as ``vccsched plan --grouping`` reads it."""
    from vccsched.grouping_file import dump_grouping

    return dump_grouping(result.grouping, header=grouping_header(result))
