"""The check's report: Markdown, a self-contained HTML page, or CSV (one line per row)."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path
from typing import Literal

from vccsched.contributions.check import FLAG_LABELS, CheckResult, ContributionLine
from vccsched.output_format import format_from_suffix

ReportFormat = Literal["md", "html", "csv"]


def report_format(path: Path) -> ReportFormat:
    """``md``, ``html`` or ``csv`` from the report's file name; ``DataError`` otherwise."""
    formats = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".csv": "csv"}
    return format_from_suffix(path, formats, what="report", names="FILE.md, FILE.html or FILE.csv")  # type: ignore[return-value]


def _flags_text(line: ContributionLine) -> str:
    return ", ".join(FLAG_LABELS[k] for k in line.flags)


def _summary(result: CheckResult) -> list[str]:
    flagged = sum(1 for line in result.lines if line.flags)
    counts = ", ".join(
        f"{result.count(kind)} {label}" for kind, label in FLAG_LABELS.items() if result.count(kind)
    )
    lines = [
        f"Register: {result.register_file} ({len(result.lines)} row{'s' if len(result.lines) != 1 else ''}).",
        f"Deadline: {result.deadline} ({result.timezone}); at most {result.max_pages} page"
        f"{'s' if result.max_pages != 1 else ''}.",
        f"Files: {result.files_dir}." if result.files_dir else "Files: not checked (no --files).",
        f"Rows flagged: {flagged} of {len(result.lines)}" + (f" ({counts})." if counts else "."),
    ]
    if result.unlisted_files:
        lines.append(f"Files not in the register: {', '.join(result.unlisted_files)}.")
    return lines


def _markdown(result: CheckResult) -> str:
    def cell(text: object) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    out = [f"# Contributions to {result.meeting_id}", ""]
    out += [f"- {line}" for line in _summary(result)]
    out += ["", "## Contributions per Group 1 item (in order of arrival)", ""]
    if not result.items:
        out.append("No contribution on a Group 1 item.")
    for item in result.items:
        out += [f"### {item.number} {cell(item.code)}: {cell(item.title)}", "",
                "| row | symbol | Member State | received | pages | flags |", "|---|---|---|---|---|---|"]
        for line in item.lines:
            out.append(f"| {line.row} | {cell(line.symbol or '')} | {cell(line.sender)} | {cell(line.received_text)} | "
                       f"{cell(line.pages_text)} | {cell(_flags_text(line))} |")
        out.append("")
    out += ["## Flags by row", ""]
    if not result.flags:
        out.append("None: every row is in order.")
    for flag in result.flags:
        out.append(f"- row {flag.row}, column {flag.cell.column} ({cell(flag.cell.header or '')}): "
                   f"**{FLAG_LABELS[flag.kind]}**: {cell(flag.message)}")
    out.append("")
    return "\n".join(out)


_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}"
    "table{border-collapse:collapse;margin-bottom:1rem}td,th{border:1px solid #999;padding:.2rem .5rem;"
    "text-align:left}th{background:#eee}.flag{color:#a00;font-weight:bold}"
)


def _html(result: CheckResult) -> str:
    e = html.escape
    out = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>Contributions to {e(result.meeting_id)}</title><style>{_STYLE}</style></head><body>",
           f"<h1>Contributions to {e(result.meeting_id)}</h1>", "<ul>"]
    out += [f"<li>{e(line)}</li>" for line in _summary(result)]
    out += ["</ul>", "<h2>Contributions per Group 1 item (in order of arrival)</h2>"]
    if not result.items:
        out.append("<p>No contribution on a Group 1 item.</p>")
    for item in result.items:
        out += [f"<h3>{item.number} {e(item.code)}: {e(item.title)}</h3>", "<table>",
                "<tr><th>row</th><th>symbol</th><th>Member State</th><th>received</th><th>pages</th><th>flags</th></tr>"]
        for line in item.lines:
            out.append(f"<tr><td>{line.row}</td><td>{e(line.symbol or '')}</td><td>{e(line.sender)}</td>"
                       f"<td>{e(line.received_text)}</td><td>{e(line.pages_text)}</td>"
                       f'<td class="flag">{e(_flags_text(line))}</td></tr>')
        out.append("</table>")
    out.append("<h2>Flags by row</h2>")
    if not result.flags:
        out.append("<p>None: every row is in order.</p>")
    else:
        out.append("<ul>")
        for flag in result.flags:
            out.append(f"<li>row {flag.row}, column {e(flag.cell.column)} ({e(flag.cell.header or '')}): "
                       f'<span class="flag">{e(FLAG_LABELS[flag.kind])}</span>: {e(flag.message)}</li>')
        out.append("</ul>")
    out.append("</body></html>\n")
    return "\n".join(out)


def _csv(result: CheckResult) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["row", "symbol", "member_state", "sender_id", "items", "received", "file", "pages", "flags", "messages"])
    messages: dict[int, list[str]] = {}
    for flag in result.flags:
        messages.setdefault(flag.row, []).append(f"{FLAG_LABELS[flag.kind]}: {flag.message}")
    for line in result.lines:
        writer.writerow([
            line.row, line.symbol or "", line.member or "", line.sender_id or "",
            " ".join(str(n) for n in line.items), line.received_text, line.file or "", line.pages_text,
            "; ".join(FLAG_LABELS[k] for k in line.flags), " | ".join(messages.get(line.row, [])),
        ])
    return buffer.getvalue()


def render_check(result: CheckResult, fmt: ReportFormat) -> str:
    return {"md": _markdown, "html": _html, "csv": _csv}[fmt](result)
