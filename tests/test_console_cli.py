"""``vccsched console``: where the server is, where the token comes from, and clear
errors (never a token on the command line, never a traceback)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest

from live_server import ROOT, live_server
from vccsched.cli.console import read_token, websocket_url
from vccsched.errors import DataError


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://127.0.0.1:8765", "ws://127.0.0.1:8765/ws"),
        ("http://127.0.0.1:8765/", "ws://127.0.0.1:8765/ws"),
        ("https://vcc.example.org", "wss://vcc.example.org/ws"),
        ("ws://127.0.0.1:9000/ws", "ws://127.0.0.1:9000/ws"),
        ("127.0.0.1:8765", "ws://127.0.0.1:8765/ws"),
    ],
)
def test_the_server_address_as_users_type_it(given, expected):
    assert websocket_url(given) == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("http://127.0.0.1:8765/#t=SECRET", "never put a token on the command line"),
        ("ftp://127.0.0.1", "expected the server's address"),
        ("http://", "expected the server's address"),
    ],
)
def test_bad_server_addresses(given, message):
    with pytest.raises(DataError, match=message):
        websocket_url(given)


def test_the_token_from_a_file_the_environment_or_nowhere(tmp_path, monkeypatch):
    token_file = tmp_path / "token"
    token_file.write_text("\n  abc-123  \n")
    assert read_token(token_file) == "abc-123"
    with pytest.raises(DataError, match="no such file"):
        read_token(tmp_path / "missing")
    token_file.write_text("delegation,name,category,token,link\nBRA,Brazil,council_member,abc,http://x/#t=abc\n")
    with pytest.raises(DataError, match="expected one line holding your delegation's token"):
        read_token(token_file)
    monkeypatch.setenv("VCCSCHED_TOKEN", "from-env")
    assert read_token(None) == "from-env"
    monkeypatch.delenv("VCCSCHED_TOKEN")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    with pytest.raises(DataError, match="give --token-file FILE or set VCCSCHED_TOKEN"):
        read_token(None)


def test_there_is_no_option_for_the_token_itself(cli):
    result = cli("console", "--server", "http://127.0.0.1:1", "--token", "abc")
    assert result.returncode == 2 and "No such option" in result.stderr


async def test_a_token_the_server_refuses_ends_the_console_with_its_reason(tmp_path):
    async with live_server(tmp_path) as srv:
        token_file = tmp_path / "token"
        token_file.write_text("not-a-real-token\n")
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "vccsched", "console", "--server", srv.http_url, "--token-file", str(token_file)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
            env={**os.environ, "TERM": "dumb"},
        )
    assert result.returncode == 1, result.stderr
    assert "The server refused this console" in result.stderr
    assert "this token does not open the floor" in result.stderr
    assert "Traceback" not in result.stderr
