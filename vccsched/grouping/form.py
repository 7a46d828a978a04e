"""Write the Annex 2 reply form that the secretariat sends to the Council Members.

:func:`form_xlsx` returns the bytes of an Excel workbook: sheet "Annex 2" (the
agenda rows, the Member State and date cells, the choice column restricted to 1
or 2 by data validation) and sheet "Additional items". :func:`form_csv` returns
the same table as CSV text for those who do not use Excel. Both are
byte-for-byte deterministic for the same meeting data, so a re-run does not
produce a "changed" attachment.
"""

from __future__ import annotations

from vccsched.grouping.layout import (
    ADDITIONAL_COLUMNS,
    ADDITIONAL_SHEET,
    ANNEX_COLUMNS,
    ANNEX_SHEET,
    DATE_LABEL,
    MEETING_LABEL,
    MEMBER_LABEL,
    column_letter,
)
from vccsched.loading import MeetingData
from vccsched.models import Item
from vccsched.replyforms.writing import (
    add_list_validation,
    add_sender_validation,
    form_csv_text,
    form_styles,
    new_workbook,
    style_header,
    workbook_bytes,
    write_heading,
    write_labels,
    write_table,
)

#: Rows offered for additional items on the second sheet (validated 1/2).
ADDITIONAL_ROWS = 30

_WIDTHS = {"number": 8, "code": 11, "title_zh": 42, "title_en": 52, "previous_vcc": 13,
           "documents": 14, "proposed_group": 11, "choice": 16}


def _previous(item: Item) -> str:
    text = {True: "yes", False: "no", None: "-"}[item.previous_vcc]
    if not item.note or item.note_about != "previous_vcc":
        return text
    # A note such as "yes, but still necessary" already says yes or no.
    return item.note if item.note.casefold().startswith(text) else f"{text} ({item.note})"


def _proposed(item: Item) -> str | int:
    if item.proposed_group is None:
        return "-"
    return f"{item.proposed_group} (en bloc)" if item.en_bloc else item.proposed_group


def annex_rows(data: MeetingData) -> list[list[str | int]]:
    """The Annex 2 table's rows (without header), in agenda order, choice column empty."""
    return [
        [
            item.number,
            item.code,
            item.title.zh,
            item.title.en,
            _previous(item),
            "\n".join(item.documents) if item.documents else "-",
            _proposed(item),
            "",
        ]
        for item in data.agenda.items
    ]


def _instructions(data: MeetingData) -> str:
    deadline = data.meeting.grouping_reply_deadline
    return (
        f"Write 1 (urgent: on the {data.meeting.id} agenda) or 2 (defer to "
        f"{data.meeting.deferral_target}) in the rightmost column against each item; a blank "
        f"keeps the secretariat's proposal. Give your Member State and the date of reply "
        f"below and reply by {deadline.day} {deadline:%B %Y}. Proposed additional items go "
        f"on the sheet '{ADDITIONAL_SHEET}'."
    )


# --------------------------------------------------------------------------- XLSX


def form_xlsx(data: MeetingData) -> bytes:
    """The XLSX form as bytes; write them to a ``.xlsx`` file."""
    wb, ws = new_workbook(f"{data.meeting.id} Annex 2 reply form", ANNEX_SHEET)
    styles = form_styles()
    write_heading(ws, styles, f"{data.meeting.id}: proposed grouping of the agenda items (Annex 2)",
                  _instructions(data), len(ANNEX_COLUMNS), 45)
    write_labels(ws, styles, ((3, MEETING_LABEL, data.meeting.id), (4, MEMBER_LABEL, None), (5, DATE_LABEL, None)))
    choice_cells = write_table(ws, styles, 7, ANNEX_COLUMNS, _WIDTHS, annex_rows(data))

    add_list_validation(
        ws, choice_cells, ("1", "2"), error_title="1 or 2 only",
        error="Write 1 (keep or put the item on the VCC agenda) or 2 (defer it), or leave blank.",
        prompt_title="Your choice",
        prompt="1 = urgent, discuss at the VCC; 2 = defer; blank = agree with the proposal.",
    )
    add_sender_validation(ws, "2021-03-12")

    extra = wb.create_sheet(ADDITIONAL_SHEET)
    extra["A1"] = ("Items you propose to add to the agenda (not in Annex 2): one per row, "
                   "with the reason and the group you propose.")
    extra["A1"].alignment = styles.wrap_top
    extra.merge_cells("A1:C1")
    extra.row_dimensions[1].height = 30
    for col, (key, header) in enumerate(ADDITIONAL_COLUMNS, start=1):
        style_header(extra.cell(row=2, column=col, value=header), styles)
        extra.column_dimensions[column_letter(col)].width = {"title": 50, "reason": 60, "group": 14}[key]
    for row in range(3, 3 + ADDITIONAL_ROWS):
        for col in range(1, len(ADDITIONAL_COLUMNS) + 1):
            extra.cell(row=row, column=col).alignment = styles.wrap_top
            extra.cell(row=row, column=col).border = styles.box
    extra.freeze_panes = "A3"
    add_list_validation(
        extra, f"C3:C{2 + ADDITIONAL_ROWS}", ("1", "2"), error_title="1 or 2 only",
        error="Write 1 (urgent, on the VCC agenda) or 2 (defer).",
        prompt_title="Proposed group", prompt="1 = urgent; 2 = defer.", stop=False,
    )

    return workbook_bytes(wb)


# --------------------------------------------------------------------------- CSV


def form_csv(data: MeetingData) -> str:
    """The CSV form: two key lines, the Annex 2 table, then the additional-items table.

    Layout (documented in the README, "The grouping consultation")::

        member_state,<name or ISO code>
        reply_date,<YYYY-MM-DD>
        (blank line)
        number,agenda code,title (zh),...,Council Member's choice (1 or 2)
        1,PL 1.01,...,
        (blank line)
        title of the proposed additional item,reason,proposed group (1 or 2)

    Write the text with a UTF-8 BOM (``encoding="utf-8-sig"``) so that Excel shows
    the Chinese titles.
    """
    return form_csv_text(ANNEX_COLUMNS, annex_rows(data), after=[[], [header for _, header in ADDITIONAL_COLUMNS]])
