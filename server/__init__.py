"""The live floor's server: a thin I/O shell (websockets, asyncio) over ``vccsched.floor``.

``app`` serves the WebSocket at ``/ws``, the delegates' page and ``/meeting.json``;
``store`` keeps every accepted command in SQLite before anyone hears of it; ``run`` is
``vccsched server run``; ``lock`` keeps one server per database; ``ratelimit`` bounds
what one connection may send; ``publish`` publishes a plan as a client; ``tokens``
issues a token to every delegation at once. The contract is docs/protocol.md.
"""
