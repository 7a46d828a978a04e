"""The report of proposed conclusions: the record the Council acts on after a VCC.

:func:`~vccsched.report.model.build_report` turns the meeting's data, the
floor's state (the fold of its events) and, optionally, the time-management
plan into a :class:`~vccsched.report.model.MeetingReport`: per item in agenda
order the outcome, the speakers and the time used against the plan; the annex
of what C22 must take up; speaking time per delegation and per tier; per day,
the time used against the time planned. :func:`render_report` writes it as
Markdown, a self-contained HTML page or a Word document; the same input gives
the same bytes.
"""

from vccsched.report.model import MeetingReport, build_report
from vccsched.report.render import REPORT_FORMATS, render_report, report_format

__all__ = ["REPORT_FORMATS", "MeetingReport", "build_report", "render_report", "report_format"]
