"""The call log on moto's DynamoDB: idempotent start, the device's hourly limit, forward-only status, newest-first
listing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from support import lambda_context, serving, sma_event, sma_leg

from skill.adapters.dynamodb.calls import DynamoCallLog
from skill.adapters.dynamodb.table import Table
from skill.domain.calls import CallRecord, CallStatus, call_id
from skill.domain.limits import LimitReached, hourly

AT = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
def log(aws_endpoint: str, table: str) -> DynamoCallLog:
    client = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1")
    return DynamoCallLog(Table(client, table))


def record(request_id: str = "req-1", to: str = "+81312345678", at: datetime = AT) -> CallRecord:
    return CallRecord(
        id=call_id(request_id, to),
        device="amzn1.ask.device.ROOM",
        to=to,
        status=CallStatus.PLACING,
        provider="local",
        created_at=at,
        contact="user:alice",
        request_id=request_id,
        expires_at=at + timedelta(days=30),
    )


def test_start_writes_the_call_once_per_request_and_number(log: DynamoCallLog) -> None:
    # Given a call started for a request
    assert log.start(record()) is True

    # When the same request starts the same call again
    again = log.start(record())

    # Then nothing new is written and the first record stays as it was
    assert again is False
    stored = log.get(call_id("req-1", "+81312345678"))
    assert stored == record()


def test_a_call_beyond_the_devices_hourly_limit_is_not_logged(log: DynamoCallLog) -> None:
    # Given a device that may place one call an hour, and has
    quota = hourly("calls", "device:amzn1.ask.device.ROOM", 1, AT)
    assert log.start(record("req-1"), quota) is True

    # When its next request starts a call, and the first request comes again
    with pytest.raises(LimitReached):
        log.start(record("req-2"), quota)
    again = log.start(record("req-1"), quota)

    # Then the second call is not logged, and the repeated request finds its own call (not the limit)
    assert log.get(call_id("req-2", "+81312345678")) is None
    assert again is False


def test_status_moves_forward_only_and_keeps_the_provider_id(log: DynamoCallLog) -> None:
    # Given a call that the provider reports ringing before the dialer returned its id
    log.start(record())
    cid = record().id
    assert log.update_status(cid, "ringing") is True

    # When the skill then stores the provider id with the "placing" status
    moved = log.update_status(cid, "placing", provider_id="tx-1")

    # Then the status stays "ringing" but the provider id is kept
    stored = log.get(cid)
    assert moved is False
    assert stored is not None and stored.status is CallStatus.RINGING and stored.provider_id == "tx-1"

    # And once ended, a late "answered" does not bring it back
    assert log.update_status(cid, "ended") is True
    assert log.update_status(cid, "answered") is False
    assert log.get(cid).status is CallStatus.ENDED  # type: ignore[union-attr]


def test_update_of_an_unknown_call_writes_nothing(log: DynamoCallLog) -> None:
    assert log.update_status("no-such-call", "ringing") is False
    assert log.get("no-such-call") is None


def test_list_calls_is_newest_first_and_limited(log: DynamoCallLog) -> None:
    # Given three calls a minute apart
    for n in range(3):
        log.start(record(f"req-{n}", at=AT + timedelta(minutes=n)))

    # When the latest two are listed
    listed = log.list_calls(limit=2)

    # Then they come newest first, with their times back with an offset
    assert [c.request_id for c in listed] == ["req-2", "req-1"]
    assert listed[0].created_at == AT + timedelta(minutes=2)
    assert listed[0].created_at.utcoffset() == timedelta(0)


ROOM_LEG = sma_leg("LEG-A", "leg-a-id", "+81312340005")


def test_the_sip_media_application_lambda_writes_call_progress_into_the_log(
    aws_endpoint: str, table: str, log: DynamoCallLog
) -> None:
    # Given a call placed through Chime just now, in the log, and the SIP media application Lambda wired to
    # the same table
    from skill import app
    from skill.bootstrap import Services, build
    from skill.config import Settings

    placed = replace(record(to="+81345781234", at=datetime.now(UTC)), provider="chime")
    log.start(placed)
    client = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1")
    services = Services(build(Settings(skill_id=None, table=table), dynamodb_client=client))
    arguments = {"CallId": placed.id, "BridgeTo": placed.to}
    with serving(services):
        # When the first phone rings and is answered
        app.sma_handler(sma_event("RINGING", [ROOM_LEG], arguments, sequence=2), lambda_context())
        answered = app.sma_handler(
            sma_event("CALL_ANSWERED", [ROOM_LEG], {**arguments, "Stage": "ringing"}, sequence=2), lambda_context()
        )

    # Then the call is bridged to the callee and the log says it was answered
    assert [a["Type"] for a in answered["Actions"]] == ["CallAndBridge"]
    assert log.get(placed.id).status is CallStatus.ANSWERED  # type: ignore[union-attr]


def test_forget_user_deletes_calls_made_by_or_to_the_user_only(log: DynamoCallLog) -> None:
    # Given a call to alice, a call alice placed, and a call between two other people
    to_alice = record("req-1")
    by_alice = replace(record("req-2", to="+12065550100"), contact="contact:acme", user="alice")
    others = replace(record("req-3", to="+12065550101"), contact="user:bob", user="carol")
    for call in (to_alice, by_alice, others):
        log.start(call)

    # When alice is forgotten
    erased = log.forget_user("alice")

    # Then both of her calls are gone, the other one stays, and a second erasure finds nothing
    assert erased == 2
    assert [call.id for call in log.list_calls()] == [others.id]
    assert log.get(to_alice.id) is None and log.get(by_alice.id) is None
    assert log.forget_user("alice") == 0
