"""The time panel's figures: today's session against the published plan.

Pure, like :mod:`console.model`: the floor state, the meeting (its window and
buffer, which the floor state does not carry), the server's clock and the plan
revisions seen so far in; :class:`TimeFigures` out. The counting is
:func:`vccsched.progress.measure_progress`'s, so the console, the report and a
re-plan agree on every minute.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from console.model import outside_meeting, published_plan
from vccsched.floor.state import FloorState
from vccsched.models import Meeting
from vccsched.plan import Plan
from vccsched.progress import measure_progress


class PlanHistory:
    """Every revision of the published plan this console has seen, by revision.

    A re-plan leaves out the items already done; the earlier revisions keep
    their planned slots, so that today's planned minutes still count them. Feed
    it every state the server's updates give (:meth:`note`); a console that
    joins late knows the revisions from the one in force on.
    """

    def __init__(self) -> None:
        self._plans: dict[int, Plan] = {}

    def note(self, state: FloorState | None) -> None:
        if state is None or state.plan is None or state.plan.revision in self._plans:
            return
        plan = published_plan(state)
        if plan is not None:
            self._plans[state.plan.revision] = plan

    def before(self, revision: int | None) -> list[Plan]:
        """The revisions older than ``revision`` (all of them for ``None``), oldest first."""
        return [self._plans[r] for r in sorted(self._plans) if revision is None or r < revision]


@dataclass(frozen=True)
class OpenItemTime:
    """The open item: its planned minutes against the minutes it has been open."""

    number: int
    code: str
    planned_minutes: int | None
    minutes: float

    @property
    def over_minutes(self) -> float | None:
        return None if self.planned_minutes is None else self.minutes - self.planned_minutes


@dataclass(frozen=True)
class TimeFigures:
    """Today at one instant, as the time panel shows it (times are aware, in the meeting zone)."""

    now: dt.datetime
    revision: int | None = None
    #: ``now``'s date when it is a meeting date, else None (no session today).
    today: dt.date | None = None
    planned_minutes: int = 0
    used_minutes: float = 0.0
    open_item: OpenItemTime | None = None
    #: Today's planned items not taken up yet: (number, code), in planned order.
    to_come: list[tuple[int, str]] = field(default_factory=list)
    #: Minutes today's items still need (the open item's rest included).
    still_minutes: float = 0.0
    #: The end of today's last planned item; None when nothing is planned today.
    planned_end: dt.datetime | None = None
    projected_end: dt.datetime | None = None
    window_end: dt.datetime | None = None
    usable_end: dt.datetime | None = None
    buffer_minutes: int = 0
    #: projected_end - usable_end in minutes (positive: the rest of today does not fit).
    late_minutes: float | None = None
    #: Items never taken up whose planned day's window has ended: (number, code).
    not_reached: list[tuple[int, str]] = field(default_factory=list)
    #: The next day with items planned, when today has none.
    next_day: dt.date | None = None
    #: "before the first meeting day" / "after the last meeting day", else "".
    outside: str = ""

    @property
    def late(self) -> bool:
        return self.late_minutes is not None and self.late_minutes > 0

    @property
    def behind_minutes(self) -> int | None:
        """How far the projected end is behind today's planned end (negative: ahead), in the
        whole minutes the panel shows the times in."""
        if self.projected_end is None or self.planned_end is None:
            return None
        return _whole_minutes(self.projected_end, self.planned_end)

    @property
    def late_display(self) -> int | None:
        """The minutes past the window's end less the buffer, as the clock shows them
        (at least 1 once late)."""
        if not self.late or self.projected_end is None or self.usable_end is None:
            return None
        return max(1, _whole_minutes(self.projected_end, self.usable_end))


def _whole_minutes(moment: dt.datetime, reference: dt.datetime) -> int:
    """``moment`` (to the minute, as shown) less ``reference``, in minutes."""
    shown = moment.replace(second=0, microsecond=0)
    return round((shown - reference.replace(second=0, microsecond=0)).total_seconds() / 60)


def time_figures(state: FloorState, meeting: Meeting, now: dt.datetime, history: Sequence[Plan] = ()) -> TimeFigures:
    """Today's figures at ``now`` (the server's clock) against the plan in force.

    ``history`` holds the earlier revisions (:meth:`PlanHistory.before`). Before
    any plan is published only the minutes used are known.
    """
    plan = published_plan(state)
    progress = measure_progress(state, meeting, now, plan, history=history if plan is not None else ())
    zone = meeting.zone
    revision = state.plan.revision if state.plan is not None else None
    not_reached = [(i.number, i.code) for i in progress.items if i.phase == "not_reached"]
    current = state.current_item
    open_item = None
    if current is not None:
        try:
            item = progress.item(current)
        except KeyError:
            item = None
        info = state.setup.item(current)
        open_item = OpenItemTime(
            number=current,
            code=info.code if info is not None else (item.code if item else "?"),
            planned_minutes=item.planned_minutes if item else None,
            minutes=item.minutes if item else 0.0,
        )
    today = progress.today
    day = progress.day(today) if today is not None else None
    later = sorted(
        {i.planned_date for i in progress.items if i.phase == "to_come" and i.planned_date is not None}
        - ({today} if today is not None else set())
    )
    base = TimeFigures(
        now=progress.now,
        revision=revision,
        today=today,
        open_item=open_item,
        buffer_minutes=progress.buffer_minutes,
        not_reached=not_reached,
        next_day=later[0] if later else None,
        outside=outside_meeting(state, now),
    )
    if day is None:
        return base
    planned_today = [i for i in progress.items if i.planned_date == today]
    ends = [i.planned_end for i in planned_today if i.planned_end is not None]
    projected = day.projected_end.astimezone(zone) if day.projected_end is not None else None
    still = 0.0
    if projected is not None:
        still = max(0.0, (projected - max(progress.now, day.window_start)).total_seconds() / 60)
    # Nothing left to do and no item open: the window's end is no concern any more.
    busy = still > 0 or open_item is not None
    return replace(
        base,
        planned_minutes=day.planned_minutes,
        used_minutes=day.used_minutes,
        to_come=[(i.number, i.code) for i in planned_today if i.phase == "to_come" and i.taken_at is None],
        still_minutes=still,
        planned_end=max(ends).astimezone(zone) if ends else None,
        projected_end=projected,
        window_end=day.window_end.astimezone(zone),
        usable_end=day.usable_end.astimezone(zone),
        late_minutes=day.late_minutes if busy else None,
        next_day=base.next_day if not ends else None,
    )
