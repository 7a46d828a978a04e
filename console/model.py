"""What the console shows, computed from the floor state and the clock.

Pure functions and small frozen records, no Textual: the widgets only lay out
what these return, so the numbers are tested without a screen. ``now`` is
always the server's clock (``FloorClient.now()``), never the local one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from vccsched.bidi import without_bidi_controls
from vccsched.floor.state import FloorState, ItemState
from vccsched.floor.view import item_contributions

#: Seconds left at which the countdown turns to a warning (and the bell rings).
WARNING_SECONDS = 30

TIER_LABELS: dict[str, str] = {
    "council_member": "CM",
    "observer_state": "Obs",
    "palestine_observer": "Obs",
    "sector_member": "SM",
    "secretariat": "Sec",
    "chair": "Chair",
    "interpreter": "Int",
}

#: The floor languages written out (protocol 4), for the chair and the interpreters.
LANGUAGE_NAMES: dict[str, str] = {
    "ar": "Arabic", "zh": "Chinese", "en": "English", "fr": "French", "ru": "Russian", "es": "Spanish",
}


def language_text(code: str | None) -> str:
    """"French" for "fr"; "" when the language is not known."""
    return LANGUAGE_NAMES.get(code, code) if code else ""


KIND_LABELS: dict[str, str] = {
    "speech": "speech",
    "point_of_order": "point of order",
    "right_of_reply": "right of reply",
}


def clock_text(seconds: float) -> str:
    """``m:ss`` (``h:mm:ss`` from an hour), rounded down; negative values get a minus sign."""
    sign = "-" if seconds < 0 else ""
    whole = int(abs(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{minutes}:{secs:02d}"


def minutes_text(seconds: float) -> str:
    """Whole minutes with a prime, ``<1′`` below one minute: waiting times change slowly."""
    if seconds < 60:
        return "<1′"
    return f"{int(seconds // 60)}′"


def name_of(state: FloorState, delegation: str) -> str:
    participant = state.setup.participant(delegation)
    # Rosters are checked for bidirectional controls; a state from elsewhere may not be.
    return without_bidi_controls(participant.name) if participant is not None and participant.name else delegation


@dataclass(frozen=True)
class SpeakerName:
    """A registered speaker as the server publishes them in ``/meeting.json`` (issue 17)."""

    delegation: str
    name: str  # "Ms Example-Delegate-1": title and family name
    function: str  # "Head of delegation"


#: person id ("CHN.1") -> the speaker's published name.
Speakers = dict[str, SpeakerName]

#: Bounds on what a console takes from a server's list of speakers.
SPEAKERS_MAX = 5000
SPEAKER_TEXT_MAX = 200


def speakers_from(document: object) -> Speakers:
    """The ``speakers`` of a ``/meeting.json`` document; entries that are not as described
    (protocol.md) are left out rather than trusted, and so is a list past its bound."""
    entries = document.get("speakers") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        return {}
    speakers: Speakers = {}
    for entry in entries[:SPEAKERS_MAX]:
        if not isinstance(entry, dict):
            continue
        fields = [entry.get(k) for k in ("id", "delegation", "name", "function")]
        if not all(isinstance(f, str) and 0 < len(f) <= SPEAKER_TEXT_MAX for f in fields[:3]):
            continue
        function = fields[3] if isinstance(fields[3], str) and len(fields[3]) <= SPEAKER_TEXT_MAX else ""
        speakers[fields[0]] = SpeakerName(fields[1], without_bidi_controls(fields[2]), without_bidi_controls(function))
    return speakers


def welcome_person(raw: object) -> tuple[str, str, str] | None:
    """``(id, name, function)`` of the welcome's ``person`` (the registered person whose token
    this console uses); None when absent or not as described (protocol.md, ``welcome``)."""
    if not isinstance(raw, dict):
        return None
    fields = [raw.get(k) for k in ("id", "name", "function")]
    if not all(isinstance(f, str) and len(f) <= SPEAKER_TEXT_MAX for f in fields) or not fields[0] or not fields[1]:
        return None
    return fields[0], without_bidi_controls(fields[1]), without_bidi_controls(fields[2])


def person_label(speakers: Speakers | None, person: str | None, delegation: str) -> str:
    """"Ms Example-Delegate-1, Head of delegation" for a known speaker of ``delegation``; "" otherwise."""
    found = speakers.get(person) if speakers and person else None
    if found is None or found.delegation != delegation:
        return ""
    return f"{found.name}, {found.function}" if found.function else found.name


def who_text(state: FloorState, delegation: str, person: str | None = None, speakers: Speakers | None = None) -> str:
    """"China — Ms Example-Delegate-1, Head of delegation": the delegation first, so the eye
    still scans by country, then who of it asked, when the server names them."""
    label = person_label(speakers, person, delegation)
    name = name_of(state, delegation)
    return f"{name} — {label}" if label else name


def tier_of(state: FloorState, delegation: str) -> str:
    category = state.setup.category_of.get(delegation, "")
    return TIER_LABELS.get(category, category or "?")


# --- the speaker's countdown -------------------------------------------------------------

Phase = Literal["normal", "warning", "overrun"]


@dataclass(frozen=True)
class Countdown:
    """The current speaker's clock at one instant."""

    delegation: str
    name: str
    tier: str
    kind: str
    item: int
    since: dt.datetime
    limit_seconds: int
    left: float
    paused: bool
    out_of_order: bool
    #: The floor language written out ("French"); "" when not known (protocol 4).
    language: str = ""

    @property
    def phase(self) -> Phase:
        if self.left <= 0:
            return "overrun"
        if self.left <= WARNING_SECONDS:
            return "warning"
        return "normal"

    @property
    def display(self) -> str:
        """What the big digits show: time left, or the overrun with a plus sign."""
        if self.left <= 0:
            return "+" + clock_text(-self.left)
        # Round up so that "0:00" appears only when time is really out.
        return clock_text(-int(-self.left // 1))


def countdown(state: FloorState, now: dt.datetime, speakers: Speakers | None = None) -> Countdown | None:
    s = state.speaker
    if s is None:
        return None
    return Countdown(
        delegation=s.delegation,
        name=who_text(state, s.delegation, s.person, speakers),
        tier=tier_of(state, s.delegation),
        kind=s.kind,
        item=s.item,
        since=s.since,
        limit_seconds=s.limit_seconds,
        left=s.limit_seconds - s.elapsed(now),
        paused=s.running_since is None,
        out_of_order=s.out_of_order,
        language=language_text(s.language),
    )


# --- speaking time so far ----------------------------------------------------------------------


@dataclass(frozen=True)
class SpeakingTimes:
    """Finished speaking time per delegation: on each item, and in the whole meeting.

    Chairs use it to be fair ("this item / all" in the waiting list).
    """

    by_item: dict[tuple[int, str], float]
    total: dict[str, float]

    def on_item(self, item: int, delegation: str) -> float:
        return self.by_item.get((item, delegation), 0.0)

    def overall(self, delegation: str) -> float:
        return self.total.get(delegation, 0.0)


def speaking_times(state: FloorState) -> SpeakingTimes:
    by_item: dict[tuple[int, str], float] = defaultdict(float)
    total: dict[str, float] = defaultdict(float)
    for speech in state.speeches:
        by_item[(speech.item, speech.delegation)] += speech.duration_seconds
        total[speech.delegation] += speech.duration_seconds
    return SpeakingTimes(dict(by_item), dict(total))


# --- the waiting list ------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    place: int
    delegation: str
    name: str
    tier: str
    kind: str
    asked_at: dt.datetime
    item_seconds: float
    meeting_seconds: float
    #: The symbols of the delegation's contributions on the item ("C21/75"); "" if none.
    contribution: str = ""
    #: The floor language written out ("French"); "" when not known (protocol 4).
    language: str = ""

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def waited(self, now: dt.datetime) -> float:
        return max(0.0, (now - self.asked_at).total_seconds())


def queue_rows(state: FloorState, times: SpeakingTimes | None = None, speakers: Speakers | None = None) -> list[QueueRow]:
    """The open item's waiting list, in the server's speaking order (never re-sorted)."""
    item = state.current
    if item is None:
        return []
    times = times or speaking_times(state)
    contributed = contributors(state, item.number)
    return [
        QueueRow(
            place=place,
            delegation=r.delegation,
            name=who_text(state, r.delegation, r.person, speakers),
            tier=tier_of(state, r.delegation),
            kind=r.kind,
            asked_at=r.at,
            item_seconds=times.on_item(item.number, r.delegation),
            meeting_seconds=times.overall(r.delegation),
            contribution=contributed.get(r.delegation, ""),
            language=language_text(r.language),
        )
        for place, r in enumerate(item.queue, start=1)
    ]


@dataclass(frozen=True)
class NextSpeaker:
    """One of the next in line, as the interpreters see them (protocol 4)."""

    place: int
    name: str  # "China — Ms Example-Delegate-1, Head of delegation"
    kind: str
    language: str  # written out ("French"); "" when not stated
    #: Its language differs from the one heard before it (the speaker's, or the previous one's).
    changes: bool


def next_in_line(state: FloorState, speakers: Speakers | None = None, count: int = 3) -> list[NextSpeaker]:
    """The first ``count`` of the open item's waiting list with their floor languages, each
    change of language marked against the language heard before it (the current speaker's
    for the first); an unknown language marks no change and is passed over."""
    item = state.current
    if item is None:
        return []
    before = state.speaker.language if state.speaker is not None else None
    entries = []
    for place, r in enumerate(item.queue[:count], start=1):
        changes = bool(r.language and before and r.language != before)
        entries.append(NextSpeaker(
            place=place, name=who_text(state, r.delegation, r.person, speakers), kind=r.kind,
            language=language_text(r.language), changes=changes,
        ))
        before = r.language or before
    return entries


def contributors(state: FloorState, number: int) -> dict[str, str]:
    """Delegation id -> the symbols of its contributions on item ``number`` ("C21/75, C21/90")."""
    symbols: dict[str, list[str]] = defaultdict(list)
    info = state.setup.item(number)
    for c in info.contributions if info is not None else ():
        symbols[c.delegation].append(c.symbol)
    return {d: ", ".join(s) for d, s in symbols.items()}


def contributions_text(state: FloorState, number: int) -> str:
    """"C21/75 China, C21/81 Brazil — presented: China" for the item panel; "" without any.

    A contributor has presented once it has made a speech on the item (the floor
    says who has spoken; nothing is recorded for it)."""
    views = item_contributions(state, number)
    if not views:
        return ""
    listed = ", ".join(f"{v.symbol} {v.name}" for v in views)
    presented = list(dict.fromkeys(v.name for v in views if v.presented))
    return f"{listed} — presented: {', '.join(presented) if presented else 'none yet'}"


# --- the agenda ------------------------------------------------------------------------------


def item_status(item: ItemState, en_bloc: bool) -> str:
    """pending / en bloc (pending, proposed for approval en bloc) / open / concluded /
    approved en bloc / closed / deferred / concl. deferred, as the agenda shows it."""
    outcome = item.outcome
    if outcome is not None and outcome.kind == "deferred":
        return "deferred" if outcome.scope != "conclusion" else "concl. deferred"
    if item.status == "closed":
        if outcome is not None and outcome.kind == "concluded":
            return "approved en bloc" if en_bloc and outcome.conclusion == "Approved en bloc." else "concluded"
        return "closed"
    if item.status == "open":
        return "open"
    return "en bloc" if en_bloc else "pending"


STATUS_MARKS: dict[str, str] = {
    "open": "▶",
    "pending": "·",
    "en bloc": "≡",
    "closed": "✓",
    "concluded": "✓",
    "approved en bloc": "✓",
    "deferred": "→",
    "concl. deferred": "→",
}


@dataclass(frozen=True)
class AgendaRow:
    number: int
    code: str
    title: str
    status: str
    planned_start: dt.datetime | None = None
    planned_end: dt.datetime | None = None
    planned_minutes: int | None = None
    used_minutes: int | None = None
    #: For an item the meeting has closed: when it was first taken up and last closed.
    ran_start: dt.datetime | None = None
    ran_end: dt.datetime | None = None

    @property
    def mark(self) -> str:
        return STATUS_MARKS.get(self.status, "·")

    @property
    def start(self) -> dt.datetime | None:
        """The time to show: when a closed item ran, else when it is planned."""
        return self.ran_start or self.planned_start


#: The meeting's zone when the floor does not say (C21/VCC-1 meets on Geneva time).
DEFAULT_ZONE = "Europe/Zurich"


def meeting_zone(state: FloorState | None) -> ZoneInfo:
    return ZoneInfo((state.setup.timezone if state is not None else None) or DEFAULT_ZONE)


def zone_label(zone: ZoneInfo) -> str:
    """How people name the meeting's clock: "Geneva" for Europe/Zurich, else the zone's city."""
    if zone.key == "Europe/Zurich":
        return "Geneva"
    return zone.key.rsplit("/", 1)[-1].replace("_", " ")


def item_seconds(state: FloorState, now: dt.datetime) -> dict[int, float]:
    """Seconds each item has been open while the meeting sat, up to ``now`` (the open
    item's time runs on), counted as :mod:`vccsched.progress` counts them."""
    from vccsched.progress import day_times

    totals: dict[int, float] = defaultdict(float)
    for day in day_times(state, now):
        for number, seconds in day.item_seconds.items():
            totals[number] += seconds
    return dict(totals)


def _row(state: FloorState, info, used: dict[int, float], planned=None) -> AgendaRow:
    seconds = used.get(info.number)
    item = state.items[info.number]
    ran = item.status == "closed" and item.taken_at is not None and item.closed_at is not None
    return AgendaRow(
        ran_start=item.taken_at if ran else None,
        ran_end=item.closed_at if ran else None,
        number=info.number,
        code=info.code,
        title=info.title,
        status=item_status(state.items[info.number], info.en_bloc),
        planned_start=planned.start if planned else None,
        planned_end=planned.end if planned else None,
        planned_minutes=planned.minutes if planned else None,
        used_minutes=round(seconds / 60) if seconds else None,
    )


def agenda_rows(state: FloorState, now: dt.datetime | None = None) -> list[AgendaRow]:
    """Every agenda item with its status, in agenda order (before a plan is published)."""
    used = item_seconds(state, now or state.last_at or OPENING_FALLBACK)
    return [_row(state, info, used) for info in state.setup.items]


#: Any aware instant, for a state with no event yet (nothing has been used).
OPENING_FALLBACK = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class PlannedDay:
    """Today in the published plan: its items and how the session runs against it."""

    date: dt.date
    number: int
    of: int
    revision: int
    rows: list[AgendaRow]
    start: dt.datetime
    end: dt.datetime
    #: Minutes behind the plan (negative: ahead); None before the day's session starts.
    slip_minutes: int | None
    #: What the day shown is to ``now``: "Today", "Next" (a later meeting day), "Last planned
    #: day" (the plan has no day left), or, outside the meeting's dates, "Before the first
    #: meeting day" / "After the last meeting day".
    label: str = "Today"

    @property
    def heading(self) -> str:
        """The agenda's title: "Today · Tue 8 June", "Next · Mon 14 June", or outside the
        meeting "After the last meeting day · last: Thu 17 June" (the day shown)."""
        date = f"{self.date:%a} {self.date.day} {self.date:%B}"
        if self.label.startswith("After"):
            date = f"last: {date}"
        elif self.label.startswith("Before"):
            date = f"first: {date}"
        return f"{self.label} · {date}"


def published_plan(state: FloorState):
    """The :class:`vccsched.plan.Plan` in force, or None (cached per published plan).

    The cache is keyed on the plan itself (the fold keeps the same object from one
    state to the next), not on its revision and time: two floors (two meetings,
    two tests) can publish revision 1 at the same instant.
    """
    published = state.plan
    if published is None:
        return None
    cached = _PLAN_CACHE.get("plan")
    if cached is None or (cached[0] is not published.plan and cached[0] != published.plan):
        from vccsched.floor.published import plan_of

        _PLAN_CACHE["plan"] = (published.plan, plan_of(published.plan))
    return _PLAN_CACHE["plan"][1]


_PLAN_CACHE: dict[str, tuple] = {}


def _meeting_days(state: FloorState, plan) -> list[dt.date]:
    """The meeting's days as far as known: those sat on and those the plan in force has
    (a re-plan leaves out the days already over). Days sat on outside the meeting's dates
    (a rehearsal on another day) are not meeting days."""
    known = set(state.setup.dates)
    sat = {d.date for d in state.days if not known or d.date in known}
    return sorted({d.date for d in plan.days} | sat)


def outside_meeting(state: FloorState, now: dt.datetime) -> str:
    """"before the first meeting day" or "after the last meeting day" when ``now`` (in the
    meeting's zone) is outside the meeting's dates (a rehearsal on the meeting's data, a
    console left open); "" within them, or when the floor does not know its dates."""
    dates = state.setup.dates
    if not dates:
        return ""
    today = now.astimezone(meeting_zone(state)).date()
    if today < min(dates):
        return "before the first meeting day"
    if today > max(dates):
        return "after the last meeting day"
    return ""


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def planned_day(state: FloorState, now: dt.datetime, history: Sequence = ()) -> PlannedDay | None:
    """Today's session in the published plan: today if it is a planned day, else the
    next planned day (the last one after the meeting). None without a plan.

    ``history`` holds the earlier revisions: a re-plan leaves out the items done,
    and they stay in the day's list with the slot they had.
    """
    from vccsched.progress import planned_slots

    plan = published_plan(state)
    if plan is None or not plan.days:
        return None
    zone = meeting_zone(state)
    today = now.astimezone(zone).date()
    index = next((i for i, d in enumerate(plan.days) if d.date >= today), len(plan.days) - 1)
    day = plan.days[index]
    used = item_seconds(state, now)
    on_day = sorted(
        (slot for date, slot in planned_slots(plan, history).values() if date == day.date),
        key=lambda slot: (slot.start, slot.number),
    )
    rows = []
    for planned in on_day:
        info = state.setup.item(planned.number)
        if info is not None:
            rows.append(_row(state, info, used, planned))
    # A re-plan gives what is left new times; the items done keep theirs from older
    # revisions. Done first, in the order they ran and at the times they ran, then the rest
    # at their planned times: never old and new times mixed in one column.
    done = sorted((r for r in rows if r.ran_start is not None), key=lambda r: (r.ran_start, r.number))
    rows = done + [r for r in rows if r.ran_start is None]
    # The open item stays in view even when the plan has it on another day.
    current = state.current_item
    if current is not None and all(r.number != current for r in rows):
        info = state.setup.item(current)
        if info is not None:
            rows.append(_row(state, info, used))
    start, end = min(s.start for s in on_day), max(s.end for s in on_day)
    days = _meeting_days(state, plan)
    return PlannedDay(
        date=day.date,
        number=days.index(day.date) + 1,
        of=len(days),
        revision=state.plan.revision,  # type: ignore[union-attr]
        rows=rows,
        start=start,
        end=end,
        # Only today's session runs ahead or behind: after the last planned day (or on a
        # day the plan lacks) the day shown is another one, and its slip would be days long.
        slip_minutes=_slip(rows, now, start, current) if day.date == today else None,
        label=_day_shown(state, now, day.date),
    )


def _day_shown(state: FloorState, now: dt.datetime, date: dt.date) -> str:
    today = now.astimezone(meeting_zone(state)).date()
    if date == today:
        return "Today"
    outside = outside_meeting(state, now)
    if outside:
        return _capitalized(outside)
    return "Next" if date > today else "Last planned day"


def _slip(rows: list[AgendaRow], now: dt.datetime, start: dt.datetime, current: int | None) -> int | None:
    """Minutes behind the plan (negative: ahead), judged on the open item or the next one.

    With an item open: when it would end if it takes the rest of its planned
    minutes, against its planned end. Between items: now against the planned
    start of the next pending one.
    """
    if now < start:
        return None
    planned = [r for r in rows if r.planned_start is not None]
    # An item deferred whole waits only to be closed: the day runs on with the next one.
    row = next((r for r in planned if r.number == current and r.status != "deferred"), None)
    if row is not None and row.planned_end is not None:
        left = max(0.0, (row.planned_minutes or 0) - (row.used_minutes or 0))
        projected = now + dt.timedelta(minutes=left)
        return round((projected - row.planned_end).total_seconds() / 60)
    following = next((r for r in planned if r.status in ("pending", "en bloc")), None)
    if following is None or following.planned_start is None:
        return None
    return round((now - following.planned_start).total_seconds() / 60)


def slip_text(minutes: int | None) -> str:
    if minutes is None:
        return ""
    if minutes == 0:
        return "on time"
    return f"{minutes}′ behind" if minutes > 0 else f"{-minutes}′ ahead"


def day_label(state: FloorState, now: dt.datetime) -> str:
    """"Day n of N": of the days sat and those the published plan has, or else of the
    meeting's dates; outside the meeting's dates, "Before the first meeting day" or "After
    the last meeting day" (never a day of the meeting it is not)."""
    outside = outside_meeting(state, now)
    if outside:
        return _capitalized(outside)
    today = now.astimezone(meeting_zone(state)).date()
    plan = published_plan(state)
    dates = _meeting_days(state, plan) if plan is not None else list(state.setup.dates)
    if today in dates:
        return f"Day {dates.index(today) + 1} of {len(dates)}"
    return ""


# --- the log -----------------------------------------------------------------------------------

_REASONS = {
    "finished": "finished",
    "ended_by_chair": "ended by the chair",
    "next_speaker": "next speaker called",
    "item_closed": "item closed",
    "meeting_suspended": "meeting suspended",
    "handed_over": "handed over to a colleague",
}


def describe(event, state: FloorState) -> str:
    """One line of the console's log for ``event``, with delegations named in full.

    ``state`` is the state after the event (names and codes do not change).
    """
    name = lambda d: name_of(state, d)  # noqa: E731
    kind = KIND_LABELS.get(getattr(event, "kind", ""), "")
    item = getattr(event, "item", None)
    info = state.setup.item(item) if item is not None else None
    code = f"{info.code} (item {item})" if info is not None else f"item {item}"
    match event.type:
        case "item_opened":
            return f"{code} opened"
        case "floor_requested":
            language = f", in {language_text(event.language)}" if event.language else ""
            return f"{name(event.delegation)} asked for the floor ({kind}{language})"
        case "request_withdrawn":
            return f"{name(event.delegation)} withdrew its request ({kind})"
        case "request_removed":
            return f"{name(event.delegation)}'s request struck by the chair ({kind})"
        case "floor_given" if event.handed_over:
            language = f", in {language_text(event.language)}" if event.language else ""
            return (f"{name(event.delegation)} handed over to {event.person} "
                    f"({kind}{language}, {clock_text(event.limit_seconds)} left"
                    f"{', clock paused' if event.clock_paused else ''})")
        case "floor_given":
            extra = ", out of order" if event.out_of_order else ""
            extra += f", in {language_text(event.language)}" if event.language else ""
            return f"floor to {name(event.delegation)} ({kind}{extra}, {clock_text(event.limit_seconds)})"
        case "speech_ended":
            return (
                f"{name(event.delegation)} ended after {clock_text(event.duration_seconds)} "
                f"({_REASONS.get(event.reason, event.reason)})"
            )
        case "clock_paused":
            return f"clock paused ({name(event.delegation)})"
        case "clock_resumed":
            return f"clock resumed ({name(event.delegation)})"
        case "floor_language_set":
            whose = "speech" if event.target == "speaker" else f"waiting request ({kind})"
            return f"{name(event.delegation)}'s {whose}: floor language corrected to {language_text(event.language)}"
        case "speaking_time_set":
            return f"speaking time on {code}: {clock_text(event.seconds)}"
        case "list_closed":
            return f"list of speakers closed on {code}"
        case "list_reopened":
            return f"list of speakers reopened on {code}"
        case "conclusion_recorded":
            how = f" (by correspondence, majority {event.majority_needed})" if event.by_correspondence else ""
            return f"proposed conclusion recorded on {code}{how}"
        case "item_deferred":
            what = "conclusion of " if event.scope == "conclusion" else ""
            return f"{what}{code} deferred to {event.target} at the request of {name(event.requested_by)}"
        case "item_closed":
            dropped = f", {len(event.dropped)} requests dropped" if event.dropped else ""
            return f"{code} closed{dropped}"
        case "en_bloc_concluded":
            return f"items {', '.join(str(n) for n in event.items)} concluded en bloc"
        case "meeting_suspended":
            return "meeting suspended"
        case "meeting_resumed":
            return "meeting resumed"
        case "plan_published":
            moved = f", {len(event.changes)} items moved" if event.changes else ""
            return f"plan revision {event.revision} published by {name(event.actor)}{moved}"
        case "correspondence_opened":
            deadline = event.deadline.astimezone(meeting_zone(state))
            return (f"decision by correspondence opened on {len(event.questions)} conclusion(s) until "
                    f"{deadline:%d %b %H:%M} ({event.majority})")
        case "reply_cast":
            return f"{name(event.delegation)} replied by correspondence"
        case "correspondence_result_published":
            return "the result of the decision by correspondence is published"
    return event.type.replace("_", " ")
