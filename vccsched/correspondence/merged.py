"""One tally of the online replies (the floor's record) and the e-mailed forms (issue 19).

The online replies become replies like the forms' (``format: "online"``), one per Member
State: its last version, as a whole (a later reply replaces the earlier, as a later form
does). Then :func:`~vccsched.correspondence.tally.tally` counts them all with its rules:
voting rights, the deadline, one reply per Member State (the later by time of receipt,
both reported), the conclusion's text against the record. The result lists per Member
State how it replied (online with its receipt, by form with the file) and what counted.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from vccsched.correspondence.online import OnlineVersion
from vccsched.correspondence.proposals import Proposal
from vccsched.correspondence.replies import Reply, Row
from vccsched.correspondence.tally import Channel, CorrespondenceResult, MajorityRule, MemberReply, tally
from vccsched.errors import CorrespondenceError
from vccsched.floor.state import FloorState
from vccsched.loading import MeetingData
from vccsched.replyforms.cells import CellRef


def online_file(version: OnlineVersion) -> str:
    """How the report names an online reply: who, when, and its receipt."""
    return f"online {version.delegation} {version.at.isoformat(timespec='minutes')} (receipt {version.receipt})"


def online_replies(versions: Sequence[OnlineVersion], zone: ZoneInfo) -> tuple[list[Reply], dict[str, dt.datetime]]:
    """Each Member State's last online version as a reply, and its time of receipt by file name."""
    last: dict[str, OnlineVersion] = {}
    for version in versions:
        last[version.delegation] = version
    replies, received_at = [], {}
    for delegation in sorted(last):
        version = last[delegation]
        file = online_file(version)
        rows = [
            Row(
                item=int(r["item"]), conclusion=None, answer=r["answer"],  # type: ignore[arg-type]
                cell=CellRef(file=file, sheet="online", row=n, column="C", header="Reply"),
                number_cell=CellRef(file=file, sheet="online", row=n, column="A", header="No."),
                conclusion_cell=None,
            )
            for n, r in enumerate(version.replies, start=1)
        ]
        replies.append(Reply(
            file=file, format="online", member=delegation, member_cell=None,
            reply_date=version.at.astimezone(zone).date(), date_cell=None, rows=rows,
        ))
        received_at[file] = version.at
    return replies, received_at


def round_proposals(state: FloorState, data: MeetingData) -> list[Proposal]:
    """The conclusions put to the Council in the online round, with the texts it showed."""
    round_ = state.correspondence
    assert round_ is not None
    by_number = {i.number: i for i in data.agenda.items}
    proposals = []
    for q in round_.questions:
        item = by_number.get(q.item)
        if item is None:
            raise CorrespondenceError(f"item {q.item} of the round is not on the agenda of {data.meeting.id}")
        outcome = state.items[q.item].outcome if q.item in state.items else None
        proposals.append(Proposal(
            number=q.item, code=q.code, title=item.title, conclusion=q.text,
            majority_needed=outcome.majority_needed if outcome is not None else None,
        ))
    return proposals


def tally_round(
    data: MeetingData,
    state: FloorState,
    versions: Sequence[OnlineVersion],
    forms: Sequence[Reply],
    *,
    received: Mapping[str, dt.date] | None = None,
    rule: MajorityRule | None = None,
) -> CorrespondenceResult:
    """Count the online round of ``state`` together with the e-mailed ``forms``.

    The rule is the round's unless ``rule`` is given; the deadline is the round's (a form
    dated after its day is late). ``versions``: the round's online versions, in seq order.
    """
    round_ = state.correspondence
    if round_ is None:
        raise CorrespondenceError(
            "the floor's record has no decision by correspondence opened online; tally the forms "
            "without --db, or open the round first ('vccsched correspondence open')",
            title="No online round",
        )
    zone = data.meeting.zone
    online, received_at = online_replies(versions, zone)
    result = tally(
        data, [*online, *forms], proposals=round_proposals(state, data), rule=rule or round_.majority,
        deadline=round_.deadline.astimezone(zone).date(), received=received, received_at=received_at,
    )
    return result.model_copy(update={"deadline_at": round_.deadline, "members": _members(result, versions, online)})


def _members(result: CorrespondenceResult, versions: Sequence[OnlineVersion], online: Sequence[Reply]) -> list[MemberReply]:
    count = defaultdict(int)
    for v in versions:
        count[v.delegation] += 1
    last = {v.delegation: v for v in versions}
    online_files = {r.file for r in online}
    by_member: dict[str, list[Channel]] = defaultdict(list)
    names: dict[str, str] = {}
    for status in result.replies:
        if status.member_id is None:
            continue
        names[status.member_id] = status.member_name or status.member_id
        if status.file in online_files:
            v = last[status.member_id]
            channel = Channel(via="online", file=status.file, receipt=v.receipt, at=v.at,
                              versions=count[status.member_id], date=status.reply_date, counted=status.counted)
        else:
            channel = Channel(via="form", file=status.file, date=status.reply_date, counted=status.counted)
        by_member[status.member_id].append(channel)
    return [
        MemberReply(
            member_id=member, name=names[member], channels=channels,
            counted=next((c.file for c in channels if c.counted), None),
        )
        for member, channels in sorted(by_member.items())
    ]
