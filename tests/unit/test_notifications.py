"""Telling the host with in-memory fakes: once per visit, escalation, and the visit's correlation id on every
line the notifier and its senders write."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fakes import FixedClock, InMemoryFleetStore, InMemoryVisits, RecordingSender

from skill.domain.model import Fleet, NotifyTarget, Site, User
from skill.domain.reception import NotifyError, OutcomeUnknown, Visit
from skill.services.notifications import DeliveryPendingError, NotificationService

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
FLEET = Fleet(
    site=Site(name="HQ", timezone="Asia/Tokyo", reception="carol"),
    users=(
        User("bob", "Bob Chen", delegate="dan", notify=(NotifyTarget("email", "bob@example.com"),)),
        User("dan", "Dan Ito", notify=(NotifyTarget("email", "dan@example.com"),)),
        User("carol", "Carol Front", notify=(NotifyTarget("email", "carol@example.com"),)),
    ),
)
VISIT = Visit("v1", "Ken Sato", "Acme", "bob", NOW, request_id="amzn1.echo-api.request.CHECKIN")


@pytest.fixture
def visits() -> InMemoryVisits:
    store = InMemoryVisits()
    store.add_visit(VISIT, "Asia/Tokyo", 0)
    return store


def notifier(visits: InMemoryVisits, sender: RecordingSender) -> NotificationService:
    return NotificationService(
        InMemoryFleetStore.of(FLEET), visits, {"email": sender}, FixedClock(), sleep=lambda _: None
    )


def test_a_visit_notified_twice_tells_the_host_once(visits):
    sender = RecordingSender()
    results = [notifier(visits, sender).notify(VISIT) for _ in range(2)]
    assert [r.status for r in results] == ["delivered", "skipped"]
    assert sender.sent == [("bob@example.com", "Ken Sato (Acme) is at reception to see you.")]
    assert visits.status["v1"][0] == "delivered"


def test_a_host_who_cannot_be_reached_escalates_to_the_delegate(visits):
    sender = RecordingSender(fail=lambda address: NotifyError("MessageRejected", False) if "bob" in address else None)
    result = notifier(visits, sender).notify(VISIT)
    assert (result.status, result.recipient_id, result.role) == ("delivered", "dan", "delegate")
    assert [address for address, _ in sender.sent] == ["dan@example.com"]


def test_a_send_whose_answer_was_lost_is_never_sent_again(visits):
    # Given the host's email went out but its answer never came
    sender = RecordingSender(fail=lambda address: OutcomeUnknown("ReadTimeoutError") if "bob" in address else None)
    first = notifier(visits, sender).notify(VISIT)
    # When the visit is notified again (a redelivered stream record, the next outbox round)
    visits.status["v1"] = ("pending", 1)
    notifier(visits, RecordingSender()).notify(VISIT)
    # Then the host was tried once, the delegate told once, and the host's attempt is kept as unknown
    assert first.role == "delegate"
    statuses = [(a.recipient_id, a.status) for a in visits.history]
    assert statuses.count(("bob", "sending")) == 1 and ("bob", "unknown") in statuses
    assert [address for address, _ in sender.sent] == ["dan@example.com"]


def test_a_host_not_reached_yet_leaves_the_stream_record_to_be_retried(visits):
    throttled = RecordingSender(fail=lambda address: NotifyError("Throttling", True))
    service = notifier(visits, throttled)
    record = {"eventName": "INSERT", "dynamodb": {"NewImage": {"id": {"S": "v1"}}}}
    with pytest.raises(DeliveryPendingError):
        service.notify_record(record)
    assert visits.status["v1"] == ("pending", 1)


def test_every_line_of_a_notification_carries_the_check_in_requests_id(visits, log_lines):
    # When the host is told about a visit stored by a check-in request
    notifier(visits, RecordingSender()).notify(VISIT)
    # Then the notifier's lines (the delivery's too) carry that request's id, and nothing else does later
    lines = log_lines()
    assert {line["message"] for line in lines} >= {"notification attempt", "host notified"}
    assert {line.get("correlation_id") for line in lines} == {"amzn1.echo-api.request.CHECKIN"}


def test_a_host_out_of_reach_escalates_to_the_reception_of_the_visits_site():
    # Given two sites, each with its own reception, and a host who cannot be reached
    sites = Fleet(
        sites=(Site(id="tokyo", timezone="Asia/Tokyo", reception="carol"), Site(id="nyc", reception="dave")),
        users=(
            User("bob", "Bob Chen", site="nyc", notify=(NotifyTarget("email", "bob@example.com"),)),
            User("carol", "Carol Front", site="tokyo", notify=(NotifyTarget("email", "carol@example.com"),)),
            User("dave", "Dave Door", site="nyc", notify=(NotifyTarget("email", "dave@example.com"),)),
        ),
    )
    visit = Visit("v2", "Ken Sato", None, "bob", NOW, site="nyc")
    visits = InMemoryVisits()
    visits.add_visit(visit, "America/New_York", 0)
    sender = RecordingSender(fail=lambda address: NotifyError("MessageRejected", False) if "bob" in address else None)

    # When the visitor at the New York lobby is notified
    service = NotificationService(
        InMemoryFleetStore.of(sites), visits, {"email": sender}, FixedClock(), sleep=lambda _: None
    )
    result = service.notify(visit)

    # Then New York's reception is told, not Tokyo's, and the attempt is filed under New York
    assert (result.status, result.recipient_id, result.role) == ("delivered", "dave", "reception")
    assert [address for address, _ in sender.sent] == ["dave@example.com"]
    assert {record.site for record in visits.notifications()} == {"nyc"}
