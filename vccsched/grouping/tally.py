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
from vccsched.grouping.layout import ANNEX_SHEET, normalise
from vccsched.grouping.replies import AdditionalItem, Choice, CellRef, Problem, Reply
from vccsched.loading import MeetingData
from vccsched.models import Category, Delegation, Group, StrictModel
from vccsched.replyforms.cells import one_per_item, problem_order
from vccsched.replyforms.senders import (  # noqa: F401 (find_sender, ReplyStatus: part of this module's API)
    LATE_POLICIES,
    LatePolicy,
    ReplyStatus,
    find_sender,
    screen_replies,
)

Policy = Literal["any-deferral", "majority"]
POLICIES: tuple[Policy, ...] = ("any-deferral", "majority")


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
    meeting, agenda, roster = data.meeting, data.agenda, data.roster
    deadline = meeting.grouping_reply_deadline
    screening = screen_replies(replies, roster, deadline=deadline, late=late, received=received)
    problems = screening.problems
    statuses = {s.file: s for s in screening.statuses}

    numbers = set(agenda.numbers)
    votes: dict[int, dict[int, list[str]]] = {n: {1: [], 2: []} for n in numbers}
    additional: list[AdditionalProposal] = []
    for sender_id, reply in screening.chosen.items():
        assert isinstance(reply, Reply)
        sender = roster.get(sender_id)
        assert sender is not None
        # An observer's proposed items are listed although its choices do not count.
        for item in reply.additional:
            additional.append(_proposal(item, sender))
        if not statuses[reply.file].counted:
            continue
        for choice in _checked_choices(reply, numbers, problems):
            votes[choice.item][choice.group].append(sender_id)

    counted_replies = sum(1 for s in screening.statuses if s.counted)
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

    replied = {s.member_id for s in screening.statuses if s.counted}
    return TallyResult(
        meeting_id=meeting.id,
        policy=policy,
        late_policy=late,
        deadline=deadline,
        replies=screening.statuses,
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
    return problem_order(problem, ANNEX_SHEET)


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
    return one_per_item(reply.file, by_item, lambda c: c.group, ("choice", "choices"), problems)


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
