"""The notifier (hosts, and a site's facilities contacts) against real servers: stream records through
`skill.app.notifier`, the local outbox round, SES v2 and SNS on moto's server, webhooks on a receiver on
127.0.0.1."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from support import WebhookReceiver, lambda_context, serving

from skill import app
from skill.adapters.dynamodb.visits import visit_key
from skill.adapters.notify import SesEmailSender, SnsSmsSender, WebhookSender
from skill.bootstrap import Container, Services
from skill.domain.facilities import Problem
from skill.domain.model import Caller, CallerKind
from skill.domain.reception import Visit
from skill.services.notifications import DeliveryPendingError, NotificationService

SENDER = "reception@example.com"
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def accepted(webhook: WebhookReceiver) -> list[tuple[str, Any]]:
    return [(r.path, r.body) for r in webhook.received if 200 <= r.status < 300]


def refused(webhook: WebhookReceiver) -> list[str]:
    return [r.path for r in webhook.received if r.status >= 300]


def notifier(office: Container, sleep: Callable[[float], None] = lambda _: None) -> NotificationService:
    """The notification use case on the office's senders, its backoff waits handed to `sleep`."""
    return NotificationService(office.fleet, office.visits, office.senders, office.clock, sleep=sleep)


def moto_data(aws_endpoint: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{aws_endpoint}/moto-api/data.json") as response:
        data: dict[str, Any] = json.load(response)
        return data


@pytest.fixture
def office(container, aws_endpoint):  # type: ignore[no-untyped-def]
    """The test office with real senders: SES and SNS on moto, webhooks over HTTP."""
    ses = boto3.client("sesv2", endpoint_url=aws_endpoint, region_name="us-east-1")
    ses.create_email_identity(EmailIdentity=SENDER)
    sns = boto3.client("sns", endpoint_url=aws_endpoint, region_name="us-east-1")
    container.__dict__["senders"] = {
        "email": SesEmailSender(SENDER, boto3_client=ses),
        "sms": SnsSmsSender(boto3_client=sns),
        "webhook": WebhookSender(timeout=2),
    }
    with serving(Services(container)):
        yield container


def notify_alice_by(container, *targets: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    doc = container.fleet.docs("user")["alice"]
    container.fleet.put_doc("user", {**doc, "notify": list(targets)})


def check_in(container, name: str = "Ken Sato") -> Visit:  # type: ignore[no-untyped-def]
    site, room, _, _ = container.fleet.profile(None, "lobby", None, [])
    caller = Caller(CallerKind.SHARED, "amzn1.ask.device.TESTLOBBY", room=room, site=site, features=frozenset())
    outcome = Services(container).reception.check_in(caller, name, "Alice Tanaka", "Acme", NOW, "req-1")
    assert outcome.visit is not None
    return outcome.visit


def stream_record(container, visit, sequence: str = "100") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    pk, sk = visit_key(visit, "Asia/Tokyo")
    table = container.table
    image = table.client.get_item(TableName=table.name, Key={"PK": {"S": pk}, "SK": {"S": sk}})["Item"]
    return {
        "eventID": f"event-{sequence}",
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026",
        "dynamodb": {
            "Keys": {"PK": image["PK"], "SK": image["SK"]},
            "NewImage": image,
            "SequenceNumber": sequence,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }


def test_a_duplicated_stream_record_notifies_the_host_once(office, webhook):
    # Given Alice is told through a chat webhook, and a visitor checked in
    notify_alice_by(office, {"webhook": f"{webhook.base}/alice"})
    visit = check_in(office)
    record = stream_record(office, visit)
    # When the stream delivers the same record twice, in one batch and again in another
    first = app.notifier({"Records": [record, dict(record, eventID="dup")]}, lambda_context())
    second = app.notifier({"Records": [record]}, lambda_context())
    # Then Alice got exactly one message, about Ken from Acme, and nothing failed
    assert first == {"batchItemFailures": []} and second == {"batchItemFailures": []}
    assert accepted(webhook) == [("/alice", {"text": "Ken Sato (Acme) is at reception to see you."})]
    assert office.visits.notify_state(visit, "Asia/Tokyo")[0] == "delivered"
    [note] = office.visits.notifications()
    assert (note.visit_id, note.recipient_id, note.channel, note.status, note.attempts) == (
        visit.id,
        "alice",
        "webhook",
        "sent",
        1,
    )


def test_other_stream_records_are_ignored(office, webhook):
    notify_alice_by(office, {"webhook": f"{webhook.base}/alice"})
    record = stream_record(office, check_in(office))
    modify = dict(record, eventName="MODIFY")
    fleet_item = {
        **record,
        "dynamodb": {**record["dynamodb"], "NewImage": {"PK": {"S": "USER#alice"}, "SK": {"S": "META"}}},
    }
    assert app.notifier({"Records": [modify, fleet_item]}, lambda_context()) == {"batchItemFailures": []}
    assert accepted(webhook) == []


def test_host_email_goes_through_ses(office, aws_endpoint):
    # Given Alice's own channel is email (the test office's default)
    visit = check_in(office, "Mia Wong")
    # When the notifier handles the new visit
    app.notifier({"Records": [stream_record(office, visit)]}, lambda_context())
    # Then SES holds one email to Alice about Mia
    sent = [m for m in moto_data(aws_endpoint)["ses"]["Message"] if "Mia Wong" in m["subject"]]
    assert [(m["source"], m["destinations"]["ToAddresses"]) for m in sent] == [(SENDER, ["alice@example.com"])]


def test_host_sms_goes_through_sns(office, aws_endpoint):
    notify_alice_by(office, {"sms": "+81 90-1234-5678"})
    visit = check_in(office, "Ivo Berg")
    app.notifier({"Records": [stream_record(office, visit)]}, lambda_context())
    texts = [s for s in moto_data(aws_endpoint)["sns"]["SMS"] if "Ivo Berg" in s["message"]]
    assert [s["phone_number"] for s in texts] == ["+819012345678"]


def test_a_failing_host_channel_is_retried_then_the_delegate_is_told(office, webhook, aws_endpoint):
    # Given Alice's webhook answers 500 every time; her delegate Bob is emailed
    notify_alice_by(office, {"webhook": f"{webhook.base}/alice"})
    webhook.replies["/alice"] = [500, 500, 500]
    visit = check_in(office, "Noor Haddad")
    waits: list[float] = []
    # When the notifier runs
    result = notifier(office, waits.append).notify(visit)
    # Then Alice's hook was tried three times with backoff in between, and Bob got the email
    assert refused(webhook) == ["/alice"] * 3 and len(waits) == 2
    assert (result.status, result.recipient_id, result.role) == ("delivered", "bob", "delegate")
    sent = [m for m in moto_data(aws_endpoint)["ses"]["Message"] if "Noor Haddad" in m["subject"]]
    assert [m["destinations"]["ToAddresses"] for m in sent] == [["bob@example.com"]]
    assert "could not be reached" in sent[0]["body"]
    statuses = {(n.recipient_id, n.status, n.attempts) for n in office.visits.notifications()}
    assert statuses == {("alice", "failed", 3), ("bob", "sent", 1)}


def test_when_nobody_can_be_reached_yet_the_record_is_retried_by_the_stream(office, webhook):
    # Given every channel of the host, the delegate and reception keeps failing with 503
    for user, path in (("alice", "/alice"), ("bob", "/bob"), ("carol", "/carol")):
        doc = office.fleet.docs("user")[user]
        office.fleet.put_doc("user", {**doc, "notify": [{"webhook": f"{webhook.base}{path}"}]})
        webhook.replies[path] = [503] * 9
    visit = check_in(office)
    record = stream_record(office, visit)
    # When the stream handler runs the record
    with pytest.raises(DeliveryPendingError):
        notifier(office).notify_record(record)
    # Then the visit stays pending for another try, and a later run that gets through tells Alice
    assert office.visits.notify_state(visit, "Asia/Tokyo") == ("pending", 1)
    webhook.replies.clear()
    assert notifier(office).notify_record(record).recipient_id == "alice"
    assert [path for path, _ in accepted(webhook)] == ["/alice"]


def test_the_outbox_round_notifies_pending_visits_once(office, webhook):
    # Given a visit nobody has been told about yet (the local runtime has no stream)
    notify_alice_by(office, {"webhook": f"{webhook.base}/alice"})
    check_in(office)
    # When the outbox round runs twice
    first = notifier(office).deliver_pending()
    second = notifier(office).deliver_pending()
    # Then the host heard once, and the second round found nothing pending
    assert [r.status for r in first] == ["delivered"] and second == []
    assert len(accepted(webhook)) == 1


def test_a_webhook_url_kept_in_ssm_is_resolved_when_sending(office, webhook, aws_endpoint):
    from skill.adapters.parameters import ParameterAddressSender, SsmParameters

    ssm = boto3.client("ssm", endpoint_url=aws_endpoint, region_name="us-east-1")
    ssm.put_parameter(Name="/office/hooks/alice", Value=f"{webhook.base}/secret", Type="SecureString", Overwrite=True)
    office.senders["webhook"] = ParameterAddressSender(WebhookSender(timeout=2), SsmParameters(ssm))
    doc = office.fleet.docs("user")["alice"]
    office.fleet.put_doc("user", {**doc, "notify": [{"webhook": "ssm:/office/hooks/alice"}]})
    notifier(office).notify(check_in(office))
    assert [path for path, _ in accepted(webhook)] == ["/secret"]


def test_the_notifiers_lines_carry_the_id_of_the_request_that_checked_the_visitor_in(office, webhook, log_lines):
    # Given a visit stored by the check-in request "req-1"
    notify_alice_by(office, {"webhook": f"{webhook.base}/alice"})
    record = stream_record(office, check_in(office))
    # When the notifier Lambda handles its stream record
    app.notifier({"Records": [record]}, lambda_context())
    # Then every line about the notification carries that request's id
    lines = [line for line in log_lines() if line["message"] in ("notification attempt", "host notified")]
    assert lines and {line.get("correlation_id") for line in lines} == {"req-1"}


# --- room problems: the site's facilities contacts ----------------------------------------------------------


def facilities_by(container, *targets: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    doc = container.fleet.docs("site")["main"]
    container.fleet.put_doc("site", {**doc, "facilities": list(targets)})


def report(container, text: str = "the projector is broken", request_id: str = "req-problem") -> Problem:  # type: ignore[no-untyped-def]
    site, room, _, _ = container.fleet.profile(None, "fuji", None, [])
    assert room is not None
    caller = Caller(CallerKind.SHARED, "amzn1.ask.device.TESTROOM", room=room, site=site, features=frozenset())
    return Services(container).facilities.report(caller, room, text, NOW, request_id)


def problem_record(container, problem: Problem) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    table = container.table
    key = {"PK": {"S": f"PROBLEM#{problem.id}"}, "SK": {"S": "META"}}
    image = table.client.get_item(TableName=table.name, Key=key)["Item"]
    return {
        "eventID": f"event-{problem.id}",
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026",
        "dynamodb": {"Keys": key, "NewImage": image, "SequenceNumber": "200", "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }


def test_a_reported_problem_is_emailed_and_posted_to_the_facilities_contacts_once(office, webhook, aws_endpoint):
    # Given the site's facilities contacts are an address (SES) and a chat webhook
    facilities_by(office, {"email": "fm@example.com"}, {"webhook": f"{webhook.base}/fm"})
    problem = report(office)
    record = problem_record(office, problem)
    # When the stream delivers the new problem's record twice
    first = app.notifier({"Records": [record, dict(record, eventID="dup")]}, lambda_context())
    second = app.notifier({"Records": [record]}, lambda_context())
    # Then each contact got one message naming the room, the site, the local time and the problem
    assert first == second == {"batchItemFailures": []}
    [(path, body)] = accepted(webhook)
    assert path == "/fm"
    assert "Fuji at Test HQ at 2026-12-01 10:00 (Asia/Tokyo): the projector is broken" in body["text"]
    sent = [m for m in moto_data(aws_endpoint)["ses"]["Message"] if f"Problem id: {problem.id}" in m["body"]]
    assert [(m["source"], m["destinations"]["ToAddresses"]) for m in sent] == [(SENDER, ["fm@example.com"])]
    # And the notification log lists both sends under the problem's id
    notes = {(n.visit_id, n.recipient_id, n.role, n.channel, n.status) for n in office.visits.notifications()}
    assert notes == {
        (problem.id, "facilities:main", "facilities", "email", "sent"),
        (problem.id, "facilities:main", "facilities", "webhook", "sent"),
    }


def test_the_outbox_round_tells_facilities_once(office, webhook):
    facilities_by(office, {"webhook": f"{webhook.base}/fm"})
    report(office)
    first = Services(office).notifications.deliver_pending()
    second = Services(office).notifications.deliver_pending()
    assert [r.status for r in first] == ["delivered"] and second == []
    assert len(accepted(webhook)) == 1


def test_a_site_without_facilities_contacts_keeps_the_problem(office, log_lines):
    facilities_by(office)
    problem = report(office)
    assert [r.status for r in Services(office).notifications.deliver_pending()] == ["failed"]
    assert office.problems.get(problem.id) == problem
    assert office.problems.notify_state(problem) == ("none", 0)
    assert "site has no facilities contacts" in {line["message"] for line in log_lines()}
