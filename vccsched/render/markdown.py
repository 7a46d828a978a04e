"""The plan as Markdown, as the Council website would publish it.

One heading per day ("Tuesday 8 June 2021 — 12:00–15:00 Geneva (10:00–13:00
UTC)") and a table with the times in Geneva, in UTC and in each ``--tz`` zone,
the code, the titles in Chinese and English and the documents.
"""

from __future__ import annotations

from vccsched.render.view import PlanView, minutes_text

# Characters that would start Markdown formatting, a link or a table cell
# inside a title; '<' becomes an entity so that no title can inject HTML.
_ESCAPES = str.maketrans(
    {
        "\\": "\\\\",
        "|": "\\|",
        "*": "\\*",
        "_": "\\_",
        "`": "\\`",
        "[": "\\[",
        "]": "\\]",
        "<": "&lt;",
        "\n": " ",
        "\r": " ",
    }
)


def md_escape(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.translate(_ESCAPES)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def render_markdown(view: PlanView) -> str:
    """The whole publication as Markdown text ending in a newline."""
    lines = [f"# {md_escape(view.heading)}", ""]
    if view.meeting_title is not None:
        lines += [md_escape(view.meeting_title.zh), ""]
    lines += [
        "## Time-management plan",
        "",
        f"Daily session: {view.window_text}.",
        view.summary_text,
        "",
    ]
    head = [view.zone_label, "UTC"]
    head += [md_escape(view.zone_heading(z)) for z in view.extra_zones]
    head += ["No.", "Code", "Title (中文)", "Title (English)", "Documents", "Min."]
    for day in view.days:
        lines += [f"### {day.date_text} \u2014 {day.session_zone} ({day.session_utc})", ""]
        lines.append(_row(head))
        lines.append(_row(["---"] * (len(head) - 2) + ["---", "--:"]))
        for row in day.rows:
            cells = [row.zone_time, row.utc_time]
            cells += [local.text for local in row.local]
            code = md_escape(row.code) + (" (en bloc)" if row.en_bloc else "")
            cells += [
                str(row.number),
                code,
                md_escape(row.title.zh),
                md_escape(row.title.en),
                md_escape(row.documents_text),
                str(row.minutes),
            ]
            lines.append(_row(cells))
        lines += [
            "",
            f"Planned: {minutes_text(day.planned_minutes)} of {day.window_minutes} min; "
            f"free (buffer for overruns): {day.free_minutes} min.",
            "",
        ]
    if view.en_bloc:
        lines += [
            "**En bloc.** The secretariat proposes items "
            f"{md_escape(view.en_bloc_text)} for approval en bloc (Annex 2: “1（一揽子批准）”).",
            "",
        ]
    lines += ["---", "", f"_{md_escape(view.solver_text)}_"]
    return "\n".join(lines) + "\n"
