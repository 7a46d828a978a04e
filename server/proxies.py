"""Who is calling, behind a reverse proxy (``server run --trusted-proxy``).

Behind nginx, Caddy or HAProxy every TCP connection comes from the proxy, so the
per-address bounds (server/door.py, the public view's) would lump all callers
together. For a connection whose TCP peer is a trusted proxy, the caller's address
is read from ``X-Forwarded-For``: the right-most address that is not itself a
trusted proxy (what nginx's ``real_ip_recursive on`` and Werkzeug's ``ProxyFix``
do). Each proxy appends the address it was called from, so only the entries the
trusted proxies added are believed; whatever a client wrote to their left is not.
From any other peer the header is ignored: a client cannot name its own address.

Only ``X-Forwarded-For`` is read (nginx, Caddy and HAProxy's ``option forwardfor``
all set it). Reading ``Forwarded`` (RFC 7239) as well would let a client spoof its
address through a proxy that sets only one of the two and passes the other on as
the client sent it.

A request that was forwarded (it carries ``X-Forwarded-For``, ``Forwarded`` or
``X-Real-IP``) is never *local*, even from 127.0.0.1 and whoever the proxy is:
what loopback alone may see (attendance on ``/healthz``) is not for callers who
came through a proxy on this machine.

Pure: no I/O; the server calls :meth:`TrustedProxies.caller` once per connection.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Entries of ``X-Forwarded-For`` read at most (a header longer than this is cut on the left:
#: the right-most entries are the ones the trusted proxies wrote).
MAX_HOPS = 16
#: Headers saying that a request was forwarded: such a request is never local.
FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def parse_trusted_proxy(value: str) -> IPNetwork:
    """``127.0.0.1``, ``::1`` or ``10.0.0.0/8``; a ValueError saying what is expected otherwise."""
    text = value.strip()
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError:
        pass
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(
            f"--trusted-proxy {value!r}: expected an IP address (127.0.0.1, ::1) or a network "
            "(10.0.0.0/8, fd00::/8); host names are not accepted"
        ) from None
    raise ValueError(
        f"--trusted-proxy {value!r}: the address has bits set beyond the /{network.prefixlen} "
        f"prefix; did you mean {network}?"
    )


def _address(text: str) -> IPAddress | None:
    """An address as a peer or a forwarding proxy writes it; None if it is not one."""
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443" (some proxies add the port)
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.5:51234"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # "::ffff:127.0.0.1" from a dual-stack socket is 127.0.0.1
    return address


def is_loopback(peer: str) -> bool:
    address = _address(peer)
    return address is not None and address.is_loopback


@dataclass(frozen=True)
class Caller:
    """Who a connection is from, as the server bounds and reports it."""

    #: The address every per-address bound counts (the client's, behind a trusted proxy).
    address: str
    #: From this machine, and not forwarded by anyone: may see what is for loopback only.
    local: bool
    #: The TCP peer is a trusted proxy and the address came from its ``X-Forwarded-For``.
    proxied: bool = False


class TrustedProxies:
    """The proxies whose ``X-Forwarded-For`` is believed."""

    def __init__(self, networks: Iterable[IPNetwork] = ()) -> None:
        self.networks: tuple[IPNetwork, ...] = tuple(networks)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def describe(self) -> str:
        return ", ".join(str(n) if n.num_addresses > 1 else str(n.network_address) for n in self.networks)

    def trusts(self, peer: str) -> bool:
        address = _address(peer)
        return address is not None and any(address in network for network in self.networks)

    def caller(self, peer: str, headers: Mapping[str, str] | object) -> Caller:
        """The caller of a request that came from TCP ``peer`` with ``headers`` (a websockets
        ``Headers``, or any mapping). Never raises: a missing or malformed header gives the
        peer's own address."""
        forwarded = any(_get_all(headers, name) for name in FORWARDING_HEADERS)
        local = is_loopback(peer) and not forwarded
        if not self.trusts(peer):
            return Caller(address=_canonical(peer), local=local)
        entries = ",".join(_get_all(headers, "X-Forwarded-For")).split(",")[-MAX_HOPS:]
        client = _canonical(peer)
        proxied = False
        for entry in reversed(entries):
            address = _address(entry)
            if address is None:
                break  # garbage: the last hop the walk reached is as far as anyone vouches
            client, proxied = str(address), True
            if not any(address in network for network in self.networks):
                break  # the first address no trusted proxy owns: the client
        return Caller(address=client, local=local, proxied=proxied)


def _canonical(peer: str) -> str:
    address = _address(peer)
    return str(address) if address is not None else (peer or "?")


def _get_all(headers: Mapping[str, str] | object, name: str) -> list[str]:
    get_all = getattr(headers, "get_all", None)
    if get_all is not None:
        return list(get_all(name))
    value = headers.get(name) if isinstance(headers, Mapping) else None  # type: ignore[union-attr]
    return [value] if value is not None else []
