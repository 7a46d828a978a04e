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


@dataclass(frozen=True)
class Sent:
    """The server's answer to one command: its ``accepted`` and the events of it the sender saw."""

    accepted: dict
    events: list[dict]

    @property
    def repeated(self) -> bool:
        return bool(self.accepted.get("repeated"))


async def send_command(
    url: str, token: str, command: dict, *, timeout: float = 15.0, error: type[VccschedError] = PublishError,
    what: str = "the plan",
) -> Sent:
    """Say hello with ``token``, send one ``command``, wait for its answer; ``error`` if refused."""
    try:
        async with asyncio.timeout(timeout):
            async with connect(url, max_size=None) as ws:
                await ws.send(json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, "last_seq": None, "token": token}))
                welcome = json.loads(await ws.recv())
                if welcome.get("type") != "welcome":
                    raise error(f"{url}: {welcome.get('message', welcome)}")
                await ws.send(json.dumps({"type": "command", "command": command}, separators=(",", ":"), ensure_ascii=False))
                events: list[dict] = []
                while True:
                    message = json.loads(await ws.recv())
                    kind = message.get("type")
                    if kind == "event" and message["event"].get("command_id") == command["id"]:
                        events.append(message["event"])
                    elif kind == "refusal" and message.get("command_id") == command["id"]:
                        raise error(f"the server refused {what} ({message['code']}): {message['message']}")
                    elif kind == "accepted" and message.get("command_id") == command["id"]:
                        return Sent(accepted=message, events=events)
    except TimeoutError:
        raise error(f"{url}: no answer within {timeout:g} s; send it again (it is carried out once)") from None
    except (OSError, InvalidURI, InvalidStatus) as exc:
        raise error(
            f"{url}: cannot reach the floor server ({exc}); is 'vccsched server run' running at this "
            "address? Give the address it printed, e.g. --server http://127.0.0.1:8765"
        ) from None
    except ConnectionClosed as exc:
        reason = exc.rcvd.reason if exc.rcvd else "connection lost"
        raise error(f"{url}: the server closed the connection ({reason})") from None


async def publish_plan(url: str, token: str, plan: dict, *, timeout: float = 15.0) -> Published:
    """Send ``plan`` (the plan.json object) to the floor at ``url`` and wait for its answer."""
    digest = hashlib.sha256(json.dumps(plan, sort_keys=True).encode()).hexdigest()[:16]
    command = {"type": "publish_plan", "id": f"publish-{digest}", "plan": plan}
    sent = await send_command(url, token, command, timeout=timeout)
    event = sent.events[0] if sent.events else {}
    return Published(revision=event.get("revision"), changes=len(event.get("changes", [])), repeated=sent.repeated)
