"""Write the reply form of a decision by correspondence.

:func:`form_xlsx` returns an Excel workbook: sheet "Correspondence" with the
Member State and date cells, and one row per proposed conclusion with a reply
cell that Excel restricts to approve, object or abstain. :func:`form_csv`
returns the same as CSV text. Both are the same bytes for the same input.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from vccsched.correspondence.layout import ANSWERS, COLUMNS, SHEET
from vccsched.correspondence.proposals import Proposal, voters
from vccsched.loading import MeetingData
from vccsched.render.view import date_text
from vccsched.replyforms.cells import DATE_LABEL, MEETING_LABEL, MEMBER_LABEL
from vccsched.replyforms.writing import (
    add_list_validation,
    add_sender_validation,
    form_csv_text,
    form_styles,
    new_workbook,
    workbook_bytes,
    write_heading,
    write_labels,
    write_table,
)

DEADLINE_LABEL = "Reply by:"
#: The CSV form's deadline line (first, so that it is not taken for a line to fill in).
CSV_DEADLINE_KEY = "reply_deadline"

_WIDTHS = {"number": 8, "code": 11, "title_zh": 34, "title_en": 40, "conclusion": 60, "reply": 18}


def majority_text(data: MeetingData) -> str:
    """'25 of the 48 Council Members with the right to vote' for the meeting's roster."""
    count = len(voters(data))
    return f"{count // 2 + 1} of the {count} Council Members with the right to vote"


def rows(proposals: Sequence[Proposal]) -> list[list[str | int]]:
    """The table's rows (without header), reply column empty."""
    return [[p.number, p.code, p.title.zh, p.title.en, p.conclusion, ""] for p in proposals]


def instructions(data: MeetingData, deadline: dt.date | None) -> str:
    by = f" and reply by {date_text(deadline, weekday=False)}" if deadline else ""
    return (
        f"Decision by correspondence (Rule 3.2 of the Rules of Procedure of the Council) on the "
        f"proposed conclusions of {data.meeting.id}. Write approve, object or abstain in the "
        f"rightmost column against each conclusion; a blank is no reply on that conclusion. "
        f"A proposal is approved by a simple majority of the Council Members with the right "
        f"to vote ({majority_text(data)}). Give your Member State and the date of reply "
        f"below{by}."
    )


def form_xlsx(data: MeetingData, proposals: Sequence[Proposal], deadline: dt.date | None = None) -> bytes:
    """The XLSX form as bytes; write them to a ``.xlsx`` file."""
    wb, ws = new_workbook(f"{data.meeting.id} decision by correspondence: reply form", SHEET)
    styles = form_styles()
    write_heading(ws, styles, f"{data.meeting.id}: decision by correspondence on proposed conclusions",
                  instructions(data, deadline), len(COLUMNS), 60)
    labels = [(3, MEETING_LABEL, data.meeting.id), (4, MEMBER_LABEL, None), (5, DATE_LABEL, None)]
    if deadline is not None:
        labels.append((6, DEADLINE_LABEL, deadline))
    write_labels(ws, styles, labels)
    reply_cells = write_table(ws, styles, 8, COLUMNS, _WIDTHS, rows(proposals))

    add_list_validation(
        ws, reply_cells, ANSWERS, error_title="approve, object or abstain",
        error="Choose approve, object or abstain, or leave blank.",
        prompt_title="Your reply", prompt="approve, object or abstain; blank = no reply on this conclusion.",
    )
    add_sender_validation(ws, "2021-06-25")
    return workbook_bytes(wb)


def form_csv(proposals: Sequence[Proposal], deadline: dt.date | None = None) -> str:
    """The CSV form: the deadline line (with a deadline), two key lines, then the table.

    Layout (documented in the README, "The decision by correspondence")::

        reply_deadline,<YYYY-MM-DD>  (only with a deadline; the reader ignores it)
        member_state,<name or ISO code>
        reply_date,<YYYY-MM-DD>
        (blank line)
        number,agenda code,title (zh),title (en),proposed conclusion,Council Member's reply (...)
        36,ADM 1,...,approve

    Write the text with a UTF-8 BOM (``encoding="utf-8-sig"``) so that Excel shows
    the Chinese titles.
    """
    before = [[CSV_DEADLINE_KEY, deadline.isoformat()]] if deadline is not None else []
    return form_csv_text(COLUMNS, rows(proposals), before=before)
