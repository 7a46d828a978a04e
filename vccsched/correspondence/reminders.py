"""Who has not replied yet to the decision by correspondence online, for the secretariat's
reminders (issue 19): the Council Members without an online reply, with their focal point's
name and e-mail (or, without one, every registered person who may reply for them)."""

from __future__ import annotations

import csv
import io

from vccsched.errors import CorrespondenceError
from vccsched.floor.state import FloorState
from vccsched.loading import MeetingData

COLUMNS = ["delegation", "member_state", "voting_rights", "person", "name", "email", "note"]


def not_replied(state: FloorState, data: MeetingData) -> list[str]:
    """Roster ids of the Council Members without an online reply in the round, in roster order."""
    round_ = state.correspondence
    if round_ is None:
        raise CorrespondenceError(
            "the floor's record has no decision by correspondence opened online "
            "('vccsched correspondence open'); there is no one to remind", title="No online round")
    return [d.id for d in data.roster.council_members if d.id not in round_.replied]


def reminders_csv(state: FloorState, data: MeetingData) -> tuple[str, int]:
    """The CSV text and how many Council Members it lists."""
    missing = not_replied(state, data)
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
    return buffer.getvalue(), len(missing)
