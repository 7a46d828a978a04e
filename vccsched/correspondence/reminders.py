"""Who has not replied yet to the decision by correspondence, for the secretariat's
reminders (issue 19): the Council Members with no valid reply online nor by an e-mailed
form, with their focal point's name and e-mail (or, without one, every registered person
who may reply for them).

The forms are read and screened with the tally's readers and rules
(:func:`~vccsched.replyforms.senders.screen_replies`): a form takes its Member State off
the list when it names a Council Member, has a date of reply on or before the round's
deadline day (or one given with ``--received``) and at least one answer on a conclusion
of the round (a blank form is no reply). Everything else is reported, never dropped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from vccsched.correspondence.replies import Reply
from vccsched.errors import CorrespondenceError
from vccsched.floor.state import FloorState
from vccsched.loading import MeetingData
from vccsched.models import Delegation
from vccsched.replyforms.cells import Problem
from vccsched.replyforms.senders import CATEGORY_NAMES, screen_replies

COLUMNS = ["delegation", "member_state", "voting_rights", "person", "name", "email", "note"]


@dataclass(frozen=True)
class Reminders:
    """The reminder list and how the others replied."""

    text: str  #: the CSV
    missing: list[str]  #: roster ids of the Council Members listed, in roster order
    online: set[str] = field(default_factory=set)  #: Council Members with an online reply
    by_form: set[str] = field(default_factory=set)  #: Council Members with a valid form
    problems: list[Problem] = field(default_factory=list)  #: why a form took no one off the list

    def summary(self) -> str:
        both = len(self.online & self.by_form)
        either = len(self.online | self.by_form)
        return (f"{len(self.missing)} Council Member(s) have not replied; {either} have: "
                f"{len(self.online)} online, {len(self.by_form)} by form ({both} both)")


def _round(state: FloorState):
    round_ = state.correspondence
    if round_ is None:
        raise CorrespondenceError(
            "the floor's record has no decision by correspondence opened online "
            "('vccsched correspondence open'); there is no one to remind", title="No online round")
    return round_


def _council_member(sender: Delegation) -> str | None:
    if sender.category == "council_member":
        return None  # without the right to vote too: it has replied, there is no one to remind
    what = CATEGORY_NAMES.get(sender.category, sender.category)
    return f"{sender.name} ({sender.id}) is {what}, not a Council Member: no one to remind"


def replied_by_form(
    state: FloorState, data: MeetingData, forms: Sequence[Reply], received: Mapping[str, dt.date] | None = None
) -> tuple[set[str], list[Problem]]:
    """The Council Members with a valid form among ``forms``, and the problems of the others."""
    round_ = _round(state)
    if not forms:
        return set(), []
    screening = screen_replies(
        forms, data.roster, deadline=round_.deadline.astimezone(data.meeting.zone).date(), late="reject",
        received=received, counts=_council_member, late_option=None,
    )
    problems = list(screening.problems)
    counted = screening.counted
    replied = set()
    for sender, reply in counted.items():
        assert isinstance(reply, Reply)
        if any(row.answer is not None and row.item in round_.items for row in reply.rows):
            replied.add(sender)
        else:
            problems.append(Problem(file=reply.file, message=(
                f"no answer on the conclusions of the round ({', '.join(map(str, round_.items))}): a blank "
                "form is no reply; its Member State stays on the reminder list")))
    return replied, problems


def reminders(
    state: FloorState, data: MeetingData, forms: Sequence[Reply] = (), received: Mapping[str, dt.date] | None = None
) -> Reminders:
    """The Council Members without a valid reply online or by form, as CSV, in roster order."""
    round_ = _round(state)
    by_form, problems = replied_by_form(state, data, forms, received)
    members = [d.id for d in data.roster.council_members]
    online = {m for m in members if m in round_.replied}
    missing = [m for m in members if m not in online and m not in by_form]
    registrations = data.registrations
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for member in missing:
        d = data.roster.get(member)
        assert d is not None
        vote = "yes" if d.voting_rights else "no"
        persons = registrations.of(member) if registrations is not None else []
        focal = [p for p in persons if p.correspondence_focal_point]
        chosen, note = (focal, "focal point") if focal else (persons, "no focal point: any of its persons may reply")
        if not chosen:
            writer.writerow([d.id, d.name, vote, "", "", "", "no registered person: the delegation's own link replies"])
            continue
        for p in chosen:
            name = " ".join(part for part in (p.title, p.given_name, p.family_name) if part)
            writer.writerow([d.id, d.name, vote, p.id, name, p.email, note])
    return Reminders(text=buffer.getvalue(), missing=missing, online=online, by_form=by_form & set(members),
                     problems=problems)
