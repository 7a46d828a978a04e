"""The decision by correspondence (Rule 3.2 of the Council's Rules of Procedure).

A VCC decides nothing; an urgent proposed conclusion can be put to the Council
Members for a decision by correspondence. The round:

1. :func:`~vccsched.correspondence.proposals.proposals_from_state` lists the
   conclusions the chair marked "by correspondence" on the floor;
2. :mod:`~vccsched.correspondence.form` writes the reply form (XLSX with a
   reply cell restricted to approve / object / abstain, or CSV);
3. :mod:`~vccsched.correspondence.replies` reads the filled forms (with the
   reader every reply form shares, :mod:`vccsched.replyforms`);
4. :func:`~vccsched.correspondence.tally.tally` counts the Council Members'
   replies under an explicit majority rule (:data:`~vccsched.correspondence.tally.MAJORITY_RULES`)
   and :mod:`~vccsched.correspondence.render` writes the result (Markdown or JSON).
"""
