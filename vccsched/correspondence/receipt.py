"""The receipt of an online reply to a decision by correspondence (issue 19).

A short code derived from the stored reply: the meeting, the event's ``seq``, the
Member State, the focal point and the answers. The sender is given it in ``accepted``;
the tally recomputes it from the record, so a Member State can check that the reply
counted is the one it sent. It is not a secret: it proves nothing to someone who has
not the record, and the answers are not recoverable from it by anyone who does not
already know them together with the seq.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping


def canonical_replies(replies: Iterable[Mapping[str, object]]) -> list[dict[str, object]]:
    """The answers as the receipt digests them: ``[{"item", "answer"}]`` in item order."""
    return sorted(({"item": int(r["item"]), "answer": str(r["answer"])} for r in replies), key=lambda r: r["item"])  # type: ignore[arg-type]


def replies_of_command(command: Mapping[str, object]) -> list[dict[str, object]]:
    """The answers of a stored ``cast_reply`` command (either form), canonical."""
    listed = command.get("replies")
    if listed is not None:
        return canonical_replies(listed)  # type: ignore[arg-type]
    return canonical_replies([{"item": command["item"], "answer": command["answer"]}])


def receipt(meeting_id: str, seq: int, delegation: str, person: str | None, replies: Iterable[Mapping[str, object]]) -> str:
    """``K7QM-3XHD-PA2C``: the first 12 characters of the base32 SHA-256 of the canonical
    reply, in groups of four."""
    text = json.dumps(
        {
            "meeting": meeting_id,
            "seq": seq,
            "delegation": delegation,
            "person": person,
            "replies": canonical_replies(replies),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    code = base64.b32encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")[:12]
    return "-".join(code[i : i + 4] for i in range(0, 12, 4))


def receipt_of(meeting_id: str, event, command) -> str:
    """The receipt of a ``reply_cast`` event and its ``cast_reply`` command (a model or its JSON)."""
    raw = command if isinstance(command, Mapping) else command.model_dump(mode="json")
    return receipt(meeting_id, event.seq, event.delegation, event.person, replies_of_command(raw))
