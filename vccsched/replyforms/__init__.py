"""Reply forms: what the grouping consultation and the decision by correspondence share.

The secretariat sends a form (XLSX or CSV) with a Member State cell, a date
cell and a table; Council Members send it back filled. Both rounds read those
files the same way and screen the senders the same way:

``cells``
    where a value was read (:class:`CellRef`), what is wrong with it
    (:class:`Problem`), the sender and date every reply carries
    (:class:`ReplyForm`), and how headers and labels are matched;
``sheets``
    the files: finding the header row, the Member State and date cells,
    XLSX (formulas without values, merged cells) and CSV (delimiters, BOM),
    renamed or password-protected files, folders of replies;
``senders``
    the roster check, dates given with ``--received``, late replies, two
    replies from one Member State, and who counts (:func:`screen_replies`);
``writing``
    the forms themselves: the heading, the Member State and date cells, the
    boxed table, their validation, the deterministic bytes and the CSV twin.

Each round keeps only its own table: :mod:`vccsched.grouping.replies` (Annex 2
choices, additional items) and :mod:`vccsched.correspondence.replies`
(approve / object / abstain per conclusion).
"""
