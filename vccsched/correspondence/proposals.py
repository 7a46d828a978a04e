"""The conclusions put to a decision by correspondence, as the floor recorded them."""

from __future__ import annotations

from pydantic import Field

from vccsched.floor.state import FloorState
from vccsched.loading import MeetingData
from vccsched.models import LocalizedText, StrictModel


class Proposal(StrictModel):
    """One proposed conclusion submitted to the Council Members by correspondence."""

    number: int = Field(description="Agenda item number.")
    code: str = Field(description="Agenda code, e.g. 'ADM 1'.")
    title: LocalizedText
    conclusion: str = Field(description="The proposed conclusion, as recorded on the floor.")
    majority_needed: int | None = Field(
        default=None,
        description="The majority recorded with the conclusion (Rule 3.2, from the roster at the "
        "time); null when the conclusion text comes from the reply forms.",
    )
    item_open: bool = Field(
        default=False, description="The item was still open when the record ends (it may change)."
    )


def same_text(a: str, b: str) -> bool:
    """Two conclusion texts are the same when they differ only in spaces and line breaks."""
    return " ".join(a.split()) == " ".join(b.split())


def proposals_from_state(state: FloorState, data: MeetingData) -> list[Proposal]:
    """Every conclusion recorded "by correspondence" and still standing, in agenda order.

    A conclusion deferred to the next session afterwards is not put to the vote.
    """
    proposals = []
    for item in data.agenda.items:
        floor_item = state.items.get(item.number)
        outcome = floor_item.outcome if floor_item is not None else None
        if outcome is None or not outcome.by_correspondence_standing:
            continue
        proposals.append(Proposal(
            number=item.number,
            code=item.code,
            title=item.title,
            conclusion=outcome.conclusion or "",
            majority_needed=outcome.majority_needed,
            item_open=floor_item.status == "open",
        ))
    return proposals


def voters(data: MeetingData) -> list[str]:
    """Roster ids of the Council Members with the right to vote (Rule 3.2), in roster order."""
    return [d.id for d in data.roster.council_members if d.voting_rights]
