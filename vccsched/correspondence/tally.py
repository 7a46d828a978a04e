"""Count the Council Members' replies to a decision by correspondence (Rule 3.2).

Only the replies of Council Members with the right to vote (``voting_rights``
in the roster) count; every other reply is reported. A late reply (dated after
``deadline``) is reported and not counted: a vote has a closing date. Two
replies from one Member State: the later counts, both are reported.

How the majority is counted is itself on the Council's agenda (item 35, the
calculation of the majority in consultations by correspondence), so the rule is
explicit and named in every result:

``of-voting-members`` (default)
    approved when the approvals are a simple majority of *all* the Council
    Members with the right to vote: more than half of them, whether they replied
    or not. With 48 voters, 25 approvals are needed; exactly half (24) is not
    enough.
``of-replies``
    approved when the approvals are more than half of the *valid replies* on
    that conclusion (approve, object or abstain from a counted reply; a blank
    is no reply). An abstention is a valid reply, so it weighs like an objection.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from typing import Literal

from pydantic import Field

from vccsched.correspondence.layout import SHEET, Answer
from vccsched.correspondence.proposals import Proposal, same_text, voters
from vccsched.correspondence.replies import Reply, Row
from vccsched.errors import CorrespondenceError
from vccsched.loading import MeetingData
from vccsched.models import Delegation, LocalizedText, StrictModel
from vccsched.replyforms.cells import Problem, one_per_item, problem_order
from vccsched.replyforms.senders import CATEGORY_NAMES, ReplyStatus, screen_replies

MajorityRule = Literal["of-voting-members", "of-replies"]
MAJORITY_RULES: tuple[MajorityRule, ...] = ("of-voting-members", "of-replies")

Result = Literal["approved", "not approved", "not tallied"]


def rule_text(rule: MajorityRule, voters: int) -> str:
    """The rule in words, with the figures of this roster."""
    if rule == "of-voting-members":
        return (
            f"of-voting-members: a proposal is approved when at least {voters // 2 + 1} of the "
            f"{voters} Council Members with the right to vote approve it (more than half of all of "
            "them, whether they replied or not)."
        )
    return (
        "of-replies: a proposal is approved when more than half of the valid replies on it "
        "(approve, object or abstain from a Council Member with the right to vote) approve it; "
        "an abstention counts as a valid reply."
    )


class ProposalResult(StrictModel):
    """One proposed conclusion: the answers and the result."""

    number: int
    code: str
    title: LocalizedText
    conclusion: str
    item_open: bool = Field(description="The item was still open when the record ends.")
    approve: list[str] = Field(description="Roster ids of the Council Members who approve.")
    object: list[str] = Field(description="Roster ids of those who object.")
    abstain: list[str] = Field(description="Roster ids of those who abstain.")
    invalid: list[str] = Field(
        default_factory=list,
        description="Council Members with the right to vote whose counted reply has an answer on this "
        "conclusion that could not be read (reported as a problem; not counted).",
    )
    no_reply: list[str] = Field(description="Council Members with the right to vote and no answer on it at all.")
    valid: int = Field(description="Valid answers: approve + object + abstain.")
    base: int = Field(description="The number the majority is of: the voters, or the valid replies.")
    needed: int = Field(description="Approvals needed: base // 2 + 1.")
    result: Result
    notes: list[str] = Field(default_factory=list)


class Channel(StrictModel):
    """One way a Member State replied: online (with its receipt) or by a form (its file)."""

    via: Literal["online", "form"]
    file: str = Field(description="The reply as the report names it (the form's file, or 'online ... (receipt ...)').")
    receipt: str | None = Field(default=None, description="Online: the receipt of the version counted.")
    at: dt.datetime | None = Field(default=None, description="Online: when the last version was received.")
    versions: int = Field(default=1, description="Online: how many versions the record keeps (the last counts).")
    date: dt.date | None = Field(default=None, description="The date of reply (a form's, or the online reply's day).")
    counted: bool


class MemberReply(StrictModel):
    """How one Member State replied, and what counted (issue 19)."""

    member_id: str
    name: str
    channels: list[Channel]
    counted: str | None = Field(description="The reply counted ('file'), or null when none counts.")


class CorrespondenceResult(StrictModel):
    """The outcome of the round: pass it to ``render_result``."""

    meeting: str
    rule: MajorityRule
    rule_text: str
    deadline: dt.date | None = Field(description="Replies dated after it are not counted; null: none late.")
    source: Literal["record", "forms"] = Field(
        description="'record': the conclusions come from the floor's record (texts checked against "
        "it); 'forms': from the reply forms themselves."
    )
    voters: int = Field(description="Council Members with the right to vote.")
    proposals: list[ProposalResult]
    replies: list[ReplyStatus]
    problems: list[Problem]
    names: dict[str, str] = Field(description="Roster id -> name of every delegation named above.")
    deadline_at: dt.datetime | None = Field(
        default=None, description="The online round's deadline (time and offset), when replies came from the record."
    )
    members: list[MemberReply] = Field(
        default_factory=list,
        description="Per Member State that replied, online or by form: how, with receipts, and what counted.",
    )

    @property
    def counted(self) -> list[ReplyStatus]:
        return [r for r in self.replies if r.counted]


def _voting_member(sender: Delegation) -> str | None:
    if sender.category != "council_member":
        what = CATEGORY_NAMES.get(sender.category, sender.category)
        return (f"{sender.name} ({sender.id}) is {what}, not a Council Member: the reply is "
                "reported and not counted")
    if not sender.voting_rights:
        return (f"{sender.name} ({sender.id}) is a Council Member without the right to vote "
                "(Rule 3.2): the reply is reported and not counted")
    return None


def _proposals_from_replies(
    data: MeetingData, replies: Sequence[Reply], problems: list[Problem]
) -> tuple[list[Proposal], set[int]]:
    """The conclusions as the counted forms show them; items whose texts differ are disputed."""
    texts: dict[int, list[tuple[str, Row, str]]] = defaultdict(list)
    numbers = set(data.agenda.numbers)
    for reply in sorted(replies, key=lambda r: r.file):
        for row in reply.rows:
            if row.item in numbers and row.conclusion is not None:
                texts[row.item].append((row.conclusion, row, reply.file))
    proposals, disputed = [], set()
    for item in data.agenda.items:
        found = texts.get(item.number)
        if not found:
            continue
        first_text, _, first_file = found[0]
        for text, row, file in found[1:]:
            if not same_text(text, first_text):
                disputed.add(item.number)
                problems.append(Problem(file=file, cell=row.conclusion_cell, message=(
                    f"the conclusion on item {item.number} reads differently here than in "
                    f"{first_file}; without the record (--log or --db) the tally cannot tell which "
                    f"text was put to the vote: item {item.number} is not tallied")))
        proposals.append(Proposal(number=item.number, code=item.code, title=item.title,
                                  conclusion=" ".join(first_text.split())))
    return proposals, disputed


def _checked_rows(
    reply: Reply, by_number: Mapping[int, Proposal], source: str, problems: list[Problem],
    disputed: Collection[int] = (),
) -> list[Row]:
    """The reply's answers on conclusions put to the vote; an item answered twice differently counts neither."""
    by_item: dict[int, list[Row]] = defaultdict(list)
    for row in reply.rows:
        if row.answer is None:
            continue  # a blank is no reply on that conclusion
        if row.item in disputed:
            continue  # not tallied, and said so once per differing form: the forms do carry it
        proposal = by_number.get(row.item)
        if proposal is None:
            where = "in the record" if source == "record" else "in the forms"
            problems.append(Problem(file=reply.file, cell=row.number_cell, message=(
                f"item {row.item} has no conclusion for decision by correspondence {where}; the "
                f"reply {row.answer!r} is not counted")))
            continue
        if source == "record" and row.conclusion is not None and not same_text(row.conclusion, proposal.conclusion):
            problems.append(Problem(file=reply.file, cell=row.conclusion_cell, message=(
                f"the conclusion on item {row.item} differs from the one put to the vote "
                f"({proposal.conclusion!r}); the reply {row.answer!r} is not counted: ask the "
                "Member State to confirm it on the text of the record")))
            continue
        by_item[row.item].append(row)
    return one_per_item(reply.file, by_item, lambda r: r.answer, ("reply", "replies"), problems)


def tally(
    data: MeetingData,
    replies: Sequence[Reply],
    *,
    proposals: Sequence[Proposal] | None = None,
    rule: MajorityRule = "of-voting-members",
    deadline: dt.date | None = None,
    received: Mapping[str, dt.date] | None = None,
    received_at: Mapping[str, dt.datetime] | None = None,
) -> CorrespondenceResult:
    """Screen and count ``replies``.

    ``proposals`` are the conclusions put to the vote, from the floor's record
    (:func:`~vccsched.correspondence.proposals.proposals_from_state`); without
    them the conclusions are read from the forms, and an item whose text differs
    between the counted forms is not tallied. ``received`` maps a reply's file
    to the date it arrived (overriding the form's date). Raises
    ``CorrespondenceError`` when no reply can be counted.
    """
    if rule not in MAJORITY_RULES:
        raise CorrespondenceError(
            f"unknown majority rule {rule!r}; expected one of {', '.join(MAJORITY_RULES)}")
    if not replies:
        raise CorrespondenceError(
            "no reply files given; pass the filled forms (.xlsx or .csv) or a folder holding them",
            title="Nothing to tally",
        )
    roster = data.roster
    screening = screen_replies(
        replies, roster, deadline=deadline, late="reject", received=received,
        counts=_voting_member, late_option=None, received_at=received_at,
    )
    problems = list(screening.problems)
    counted: dict[str, Reply] = {}
    for sender, reply in screening.counted.items():
        assert isinstance(reply, Reply)
        counted[sender] = reply
    if not counted:
        raise CorrespondenceError(
            f"none of the {len(replies)} reply file(s) can be counted: no reply from a Council "
            "Member with the right to vote, with a date of reply"
            + (f" on or before {deadline}" if deadline else ""),
            title="Nothing to tally",
            details=[str(p) for p in sorted(problems, key=lambda p: problem_order(p, SHEET))],
        )
    source: Literal["record", "forms"] = "record" if proposals is not None else "forms"
    disputed: set[int] = set()
    if proposals is None:
        proposals, disputed = _proposals_from_replies(data, list(counted.values()), problems)
    by_number = {p.number: p for p in proposals if p.number not in disputed}

    answers: dict[int, dict[str, Answer]] = defaultdict(dict)
    for sender, reply in counted.items():
        for row in _checked_rows(reply, by_number, source, problems, disputed):
            assert row.answer is not None
            answers[row.item][sender] = row.answer
    # An answer that could not be read is not counted, but the rest of its reply is: the
    # Member State did answer, so it is neither "no reply" nor a reply left out.
    invalid: dict[int, set[str]] = defaultdict(set)
    reply_notes: dict[str, list[str]] = defaultdict(list)
    for sender, reply in counted.items():
        for row in reply.rows:
            if row.invalid is not None and row.item in by_number and sender not in answers[row.item]:
                if sender not in invalid[row.item]:
                    reply_notes[reply.file].append(
                        f"its answer on item {row.item} ({row.invalid}) is not approve, object or abstain "
                        "and is not counted; the rest of the reply is")
                invalid[row.item].add(sender)
    statuses = [
        s.model_copy(update={"reasons": [*s.reasons, *reply_notes[s.file]]}) if reply_notes.get(s.file) else s
        for s in screening.statuses
    ]

    voter_ids = voters(data)
    results = []
    for p in proposals:
        given = answers.get(p.number, {})
        unread = invalid.get(p.number, set())
        approve = sorted(s for s, a in given.items() if a == "approve")
        objects = sorted(s for s, a in given.items() if a == "object")
        abstain = sorted(s for s, a in given.items() if a == "abstain")
        valid = len(approve) + len(objects) + len(abstain)
        base = len(voter_ids) if rule == "of-voting-members" else valid
        needed = base // 2 + 1
        notes = []
        if p.number in disputed:
            outcome: Result = "not tallied"
            notes.append("the counted forms carry different texts of this conclusion; tally it "
                         "again with --log or --db")
        else:
            outcome = "approved" if valid and len(approve) >= needed else "not approved"
        if p.item_open:
            notes.append("the item was still open when the record ends; the conclusion may have changed")
        if p.majority_needed is not None and p.majority_needed != len(voter_ids) // 2 + 1:
            notes.append(f"the floor recorded {p.majority_needed} as the majority needed; the roster "
                         f"now has {len(voter_ids)} Council Members with the right to vote")
        results.append(ProposalResult(
            number=p.number, code=p.code, title=p.title, conclusion=p.conclusion,
            item_open=p.item_open, approve=approve, object=objects, abstain=abstain,
            invalid=[v for v in voter_ids if v in unread],
            no_reply=[v for v in voter_ids if v not in given and v not in unread],
            valid=valid, base=base, needed=needed, result=outcome, notes=notes,
        ))

    named = set(voter_ids) | {s.member_id for s in screening.statuses if s.member_id}
    return CorrespondenceResult(
        meeting=data.meeting.id,
        rule=rule,
        rule_text=rule_text(rule, len(voter_ids)),
        deadline=deadline,
        source=source,
        voters=len(voter_ids),
        proposals=results,
        replies=statuses,
        problems=sorted(problems, key=lambda p: problem_order(p, SHEET)),
        names={d.id: d.name for d in roster.delegations if d.id in named},
    )
