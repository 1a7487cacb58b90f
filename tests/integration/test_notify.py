"""Host notifications against real servers: SES v2 and SNS on moto, webhooks on a receiver on 127.0.0.1.
Each sender sends once; what is tried again is the delivery policy's decision."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from fakes import AttemptLedger
from support import WebhookReceiver

from skill.adapters.notify import SesEmailSender, SnsSmsSender, WebhookSender
from skill.domain.model import NotifyTarget
from skill.domain.reception import (
    DeliveryOutcome,
    Message,
    NotifyError,
    OutcomeUnknown,
    Stage,
)
from skill.ports import ChannelSender

SENDER = "reception@example.com"
MESSAGE = Message(subject="Visitor at reception: Ken Sato (Acme)", text="Ken Sato (Acme) is at reception.")


def moto_data(aws_endpoint: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{aws_endpoint}/moto-api/data.json") as response:
        data: dict[str, Any] = json.load(response)
        return data


# --- delivery helpers ---


def run(
    ledger: AttemptLedger, stages: list[Stage], senders: dict[str, ChannelSender], key: str = "visit-1"
) -> DeliveryOutcome:
    """The delivery policy on real senders; each stage's message names its role."""
    return ledger.deliver(
        stages, senders, lambda stage: Message(MESSAGE.subject, f"{MESSAGE.text} ({stage.role})"), key
    )


def hook_stage(recipient: str, role: str, *urls: str) -> Stage:
    return Stage(recipient, tuple(NotifyTarget("webhook", u) for u in urls), role)  # type: ignore[arg-type]


# --- SES v2 ---


@pytest.fixture
def ses(aws_endpoint: str) -> Any:
    client = boto3.client("sesv2", endpoint_url=aws_endpoint, region_name="us-east-1")
    client.create_email_identity(EmailIdentity=SENDER)
    return client


def test_email_is_sent_through_ses(ses: Any, aws_endpoint: str) -> None:
    # Given a verified sender
    sender = SesEmailSender(SENDER, boto3_client=ses)

    # When the host is emailed
    message_id = sender.send("alice@example.com", MESSAGE, idempotency_key="visit-1#alice#email#x")

    # Then SES recorded one plain-text email to the host with the subject and text
    sent = [m for m in moto_data(aws_endpoint)["ses"]["Message"] if m["id"] == message_id]
    assert len(sent) == 1
    assert sent[0]["source"] == SENDER
    assert sent[0]["destinations"] == {"ToAddresses": ["alice@example.com"]}
    assert (sent[0]["subject"], sent[0]["body"]) == (MESSAGE.subject, MESSAGE.text)


def test_email_from_an_unverified_sender_is_not_retried(ses: Any) -> None:
    # Given a sender identity SES does not know
    sender = SesEmailSender("nobody@unverified.example.org", boto3_client=ses)

    # When the host is emailed
    with pytest.raises(NotifyError) as raised:
        sender.send("alice@example.com", MESSAGE, idempotency_key="k")

    # Then the rejection is final and its reason carries no address
    assert raised.value.reason == "MessageRejected"
    assert raised.value.retryable is False


def test_throttled_email_is_retried_with_backoff() -> None:
    # Given SES answering "too many requests" once, then accepting the email
    client = boto3.client("sesv2", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_client_error("send_email", service_error_code="TooManyRequestsException", http_status_code=429)
    stubber.add_response("send_email", {"MessageId": "m-2"})
    ledger = AttemptLedger()
    stage = Stage("alice", (NotifyTarget("email", "alice@example.com"),), "host")

    # When the notification is delivered
    with stubber:
        outcome = run(ledger, [stage], {"email": SesEmailSender(SENDER, boto3_client=client)})

    # Then the second attempt got through after one wait
    assert outcome.delivered and outcome.recipient_id == "alice"
    assert [(a.status, a.attempts, a.reason) for a in ledger.outcomes] == [
        ("retrying", 1, "TooManyRequestsException"),
        ("sent", 2, None),
    ]
    assert ledger.outcomes[-1].provider_id == "m-2"
    assert len(ledger.sleeps) == 1 and 1.0 <= ledger.sleeps[0] <= 2.0


# --- SNS SMS ---


def test_sms_is_published_to_the_e164_number(aws_endpoint: str) -> None:
    # Given an SNS client
    sender = SnsSmsSender(boto3.client("sns", endpoint_url=aws_endpoint, region_name="us-east-1"))

    # When the host is texted at a number written with spaces and dashes
    message_id = sender.send("+81 90-1234-5678", MESSAGE, idempotency_key="k")

    # Then SNS recorded the text for the E.164 number
    sms = [s for s in moto_data(aws_endpoint)["sns"]["SMS"] if s["message_id"] == message_id]
    assert sms == [{"message_id": message_id, "phone_number": "+819012345678", "message": MESSAGE.text}]


def test_sms_is_transactional() -> None:
    # Given an SNS client that checks what it is asked to publish
    client = boto3.client("sns", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_response(
        "publish",
        {"MessageId": "sms-1"},
        {
            "PhoneNumber": "+12065550100",
            "Message": MESSAGE.text,
            "MessageAttributes": {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
        },
    )

    # When the host is texted
    with stubber:
        message_id = SnsSmsSender(client).send("+1 206 555 0100", MESSAGE, idempotency_key="k")

    # Then the request was a transactional SMS to the E.164 number
    stubber.assert_no_pending_responses()
    assert message_id == "sms-1"


def test_sms_to_an_invalid_number_is_not_retried(aws_endpoint: str) -> None:
    # Given a number that is not a phone number
    sender = SnsSmsSender(boto3.client("sns", endpoint_url=aws_endpoint, region_name="us-east-1"))

    # When the host is texted
    with pytest.raises(NotifyError) as raised:
        sender.send("12345", MESSAGE, idempotency_key="k")

    # Then it fails for good
    assert (raised.value.reason, raised.value.retryable) == ("invalid_phone_number", False)


# --- webhooks ---


def test_slack_webhook_gets_a_text_payload(webhook: WebhookReceiver) -> None:
    # Given a Slack-style webhook
    url = webhook.url("/services/T0/B0")

    # When the host is notified through it
    WebhookSender().send(url, MESSAGE, idempotency_key="visit-1#alice#webhook#x")

    # Then it received {"text": ...} as JSON, with the idempotency key as a header
    assert webhook.bodies("/services/T0/B0") == [{"text": MESSAGE.text}]
    assert webhook.received[0].headers["Content-Type"] == "application/json"
    assert webhook.received[0].headers["Idempotency-Key"] == "visit-1#alice#webhook#x"


def test_teams_webhook_gets_an_adaptive_card(webhook: WebhookReceiver) -> None:
    # Given a Teams workflow URL, reached through a proxy that is the local receiver
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": webhook.base}))
    url = "http://prod-01.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke"

    # When the host is notified through it
    WebhookSender(opener=opener).send(url, MESSAGE, idempotency_key="k")

    # Then the receiver got a message with one Adaptive Card holding the subject and the text
    (body,) = webhook.bodies("/workflows/abc/triggers/manual/paths/invoke")
    assert body["type"] == "message"
    (attachment,) = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert [(b["type"], b["text"]) for b in card["body"]] == [
        ("TextBlock", MESSAGE.subject),
        ("TextBlock", MESSAGE.text),
    ]


def test_server_errors_are_retried_until_the_message_gets_through(webhook: WebhookReceiver) -> None:
    # Given a webhook that fails twice with 500, then accepts
    webhook.replies["/flaky"] = [500, 503]
    ledger = AttemptLedger()

    # When the host is notified
    outcome = run(ledger, [hook_stage("alice", "host", webhook.url("/flaky"))], {"webhook": WebhookSender()})

    # Then the third attempt delivered it, after two growing waits
    assert outcome.delivered and outcome.role == "host"
    assert [(a.status, a.reason) for a in ledger.outcomes] == [
        ("retrying", "http_500"),
        ("retrying", "http_503"),
        ("sent", None),
    ]
    assert len(ledger.sleeps) == 2 and ledger.sleeps[0] <= 2.0 <= ledger.sleeps[1] <= 4.0
    assert len(webhook.bodies("/flaky")) == 1


def test_a_webhook_that_never_answers_is_posted_once_and_the_delegate_is_told(
    webhook: WebhookReceiver, log_lines: Any
) -> None:
    # Given a host webhook that takes the request and never answers, and a delegate webhook that works
    webhook.replies["/alice"] = ["hang"]
    stages = [
        hook_stage("alice", "host", webhook.url("/alice")),
        hook_stage("bob", "delegate", webhook.url("/bob")),
        hook_stage("desk", "reception", webhook.url("/desk")),
    ]
    ledger = AttemptLedger()

    # When the notification is delivered with a short timeout
    outcome = run(ledger, stages, {"webhook": WebhookSender(timeout=0.2)})

    # Then the host's webhook got one request (it may have been delivered: it is not posted again), the
    # delegate got the delegate's message, reception nothing
    assert (outcome.delivered, outcome.recipient_id, outcome.role) == (True, "bob", "delegate")
    assert webhook.requests("/alice") == 1
    assert [(a.status, a.reason) for a in ledger.outcomes if a.recipient_id == "alice"] == [("unknown", "timeout")]
    assert ledger.statuses("bob") == ["sent"]
    assert webhook.bodies("/bob") == [{"text": f"{MESSAGE.text} (delegate)"}]
    assert webhook.bodies("/desk") == []
    # And the logs name no address and no message text
    logged = json.dumps(log_lines())
    assert "notification attempt" in logged and webhook.base not in logged and MESSAGE.text not in logged


def test_a_webhook_timeout_is_an_unknown_outcome_and_a_refused_connection_is_not(webhook: WebhookReceiver) -> None:
    # Given a webhook that never answers
    webhook.replies["/slow"] = ["hang"]

    # When a message is posted to it / Then its outcome is unknown, never to be posted again
    with pytest.raises(OutcomeUnknown) as unknown:
        WebhookSender(timeout=0.2).send(webhook.url("/slow"), MESSAGE, idempotency_key="k")
    assert (unknown.value.reason, unknown.value.retryable) == ("timeout", False)


def test_client_errors_are_not_retried(webhook: WebhookReceiver) -> None:
    # Given a host webhook that rejects the request and no one else to tell
    webhook.replies["/gone"] = [400]
    ledger = AttemptLedger()

    # When the notification is delivered
    outcome = run(ledger, [hook_stage("alice", "host", webhook.url("/gone"))], {"webhook": WebhookSender()})

    # Then one attempt was made and nobody was reached
    assert not outcome.delivered and outcome.recipient_id is None
    assert [(a.status, a.attempts, a.reason) for a in ledger.outcomes] == [("failed", 1, "http_400")]
    assert ledger.sleeps == []


def test_one_working_target_is_enough_for_a_stage(webhook: WebhookReceiver) -> None:
    # Given a host with a dead webhook, a channel nobody can send on and a working webhook
    stage = Stage(
        "alice",
        (
            NotifyTarget("webhook", webhook.url("/dead")),
            NotifyTarget("pager", "1234"),
            NotifyTarget("webhook", webhook.url("/alive")),
        ),
        "host",
    )
    webhook.replies["/dead"] = [404]
    ledger = AttemptLedger()

    # When the notification is delivered
    outcome = run(ledger, [stage, hook_stage("bob", "delegate", webhook.url("/bob"))], {"webhook": WebhookSender()})

    # Then the host got it and the delegate was not bothered
    assert outcome.recipient_id == "alice"
    assert [(a.channel, a.status, a.reason) for a in ledger.outcomes] == [
        ("webhook", "failed", "http_404"),
        ("pager", "failed", "unsupported_channel"),
        ("webhook", "sent", None),
    ]
    assert webhook.bodies("/bob") == []


def test_connection_refused_is_retryable() -> None:
    # Given a port where nothing listens
    from skill.local.awsserver import free_port

    url = f"http://127.0.0.1:{free_port()}/hook"

    # When the host is notified there
    with pytest.raises(NotifyError) as raised:
        WebhookSender(timeout=1).send(url, MESSAGE, idempotency_key="k")

    # Then trying again later may help
    assert (raised.value.reason, raised.value.retryable) == ("connection_error", True)


def test_a_redelivered_visit_notifies_nobody_twice(webhook: WebhookReceiver) -> None:
    # Given a visit already delivered once, after the host could not be reached
    webhook.replies["/alice"] = [500, 500, 500]
    stages = [hook_stage("alice", "host", webhook.url("/alice")), hook_stage("bob", "delegate", webhook.url("/bob"))]
    ledger = AttemptLedger()
    first = run(ledger, stages, {"webhook": WebhookSender()})
    tried = len(ledger.outcomes)

    # When the same visit is delivered again with the same key (a redelivered stream record)
    again = run(ledger, stages, {"webhook": WebhookSender()})

    # Then the delegate got one message, the host was not tried again, and no attempt was added
    assert first.recipient_id == again.recipient_id == "bob"
    assert webhook.bodies("/bob") == [{"text": f"{MESSAGE.text} (delegate)"}]
    assert webhook.bodies("/alice") == []
    assert len(ledger.outcomes) == tried and again.attempts == ()


def test_another_visit_is_notified_again(webhook: WebhookReceiver) -> None:
    # Given a host already told about one visit
    stages = [hook_stage("alice", "host", webhook.url("/alice"))]
    ledger = AttemptLedger()
    run(ledger, stages, {"webhook": WebhookSender()}, key="visit-1")

    # When a second visit for the same host is delivered
    run(ledger, stages, {"webhook": WebhookSender()}, key="visit-2")

    # Then the host got both
    assert len(webhook.bodies("/alice")) == 2
