"""The registered person behind a connection, as the floor's rules see them (issue 17)."""

from __future__ import annotations

from vccsched.floor.asker import Asker
from vccsched.floor.protocol import WelcomePerson
from vccsched.registrations.model import Person, Registrations


def _label(person: Person) -> str:
    return f"{person.display_name} ({person.id})"


def asker_for(registrations: Registrations | None, person_id: str | None, delegation: str) -> Asker | None:
    """The :class:`Asker` for a connection opened with a person's token; None for a delegation's token.

    A person whose token still works but who is no longer in registrations.yaml (or the
    meeting has none now) is taken as registered without being a speaker: only the
    registered speakers ask for the floor.
    """
    if person_id is None:
        return None
    persons = registrations.of(delegation) if registrations is not None else []
    found = next((p for p in persons if p.id == person_id), None)
    return Asker(
        person=person_id,
        label=_label(found) if found else person_id,
        speaker=bool(found and found.speaker),
        focal_point=bool(found and found.correspondence_focal_point),
        speakers=tuple(_label(p) for p in persons if p.speaker),
        floor_language=found.floor_language if found and found.speaker else None,
    )


def published_speakers(registrations: Registrations | None, publish: bool = True) -> list[dict[str, str]]:
    """The registered speakers as ``/meeting.json`` names them: id, delegation, display name,
    function. Speakers only (the floor never names anyone else), never an e-mail; none
    when the meeting's ``floor.public_speaker_names`` is false, since anyone may read it."""
    if registrations is None or not publish:
        return []
    return [
        {"id": p.id, "delegation": p.delegation, "name": p.display_name, "function": p.function}
        for p in registrations.persons
        if p.speaker
    ]


def welcome_person(registrations: Registrations | None, person_id: str | None) -> WelcomePerson | None:
    """Who the welcome says a person's connection is: id, display name, function, for that
    connection alone (never an e-mail). A person whose token still works but who has left
    the registrations is named by id."""
    if person_id is None:
        return None
    found = registrations.get(person_id) if registrations is not None else None
    if found is None:
        return WelcomePerson(id=person_id, name=person_id, function="")
    return WelcomePerson(id=found.id, name=found.display_name, function=found.function)
