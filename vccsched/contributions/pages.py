"""How many pages a contribution has: PDF counted, DOCX as Word stored it.

A PDF's pages are counted with pypdf. A DOCX has no pages of its own (Word
lays it out when it opens it); Word writes the count it last laid out into the
document's properties (``docProps/app.xml``, ``<Pages>``). Where a DOCX has no
such count (files written by other programs), the answer is "not known": a
guess from the number of words would flag a Member State wrongly.
"""

from __future__ import annotations

import logging
import re
import zipfile
from pathlib import Path

from pydantic import Field

from vccsched.models import StrictModel

# pypdf logs every oddity of a damaged PDF as a warning on stderr; the check
# reports an unreadable file itself.
logging.getLogger("pypdf").setLevel(logging.ERROR)

#: Files larger than this are not opened (a two-page contribution is far smaller).
MAX_FILE_BYTES = 50 * 1024 * 1024
#: docProps/app.xml is a few hundred bytes; a larger one is not read.
MAX_PROPERTIES_BYTES = 1024 * 1024

_PAGES = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Pages>\s*(\d{1,6})\s*</(?:[A-Za-z_][\w.-]*:)?Pages>")


class PageCount(StrictModel):
    """What opening a contribution's file told."""

    pages: int | None = Field(description="The page count; None when not known or unreadable.")
    unreadable: str | None = Field(default=None, description="Why the file could not be opened.")
    note: str | None = Field(default=None, description="Why the count is not known, for a readable file.")


def count_pages(path: Path) -> PageCount:
    """The pages of a PDF or DOCX file; other kinds are "not known"."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        return PageCount(pages=None, unreadable=f"cannot be opened ({exc.strerror or exc})")
    if size > MAX_FILE_BYTES:
        return PageCount(pages=None, unreadable=f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; not opened")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return _pdf_pages(path)
    if suffix == ".docx":
        return _docx_pages(path)
    return PageCount(pages=None, note=f"pages not known: only PDF and DOCX files are counted, not {suffix or 'files without extension'}")


def _pdf_pages(path: Path) -> PageCount:
    from pypdf import PdfReader  # imported here: only the check needs it

    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
        if b"%PDF-" not in head:
            return PageCount(pages=None, unreadable="not a PDF file (it does not start as one); ask for the file again")
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    return PageCount(pages=None, unreadable="a password-protected PDF; ask for it without a password")
            except Exception:  # noqa: BLE001 (e.g. an encryption pypdf cannot undo without extras)
                return PageCount(pages=None, unreadable="an encrypted PDF that cannot be opened; ask for it without a password")
        pages = len(reader.pages)
    except Exception as exc:  # noqa: BLE001 (pypdf raises many kinds on damaged files)
        return PageCount(pages=None, unreadable=f"not a readable PDF ({type(exc).__name__}: {exc})")
    if pages == 0:
        return PageCount(pages=None, unreadable="a PDF without pages")
    return PageCount(pages=pages)


def _docx_pages(path: Path) -> PageCount:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "word/document.xml" not in names:
                return PageCount(pages=None, unreadable="not a Word document (no word/document.xml in it)")
            if "docProps/app.xml" not in names:
                return PageCount(pages=None, note="pages not known: the document does not store a page count")
            info = archive.getinfo("docProps/app.xml")
            if info.file_size > MAX_PROPERTIES_BYTES:
                return PageCount(pages=None, note="pages not known: its properties are too large to read")
            with archive.open(info) as handle:
                properties = handle.read(MAX_PROPERTIES_BYTES)
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, NotImplementedError) as exc:
        return PageCount(pages=None, unreadable=f"not a readable DOCX file ({exc})")
    found = _PAGES.search(properties)
    if found is None or int(found.group(1)) == 0:
        return PageCount(pages=None, note="pages not known: the document does not store a page count")
    return PageCount(pages=int(found.group(1)))
