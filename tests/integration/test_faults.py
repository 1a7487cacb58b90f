"""Faults survived: DynamoDB (moto's server behind a fault-injecting proxy) throttles, fails, resets and
stalls while rooms are booked, visitors check in and calls are placed, through the voice path's own client
settings (skill.adapters.aws, kind `voice`: one retry). Every request is answered within the deadline
guard's budget, no booking is half-written, no visit is lost or doubled, no call dialled twice.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from botocore.exceptions import BotoCoreError, ClientError
from fakes import FixedClock
from streams import visit_inserts
from support import lambda_context, serving, speech

from skill import app
from skill.adapters import aws
from skill.bootstrap import Container, Services, build
from skill.config import LOCAL_SKILL_ID
from skill.domain.booking import slot_starts
from skill.domain.errors import BookingRuleError, RoomTakenError
from skill.domain.model import Booking, Interval
from skill.domain.reception import Message
from skill.local.envelopes import intent_request
from skill.local.faultproxy import FaultProxy

BUDGET_S = 2.5
SLACK_S = 1.0
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
DAY = date(2026, 12, 1)
TOKYO = "Asia/Tokyo"
LOBBY = "amzn1.ask.device.TESTLOBBY"
UNAVAILABLE = "I couldn't reach the booking system. Please try again in a minute."
Answer = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture
def proxy(aws_endpoint: str) -> Iterator[FaultProxy]:
    with FaultProxy(aws_endpoint) as running:
        yield running


@pytest.fixture
def faulty(container: Container, proxy: FaultProxy) -> Container:
    """The application on the same table as `container`, its DynamoDB reached through the proxy."""
    client = aws.client("dynamodb", "voice", region="us-east-1", endpoint_url=proxy.url)
    built = build(replace(container.settings, deadline_cap_ms=int(BUDGET_S * 1000)), dynamodb_client=client)
    built.clock = FixedClock()  # type: ignore[assignment]
    return built


@pytest.fixture
def answer(faulty: Container, proxy: FaultProxy) -> Iterator[Answer]:
    """Send an envelope through the skill endpoint's guarded path; fails the test if the answer is late."""

    def send(event: dict[str, Any]) -> dict[str, Any]:
        started = time.monotonic()
        response = app.answer(event, lambda_context())
        assert time.monotonic() - started < BUDGET_S + SLACK_S
        return response

    try:
        with serving(Services(faulty)):
            yield send
    finally:
        proxy.stop()  # releases stalled requests, so abandoned workers end before the next test


def dialled(container: Container) -> list[str]:
    return [call.to for call in container.dialer.calls]  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------------------ calling


def test_a_throttled_call_is_placed_once_and_its_retry_does_not_dial_again(
    answer: Answer, faulty: Container, proxy: FaultProxy, event: Callable[[str], dict[str, Any]]
) -> None:
    # Given DynamoDB throttling the call log's write once
    proxy.operations = {"TransactWriteItems"}
    proxy.fail_next("throttle")
    # When "call Bob" is confirmed
    placed = answer(event("call_contact_room_confirmed.json"))
    # Then the call is placed once
    assert "Calling Bob Chen." in speech(placed)
    assert dialled(faulty) == ["+819022223333"]

    # When Alexa sends the same request again while a connection is being reset
    proxy.fail_next("reset")
    again = answer(event("call_contact_room_confirmed.json"))
    # Then the listener hears the call is on its way and nothing is dialled again
    assert "Calling Bob Chen." in speech(again)
    assert dialled(faulty) == ["+819022223333"]


def test_a_call_whose_log_write_fails_beyond_the_retry_dials_nobody_until_alexa_tries_again(
    answer: Answer, faulty: Container, proxy: FaultProxy, event: Callable[[str], dict[str, Any]]
) -> None:
    # Given DynamoDB failing the call log's write on both of the voice client's attempts
    proxy.operations = {"TransactWriteItems"}
    proxy.fail_next("error500", "provisioned")
    # When "call Bob" is confirmed / Then the listener is told to try again, and nobody is dialled
    assert speech(answer(event("call_contact_room_confirmed.json"))) == UNAVAILABLE
    assert dialled(faulty) == []
    # When Alexa sends the same request again / Then the call is placed, once
    assert "Calling Bob Chen." in speech(answer(event("call_contact_room_confirmed.json")))
    assert dialled(faulty) == ["+819022223333"]


def test_a_call_whose_log_write_answer_is_lost_is_still_dialled_once(
    answer: Answer, faulty: Container, proxy: FaultProxy, event: Callable[[str], dict[str, Any]]
) -> None:
    proxy.operations = {"TransactWriteItems"}
    proxy.fail_next("lost")
    answer(event("call_contact_room_confirmed.json"))
    assert dialled(faulty) == ["+819022223333"]


# ---------------------------------------------------------------------------------------------- reception


def check_in_dialog(answer: Answer, proxy: FaultProxy, *faults: Any) -> dict[str, Any]:
    """Ken Sato checks in at the lobby for Alice Tanaka; `faults` meet the confirmed step's writes."""
    attributes: dict[str, Any] = {}
    response: dict[str, Any] = {}
    for confirmation, host in (("NONE", "Alice"), ("CONFIRMED", "Alice Tanaka")):
        if confirmation == "CONFIRMED":
            proxy.operations = {"TransactWriteItems"}
            proxy.fail_next(*faults)
        envelope = intent_request(
            "VisitorCheckInIntent",
            {"visitorName": "Ken Sato", "company": "Acme", "host": host},
            confirmation=confirmation,
            application_id=LOCAL_SKILL_ID,
            device_id=LOBBY,
            user_id="amzn1.ask.account.VISITOR",
            session_attributes=attributes,
            new_session=not attributes,
        )
        response = answer(envelope)
        attributes = dict(response.get("sessionAttributes") or {})
    return response


@pytest.mark.parametrize("faults", [("throttle",), ("reset",), ("error500",), ("provisioned",)])
def test_a_check_in_through_throttling_and_resets_stores_one_visit(
    answer: Answer, container: Container, proxy: FaultProxy, faults: tuple[str, ...]
) -> None:
    # When the visitor confirms while DynamoDB fails the first write
    done = check_in_dialog(answer, proxy, *faults)
    # Then the visit is stored once and the visitor is told
    assert [visit.visitor_name for visit in container.visits.visits_on(DAY)] == ["Ken Sato"]
    assert "Alice" in speech(done)


class Outbox:
    """A channel sender that keeps what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, address: str, message: Message, *, idempotency_key: str) -> str:
        self.sent.append((address, message.text))
        return f"message-{len(self.sent)}"


def test_a_check_in_whose_answer_is_lost_is_answered_normally_with_one_visit_and_one_notification(
    answer: Answer, faulty: Container, container: Container, proxy: FaultProxy
) -> None:
    # When the visit is written but DynamoDB's answer never arrives (the SDK retries the put)
    done = check_in_dialog(answer, proxy, "lost")
    # Then the visitor hears the normal answer, so nobody checks in a second time
    assert speech(done) == "Thanks, Ken. Alice knows you're here."
    assert done["response"]["shouldEndSession"] is True
    # And there is one visit
    assert [visit.visitor_name for visit in container.visits.visits_on(DAY)] == ["Ken Sato"]

    # When the notifier gets what the table's stream delivers
    outbox = Outbox()
    faulty.senders = {"email": outbox}  # type: ignore[misc]
    records = visit_inserts(container.table.client, container.table.name)
    app.notifier({"Records": records}, lambda_context(120_000))
    # Then the host is told once
    assert outbox.sent == [("alice@example.com", "Ken Sato (Acme) is at reception to see you.")]


# ----------------------------------------------------------------------------------------------- bookings


def tokyo(hour: int, minute: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=ZoneInfo(TOKYO))


def test_bookings_through_random_faults_are_whole_or_absent(
    faulty: Container, container: Container, proxy: FaultProxy
) -> None:
    # Given DynamoDB throttling, failing and resetting a third of the booking transactions (at most 12)
    proxy.operations = {"TransactWriteItems"}
    proxy.fail_randomly(["throttle", "provisioned", "error500", "reset"], 0.35, limit=12)
    # When eighteen overlapping half-hour bookings are tried in Fuji
    for n in range(18):
        start = tokyo(9) + timedelta(minutes=15 * n)
        meeting = Booking(
            id=uuid.uuid4().hex[:12],
            room_id="fuji",
            start=start,
            end=start + timedelta(minutes=30),
            organizer="alice",
            device="amzn1.ask.device.TESTROOM",
            request_id=f"amzn1.echo-api.request.{n}",
            created_at=NOW,
        )
        with contextlib.suppress(RoomTakenError, BookingRuleError, BotoCoreError, ClientError):
            faulty.bookings.add_booking(meeting, TOKYO)
    # Then some faults were met, and each stored booking holds exactly its slots, and no slot is orphaned
    assert sum(proxy.injected.values()) > 0
    items = list(container.table.query_pk(f"ROOMDAY#fuji#{DAY.isoformat()}", consistent=True))
    bookings = [item for item in items if item["SK"].startswith("BOOKING#")]
    slots = {item["SK"]: item["booking_id"] for item in items if item["SK"].startswith("SLOT#")}
    assert bookings
    expected: dict[str, str] = {}
    for item in bookings:
        interval = Interval(datetime.fromisoformat(item["start"]), datetime.fromisoformat(item["end"]))
        for slot in slot_starts(interval):
            expected[f"SLOT#{slot.strftime('%Y-%m-%dT%H:%MZ')}"] = item["id"]
    assert slots == expected


# ------------------------------------------------------------------------------------------------ stalls


def test_a_stalled_database_is_answered_in_time_with_try_again(
    answer: Answer, faulty: Container, proxy: FaultProxy, event: Callable[[str], dict[str, Any]]
) -> None:
    # Given DynamoDB stalling every request for ten seconds
    proxy.fail_randomly(["stall"], 1.0, limit=50)
    # When "call Bob" is confirmed
    response = answer(event("call_contact_room_confirmed.json"))
    # Then the listener is told to try again before the budget runs out, and nobody is dialled
    assert speech(response) == UNAVAILABLE
    assert response["response"]["shouldEndSession"] is True
    assert dialled(faulty) == []
