"""The time-management plan as data: what the planner returns and renderers show.

``Plan.model_dump_json`` is not the public JSON format; use
``vccsched.render.render_plan(plan, data, "json")`` for that.
"""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, Field

from vccsched.models import StrictModel


class PlannedItem(StrictModel):
    """One agenda item placed in a daily session."""

    number: int = Field(description="Agenda item number (Annex 2).")
    code: str = Field(description="Agenda code, e.g. 'ADM 1'.")
    start: AwareDatetime = Field(description="Start, in the meeting's time zone.")
    end: AwareDatetime = Field(description="End, in the meeting's time zone.")
    minutes: int = Field(ge=1, description="Planned discussion time.")


class PlannedDay(StrictModel):
    """One daily session and the items discussed in it, in order."""

    date: dt.date
    items: list[PlannedItem]

    @property
    def minutes(self) -> int:
        return sum(item.minutes for item in self.items)


class SolverInfo(StrictModel):
    """How the plan was found; deterministic for the same input."""

    status: str = Field(description="'OPTIMAL' when every objective is proven optimal, else 'FEASIBLE'.")
    seconds: float = Field(
        description="CP-SAT deterministic time (a machine-independent work measure that CP-SAT "
        "scales to be close to seconds); wall-clock time is printed with --verbose."
    )
    objectives: dict[str, int] = Field(
        default_factory=dict, description="Objective values in lexicographic order."
    )
    lower_bound_days: int | None = Field(
        default=None, description="ceil(total minutes / usable minutes per day)."
    )
    buffer_minutes: int | None = Field(default=None, description="Minutes kept free per day.")


class Plan(StrictModel):
    """A time-management plan: the Group 1 items over the meeting days."""

    meeting: str = Field(description="Meeting id, e.g. 'C21/VCC-1'.")
    timezone: str = Field(description="IANA zone of the meeting (Europe/Zurich for Geneva).")
    days: list[PlannedDay]
    solver: SolverInfo

    @property
    def items(self) -> list[PlannedItem]:
        return [item for day in self.days for item in day.items]
