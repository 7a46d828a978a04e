"""Office Open XML files (XLSX, DOCX) that are the same bytes for the same input.

openpyxl and python-docx stamp the time of the run into the document's
properties (``docProps/core.xml``) and into every zip entry, so two runs on the
same data would give two different attachments. :func:`deterministic_zip`
rewrites the archive with :data:`FIXED_TIME` everywhere.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import Any

#: The time stamp written into every generated Office file (properties and zip entries).
FIXED_TIME = dt.datetime(2021, 1, 1, 0, 0, 0)


#: What no XML document can hold (C0 controls but tab, line feed, carriage return; U+FFFE/FFFF).
#: The server refuses them in commands; a record made before may still hold them.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def document_safe(value: Any) -> Any:
    """``value`` (a context: dicts, lists, strings) with every character no document can hold
    shown as U+FFFD, so that a record holding one still gives its document."""
    if isinstance(value, str):
        return _NOT_IN_XML.sub("\ufffd", value)
    if isinstance(value, dict):
        return {k: document_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(document_safe(v) for v in value)
    return value


def deterministic_zip(data: bytes) -> bytes:
    """The same archive with fixed time stamps and permissions, entries in their order."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                    lambda m: m.group(1) + stamp.encode() + m.group(3),
                    content,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, content)
    return out.getvalue()
