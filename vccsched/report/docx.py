"""The report as a Word document (python-docx), from the texts of ``report_context``.

Real headings (Title, Heading 1-3: Word's navigation pane and LibreOffice's
navigator show the structure), real tables (style "Table Grid", header rows
repeated on every page), and Chinese text in runs that carry an East Asian
font and language (``w:rFonts/@w:eastAsia``, ``w:lang/@w:eastAsia``) so that
Word and LibreOffice pick a Chinese font instead of showing boxes. The
document's properties and its zip entries carry a fixed time
(:mod:`vccsched.ooxml`): the same report is the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from vccsched.ooxml import FIXED_TIME, deterministic_zip, document_safe

#: The East Asian font named on Chinese runs (Word on Windows has it; others substitute a CJK font).
EAST_ASIA_FONT = "SimSun"
LATIN_FONT = "Calibri"


def _east_asian(run, font: str = EAST_ASIA_FONT) -> None:
    """Mark a run as Chinese: East Asian font and language."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    r_pr = run._element.get_or_add_rPr()
    r_fonts = r_pr.get_or_add_rFonts()
    r_fonts.set(qn("w:eastAsia"), font)
    r_fonts.set(qn("w:hint"), "eastAsia")
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        r_pr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _zh(paragraph, text: str, *, bold: bool = False, muted: bool = True):
    from docx.shared import RGBColor

    run = paragraph.add_run(text)
    _east_asian(run)
    run.bold = bold
    if muted:
        run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    return run


def _set_styles(doc) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(10)
    r_fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    r_fonts.set(qn("w:eastAsia"), EAST_ASIA_FONT)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        style = doc.styles[name]
        style.font.name = LATIN_FONT
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), EAST_ASIA_FONT)
        style.font.color.rgb = RGBColor(0x00, 0x55, 0x8C)
    doc.styles["Title"].font.size = Pt(20)
    doc.styles["Heading 1"].font.size = Pt(14)
    doc.styles["Heading 2"].font.size = Pt(11.5)
    doc.styles["Heading 3"].font.size = Pt(10.5)


def _page(doc) -> None:
    from docx.shared import Cm

    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4, as ITU documents
    section.left_margin = section.right_margin = Cm(2.0)
    section.top_margin = section.bottom_margin = Cm(2.0)


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _table(doc, headers: Sequence[str], rows: Sequence[Sequence[Any]], widths_cm: Sequence[float],
           *, right: Sequence[int] = ()):
    """A grid table; a cell given as (en, zh) gets the Chinese on a second line."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    table = doc.add_table(rows=1, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    table.autofit = False
    for i, text in enumerate(headers):
        cell = table.rows[0].cells[i]
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        if i in right:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _repeat_header(table.rows[0])
    for values in rows:
        cells = table.add_row().cells
        for i, value in enumerate(values):
            paragraph = cells[i].paragraphs[0]
            if isinstance(value, tuple):
                en, zh = value
                paragraph.add_run(en)
                _zh(cells[i].add_paragraph(), zh)
            else:
                paragraph.add_run(str(value))
            if i in right:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    # LibreOffice lays a table out by its grid columns, Word by the cells' widths: set both.
    for i, width in enumerate(widths_cm):
        table.columns[i].width = Cm(width)
    for row in table.rows:
        for i, width in enumerate(widths_cm):
            row.cells[i].width = Cm(width)
            for paragraph in row.cells[i].paragraphs:
                paragraph.paragraph_format.space_after = Pt(0)
                for run in paragraph.runs:
                    run.font.size = Pt(9)
    doc.add_paragraph()
    return table


def _page_number(paragraph) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = paragraph.add_run("1")
    run.font.size = Pt(8)
    field.append(run._element)  # the run is moved inside the field (its cached result)
    paragraph._p.append(field)


def new_document(c: dict[str, Any], *, keywords: str, category: str):
    """An A4 document with the report's styles and properties (``c``: ``heading``,
    ``title_en``, ``meeting``); no time of the run in it."""
    from docx import Document

    doc = Document()
    _set_styles(doc)
    _page(doc)
    props = doc.core_properties
    props.title = c["heading"]
    props.subject = c["title_en"] or c["meeting"]
    props.author = props.last_modified_by = "vccsched"
    props.keywords = keywords
    props.comments = ""
    props.category = category
    props.created = props.modified = props.last_printed = FIXED_TIME
    props.revision = 1
    return doc


def document_bytes(doc) -> bytes:
    """The document as .docx bytes, the same for the same document (fixed zip times)."""
    buffer = io.BytesIO()
    doc.save(buffer)
    return deterministic_zip(buffer.getvalue())


def render_docx(c: dict[str, Any]) -> bytes:
    """The .docx bytes for the context of :func:`vccsched.report.render.report_context`."""
    from docx.shared import Pt

    c = document_safe(c)
    doc = new_document(c, keywords=f"{c['meeting']}; proposed conclusions; {c['target']}", category="Report")

    doc.add_heading(c["heading"], level=0)
    if c["title_en"]:
        paragraph = doc.add_paragraph()
        paragraph.add_run(c["title_en"])
        paragraph.add_run().add_break()
        _zh(paragraph, c["title_zh"])
    doc.add_paragraph("The VCC is consultative: it draws proposed conclusions for the Council to act "
                      "on; it decides nothing.")
    doc.add_paragraph(c["record"])
    doc.add_paragraph(c["plan"])

    doc.add_heading("Summary", level=1)
    for line in c["summary"]:
        doc.add_paragraph(line, style="List Bullet")

    doc.add_heading("Outcomes", level=1)
    headers = ["No.", "Code", "Title", "Outcome", "Used"] + (["Planned"] if c["has_plan"] else [])
    widths = [1.1, 1.7, 9.0, 3.0, 1.6] + ([1.6] if c["has_plan"] else [])
    rows = [
        [i["number"], i["code"], (i["title_en"], i["title_zh"]), i["short_outcome"], i["used"]]
        + ([i["planned"]] if c["has_plan"] else [])
        for i in c["items"]
    ]
    _table(doc, headers, rows, widths, right=(0, 4, 5))

    doc.add_heading("Proposed conclusions, item by item", level=1)
    for item in c["items"]:
        doc.add_heading(f"Item {item['number']} ({item['code']}): {item['title_en']}", level=2)
        _zh(doc.add_paragraph(), item["title_zh"])
        paragraph = doc.add_paragraph()
        paragraph.add_run(item["outcome_text"] + ".").bold = True
        if item["conclusion"]:
            paragraph.add_run(" " + item["conclusion"])
        if item["note"]:
            doc.add_paragraph("Note: " + item["note"])
        if item["time_line"]:
            doc.add_paragraph("Time: " + item["time_line"])
        if item["contributions"]:
            doc.add_paragraph("Contributions considered: " + item["contributions"] + ".")
        if item["speeches"]:
            _table(
                doc,
                ["#", "Delegation", "Tier", "Kind", "Start", "Duration", "Remarks"],
                [[s["order"], s["delegation"], s["tier"], s["kind"], s["start"], s["duration"], s["remarks"]]
                 for s in item["speeches"]],
                [0.9, 4.2, 3.0, 2.2, 1.9, 2.3, 2.5],
                right=(0, 5),
            )
        elif item["outcome"] not in ("not_reached", "to_come"):
            doc.add_paragraph("No speeches.")

    doc.add_heading("Decision by correspondence", level=1)
    if c["correspondence"]:
        doc.add_paragraph(
            f"Rule 3.2: a proposal passes by a simple majority of the Council Members with the right to "
            f"vote ({c['majority']} of {c['voters']}). Proposed for decision by correspondence:")
        for item in c["correspondence"]:
            doc.add_paragraph(f"Item {item['number']} ({item['code']}): {item['conclusion']}", style="List Bullet")
    else:
        doc.add_paragraph("No conclusion was proposed for decision by correspondence.")

    doc.add_heading(f"Annex: for {c['target']}", level=1)
    if not c["annex"]:
        doc.add_paragraph("Nothing to take up.")
    for section in c["annex"]:
        doc.add_heading(section["heading"], level=2)
        if section["deferred"]:
            _table(doc, ["No.", "Code", "Title", "At the request of", "Note"],
                   [[r["number"], r["code"], (r["title_en"], r["title_zh"]), r["requested_by"], r["remark"]]
                    for r in section["rows"]],
                   [1.1, 1.7, 7.2, 3.5, 3.5], right=(0,))
        else:
            _table(doc, ["No.", "Code", "Title"],
                   [[r["number"], r["code"], (r["title_en"], r["title_zh"])] for r in section["rows"]],
                   [1.1, 1.7, 14.2], right=(0,))

    doc.add_heading("Statistics", level=1)
    doc.add_heading("Speaking time per tier", level=2)
    _table(doc, ["Tier", "Delegations", "Speeches", "Time", "Share"],
           [[t["label"], t["delegations"], t["speeches"], t["time"], t["share"]] for t in c["tiers"]],
           [7.4, 2.6, 2.2, 2.8, 2.0], right=(1, 2, 3, 4))
    doc.add_paragraph(f"Total speaking time: {c['speaking_total']}.")
    doc.add_heading("Speaking time per delegation", level=2)
    if c["delegations"]:
        _table(doc, ["Delegation", "Tier", "Speeches", "Time"],
               [[d["delegation"], d["tier"], d["speeches"], d["time"]] for d in c["delegations"]],
               [7.0, 5.0, 2.2, 2.8], right=(2, 3))
    else:
        doc.add_paragraph("No speeches.")
    doc.add_heading("Time per day", level=2)
    if c["days"]:
        if c["has_plan"]:
            _table(doc, ["Day", "Planned", "Used", "Of which on items", "Against the plan", "Items taken up"],
                   [[d["date"], d["planned"], d["used"], d["on_items"], d["balance"], d["taken"]] for d in c["days"]],
                   [4.8, 1.8, 1.8, 2.2, 2.8, 3.6], right=(1, 2, 3))
            doc.add_paragraph(f"Total: {c['used_total']} used of {c['planned_total']} planned.")
        else:
            _table(doc, ["Day", "Used", "Of which on items", "Items taken up"],
                   [[d["date"], d["used"], d["on_items"], d["taken"]] for d in c["days"]],
                   [5.0, 2.5, 3.0, 6.5], right=(1, 2))
            doc.add_paragraph(f"Total: {c['used_total']} used.")
    else:
        doc.add_paragraph("The meeting did not sit.")

    # Footer: the meeting and the page number, on every page.
    footer = doc.sections[0].footer.paragraphs[0]
    footer.add_run(f"{c['meeting']}: report of proposed conclusions, page ").font.size = Pt(8)
    _page_number(footer)
    return document_bytes(doc)
