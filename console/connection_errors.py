"""Which connection failures retrying cannot cure, said in words a secretariat can act on.

A server that is down or restarting comes back: the console retries. A URL whose path
the server does not serve (HTTP 404), or TLS spoken to a server without it (``https://``
or ``wss://`` against a plain one), gives the same answer for ever: the console stops
and says what to change instead of retrying all meeting long. (Plain ``ws://`` against
a TLS server looks like a server closing mid-handshake, as one restarting does: that
one is retried, with the reason shown.)
"""

from __future__ import annotations

import ssl
from urllib.parse import urlsplit

from websockets.exceptions import InvalidStatus

#: HTTP answers that may change by themselves (a proxy timing out, too many requests).
_PASSING = frozenset({408, 425, 429})

#: Failed TLS handshakes in a row, from a console never connected, before it gives up.
TLS_ATTEMPTS = 3


def lasting_problem(exc: BaseException, url: str, *, attempt: int, ever_connected: bool) -> tuple[str, bool] | None:
    """What to show after ``exc`` when it is a wrong address rather than a server away,
    and whether to stop trying: ``(reason, stop)``; None for a failure that may pass.

    Only a console that has never connected stops: one that was live keeps trying, as
    its server may come back behind a proxy that answers 404 while it restarts.
    ``attempt`` counts the failures in a row before this one.
    """
    parts = urlsplit(url)
    if isinstance(exc, InvalidStatus):
        code = exc.response.status_code
        if not 400 <= code < 500 or code in _PASSING:
            return None
        reason = exc.response.reason_phrase
        if code == 404:
            text = (
                f"the server answered HTTP 404 ({reason}) for the path {parts.path or '/'!r}: "
                "the floor is at /ws (give the server's address, e.g. http://HOST:PORT)"
            )
        else:
            text = f"the server answered HTTP {code} ({reason}) to {url}; retrying will not change it"
        return text, not ever_connected
    tls = isinstance(exc, ssl.SSLError) or (isinstance(exc, ConnectionResetError) and parts.scheme == "wss")
    if tls and parts.scheme == "wss":
        # A plain server drops a TLS hello (connection reset) or answers it in clear text (SSL
        # error); a server restarting refuses the connection instead, so this is the address.
        cause = getattr(exc, "reason", None) or type(exc).__name__
        text = (
            f"the TLS handshake with {parts.netloc} failed ({cause}): if the server does not "
            "speak TLS, give its address with http:// (ws://), not https:// (wss://)"
        )
        return text, not ever_connected and attempt + 1 >= TLS_ATTEMPTS
    return None
