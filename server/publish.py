"""Publish a plan file on a running server, as the secretariat does between sessions.

A short-lived protocol client: hello with the token, one ``publish_plan``
command, the answer. The command id is derived from the plan's bytes, so
publishing the same file twice (say, after a lost answer) publishes it once.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI

from vccsched.errors import VccschedError
from vccsched.floor.protocol import PROTOCOL_VERSION


class PublishError(VccschedError):
    """The plan could not be published: the server could not be reached or said no."""

    title = "Plan not published"
    exit_code = 1


@dataclass(frozen=True)
class Published:
    """The server's answer: the event it stored, or a repeat of an earlier publication."""

    revision: int | None
    changes: int
    repeated: bool


async def publish_plan(url: str, token: str, plan: dict, *, timeout: float = 15.0) -> Published:
    """Send ``plan`` (the plan.json object) to the floor at ``url`` and wait for its answer."""
    digest = hashlib.sha256(json.dumps(plan, sort_keys=True).encode()).hexdigest()[:16]
    command = {"type": "publish_plan", "id": f"publish-{digest}", "plan": plan}
    try:
        async with asyncio.timeout(timeout):
            async with connect(url, max_size=None) as ws:
                await ws.send(json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "last_seq": None, "token": token}))
                welcome = json.loads(await ws.recv())
                if welcome.get("type") != "welcome":
                    raise PublishError(f"{url}: {welcome.get('message', welcome)}")
                await ws.send(json.dumps({"type": "command", "command": command}))
                revision, changes = None, 0
                while True:
                    message = json.loads(await ws.recv())
                    kind = message.get("type")
                    if kind == "event" and message["event"].get("command_id") == command["id"]:
                        revision = message["event"].get("revision")
                        changes = len(message["event"].get("changes", []))
                    elif kind == "refusal" and message.get("command_id") == command["id"]:
                        raise PublishError(f"the server refused the plan ({message['code']}): {message['message']}")
                    elif kind == "accepted" and message.get("command_id") == command["id"]:
                        return Published(revision=revision, changes=changes, repeated=message["repeated"])
    except TimeoutError:
        raise PublishError(f"{url}: no answer within {timeout:g} s; publish again (the same file is published once)") from None
    except (OSError, InvalidURI, InvalidStatus) as exc:
        raise PublishError(
            f"{url}: cannot reach the floor server ({exc}); is 'vccsched server run' running at this "
            "address? Give the address it printed, e.g. --server http://127.0.0.1:8765"
        ) from None
    except ConnectionClosed as exc:
        reason = exc.rcvd.reason if exc.rcvd else "connection lost"
        raise PublishError(f"{url}: the server closed the connection ({reason})") from None
