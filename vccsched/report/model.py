"""The report of proposed conclusions as data, built once for every format.

What the floor's time means (sitting minutes, an item's minutes, the planned
slot of an item a re-plan left out) is :mod:`vccsched.progress`'s business:
the report takes its figures from :func:`~vccsched.progress.measure_progress`
at the end of the record, so the report and the live console agree.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from pydantic import AwareDatetime, Field

from vccsched.floor.commands import RequestKind
from vccsched.floor.state import Contribution, FloorState
from vccsched.loading import MeetingData
from vccsched.models import Category, LocalizedText, StrictModel
from vccsched.plan import Plan
from vccsched.progress import measure_progress, published_history

OutcomeKind = Literal[
    "concluded", "concluded_en_bloc", "correspondence", "deferred", "no_conclusion", "open",
    "not_reached", "to_come",
]
AnnexReason = Literal["deferred_item", "deferred_conclusion", "group_2", "not_on_agenda", "not_reached", "no_conclusion"]

#: The order of the annex's sections.
ANNEX_ORDER: tuple[AnnexReason, ...] = (
    "deferred_item", "deferred_conclusion", "not_reached", "no_conclusion", "group_2", "not_on_agenda",
)

CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "council_member": ("Council Member", "Council Members"),
    "observer_state": ("observer Member State", "observer Member States"),
    "palestine_observer": ("observer State of Palestine", "observer State of Palestine"),
    "sector_member": ("Sector Member", "Sector Members"),
    "secretariat": ("secretariat", "secretariat"),
    "chair": ("chair", "chair"),
    "interpreter": ("interpreters", "interpreters"),
}


class SpeechLine(StrictModel):
    """One speech on an item, in the order given."""

    order: int = Field(description="1 for the first speech on the item.")
    delegation: str
    name: str
    category: Category
    tier: int | None = Field(description="Speaking tier (1 = Council Members); null outside the tiers.")
    kind: RequestKind
    start: AwareDatetime
    seconds: float = Field(description="Speaking time, pauses excluded.")
    limit_seconds: int
    out_of_order: bool
    in_progress: bool = Field(default=False, description="Still speaking when the record ends.")
    speaker: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="Who of the delegation spoke, as registered ('Ms Example-Delegate-1, Head of "
        "delegation'; the person's id if no longer registered); null when the record names nobody.",
    )
    handed_over: bool = Field(
        default=False,
        exclude_if=lambda value: not value,
        description="The speaker handed over to a colleague of the delegation, who spoke next "
        "for the rest of the speech's time (protocol 4); absent otherwise.",
    )


class ContributionReport(StrictModel):
    """A Member State's written contribution considered on an item, and whether it was presented."""

    symbol: str
    delegation: str
    name: str
    presented: bool = Field(description="The Member State made a speech on the item.")


class ItemReport(StrictModel):
    """One agenda item as the VCC handled it."""

    number: int
    code: str
    title: LocalizedText
    en_bloc: bool = Field(description="Proposed for approval en bloc (agenda).")
    outcome: OutcomeKind = Field(
        description="'to_come': not taken up when the record ends, planned for a day whose window "
        "has not ended; 'not_reached': not taken up, and its day is over (or no plan says otherwise)."
    )
    open_at_end: bool = Field(default=False, description="The item was open when the record ends.")
    conclusion: str | None = Field(description="The proposed conclusion (also of a deferred conclusion).")
    majority_needed: int | None = Field(description="For a decision by correspondence (Rule 3.2).")
    deferral_scope: Literal["item", "conclusion"] | None = None
    target: str | None = Field(default=None, description="Where it was deferred, e.g. 'C22'.")
    requested_by: str | None = Field(default=None, description="The Council Member who asked for the deferral.")
    requested_by_name: str | None = None
    note: str | None = None
    speeches: list[SpeechLine] = Field(default_factory=list)
    planned_date: dt.date | None = None
    planned_start: AwareDatetime | None = None
    planned_minutes: int | None = None
    used_minutes: float | None = Field(description="Minutes the item was open while the meeting sat; null if never taken up.")
    taken_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None
    contributions: list[ContributionReport] = Field(
        default_factory=list, description="Member States' contributions on the item, in order of arrival."
    )


class AnnexItem(StrictModel):
    """An item or conclusion the next physical session must take up."""

    number: int
    code: str
    title: LocalizedText
    reason: AnnexReason
    requested_by: str | None = None
    requested_by_name: str | None = None
    note: str | None = None
    conclusion: str | None = None


class DelegationTime(StrictModel):
    delegation: str
    name: str
    category: Category
    tier: int | None
    speeches: int
    seconds: float
    speakers: list[str] = Field(
        default_factory=list,
        exclude_if=lambda value: not value,
        description="Who spoke for the delegation, in the order of their first speech (issue 17).",
    )


class TierTime(StrictModel):
    tier: int | None = Field(description="1-based speaking tier; null for a category outside the tiers.")
    label: str
    speeches: int
    seconds: float
    delegations: int = Field(description="Delegations of this tier that spoke.")


class DayReport(StrictModel):
    date: dt.date
    planned_minutes: int | None = Field(description="Null without a plan.")
    used_minutes: float = Field(description="Minutes the meeting sat that day.")
    item_minutes: float = Field(description="Of those, minutes an item was open.")
    items_planned: list[int]
    items_taken: list[int]


class MeetingReport(StrictModel):
    """Everything the report shows; the renderers only lay it out."""

    meeting: str
    title: LocalizedText | None
    timezone: str
    deferral_target: str
    record_from: AwareDatetime | None = Field(description="The first event of the record.")
    record_to: AwareDatetime | None = Field(description="The last event of the record.")
    events: int
    refusals: int = Field(description="Commands of the log the floor refused (not in the record).")
    plan: str | None = Field(description="Which plan the time is compared with; null for none.")
    voters: int = Field(description="Council Members with the right to vote.")
    items: list[ItemReport] = Field(description="The items on the VCC agenda or taken up, in agenda order.")
    annex: list[AnnexItem] = Field(description="What the next session must take up, by section then agenda order.")
    delegations: list[DelegationTime]
    tiers: list[TierTime]
    days: list[DayReport]
    planned_minutes: int | None
    used_minutes: float
    record_head: str | None = Field(
        default=None, description="The record's head (docs/protocol.md, \"The record's chain\"); null: no chain."
    )
    record_commands: int | None = Field(default=None, description="How many commands the chain covers.")
    record_check: str | None = Field(default=None, description="The command that checks a copy of the record.")

    def count(self, outcome: OutcomeKind) -> int:
        return sum(1 for item in self.items if item.outcome == outcome)


def _tier_of(data: MeetingData) -> dict[str, int]:
    return {category: i for i, tier in enumerate(data.meeting.floor.tiers, start=1) for category in tier}


def _outcome(floor_item, en_bloc_done: bool) -> OutcomeKind:
    outcome = floor_item.outcome
    if outcome is None:
        if floor_item.status == "open":
            return "open"
        return "not_reached" if floor_item.taken_at is None and floor_item.status == "pending" else "no_conclusion"
    if outcome.kind == "deferred":
        return "deferred"
    if outcome.kind == "closed":
        return "no_conclusion"
    if outcome.by_correspondence:
        return "correspondence"
    return "concluded_en_bloc" if en_bloc_done else "concluded"


def build_report(
    data: MeetingData,
    state: FloorState,
    events: Iterable = (),
    *,
    plan: Plan | None = None,
    plan_label: str | None = None,
    refusals: int = 0,
    contributions: Mapping[int, Sequence[Contribution]] | None = None,
) -> MeetingReport:
    """The report at the end of the record.

    ``events`` are the floor's events (``ReplayResult.floor.events``): they tell
    en-bloc conclusions from others and give the plans published on the floor;
    events of types this version does not know are ignored. ``plan`` (from
    ``--plan``) is compared with the time used; without it, the plan published
    on the floor, if any. ``plan_label`` says in the report where ``plan`` came from.
    ``contributions`` (per item, from the register) default to those the floor's
    setup carries; a contributor presented its contribution if it spoke on the item.
    """
    events = list(events)
    agenda, roster = data.agenda, data.roster
    names = {d.id: d.name for d in roster.delegations}
    categories = {d.id: d.category for d in roster.delegations}
    tiers = _tier_of(data)
    en_bloc_done = {n for e in events if getattr(e, "type", None) == "en_bloc_concluded" for n in e.items}

    label = plan_label if plan is not None else None
    if plan is None and state.plan is not None:
        label = f"revision {state.plan.revision} of the plan published on the floor"
    now = state.last_at
    progress = None
    if now is not None:
        progress = measure_progress(state, data.meeting, now, plan, history=published_history(events))
    planned_numbers: set[int] | None = None
    if plan is not None:
        planned_numbers = {i.number for i in plan.items}
    elif state.plan is not None and progress is not None:
        planned_numbers = {i.number for i in progress.items if i.planned_date is not None}

    speaker_of = _speaker_names(data)
    speeches: dict[int, list[SpeechLine]] = defaultdict(list)
    finished = [(s, False, s.duration_seconds) for s in state.speeches]
    if state.speaker is not None and now is not None:
        finished.append((state.speaker, True, state.speaker.elapsed(now)))
    for speech, running, seconds in finished:
        line = speeches[speech.item]
        line.append(SpeechLine(
            order=len(line) + 1,
            delegation=speech.delegation,
            name=names.get(speech.delegation, speech.delegation),
            category=categories.get(speech.delegation, "secretariat"),
            tier=tiers.get(categories.get(speech.delegation, "")),
            kind=speech.kind,
            start=speech.since if running else speech.start,
            seconds=round(seconds, 3),
            limit_seconds=speech.limit_seconds,
            out_of_order=speech.out_of_order,
            in_progress=running,
            speaker=speaker_of(speech.person),
            handed_over=not running and speech.reason == "handed_over",
        ))

    items: list[ItemReport] = []
    annex: list[AnnexItem] = []
    for item in agenda.items:
        floor_item = state.items[item.number]
        on_agenda = item.number in planned_numbers if planned_numbers is not None else item.proposed_group == 1
        touched = floor_item.status != "pending" or floor_item.outcome is not None or item.number in speeches
        if not (on_agenda or touched):
            reason: AnnexReason = "group_2" if (planned_numbers is not None or item.proposed_group == 2) else "not_on_agenda"
            annex.append(AnnexItem(number=item.number, code=item.code, title=item.title, reason=reason))
            continue
        outcome = floor_item.outcome
        kind = _outcome(floor_item, item.number in en_bloc_done)
        progress_item = None
        if progress is not None:
            progress_item = next((p for p in progress.items if p.number == item.number), None)
        if kind == "not_reached" and progress_item is not None and progress_item.phase == "to_come":
            kind = "to_come"
        taken = floor_item.taken_at is not None
        report_item = ItemReport(
            number=item.number,
            code=item.code,
            title=item.title,
            en_bloc=item.en_bloc,
            outcome=kind,
            open_at_end=floor_item.status == "open",
            conclusion=outcome.conclusion if outcome else None,
            majority_needed=outcome.majority_needed if outcome and kind == "correspondence" else None,
            deferral_scope=outcome.scope if outcome and kind == "deferred" else None,
            target=outcome.target if outcome and kind == "deferred" else None,
            requested_by=outcome.requested_by if outcome and kind == "deferred" else None,
            requested_by_name=names.get(outcome.requested_by) if outcome and outcome.requested_by else None,
            note=outcome.note if outcome else None,
            speeches=speeches.get(item.number, []),
            planned_date=progress_item.planned_date if progress_item else None,
            planned_start=progress_item.planned_start if progress_item else None,
            planned_minutes=progress_item.planned_minutes if progress_item else None,
            used_minutes=progress_item.minutes if progress_item and taken else None,
            taken_at=floor_item.taken_at,
            closed_at=floor_item.closed_at,
            contributions=_contributions(state, item.number, contributions, names),
        )
        items.append(report_item)
        if kind == "deferred":
            annex.append(AnnexItem(
                number=item.number, code=item.code, title=item.title,
                reason="deferred_conclusion" if report_item.deferral_scope == "conclusion" else "deferred_item",
                requested_by=report_item.requested_by, requested_by_name=report_item.requested_by_name,
                note=report_item.note, conclusion=report_item.conclusion,
            ))
        elif kind in ("not_reached", "no_conclusion"):
            annex.append(AnnexItem(number=item.number, code=item.code, title=item.title, reason=kind))
    annex.sort(key=lambda a: (ANNEX_ORDER.index(a.reason), a.number))

    by_delegation: dict[str, list[SpeechLine]] = defaultdict(list)
    for line in (s for item_lines in speeches.values() for s in item_lines):
        by_delegation[line.delegation].append(line)
    delegations = sorted(
        (
            DelegationTime(
                delegation=d, name=lines[0].name, category=lines[0].category, tier=lines[0].tier,
                speeches=len(lines), seconds=round(sum(s.seconds for s in lines), 3),
                speakers=list(dict.fromkeys(s.speaker for s in lines if s.speaker)),
            )
            for d, lines in by_delegation.items()
        ),
        key=lambda t: (t.tier is None, t.tier or 0, -t.seconds, t.delegation),
    )
    tier_rows = _tier_rows(data, delegations)

    days = []
    if progress is not None:
        days = [
            DayReport(
                date=d.date,
                planned_minutes=d.planned_minutes if label is not None else None,
                used_minutes=d.used_minutes,
                item_minutes=d.item_minutes,
                items_planned=d.items_planned,
                items_taken=d.items_taken,
            )
            for d in progress.days
        ]
    voters = sum(1 for d in roster.council_members if d.voting_rights)
    return MeetingReport(
        meeting=data.meeting.id,
        title=data.meeting.title,
        timezone=data.meeting.timezone,
        deferral_target=data.meeting.deferral_target,
        record_from=state.days[0].first_at if state.days else None,
        record_to=now,
        events=state.seq,
        refusals=refusals,
        plan=label,
        voters=voters,
        items=items,
        annex=annex,
        delegations=delegations,
        tiers=tier_rows,
        days=days,
        planned_minutes=progress.planned_minutes if progress is not None and label is not None else None,
        used_minutes=progress.used_minutes if progress is not None else 0.0,
    )


def _speaker_names(data: MeetingData):
    """person id -> how the record names them: 'Ms Example-Delegate-1, Head of delegation' as
    registered; the id itself for a person the meeting's registrations no longer hold."""
    registrations = data.registrations

    def name(person: str | None) -> str | None:
        if person is None:
            return None
        found = registrations.get(person) if registrations is not None else None
        return f"{found.display_name}, {found.function}" if found is not None else person

    return name


def _contributions(
    state: FloorState, number: int, given: Mapping[int, Sequence[Contribution]] | None, names: Mapping[str, str]
) -> list[ContributionReport]:
    info = state.setup.item(number)
    listed = given.get(number, ()) if given is not None else (info.contributions if info is not None else ())
    spoken = set(state.items[number].spoken)
    return [
        ContributionReport(symbol=c.symbol, delegation=c.delegation, name=names.get(c.delegation, c.delegation),
                           presented=c.delegation in spoken)
        for c in listed
    ]


def _tier_rows(data: MeetingData, delegations: Sequence[DelegationTime]) -> list[TierTime]:
    """Speaking time per tier (in the meeting's order), then per category outside the tiers."""
    groups: list[tuple[int | None, list[str]]] = [
        (i, list(tier)) for i, tier in enumerate(data.meeting.floor.tiers, start=1)
    ]
    in_tiers = {c for _, cats in groups for c in cats}
    groups += [(None, [c]) for c in CATEGORY_LABELS if c not in in_tiers]
    rows = []
    for tier, cats in groups:
        members = [d for d in delegations if d.category in cats]
        label = " and ".join(CATEGORY_LABELS[c][1] for c in cats)
        rows.append(TierTime(
            tier=tier,
            label=f"Tier {tier}: {label}" if tier is not None else label[:1].upper() + label[1:],
            speeches=sum(d.speeches for d in members),
            seconds=round(sum(d.seconds for d in members), 3),
            delegations=len(members),
        ))
    return [r for r in rows if r.tier is not None or r.speeches]
