"""Who sent a reply, when, and whether it counts: the screening every round shares.

:func:`screen_replies` checks each reply's Member State against the roster,
takes the date of reply from the form or from the secretariat's record of
arrival (``--received FILE=DATE``), marks late replies, keeps one reply per
Member State (the latest by date, then by file name, both reported) and asks
the round whether the sender's answers count (a Council Member for the
grouping; a Council Member with the right to vote for a decision by
correspondence). Everything else is reported, never dropped silently.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field

from vccsched.errors import DataError
from vccsched.models import Category, Delegation, Roster, StrictModel
from vccsched.replyforms.cells import MEMBER_LABEL, CellRef, Problem, ReplyForm, normalise

LatePolicy = Literal["accept", "reject"]
LATE_POLICIES: tuple[LatePolicy, ...] = ("accept", "reject")

CATEGORY_NAMES: dict[str, str] = {
    "council_member": "a Council Member",
    "observer_state": "an observer Member State",
    "palestine_observer": "the observer State of Palestine",
    "sector_member": "a Sector Member",
    "secretariat": "the secretariat",
    "chair": "the chair",
    "interpreter": "the interpreters",
}


class ReplyStatus(StrictModel):
    """What became of one reply file."""

    file: str
    member_id: str | None = Field(description="Roster id of the sender; None if unknown.")
    member_name: str | None = Field(description="Roster name of the sender (as written if unknown).")
    category: Category | None = None
    reply_date: dt.date | None
    date_source: Literal["form", "received", "none"] = Field(
        description="'received': the date was given with --received FILE=DATE."
    )
    late: bool = False
    counted: bool = Field(description="Its answers are counted in the tally.")
    reasons: list[str] = Field(default_factory=list, description="Why it is not counted, or notes.")


def status_row(r: ReplyStatus) -> dict[str, object]:
    """The reply as a row of a tally's report: sender, date (marked if received), late, counted."""
    return {
        "file": r.file,
        "sender": f"{r.member_name} ({r.member_id})" if r.member_id else (r.member_name or "(none)"),
        "date": "" if r.reply_date is None else f"{r.reply_date}{' (received)' if r.date_source == 'received' else ''}",
        "late": "yes" if r.late else "no",
        "counted": "yes" if r.counted else "no",
        "reasons": r.reasons,
    }


# --------------------------------------------------------------------------- senders


def _name_index(roster: Roster) -> dict[str, list[Delegation]]:
    index: dict[str, list[Delegation]] = defaultdict(list)
    for d in roster.delegations:
        keys = {normalise(d.id), normalise(d.name)}
        if " (" in d.name:
            keys.add(normalise(d.name.split(" (")[0]))
        for key in keys:
            index[key].append(d)
    return index


def sender_matches(text: str, roster: Roster) -> list[Delegation]:
    """Every roster delegation a form's Member State cell may name (ISO code or name), in roster order."""
    return list(_name_index(roster).get(normalise(text), []))


def find_sender(text: str, roster: Roster) -> Delegation | None:
    """The roster delegation a form's Member State cell names (ISO code or name); None if
    no delegation or more than one has that name."""
    matches = sender_matches(text, roster)
    return matches[0] if len(matches) == 1 else None


# --------------------------------------------------------------------------- screening

#: Given the sender, ``None`` if its answers count, else the message saying why not.
Counts = Callable[[Delegation], "str | None"]


def council_members_count(sender: Delegation) -> str | None:
    """The grouping's rule: only Council Members' replies count."""
    if sender.category == "council_member":
        return None
    what = CATEGORY_NAMES.get(sender.category, sender.category)
    return (f"{sender.name} ({sender.id}) is {what}, not a Council Member: the reply is "
            "reported and not counted")


@dataclass
class Screening:
    """The outcome of :func:`screen_replies`."""

    #: One per reply, in the order given.
    statuses: list[ReplyStatus]
    #: Sender id -> the reply kept for that sender (the latest), sorted by id;
    #: includes senders whose answers do not count (their status says so).
    chosen: dict[str, ReplyForm]
    #: Every problem: the replies' own (bad cells) and the screening's.
    problems: list[Problem]

    @property
    def counted(self) -> dict[str, ReplyForm]:
        """Sender id -> reply, for the replies whose answers count."""
        files = {s.file for s in self.statuses if s.counted}
        return {sender: reply for sender, reply in self.chosen.items() if reply.file in files}


def screen_replies(
    replies: Sequence[ReplyForm],
    roster: Roster,
    *,
    deadline: dt.date | None,
    late: LatePolicy,
    received: Mapping[str, dt.date] | None = None,
    counts: Counts = council_members_count,
    late_option: str | None = "--late",
    received_at: Mapping[str, dt.datetime] | None = None,
) -> Screening:
    """Check every reply's sender and date; keep one reply per sender.

    ``received`` maps a reply's file to the date it arrived: it overrides the
    form's date (the secretariat's record of arrival is what the deadline is
    about) and supplies it when the form has none. With ``deadline`` ``None``
    no reply is late. ``late_option`` names the option in the late-reply
    message ("counted (--late accept)"); ``None`` leaves it out.
    """
    received = dict(received or {})
    problems: list[Problem] = []
    statuses: dict[str, dict] = {}
    eligible: dict[str, list[ReplyForm]] = defaultdict(list)  # sender id -> replies

    for reply in replies:
        problems.extend(reply.problems)
        status = {
            "file": reply.file, "member_id": None, "member_name": reply.member, "category": None,
            "reply_date": reply.reply_date, "date_source": "form" if reply.reply_date else "none",
            "late": False, "counted": False, "reasons": [],
        }
        statuses[reply.file] = status
        arrival = received.get(reply.file)
        if arrival is not None:
            status["reply_date"], status["date_source"] = arrival, "received"

        def reject(message: str, cell: CellRef | None) -> None:
            status["reasons"].append(message)
            problems.append(Problem(file=reply.file, cell=cell, message=message))

        if reply.member is None:
            label = "a 'member_state' line" if reply.format == "csv" else f"a '{MEMBER_LABEL}' label"
            where = "" if reply.member_cell else f" ({label} is missing above the table)"
            reject(f"no Member State given{where}; write the sender's name or ISO code; "
                   "the reply is not counted", reply.member_cell)
            continue
        sender = find_sender(reply.member, roster)
        candidates = sender_matches(reply.member, roster) if sender is None else []
        if len(candidates) > 1:
            # "no delegation has this name" would be false, and the first match a guess.
            names = ", ".join(f"{d.name} ({d.id})" for d in candidates)
            reject(f"ambiguous sender {reply.member!r}: it names {names}; write the sender's ISO "
                   "code; the reply is not counted", reply.member_cell)
            continue
        if sender is None:
            reject(f"unknown sender {reply.member!r}: no delegation of the roster has this name or "
                   "ISO code; the reply is not counted", reply.member_cell)
            continue
        status.update(member_id=sender.id, member_name=sender.name, category=sender.category)
        if status["reply_date"] is None:
            reject(f"no date of reply from {sender.name}; write it as YYYY-MM-DD in the form or pass "
                   f"--received '{reply.file}=YYYY-MM-DD'; the reply is not counted", reply.date_cell)
            continue
        if deadline is not None and status["reply_date"] > deadline:
            status["late"] = True
            option = f" ({late_option} {late})" if late_option else ""
            counted = f"counted{option}" if late == "accept" else f"not counted{option}"
            source = " (--received)" if status["date_source"] == "received" else ""
            message = (f"late reply from {sender.name}: dated {status['reply_date']}{source}, after "
                       f"the deadline {deadline}; {counted}")
            problems.append(Problem(file=reply.file, cell=reply.date_cell, message=message))
            status["reasons"].append(message)
            if late == "reject":
                continue
        eligible[sender.id].append(reply)

    # One reply per sender: the latest by date, then by time when known, then by file name.
    timed = dict(received_at or {})

    def order(r: ReplyForm) -> tuple:
        at = timed.get(r.file)
        return (statuses[r.file]["reply_date"], at is not None, at.timestamp() if at else 0.0, r.file)

    chosen: dict[str, ReplyForm] = {}
    for sender_id, group in sorted(eligible.items()):
        ordered = sorted(group, key=order)
        chosen[sender_id] = ordered[-1]
        if len(ordered) > 1:
            last = ordered[-1]
            name = statuses[last.file]["member_name"]
            for earlier in ordered[:-1]:
                message = (f"{name} replied more than once; this reply (dated "
                           f"{statuses[earlier.file]['reply_date']}) is replaced by {last.file} "
                           f"(dated {statuses[last.file]['reply_date']}) and not counted")
                statuses[earlier.file]["reasons"].append(message)
                problems.append(Problem(file=earlier.file, cell=earlier.member_cell, message=message))
            others = ", ".join(r.file for r in ordered[:-1])
            message = (f"{name} replied more than once; this reply (dated "
                       f"{statuses[last.file]['reply_date']}) is the latest and replaces {others}")
            if last.file in timed and any(
                r.file not in timed and statuses[r.file]["reply_date"] == statuses[last.file]["reply_date"]
                for r in ordered[:-1]
            ):
                message += (f" (received at {timed[last.file].strftime('%H:%M')} on the record; a form of the "
                            "same day gives no time and is taken as the earlier: check with the Member State)")
            statuses[last.file]["reasons"].append(message)
            problems.append(Problem(file=last.file, cell=last.member_cell, message=message))

    for sender_id, reply in chosen.items():
        sender = roster.get(sender_id)
        assert sender is not None
        why_not = counts(sender)
        if why_not is not None:
            statuses[reply.file]["reasons"].append(why_not)
            problems.append(Problem(file=reply.file, cell=reply.member_cell, message=why_not))
            continue
        statuses[reply.file]["counted"] = True

    return Screening(
        statuses=[ReplyStatus(**statuses[r.file]) for r in replies],
        chosen=chosen,
        problems=problems,
    )


def received_dates(values: Sequence[str], names: Sequence[str]) -> dict[str, dt.date]:
    """Parse ``--received FILE=YYYY-MM-DD``; FILE may be the path as given or its file name."""
    result: dict[str, dt.date] = {}
    for value in values:
        file, sep, date_text = value.rpartition("=")
        try:
            if not sep or not file:
                raise ValueError
            date = dt.date.fromisoformat(date_text.strip())
        except ValueError:
            raise DataError(
                f"--received {value!r}: expected FILE=YYYY-MM-DD, e.g. --received 'replies/che.xlsx=2021-03-10'",
                title="Bad option",
            ) from None
        matches = [n for n in names if n == file or Path(n).name == file]
        if len(matches) != 1:
            what = "names no reply file given" if not matches else "matches several reply files"
            raise DataError(
                f"--received {value!r}: {file!r} {what}; use the path as listed: {', '.join(names)}",
                title="Bad option",
            )
        result[matches[0]] = date
    return result
