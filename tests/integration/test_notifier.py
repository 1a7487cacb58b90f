"""The host notifier against real servers: stream records through `skill.app.notifier`, the local outbox
round, SES v2 and SNS on moto's server, webhooks on a receiver on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest

from skill import app
from skill.adapters.dynamodb.visits import visit_key
from skill.adapters.notify import SesEmailSender, SnsSmsSender, WebhookSender
from skill.domain.directory import DirectoryEntry
from skill.domain.model import Caller, CallerKind
from skill.domain.reception import Visit
from skill.services import reception

SENDER = "reception@example.com"
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


@dataclass
class Hooks:
    """A webhook receiver: each path answers its scripted statuses in turn, then 200."""

    base: str = ""
    replies: dict[str, list[int]] = field(default_factory=dict)
    accepted: list[tuple[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    state = Hooks()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            queue = state.replies.get(self.path, [])
            status = queue.pop(0) if queue else 200
            (state.accepted.append((self.path, body)) if status < 300 else state.refused.append(self.path))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class LambdaContext:
    function_name: str = "notifier"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:notifier"
    aws_request_id: str = "test-invocation"


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
    saved = app._container
    app._container = container
    yield container
    app._container = saved


def notify_alice_by(container, *targets: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    doc = container.fleet.docs("user")["alice"]
    container.fleet.put_doc("user", {**doc, "notify": list(targets)}, doc)


def check_in(container, name: str = "Ken Sato") -> Visit:  # type: ignore[no-untyped-def]
    site, room, _, _ = container.fleet.profile("lobby", None, [])
    caller = Caller(CallerKind.SHARED, "amzn1.ask.device.TESTLOBBY", room=room, site=site, features=frozenset())
    directory = [DirectoryEntry("alice", "Alice Tanaka"), DirectoryEntry("bob", "Bob Chen")]
    outcome = reception.check_in(caller, name, "Alice", "Acme", directory, [], NOW, "req-1", container.visits)
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


def test_a_duplicated_stream_record_notifies_the_host_once(office, hooks):
    # Given Alice is told through a chat webhook, and a visitor checked in
    notify_alice_by(office, {"webhook": f"{hooks.base}/alice"})
    visit = check_in(office)
    record = stream_record(office, visit)
    # When the stream delivers the same record twice, in one batch and again in another
    first = app.notifier({"Records": [record, dict(record, eventID="dup")]}, LambdaContext())
    second = app.notifier({"Records": [record]}, LambdaContext())
    # Then Alice got exactly one message, about Ken from Acme, and nothing failed
    assert first == {"batchItemFailures": []} and second == {"batchItemFailures": []}
    assert hooks.accepted == [("/alice", {"text": "Ken Sato (Acme) is at reception to see you."})]
    assert office.visits.notify_state(visit, "Asia/Tokyo")[0] == "delivered"
    [note] = office.visits.notifications()
    assert (note.visit_id, note.recipient_id, note.channel, note.status, note.attempts) == (
        visit.id,
        "alice",
        "webhook",
        "sent",
        1,
    )


def test_other_stream_records_are_ignored(office, hooks):
    notify_alice_by(office, {"webhook": f"{hooks.base}/alice"})
    record = stream_record(office, check_in(office))
    modify = dict(record, eventName="MODIFY")
    fleet_item = {
        **record,
        "dynamodb": {**record["dynamodb"], "NewImage": {"PK": {"S": "USER#alice"}, "SK": {"S": "META"}}},
    }
    assert app.notifier({"Records": [modify, fleet_item]}, LambdaContext()) == {"batchItemFailures": []}
    assert hooks.accepted == []


def test_host_email_goes_through_ses(office, aws_endpoint):
    # Given Alice's own channel is email (the test office's default)
    visit = check_in(office, "Mia Wong")
    # When the notifier handles the new visit
    app.notifier({"Records": [stream_record(office, visit)]}, LambdaContext())
    # Then SES holds one email to Alice about Mia
    sent = [m for m in moto_data(aws_endpoint)["ses"]["Message"] if "Mia Wong" in m["subject"]]
    assert [(m["source"], m["destinations"]["ToAddresses"]) for m in sent] == [(SENDER, ["alice@example.com"])]


def test_host_sms_goes_through_sns(office, aws_endpoint):
    notify_alice_by(office, {"sms": "+81 90-1234-5678"})
    visit = check_in(office, "Ivo Berg")
    app.notifier({"Records": [stream_record(office, visit)]}, LambdaContext())
    texts = [s for s in moto_data(aws_endpoint)["sns"]["SMS"] if "Ivo Berg" in s["message"]]
    assert [s["phone_number"] for s in texts] == ["+819012345678"]


def test_a_failing_host_channel_is_retried_then_the_delegate_is_told(office, hooks, aws_endpoint):
    # Given Alice's webhook answers 500 every time; her delegate Bob is emailed
    notify_alice_by(office, {"webhook": f"{hooks.base}/alice"})
    hooks.replies["/alice"] = [500, 500, 500]
    visit = check_in(office, "Noor Haddad")
    waits: list[float] = []
    # When the notifier runs
    result = reception.notify_visit(visit, office.fleet, office.senders, office.visits, waits.append)
    # Then Alice's hook was tried three times with backoff in between, and Bob got the email
    assert hooks.refused == ["/alice"] * 3 and len(waits) == 2
    assert (result.status, result.recipient_id, result.role) == ("delivered", "bob", "delegate")
    sent = [m for m in moto_data(aws_endpoint)["ses"]["Message"] if "Noor Haddad" in m["subject"]]
    assert [m["destinations"]["ToAddresses"] for m in sent] == [["bob@example.com"]]
    assert "could not be reached" in sent[0]["body"]
    statuses = {(n.recipient_id, n.status, n.attempts) for n in office.visits.notifications()}
    assert statuses == {("alice", "failed", 3), ("bob", "sent", 1)}


def test_when_nobody_can_be_reached_yet_the_record_is_retried_by_the_stream(office, hooks):
    # Given every channel of the host, the delegate and reception keeps failing with 503
    for user, path in (("alice", "/alice"), ("bob", "/bob"), ("carol", "/carol")):
        doc = office.fleet.docs("user")[user]
        office.fleet.put_doc("user", {**doc, "notify": [{"webhook": f"{hooks.base}{path}"}]}, doc)
        hooks.replies[path] = [503] * 9
    visit = check_in(office)
    record = stream_record(office, visit)
    # When the stream handler runs the record
    with pytest.raises(reception.DeliveryPendingError):
        reception.notify_stream_record(record, office, sleep=lambda _: None)
    # Then the visit stays pending for another try, and a later run that gets through tells Alice
    assert office.visits.notify_state(visit, "Asia/Tokyo") == ("pending", 1)
    hooks.replies.clear()
    assert reception.notify_stream_record(record, office, sleep=lambda _: None).recipient_id == "alice"
    assert [path for path, _ in hooks.accepted] == ["/alice"]


def test_the_outbox_round_notifies_pending_visits_once(office, hooks):
    # Given a visit nobody has been told about yet (the local runtime has no stream)
    notify_alice_by(office, {"webhook": f"{hooks.base}/alice"})
    check_in(office)
    # When the outbox round runs twice
    first = reception.deliver_pending(office.fleet, office.senders, office.visits)
    second = reception.deliver_pending(office.fleet, office.senders, office.visits)
    # Then the host heard once, and the second round found nothing pending
    assert [r.status for r in first] == ["delivered"] and second == []
    assert len(hooks.accepted) == 1


def test_a_webhook_url_kept_in_ssm_is_resolved_when_sending(office, hooks, aws_endpoint):
    from skill.adapters.parameters import ParameterAddressSender, SsmParameters

    ssm = boto3.client("ssm", endpoint_url=aws_endpoint, region_name="us-east-1")
    ssm.put_parameter(Name="/office/hooks/alice", Value=f"{hooks.base}/secret", Type="SecureString", Overwrite=True)
    office.senders["webhook"] = ParameterAddressSender(WebhookSender(timeout=2), SsmParameters(ssm))
    doc = office.fleet.docs("user")["alice"]
    office.fleet.put_doc("user", {**doc, "notify": [{"webhook": "ssm:/office/hooks/alice"}]}, doc)
    reception.notify_visit(check_in(office), office.fleet, office.senders, office.visits)
    assert [path for path, _ in hooks.accepted] == ["/secret"]
