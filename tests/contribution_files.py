"""Small real contribution files for the tests and the example register.

``pdf_bytes(n)`` is a PDF of ``n`` A4 pages (pypdf); ``docx_bytes(pages)`` a
Word document whose properties say ``pages`` (``None``: no page count stored,
as files written by other programs have). Run this module to write the
example files of data/c21-vcc1/contributions/files/.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from pathlib import Path

A4 = (595, 842)


def pdf_bytes(pages: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(*A4)
    buffer = io.BytesIO()
    writer.write(buffer)
    # pypdf stamps a random file /ID; a fixed one keeps the example files the same bytes.
    return re.sub(rb"/ID \[ <[0-9a-f]+> <[0-9a-f]+> \]", b"/ID [ <" + b"0" * 32 + b"> <" + b"0" * 32 + b"> ]",
                  buffer.getvalue())


def docx_bytes(pages: int | None, text: str = "Contribution") -> bytes:
    import docx

    from vccsched.ooxml import deterministic_zip

    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/app.xml":
                if pages is None:
                    data = re.sub(rb"\s*<Pages>\d+</Pages>", b"", data)
                else:
                    data = re.sub(rb"<Pages>\d+</Pages>", f"<Pages>{pages}</Pages>".encode(), data)
            target.writestr(info.filename, data)
    return deterministic_zip(out.getvalue())


EXAMPLE_FILES = {
    "C21-75.pdf": lambda: pdf_bytes(1),
    "C21-81.pdf": lambda: pdf_bytes(2),
    "C21-82.docx": lambda: docx_bytes(2, "Contribution from the Russian Federation (example)"),
    "C21-83.pdf": lambda: pdf_bytes(1),
    "C21-84.pdf": lambda: pdf_bytes(3),
    "C21-84-JPN.pdf": lambda: pdf_bytes(1),
    "C21-85.pdf": lambda: pdf_bytes(1),
    "C21-86.pdf": lambda: pdf_bytes(1),
    "C21-88.docx": lambda: docx_bytes(None, "Contribution from Kenya (example)"),
    "C21-89.pdf": lambda: b"%PDF-1.7\nthis file was cut short in transit\n",
    "C21-91.pdf": lambda: pdf_bytes(2),
}


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "data/c21-vcc1/contributions/files")
    folder.mkdir(parents=True, exist_ok=True)
    for name, make in EXAMPLE_FILES.items():
        (folder / name).write_bytes(make())
        print(folder / name)
