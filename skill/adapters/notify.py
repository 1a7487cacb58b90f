"""Telling a host that a visitor has arrived: email (SES v2), SMS (SNS), webhooks (Slack, Teams).

One `ChannelSender` per channel turns a `Message` into a provider call and every failure into a
`NotifyError` that says whether trying again can help. `deliver` walks an escalation plan with
retries and backoff, asking the caller what was already sent so a redelivered event never notifies
anyone twice, and reporting every attempt so the caller can store it.

Logs carry the channel, role, status and the notification key only: never an address, a name or a
message text.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from skill.adapters.egress import build_opener, policy_from_env
from skill.domain.egress import EgressPolicy, EgressRefused
from skill.domain.model import NotifyTarget
from skill.domain.reception import MAX_ATTEMPTS_PER_TARGET, Message, Stage, retry_delays

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sns import SNSClient

logger = logging.getLogger(__name__)

CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)

# Error codes that mean "too busy right now" rather than "this request is wrong".
_RETRYABLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "Throttled",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "KMSThrottling",
        "KMSThrottlingException",
        "RequestTimeout",
        "RequestTimeoutException",
        "ServiceUnavailable",
        "InternalFailure",
        "InternalError",
        "InternalErrorException",
    }
)
_TEAMS_HOSTS = ("webhook.office.com", "logic.azure.com", "api.powerplatform.com")
_MAX_RESPONSE_BYTES = 64 * 1024


class NotifyError(Exception):
    """A message that did not get through; `reason` is a short code with no personal data in it."""

    def __init__(self, reason: str, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class ChannelSender(Protocol):
    def send(self, address: str, message: Message, *, idempotency_key: str) -> str:
        """Sends `message` to `address`; returns the provider's message id or raises NotifyError."""
        ...


def _boto_error(error: Exception) -> NotifyError:
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code") or "ClientError")
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        return NotifyError(code, code in _RETRYABLE_CODES or status == 429 or status >= 500)
    if isinstance(error, BotoConnectionError | HTTPClientError):
        return NotifyError(type(error).__name__, True)
    return NotifyError(type(error).__name__, False)


class SesEmailSender:
    """Email through SES v2 `SendEmail`, plain text."""

    def __init__(self, from_address: str, boto3_client: SESV2Client | None = None) -> None:
        self.from_address = from_address
        self._client = boto3_client

    @property
    def client(self) -> SESV2Client:
        if self._client is None:
            self._client = boto3.client("sesv2", config=CLIENT_CONFIG)
        return self._client

    def send(self, address: str, message: Message, *, idempotency_key: str) -> str:
        try:
            response = self.client.send_email(
                FromEmailAddress=self.from_address,
                Destination={"ToAddresses": [address]},
                Content={
                    "Simple": {
                        "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                        "Body": {"Text": {"Data": message.text, "Charset": "UTF-8"}},
                        "Headers": [{"Name": "X-Notification-Key", "Value": idempotency_key}],
                    }
                },
            )
        except (ClientError, BotoCoreError) as error:
            raise _boto_error(error) from None
        return response["MessageId"]


class SnsSmsSender:
    """Transactional SMS through SNS `Publish` to a phone number."""

    def __init__(self, boto3_client: SNSClient | None = None) -> None:
        self._client = boto3_client

    @property
    def client(self) -> SNSClient:
        if self._client is None:
            self._client = boto3.client("sns", config=CLIENT_CONFIG)
        return self._client

    def send(self, address: str, message: Message, *, idempotency_key: str) -> str:
        import phonenumbers

        try:
            number = phonenumbers.parse(address, None)
        except phonenumbers.NumberParseException:
            raise NotifyError("invalid_phone_number", False) from None
        if not phonenumbers.is_valid_number(number):
            raise NotifyError("invalid_phone_number", False)
        try:
            response = self.client.publish(
                PhoneNumber=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
                Message=message.text,
                MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
            )
        except (ClientError, BotoCoreError) as error:
            raise _boto_error(error) from None
        return response["MessageId"]


class WebhookSender:
    """HTTP POST of a JSON chat message: a Teams Adaptive Card for Teams URLs, else Slack's `{"text"}`.
    Only to addresses the egress policy allows, on every redirect hop (skill.adapters.egress)."""

    def __init__(
        self,
        timeout: float = 5.0,
        opener: urllib.request.OpenerDirector | None = None,
        egress: EgressPolicy | None = None,
    ) -> None:
        self.timeout = timeout
        self._opener = opener or build_opener(egress if egress is not None else policy_from_env())

    @staticmethod
    def payload(url: str, message: Message) -> dict[str, Any]:
        host = (urlsplit(url).hostname or "").lower()
        if any(host == h or host.endswith("." + h) for h in _TEAMS_HOSTS):
            card = {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": [
                    {"type": "TextBlock", "text": message.subject, "weight": "Bolder", "wrap": True},
                    {"type": "TextBlock", "text": message.text, "wrap": True},
                ],
            }
            return {
                "type": "message",
                "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
            }
        return {"text": message.text}

    def send(self, address: str, message: Message, *, idempotency_key: str) -> str:
        if urlsplit(address).scheme not in ("https", "http"):
            raise NotifyError("unsupported_url", False)
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            address,
            data=json.dumps(self.payload(address, message)).encode(),
            headers={"Content-Type": "application/json", "Idempotency-Key": idempotency_key},
            method="POST",
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                response.read(_MAX_RESPONSE_BYTES)
                return str(response.headers.get("X-Request-Id") or uuid.uuid4().hex)
        except urllib.error.HTTPError as error:
            error.close()
            retryable = error.code in (408, 429) or error.code >= 500
            raise NotifyError(f"http_{error.code}", retryable) from None
        except EgressRefused:
            raise NotifyError("refused_address", False) from None
        except TimeoutError:
            raise NotifyError("timeout", True) from None
        except urllib.error.URLError as error:
            reason = "timeout" if isinstance(error.reason, TimeoutError) else "connection_error"
            raise NotifyError(reason, True) from None
        except OSError:
            raise NotifyError("connection_error", True) from None


AttemptStatus = Literal["sent", "failed", "retrying"]


@dataclass(frozen=True)
class Attempt:
    key: str  # the per-target key: f"{key}#{recipient}#{channel}#{address hash}"
    recipient_id: str
    role: str
    channel: str
    status: AttemptStatus
    attempts: int
    reason: str | None = None
    provider_id: str | None = None


@dataclass(frozen=True)
class DeliveryOutcome:
    delivered: bool
    recipient_id: str | None  # who got it, when someone did
    role: str | None
    attempts: tuple[Attempt, ...]


def target_key(key: str, recipient_id: str, channel: str, address: str) -> str:
    digest = hashlib.sha256(address.encode()).hexdigest()[:16]
    return f"{key}#{recipient_id}#{channel}#{digest}"


def deliver(
    stages: Sequence[Stage],
    message_for: Callable[[Stage], Message],
    senders: Mapping[str, ChannelSender],
    *,
    key: str,
    sleep: Callable[[float], None] = time.sleep,
    already_sent: Callable[[str], bool],
    record: Callable[[Attempt], None],
) -> DeliveryOutcome:
    """Tries each stage in order until one person gets the message; returns who did and every attempt.

    Within a stage every target is tried, each up to MAX_ATTEMPTS_PER_TARGET times with backoff after
    a failure that may pass. When a previous run already reached someone, the plan resumes at that
    stage, so nobody is notified twice and nobody earlier is bothered again.
    """
    keys = [[target_key(key, s.recipient_id, t.channel, t.address) for t in s.targets] for s in stages]
    sent_before = [[already_sent(k) for k in stage_keys] for stage_keys in keys]
    first = next((i for i, flags in enumerate(sent_before) if any(flags)), 0)
    attempts: list[Attempt] = []

    def note(attempt: Attempt) -> None:
        attempts.append(attempt)
        record(attempt)
        logger.info(
            "notification attempt",
            extra={"key": key, "channel": attempt.channel, "role": attempt.role, "status": attempt.status},
        )

    for index in range(first, len(stages)):
        stage = stages[index]
        message = message_for(stage)
        reached = any(sent_before[index])
        for target, target_id, done in zip(stage.targets, keys[index], sent_before[index], strict=True):
            if done:
                continue
            reached |= _send_with_retries(stage, target, target_id, message, senders.get(target.channel), sleep, note)
        if reached:
            return DeliveryOutcome(True, stage.recipient_id, stage.role, tuple(attempts))
    logger.warning("notification not delivered", extra={"key": key, "stages": len(stages)})
    return DeliveryOutcome(False, None, None, tuple(attempts))


def _send_with_retries(
    stage: Stage,
    target: NotifyTarget,
    target_id: str,
    message: Message,
    sender: ChannelSender | None,
    sleep: Callable[[float], None],
    note: Callable[[Attempt], None],
) -> bool:
    def attempt(
        status: AttemptStatus, number: int, reason: str | None = None, provider_id: str | None = None
    ) -> Attempt:
        return Attempt(target_id, stage.recipient_id, stage.role, target.channel, status, number, reason, provider_id)

    if sender is None:
        note(attempt("failed", 1, "unsupported_channel"))
        return False
    for number in range(1, MAX_ATTEMPTS_PER_TARGET + 1):
        try:
            provider_id = sender.send(target.address, message, idempotency_key=target_id)
        except NotifyError as error:
            if error.retryable and number < MAX_ATTEMPTS_PER_TARGET:
                note(attempt("retrying", number, error.reason))
                sleep(retry_delays(number))
                continue
            note(attempt("failed", number, error.reason))
            return False
        note(attempt("sent", number, provider_id=provider_id))
        return True
    return False
