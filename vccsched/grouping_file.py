"""``grouping.yaml``: the final grouping, written by ``vccsched grouping tally`` and
read by ``vccsched plan --grouping``.

The file is a YAML mapping from agenda item number to group (1 or 2). Items it
does not list keep the secretariat's ``proposed_group``. Comments are allowed
and ignored, so the tally can explain itself in the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from vccsched.errors import DataError
from vccsched.loading import read_yaml
from vccsched.models import Agenda

Grouping = dict[int, int]


def parse_grouping(raw: object, agenda: Agenda, path: Path) -> Grouping:
    """Check a parsed grouping mapping against the agenda; errors name ``path`` and the key."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise DataError(
            f"{path}: expected a mapping of item number to group, e.g. '36: 1', "
            f"found {type(raw).__name__}"
        )
    numbers = set(agenda.numbers)
    problems: list[str] = []
    grouping: Grouping = {}
    for key, value in raw.items():
        try:
            number = int(key)
            if isinstance(key, bool) or str(number) != str(key).strip():
                raise ValueError
        except (TypeError, ValueError):
            problems.append(f"key {key!r}: expected an agenda item number such as 36")
            continue
        if number not in numbers:
            problems.append(f"item {number}: not on the agenda (items are numbered 1-77, no 75)")
            continue
        if isinstance(value, bool) or value not in (1, 2):
            problems.append(f"item {number}: group must be 1 or 2, found {value!r}")
            continue
        grouping[number] = int(value)
    if problems:
        raise DataError(f"{path}: {len(problems)} problem(s) in the grouping", details=problems)
    return dict(sorted(grouping.items()))


def load_grouping(path: Path, agenda: Agenda) -> Grouping:
    """Read ``grouping.yaml``; use :func:`final_groups` to apply it to the agenda."""
    return parse_grouping(read_yaml(path), agenda, path)


def final_groups(agenda: Agenda, grouping: Grouping | None = None) -> dict[int, int | None]:
    """Every item's group after the grouping is applied (``None``: still no group)."""
    grouping = grouping or {}
    return {item.number: grouping.get(item.number, item.proposed_group) for item in agenda.items}


def dump_grouping(grouping: Grouping, *, header: str = "") -> str:
    """Serialise a grouping deterministically, with ``header`` as leading comments."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()] if header else []
    lines.extend(f"{number}: {group}" for number, group in sorted(grouping.items()))
    return "\n".join(lines) + "\n"
