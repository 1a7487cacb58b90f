"""Telling the host with in-memory fakes: once per visit, escalation, the host's hourly limit and its digest,
a busy provider, and the visit's correlation id on every line the notifier and its senders write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fakes import FixedClock, InMemoryFleetStore, InMemoryProblems, InMemoryVisits, RecordingSender

from skill.domain.facilities import Problem
from skill.domain.model import Fleet, Limits, NotifyTarget, Room, Site, User
from skill.domain.reception import NotifyError, OutcomeUnknown, Throttled, Visit
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


def visit(n: int, minutes: int = 0) -> Visit:
    return Visit(f"v{n}", f"Visitor {n}", None, "bob", NOW + timedelta(minutes=minutes), request_id=f"req-{n}")


def crowded(limit: int, clock: FixedClock, sender: RecordingSender) -> tuple[NotificationService, InMemoryVisits]:
    """Bob's notifier, with the fleet's hourly limit per host at `limit`."""
    store = InMemoryVisits()
    fleet = InMemoryFleetStore.of(replace(FLEET, limits=Limits(notifications_per_host_per_hour=limit)))
    return NotificationService(fleet, store, {"email": sender}, clock, sleep=lambda _: None), store


def test_visitors_beyond_the_hosts_hourly_limit_are_told_in_one_digest_once_the_hour_is_over(
    counted: Callable[[str], int],
) -> None:
    # Given a host who may be told of two visitors an hour, and four visitors for him between 10:00 and 10:40
    clock, sender = FixedClock(NOW), RecordingSender()
    service, store = crowded(2, clock, sender)
    arrivals = [visit(n, minutes=10 * n) for n in range(1, 5)]
    for arrival in arrivals:
        store.add_visit(arrival, "Asia/Tokyo", 0)

    # When each is notified as it arrives, and the digests are looked at during the hour and after it
    results = [service.notify(arrival).status for arrival in arrivals]
    during = service.send_digests()
    clock.at = NOW + timedelta(hours=1)
    after = [result.status for result in service.send_digests()]
    later = service.send_digests()

    # Then two were told one by one, the other two are kept for the hour's digest, sent once after 11:00
    assert results == ["delivered", "delivered", "digest", "digest"]
    assert (during, after, later) == ([], ["delivered"], [])
    assert [text for _, text in sender.sent] == [
        "Visitor 1 is at reception to see you.",
        "Visitor 2 is at reception to see you.",
        "Also at reception to see you between 10:00 and 11:00: Visitor 3, Visitor 4.",
    ]
    # And a visit kept for the digest is never told on its own, whatever redelivers it
    assert service.notify(arrivals[2]).status == "skipped"
    assert (counted("NotificationLimitReached"), counted("NotificationDigestSent")) == (2, 1)


def test_a_visit_tried_again_within_the_hour_takes_no_second_place_under_the_limit() -> None:
    # Given a host who may be told of two visitors an hour, whose first visitor's email the provider is too busy for
    clock = FixedClock(NOW)
    busy = RecordingSender(fail=lambda address: Throttled("Throttling"))
    service, store = crowded(2, clock, busy)
    for n in (1, 2):
        store.add_visit(visit(n), "Asia/Tokyo", 0)
    first = service.notify(visit(1))

    # When the provider takes messages again and both visits are notified
    taking = RecordingSender()
    service = replace(service, senders={"email": taking})
    results = [service.notify(visit(n)).status for n in (1, 2)]

    # Then the busy run was no failure and counted no round, and both visitors were told one by one
    assert (first.status, store.status["v1"]) == ("pending", ("delivered", 0))
    assert results == ["delivered", "delivered"]
    assert len(taking.sent) == 2


def test_a_digest_for_a_host_who_cannot_be_reached_goes_to_the_delegate() -> None:
    # Given a host who may be told of one visitor an hour and whose email bounces, and two visitors
    clock = FixedClock(NOW)
    bouncing = RecordingSender(fail=lambda a: NotifyError("MessageRejected", False) if "bob" in a else None)
    service, store = crowded(1, clock, bouncing)
    for n in (1, 2):
        store.add_visit(visit(n), "Asia/Tokyo", 0)
        service.notify(visit(n))

    # When the hour is over
    clock.at = NOW + timedelta(hours=1, minutes=5)
    [digest] = service.send_digests()

    # Then the delegate gets the digest, saying whom the visitors came to see
    assert (digest.status, digest.recipient_id, digest.role) == ("delivered", "dan", "delegate")
    assert bouncing.sent[-1] == (
        "dan@example.com",
        "Also at reception to see Bob Chen between 10:00 and 11:00, and Bob Chen could not be reached: Visitor 2.",
    )


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


# --- room problems: the site's facilities contacts -----------------------------------------------------------

FACILITIES = (NotifyTarget("email", "fm@example.com"), NotifyTarget("email", "fm-night@example.com"))
TOKYO = Site(id="tokyo", name="Tokyo HQ", timezone="Asia/Tokyo", facilities=FACILITIES)
OSAKA = Site(id="osaka", name="Osaka", timezone="Asia/Tokyo")
PROBLEM_FLEET = Fleet(
    sites=(TOKYO, OSAKA), rooms=(Room("fuji", "Fuji", site="tokyo"), Room("yodo", "Yodo", site="osaka"))
)


def problem_notifier(sender: RecordingSender) -> tuple[NotificationService, InMemoryProblems]:
    problems = InMemoryProblems()
    service = NotificationService(
        InMemoryFleetStore.of(PROBLEM_FLEET), InMemoryVisits(), {"email": sender}, FixedClock(NOW),
        sleep=lambda _: None, problems=problems,
    )  # fmt: skip
    return service, problems


def reported(problems: InMemoryProblems, room: str = "fuji", site: str = "tokyo") -> Problem:
    return problems.add(Problem("abcd2345", room, site, "the projector is broken", NOW, request_id="req-problem"))


def test_every_facilities_contact_is_told_once_with_the_room_site_and_local_time():
    # Given a problem reported in Fuji at 10:00 Tokyo time
    sender = RecordingSender()
    service, problems = problem_notifier(sender)
    problem = reported(problems)
    # When its stream record is handled twice (a redelivered batch)
    record = {"eventName": "INSERT", "dynamodb": {"NewImage": {"PK": {"S": "PROBLEM#abcd2345"}}}}
    results = [service.notify_record(record) for _ in range(2)]
    # Then both facilities contacts got one message each, naming the room, the site and the local time
    assert [r.status for r in results] == ["delivered", "skipped"]
    assert [address for address, _ in sender.sent] == ["fm@example.com", "fm-night@example.com"]
    assert all(
        "Fuji at Tokyo HQ at 2026-12-01 10:00 (Asia/Tokyo): the projector is broken" in t for _, t in sender.sent
    )
    assert problems.status[problem.id] == ("delivered", 0)


def test_the_outbox_round_tells_facilities_about_pending_problems():
    sender = RecordingSender()
    service, problems = problem_notifier(sender)
    reported(problems)
    assert [r.status for r in service.deliver_pending()] == ["delivered"]
    assert service.deliver_pending() == [] and len(sender.sent) == 2


def test_a_site_without_facilities_contacts_keeps_the_problem_and_says_so_in_the_log(log_lines):
    sender = RecordingSender()
    service, problems = problem_notifier(sender)
    problem = reported(problems, room="yodo", site="osaka")
    result = service.notify_problem(problem)
    assert result.status == "failed" and sender.sent == []
    assert problems.status[problem.id][0] == "none" and problem.id in problems.problems
    [line] = [line for line in log_lines() if line["message"] == "site has no facilities contacts"]
    assert (line["problem"], line["site"], line["correlation_id"]) == ("abcd2345", "osaka", "req-problem")


def test_a_busy_provider_leaves_the_problem_record_to_be_retried_and_no_log_line_holds_the_text(log_lines):
    service, problems = problem_notifier(RecordingSender(fail=lambda address: NotifyError("Throttling", True)))
    reported(problems)
    record = {"eventName": "INSERT", "dynamodb": {"NewImage": {"PK": {"S": "PROBLEM#abcd2345"}}}}
    with pytest.raises(DeliveryPendingError):
        service.notify_record(record)
    assert problems.status["abcd2345"][0] == "pending"
    assert "projector" not in str(log_lines())
