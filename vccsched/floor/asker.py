"""Who, within a delegation, sent a command: a registered person (issue 17).

The actor stays the delegation (the floor's rules are per delegation); the server adds
the person behind the connection's token so that the rules that are about persons
(only registered speakers ask for the floor) can be applied. A command from a
delegation's own token, or replayed from a log, has no asker.
"""

from __future__ import annotations

from pydantic import Field

from vccsched.floor.commands import FloorLanguage
from vccsched.models import StrictModel


class Asker(StrictModel):
    """The registered person behind a command."""

    person: str = Field(description="The person's id in registrations.yaml, e.g. 'CHN.3'.")
    label: str = Field(description="How messages name the person: 'Example Example-Delegate-3 (CHN.3)'.")
    speaker: bool = Field(description="Registered as a speaker of the delegation.")
    focal_point: bool = Field(
        default=False,
        description="The delegation's focal point for the decision by correspondence (issue 19).",
    )
    speakers: tuple[str, ...] = Field(
        default=(), description="The delegation's registered speakers, as messages name them."
    )
    floor_language: FloorLanguage | None = Field(
        default=None,
        description="The person's registered floor language: the language of a request that states "
        "none (protocol 4); None when not registered as a speaker, or unknown (an old log).",
    )
