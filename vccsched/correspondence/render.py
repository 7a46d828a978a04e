"""The result of a decision by correspondence as Markdown or JSON.

Call :func:`render_result` with a
:class:`~vccsched.correspondence.tally.CorrespondenceResult` and ``"md"`` or
``"json"`` (:func:`result_format` picks it from a file name). The Markdown
template is ``vccsched/templates/correspondence-result.md.j2``; the JSON is the
result model itself (indent 2, UTF-8, trailing newline).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from vccsched.correspondence.tally import CorrespondenceResult
from vccsched.output_format import format_from_suffix
from vccsched.render.templates import template_environment
from vccsched.replyforms.senders import status_row

ResultFormat = Literal["md", "json"]


def result_format(path: Path) -> ResultFormat:
    """``"md"`` or ``"json"`` from the result file's extension; ``DataError`` otherwise."""
    formats = {".md": "md", ".markdown": "md", ".json": "json"}
    return format_from_suffix(path, formats, what="result", names="FILE.md (Markdown) or FILE.json")  # type: ignore[return-value]


def _names(result: CorrespondenceResult, ids: list[str]) -> str:
    return ", ".join(f"{result.names.get(i, i)} ({i})" for i in ids) or "none"


def result_context(result: CorrespondenceResult) -> dict[str, Any]:
    """The figures and rows the Markdown shows, as plain values."""
    proposals = [
        {
            "number": p.number,
            "code": p.code,
            "title": p.title.en,
            "title_zh": p.title.zh,
            "conclusion": p.conclusion,
            "approve": len(p.approve),
            "object": len(p.object),
            "abstain": len(p.abstain),
            "invalid": len(p.invalid),
            "invalid_names": _names(result, p.invalid),
            "no_reply": len(p.no_reply),
            "approve_names": _names(result, p.approve),
            "object_names": _names(result, p.object),
            "abstain_names": _names(result, p.abstain),
            "no_reply_names": _names(result, p.no_reply),
            "base": p.base,
            "needed": p.needed,
            "result": p.result,
            "notes": p.notes,
            "of": (f"of the {p.base} Council Members with the right to vote"
                   if result.rule == "of-voting-members" else f"of the {p.base} valid replies"),
        }
        for p in result.proposals
    ]
    replies = [status_row(r) for r in result.replies]
    return {
        "meeting": result.meeting,
        "rule_text": result.rule_text,
        "deadline": str(result.deadline) if result.deadline else None,
        "source": result.source,
        "voters": result.voters,
        "proposals": proposals,
        "any_invalid": any(p["invalid"] for p in proposals),
        "replies": replies,
        "read": len(result.replies),
        "counted": len(result.counted),
        "rejected": [r for r in replies if r["counted"] == "no" or r["reasons"]],
        "problems": [str(p) for p in result.problems],
        "deadline_at": result.deadline_at.isoformat() if result.deadline_at else None,
        "members": [
            {
                "name": m.name,
                "id": m.member_id,
                "online": "; ".join(
                    f"{c.receipt} ({c.at.isoformat(timespec='minutes') if c.at else ''}, {c.versions} version"
                    f"{'s' if c.versions != 1 else ''})" for c in m.channels if c.via == "online"
                ) or "—",
                "forms": "; ".join(f"{c.file} ({c.date})" for c in m.channels if c.via == "form") or "—",
                "counted": ("online " + next(c.receipt or "" for c in m.channels if c.file == m.counted)
                            if any(c.via == "online" and c.file == m.counted for c in m.channels)
                            else m.counted or "none"),
            }
            for m in result.members
        ],
    }


def published_result(result: CorrespondenceResult) -> dict[str, Any]:
    """What ``correspondence publish`` puts on /ballot: the result per conclusion and how each
    Member State replied (receipts; forms by file name only), without the secretariat's
    working lists (every reply file, every problem), so that it stays well within a frame."""
    data = result.model_dump(mode="json", exclude={"replies", "problems"})
    for member in data["members"]:
        for channel in member["channels"]:
            if channel["via"] == "form":
                channel["file"] = Path(channel["file"]).name
        if member["counted"] is not None and not member["counted"].startswith("online "):
            member["counted"] = Path(member["counted"]).name
    return data


def render_result(result: CorrespondenceResult, fmt: ResultFormat) -> str:
    """The result as Markdown or JSON text ending in one newline."""
    if fmt == "json":
        return result.model_dump_json(indent=2) + "\n"
    template = template_environment(False).get_template("correspondence-result.md.j2")
    return template.render(**result_context(result)).rstrip("\n") + "\n"
