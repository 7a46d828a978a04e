"""The grouping consultation: the Annex 2 form out, the Council Members' replies in.

- :mod:`~vccsched.grouping.form` writes the XLSX/CSV form;
- :mod:`~vccsched.grouping.replies` reads filled forms into ``Reply`` models;
- :mod:`~vccsched.grouping.tally` checks and counts them into the final grouping;
- :mod:`~vccsched.grouping.report` explains the result in Markdown or HTML.
"""
