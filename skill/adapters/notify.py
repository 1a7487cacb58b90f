"""Telling a host that a visitor has arrived: email (SES v2), SMS (SNS), webhooks (Slack, Teams).

One `ChannelSender` per channel turns a `Message` into one provider request and every failure into a
`NotifyError` that says whether trying again can help (`Throttled` when the provider was too busy to take
it), or an `OutcomeUnknown` when the request went out and no answer came back (it may have been delivered).
Senders never send twice themselves: their AWS clients make one attempt (`skill.adapters.aws`, kind
`send_once`) and a webhook is posted once; retries, backoff and escalation are the delivery policy's
(`skill.services.delivery`), pacing to the provider's rate is `skill.adapters.pacing`'s.

Logs carry the channel and the reason only: never an address, a name or a message text.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
import uuid
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError, ConnectionClosedError, ReadTimeoutError

from skill.adapters import aws
from skill.adapters.egress import build_opener, policy_from_env
from skill.domain.egress import EgressPolicy, EgressRefused
from skill.domain.reception import Message, NotifyError, OutcomeUnknown, Throttled
from skill.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

# Error codes that mean "too many requests right now": nothing was sent, a later attempt may go through.
_THROTTLED_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "Throttled",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "KMSThrottling",
        "KMSThrottlingException",
        "MaxSendingRateExceeded",
    }
)
# Error codes that mean "not now" rather than "this request is wrong".
_RETRYABLE_CODES = _THROTTLED_CODES | frozenset(
    {
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


def boto_error(error: Exception) -> NotifyError:
    """A botocore failure as a NotifyError: a request sent without an answer is an unknown outcome."""
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code") or "ClientError")
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if code in _THROTTLED_CODES or status == 429:
            return Throttled(code)
        return NotifyError(code, code in _RETRYABLE_CODES or status >= 500)
    if isinstance(error, ReadTimeoutError | ConnectionClosedError):
        return OutcomeUnknown(type(error).__name__)
    return NotifyError(type(error).__name__, isinstance(error, BotoCoreError))


class _AwsSender:
    """A sender through one AWS API call: `send_once` client settings, failures as NotifyError."""

    service: ClassVar[str]

    def __init__(self, boto3_client: Any = None) -> None:
        self._client = boto3_client

    @cached_property
    def client(self) -> Any:
        return self._client or aws.client(self.service, "send_once")

    def _message_id(self, operation: str, **request: Any) -> str:
        try:
            response = getattr(self.client, operation)(**request)
        except (ClientError, BotoCoreError) as error:
            raise boto_error(error) from None
        return str(response["MessageId"])


class SesEmailSender(_AwsSender):
    """Email through SES v2 `SendEmail`, plain text."""

    service = "sesv2"

    def __init__(self, from_address: str, boto3_client: SESV2Client | None = None) -> None:
        super().__init__(boto3_client)
        self.from_address = from_address

    def send(self, address: str, message: Message, *, idempotency_key: str) -> str:
        content = {
            "Subject": {"Data": message.subject, "Charset": "UTF-8"},
            "Body": {"Text": {"Data": message.text, "Charset": "UTF-8"}},
            "Headers": [{"Name": "X-Notification-Key", "Value": idempotency_key}],
        }
        return self._message_id(
            "send_email",
            FromEmailAddress=self.from_address,
            Destination={"ToAddresses": [address]},
            Content={"Simple": content},
        )


class SnsSmsSender(_AwsSender):
    """Transactional SMS through SNS `Publish` to a phone number."""

    service = "sns"

    def send(self, address: str, message: Message, *, idempotency_key: str) -> str:
        import phonenumbers

        try:
            number = phonenumbers.parse(address, None)
        except phonenumbers.NumberParseException:
            raise NotifyError("invalid_phone_number", False) from None
        if not phonenumbers.is_valid_number(number):
            raise NotifyError("invalid_phone_number", False)
        return self._message_id(
            "publish",
            PhoneNumber=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            Message=message.text,
            MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
        )


class WebhookSender:
    """HTTP POST of a JSON chat message: a Teams Adaptive Card for Teams URLs, else Slack's `{"text"}`.
    Only to addresses the egress policy allows, on every redirect hop (skill.adapters.egress).

    A failure to connect or to send the request may be retried; once the request is sent, a timeout or a
    dropped connection while waiting for the answer is an unknown outcome, never posted again.
    """

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
            if error.code == 429:
                raise Throttled("http_429") from None
            raise NotifyError(f"http_{error.code}", error.code == 408 or error.code >= 500) from None
        except EgressRefused:
            raise NotifyError("refused_address", False) from None
        except urllib.error.URLError as error:  # urllib wraps what fails before the request is sent
            reason = "timeout" if isinstance(error.reason, TimeoutError) else "connection_error"
            raise NotifyError(reason, True) from None
        except (TimeoutError, http.client.HTTPException, OSError) as error:  # sent: the answer never came
            logger.warning("webhook answer lost", extra={"error": type(error).__name__})
            raise OutcomeUnknown("timeout" if isinstance(error, TimeoutError) else "no_answer") from None
