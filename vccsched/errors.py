"""One error hierarchy for vccsched.

Every error carries a short ``title`` that a user interface shows as a heading
(the CLI prints it before the message, the console in a notification) and a
``message`` that says what is wrong and what to do about it. ``details`` holds
one line per individual problem when there are several (e.g. every invalid
field of a data file), so that a user can fix them all in one go.
"""

from __future__ import annotations

from collections.abc import Iterable


class VccschedError(Exception):
    """Base class: something the user can act on, never a bug."""

    title: str = "vccsched error"
    #: Process exit status the CLI uses for this kind of error.
    exit_code: int = 1

    def __init__(
        self,
        message: str,
        *,
        title: str | None = None,
        details: Iterable[str] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title
        self.details: list[str] = list(details)

    def render(self) -> str:
        """The whole error as plain text: title, message and one line per detail."""
        lines = [f"{self.title}: {self.message}"]
        for detail in self.details:
            # A detail indented in ``details`` belongs under the one before it.
            nested = detail.startswith("  ")
            lines.append(f"{'      ' if nested else '  '}- {detail.strip()}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


class DataError(VccschedError):
    """An input file is missing, unreadable or does not match what is expected.

    The message names the file and, in ``details``, the row, item or field.
    """

    title = "Invalid input data"
    exit_code = 2


class PlanningError(VccschedError):
    """The planner could not produce a plan (infeasible rules, solver limits)."""

    title = "No plan fits"
    exit_code = 1


class GroupingError(VccschedError):
    """The grouping consultation cannot be tallied as asked."""

    title = "Grouping consultation"
    exit_code = 1


class CorrespondenceError(VccschedError):
    """A decision by correspondence cannot be prepared or tallied as asked."""

    title = "Decision by correspondence"
    exit_code = 1


class ProtocolError(VccschedError):
    """A wire message or a floor log line could not be understood."""

    title = "Protocol error"
    exit_code = 2
