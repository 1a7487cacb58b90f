"""Helpers shared by the test layers: a fixed clock, reading a response envelope, and a conversation that
carries session attributes from answer to answer as Alexa does."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from skill.config import LOCAL_SKILL_ID
from skill.local.envelopes import intent_request

TEN_IN_TOKYO = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


@dataclass
class FixedClock:
    at: datetime = TEN_IN_TOKYO

    def now(self) -> datetime:
        return self.at


def speech(response: dict[str, Any]) -> str:
    """What the listener hears: the output speech without SSML tags."""
    return re.sub(r"<[^>]+>", "", response["response"].get("outputSpeech", {}).get("ssml", ""))


def directive(response: dict[str, Any]) -> dict[str, Any]:
    """The response's first directive, or an empty dict."""
    directives = response["response"].get("directives") or []
    return dict(directives[0]) if directives else {}


@dataclass
class Conversation:
    """One device talking to the skill through `invoke` (the Lambda handler's path)."""

    invoke: Callable[[dict[str, Any]], dict[str, Any]]
    device: str
    user: str = "amzn1.ask.account.SOMEONE"
    person: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    def say(self, intent: str, confirmation: str = "NONE", **slots: str | None) -> dict[str, Any]:
        envelope = intent_request(
            intent,
            slots,
            confirmation=confirmation,
            application_id=LOCAL_SKILL_ID,
            device_id=self.device,
            user_id=self.user,
            person_id=self.person,
            session_attributes=self.attributes,
            new_session=not self.attributes,
        )
        response = self.invoke(envelope)
        self.attributes = dict(response.get("sessionAttributes") or {})
        return response


CHIME_NUMBER = "+12065550100"  # the number calls are placed from


def sma_leg(tag: str, call_id: str, to: str, status: str = "Connected") -> dict[str, Any]:
    """One call leg (participant) of a PSTN audio event."""
    return {
        "CallId": call_id,
        "ParticipantTag": tag,
        "To": to,
        "From": CHIME_NUMBER,
        "Direction": "Outbound",
        "StartTimeInMilliseconds": "1730790000000",
        "Status": status,
    }


def sma_event(
    kind: str,
    participants: list[dict[str, Any]],
    attributes: dict[str, str],
    action_data: dict[str, Any] | None = None,
    sequence: int = 1,
) -> dict[str, Any]:
    """A PSTN audio event as the SIP media application Lambda receives it, in the documented format."""
    body: dict[str, Any] = {
        "SchemaVersion": "1.0",
        "Sequence": sequence,
        "InvocationEventType": kind,
        "CallDetails": {
            "TransactionId": "tx-1",
            "TransactionAttributes": attributes,
            "AwsAccountId": "123456789012",
            "AwsRegion": "us-east-1",
            "SipMediaApplicationId": "sma-1",
            "Participants": participants,
        },
    }
    if action_data is not None:
        body["ActionData"] = action_data
    return body


@dataclass
class Canned:
    """An HTTP server on 127.0.0.1 answering each path with a canned status, headers and body, and keeping
    the method and path of every request it received."""

    routes: dict[str, tuple[int, dict[str, str], bytes]]
    received: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""
