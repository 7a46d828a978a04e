"""Member States' written contributions (Annex 1): the secretariat's register.

``register``
    reads the register (CSV or XLSX: document symbol, Member State, items,
    received, file name, title) into :class:`~vccsched.contributions.register.RegisterRow` s,
    each bad cell a problem on its row;
``pages``
    counts a contribution's pages (PDF with pypdf; DOCX from the page count
    Word stores in ``docProps/app.xml``, "not known" without one);
``check``
    flags every row (late, over length, not on a Group 1 item, not from a
    Member State, symbol given twice, file missing or unreadable) and lists
    the contributions per Group 1 item (:func:`~vccsched.contributions.check.check_register`);
``render``
    the check's report as Markdown, HTML or CSV;
``floor``
    the contributions per item for the live floor (:func:`~vccsched.contributions.floor.floor_contributions`).
"""
