"""Behind a reverse proxy (``server run --trusted-proxy``): the per-address bounds count each
caller's address from ``X-Forwarded-For``, only when the TCP peer is a trusted proxy.

The proxy is played by a client on 127.0.0.1 (trusted) that sends the header nginx would
(``proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for``); a caller on 127.0.0.2
(not trusted) sends the same header to spoof its address. The bounds are made small
(2 waiting per address, 2 public viewers per address) so that a few connections reach them.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import os
import subprocess
import sys
import threading

import pytest
from live_server import ROOT, live_server, ws_client
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from server.app import Limits
from server.door import Door, DoorConfig
from server.proxies import TrustedProxies, parse_trusted_proxy
from vccsched.floor.protocol import PROTOCOL_VERSION

PROXY, STRANGER = "127.0.0.1", "127.0.0.2"
TRUSTED = (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8"))
LIMITS = Limits(pending_per_address=2, public_per_address=2, hello_timeout=5.0)


def xff(address: str) -> list[tuple[str, str]]:
    return [("X-Forwarded-For", address)]


# --- the address a request names (pure) -------------------------------------------------------

PROXIES = TrustedProxies(TRUSTED)


@pytest.mark.parametrize(
    ("peer", "headers", "address", "local"),
    [
        # nginx on this machine: the right-most address no trusted proxy owns.
        (PROXY, {"X-Forwarded-For": "203.0.113.5"}, "203.0.113.5", False),
        # what the client wrote itself is left of what the proxies appended: not believed
        (PROXY, {"X-Forwarded-For": "127.0.0.1, 198.51.100.7, 10.1.2.3"}, "198.51.100.7", False),
        # every hop trusted: the furthest one
        (PROXY, {"X-Forwarded-For": "10.0.0.9, 127.0.0.1"}, "10.0.0.9", False),
        (PROXY, {"X-Forwarded-For": "[2001:db8::1]:443"}, "2001:db8::1", False),
        (PROXY, {"X-Forwarded-For": "203.0.113.5:51234"}, "203.0.113.5", False),
        # malformed or missing: the proxy's own address, never a crash
        (PROXY, {"X-Forwarded-For": "not-an-address"}, PROXY, False),
        (PROXY, {"X-Forwarded-For": "203.0.113.5, "}, PROXY, False),
        (PROXY, {"X-Forwarded-For": ""}, PROXY, False),
        (PROXY, {"X-Forwarded-For": "1.2.3.4\x00"}, PROXY, False),
        (PROXY, {"X-Forwarded-For": "," * 10_000}, PROXY, False),
        (PROXY, {}, PROXY, True),
        # garbage left of a good entry is the client's own writing: the good entry stands
        (PROXY, {"X-Forwarded-For": "bad, 203.0.113.5"}, "203.0.113.5", False),
        # from a peer that is no trusted proxy the header is ignored (and it is not local either)
        (STRANGER, {"X-Forwarded-For": "127.0.0.1"}, STRANGER, False),
        (STRANGER, {"Forwarded": "for=127.0.0.1"}, STRANGER, False),
        (STRANGER, {}, STRANGER, True),
        ("192.0.2.1", {"X-Forwarded-For": "203.0.113.5"}, "192.0.2.1", False),
        # a dual-stack socket's mapped address is the IPv4 one
        ("::ffff:127.0.0.1", {"X-Forwarded-For": "203.0.113.5"}, "203.0.113.5", False),
        ("::ffff:127.0.0.2", {}, STRANGER, True),
    ],
)
def test_the_caller_is_the_right_most_address_no_trusted_proxy_owns(peer, headers, address, local):
    caller = PROXIES.caller(peer, headers)
    assert (caller.address, caller.local) == (address, local)


def test_a_request_through_a_proxy_on_this_machine_is_never_local():
    # Even with no --trusted-proxy at all (nginx on 127.0.0.1, the README's first setup).
    assert not TrustedProxies().caller(PROXY, {"X-Forwarded-For": "203.0.113.5"}).local
    assert not TrustedProxies().caller(PROXY, {"X-Real-IP": "203.0.113.5"}).local
    assert TrustedProxies().caller(PROXY, {}).local


def test_several_x_forwarded_for_headers_are_read_as_one_list():
    from websockets.datastructures import Headers

    headers = Headers([("X-Forwarded-For", "198.51.100.7"), ("X-Forwarded-For", "10.0.0.2")])
    assert PROXIES.caller(PROXY, headers).address == "198.51.100.7"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("127.0.0.1", "127.0.0.1/32"), ("::1", "::1/128"), (" 10.0.0.0/8 ", "10.0.0.0/8"), ("fd00::/8", "fd00::/8")],
)
def test_trusted_proxies_are_addresses_or_networks(value, expected):
    assert str(parse_trusted_proxy(value)) == expected


def test_the_door_counts_a_proxied_connection_at_its_callers_address():
    door = Door(DoorConfig(pending_max=100, pending_per_address=2))
    for name in "abc":  # the proxy's own address is not capped while requests are on their way
        assert door.arrive(name, PROXY, proxy=True) == (True, [])
    assert door.place("a", "203.0.113.5") and door.place("b", "203.0.113.5")
    assert not door.place("c", "203.0.113.5") and len(door) == 2  # the third of that caller is out
    assert door.arrive("d", PROXY, proxy=True)[0] and door.place("d", "203.0.113.6")
    door.leave("a")
    assert door.arrive("e", PROXY, proxy=True)[0] and door.place("e", "203.0.113.5")


# --- a real server ---------------------------------------------------------------------------


async def idle(url: str, *, source: str = PROXY, headers=(), opened: list) -> None:
    """A WebSocket that never says hello, held in ``opened`` (closed by the caller)."""
    ws = await connect(url, local_addr=(source, 0), additional_headers=list(headers), open_timeout=3, close_timeout=0.1)
    opened.append(ws)


async def refused_at_door(url: str, *, source: str = PROXY, headers=()) -> bool:
    """Whether a new connection is closed at the door (HTTP 429 behind the proxy, or closed at once)."""
    try:
        async with connect(url, local_addr=(source, 0), additional_headers=list(headers), open_timeout=3, close_timeout=0.1) as ws:
            await asyncio.wait_for(ws.recv(), 1.0)
    except InvalidStatus as exc:
        return exc.response.status_code == 429
    except (InvalidHandshake, ConnectionClosed, OSError, EOFError):
        return True
    except TimeoutError:
        return False  # open and waiting for its hello
    return False


async def hello_from(srv, delegation: str, *, source: str = PROXY, headers=()) -> dict:
    async with ws_client(srv, delegation, local_addr=(source, 0), additional_headers=list(headers), open_timeout=3) as c:
        return c.welcome


async def http_get(port: int, path: str, *, source: str = PROXY, headers=()) -> tuple[int, str]:
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers]
    async with asyncio.timeout(5):
        reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
        try:
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            response = await reader.read()
        finally:
            writer.close()
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode()


@contextlib.asynccontextmanager
async def holding():
    opened: list = []
    try:
        yield opened
    finally:
        await asyncio.gather(*(ws.close() for ws in opened), return_exceptions=True)


async def test_two_callers_behind_one_proxy_do_not_share_a_cap(tmp_path):
    async with live_server(tmp_path, limits=LIMITS, trusted_proxies=TRUSTED) as srv, holding() as opened:
        url = srv.ws_url
        # One caller behind the proxy floods: its share of the door fills, the rest is refused.
        for _ in range(2):
            await idle(url, headers=xff("203.0.113.5"), opened=opened)
        for _ in range(5):
            assert await refused_at_door(url, headers=xff("203.0.113.5"))
        # ... even when it writes other addresses to the left of what the proxy appended.
        assert await refused_at_door(url, headers=xff("198.51.100.1, 203.0.113.5"))
        # Another caller behind the same proxy still gets its own share and joins.
        for _ in range(2):
            await idle(url, headers=xff("203.0.113.6"), opened=opened)
        assert (await hello_from(srv, "USA", headers=xff("203.0.113.7")))["type"] == "welcome"
        assert "203.0.113.7" in srv.shell.door._known  # a delegation's address is the caller's
        assert srv.shell.door.addresses() == 2 and len(srv.shell.door) == 4
        # A caller whose hello is answered leaves the door: its place is free again.
        await opened.pop(0).close()
        await asyncio.sleep(0.1)
        assert (await hello_from(srv, "VC", headers=xff("203.0.113.5")))["type"] == "welcome"


async def test_a_header_from_a_peer_that_is_no_trusted_proxy_is_ignored(tmp_path):
    async with live_server(tmp_path, limits=LIMITS, trusted_proxies=TRUSTED) as srv, holding() as opened:
        url = srv.ws_url
        # A caller on 127.0.0.2 names a new address on every connection: all count as its own.
        for n in range(2):
            await idle(url, source=STRANGER, headers=xff(f"203.0.113.{n + 10}"), opened=opened)
        assert await refused_at_door(url, source=STRANGER, headers=xff("203.0.113.99"))
        assert await refused_at_door(url, source=STRANGER)
        assert srv.shell.door._per_address == {STRANGER: 2}
        # ... and the proxy's callers are not touched by it.
        assert (await hello_from(srv, "USA", headers=xff("203.0.113.10")))["type"] == "welcome"


async def test_malformed_headers_from_the_proxy_count_at_the_proxys_address(tmp_path):
    async with live_server(tmp_path, limits=LIMITS, trusted_proxies=TRUSTED) as srv, holding() as opened:
        url, port = srv.ws_url, srv.port
        bad = ["garbage", "", "203.0.113.5, nonsense", ",,,", "1.2.3.4.5", "::::", "é" * 100]
        for value in bad:
            status, body = await http_get(port, "/meeting.json", headers=[("X-Forwarded-For", value)])
            assert status == 200, (value, body)
        long_list = ", ".join(f"198.51.100.{n % 250}" for n in range(500))
        assert (await http_get(port, "/meeting.json", headers=[("X-Forwarded-For", long_list)]))[0] == 200
        for _ in range(2):
            await idle(url, headers=xff("garbage"), opened=opened)
        # Both lumped at the proxy's own address: a third is refused there, a real caller is not.
        assert await refused_at_door(url, headers=xff("also garbage"))
        assert await refused_at_door(url)
        assert srv.shell.door._per_address == {PROXY: 2}
        assert (await hello_from(srv, "USA", headers=xff("203.0.113.5")))["type"] == "welcome"


async def test_the_public_view_counts_each_caller_behind_the_proxy(tmp_path):
    async with live_server(tmp_path, limits=LIMITS, trusted_proxies=TRUSTED, public=True) as srv:
        public_url = srv.ws_url + "/public"
        hello = json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "last_seq": None})

        async def viewer(address: str) -> tuple[str, object]:
            ws = await connect(public_url, additional_headers=xff(address), open_timeout=3, close_timeout=0.1)
            await ws.send(hello)
            return (json.loads(await asyncio.wait_for(ws.recv(), 3)).get("code") or "welcome"), ws

        viewers = [await viewer("203.0.113.5") for _ in range(3)] + [await viewer("203.0.113.6") for _ in range(2)]
        try:
            assert [code for code, _ in viewers] == ["welcome", "welcome", "server_full", "welcome", "welcome"]
            assert srv.shell.public_by_address == {"203.0.113.5": 2, "203.0.113.6": 2}
        finally:
            await asyncio.gather(*(ws.close() for _, ws in viewers), return_exceptions=True)


async def test_healthz_gives_attendance_to_this_machine_only_not_to_callers_through_the_proxy(tmp_path):
    async with live_server(tmp_path, limits=LIMITS, trusted_proxies=TRUSTED) as srv:
        port = srv.port

        async def attendance(**kwargs) -> bool:
            status, body = await http_get(port, "/healthz", **kwargs)
            assert status == 200
            return "connections" in json.loads(body)

        assert await attendance()  # a monitor on this machine
        assert await attendance(source=STRANGER)  # 127.0.0.2 is loopback too
        # A remote caller through the proxy on 127.0.0.1: not loopback, whatever it writes.
        assert not await attendance(headers=xff("203.0.113.5"))
        assert not await attendance(headers=xff("127.0.0.1"))
        assert not await attendance(headers=xff("::1, 127.0.0.1"))
        assert not await attendance(headers=xff("garbage"))
        assert not await attendance(headers=[("Forwarded", "for=203.0.113.5")])
        assert not await attendance(source=STRANGER, headers=xff("127.0.0.1"))
        # The chair's console through the proxy still gets it, by its token.
        assert await attendance(headers=[*xff("203.0.113.5"), ("Authorization", f"Bearer {srv.tokens['VC']}")])


async def test_without_trusted_proxies_the_header_changes_no_address(tmp_path):
    async with live_server(tmp_path, limits=LIMITS) as srv, holding() as opened:
        for n in range(2):
            await idle(srv.ws_url, headers=xff(f"203.0.113.{n}"), opened=opened)
        assert await refused_at_door(srv.ws_url, headers=xff("203.0.113.50"))
        assert srv.shell.door._per_address == {PROXY: 2}


# --- the command line ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("proxy.example.org", "expected an IP address"),
        ("10.0.0.1/8", "did you mean 10.0.0.0/8?"),
        ("10.0.0.0/33", "expected an IP address"),
        ("", "expected an IP address"),
    ],
)
def test_a_bad_trusted_proxy_stops_the_server_before_it_starts(cli, tmp_path, value, says):
    result = cli("server", "run", "--db", str(tmp_path / "floor.db"), "--port", "0", "--trusted-proxy", value)
    assert result.returncode == 2, result
    assert says in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "floor.db").exists()


def test_the_start_up_lines_say_which_proxies_are_trusted(tmp_path):
    args = ["--trusted-proxy", "127.0.0.1", "--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "::1"]
    process = subprocess.Popen(
        [sys.executable, "-m", "vccsched", "server", "run", "--db", str(tmp_path / "floor.db"), "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: list[str] = []
    started = threading.Event()

    def read() -> None:
        for line in process.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if line.startswith("Stop with Ctrl+C"):
                started.set()
        started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert started.wait(20), lines
    finally:
        process.terminate()
        process.communicate(timeout=20)
        reader.join(5)
    out = "".join(lines)
    assert "trusted proxies  127.0.0.1, 10.0.0.0/8, ::1: the caller's address is read from their X-Forwarded-For" in out


async def test_a_forwarded_request_from_an_untrusted_peer_is_pointed_out_once(tmp_path, caplog):
    async with live_server(tmp_path, limits=LIMITS) as srv:
        for _ in range(3):
            assert (await http_get(srv.port, "/meeting.json", headers=xff("203.0.113.5")))[0] == 200
    said = [r.getMessage() for r in caplog.records if "X-Forwarded-For" in r.getMessage()]
    assert len(said) == 1 and "give --trusted-proxy 127.0.0.1" in said[0]
