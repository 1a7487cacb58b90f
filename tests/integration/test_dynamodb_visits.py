"""The visits store against moto's DynamoDB: keys, the on-site index, TTL filtering, the lobby's hourly limit,
notification records, the host's notification counter and digest, and erasure."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import boto3
import pytest

from skill.adapters.dynamodb.table import Table
from skill.adapters.dynamodb.visits import DynamoVisitStore, visit_key
from skill.domain.limits import LimitReached, hourly
from skill.domain.reception import Attempt, ExpectedVisit, Visit

TZ = "Asia/Tokyo"
ARRIVAL = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)  # 00:30 on December 2 in Tokyo
LATER = int(time.time()) + 86400


@pytest.fixture
def store(aws_endpoint: str, table: str) -> DynamoVisitStore:
    client = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1")
    return DynamoVisitStore(Table(client, table))


def visit(visit_id: str, name: str = "Ken Sato", host: str = "alice", at: datetime = ARRIVAL) -> Visit:
    return Visit(visit_id, name, "Acme", host, at, request_id="req-1", device="amzn1.ask.device.LOBBY")


def test_a_visit_is_filed_under_the_sites_local_day_and_listed_on_site(store):
    store.add_visit(visit("v1"), TZ, LATER)
    assert visit_key(visit("v1"), TZ) == ("VISITDAY#2026-12-02", "VISIT#2026-12-01T15:30:00Z#v1")
    assert store.visits_on(date(2026, 12, 2)) == [visit("v1")]
    assert store.on_site() == [visit("v1")]
    assert store.notify_state(visit("v1"), TZ) == ("pending", 0)


def test_check_out_removes_the_visit_from_the_on_site_list_once(store):
    store.add_visit(visit("v1"), TZ, LATER)
    store.add_visit(visit("v2", "Mia Wong"), TZ, LATER)
    gone = ARRIVAL + timedelta(hours=2)
    assert store.check_out(visit("v1"), TZ, gone) is True
    assert store.check_out(visit("v1"), TZ, gone) is False
    assert [v.id for v in store.on_site()] == ["v2"]
    [out] = [v for v in store.visits_on(date(2026, 12, 2)) if v.id == "v1"]
    assert out.checked_out_at == gone


def test_expired_items_are_not_read_even_before_ttl_deletes_them(store):
    store.add_visit(visit("old"), TZ, int(time.time()) - 1)
    store.add_expected(ExpectedVisit("e1", "Ken Sato", None, "alice", ARRIVAL), TZ, int(time.time()) - 1)
    assert store.on_site() == [] and store.visits_on(date(2026, 12, 2)) == []
    assert store.expected_on(date(2026, 12, 2)) == []
    assert store.pending_notifications() == []


def test_pending_notifications_are_visits_not_yet_delivered(store):
    store.add_visit(visit("v1"), TZ, LATER)
    store.add_visit(visit("v2", "Mia Wong"), TZ, LATER)
    store.set_notify_status(visit("v1"), TZ, "delivered")
    store.set_notify_status(visit("v2"), TZ, "pending", count_round=True)
    assert [v.id for v in store.pending_notifications()] == ["v2"]
    assert store.notify_state(visit("v2"), TZ) == ("pending", 1)


def test_notification_attempts_are_recorded_per_target_without_the_address(store):
    sent = Attempt("v1#alice#email#abc", "alice", "host", "email", "sent", 2, provider_id="m-1")
    store.record_attempt(
        "v1", Attempt("v1#alice#email#abc", "alice", "host", "email", "retrying", 1, "Throttling"), LATER, ARRIVAL
    )
    store.record_attempt("v1", sent, LATER, ARRIVAL + timedelta(seconds=3))
    assert store.attempt_status("v1", sent.key) == "sent" and store.attempt_status("v1", "v1#bob#email#def") is None
    [record] = store.notifications()
    assert (record.visit_id, record.recipient_id, record.channel, record.status, record.attempts) == (
        "v1",
        "alice",
        "email",
        "sent",
        2,
    )


def test_forget_visitor_erases_visits_announcements_and_their_notifications(store):
    store.add_visit(visit("v1", "Ken Sato"), TZ, LATER)
    store.add_visit(visit("v2", "Mia Wong"), TZ, LATER)
    store.add_expected(ExpectedVisit("e1", "ken  SATO", None, "alice", ARRIVAL), TZ, LATER)
    store.record_attempt("v1", Attempt("v1#alice#email#a", "alice", "host", "email", "sent", 1), LATER, ARRIVAL)
    assert store.forget_visitor("Ken Sato") == 2
    assert [v.id for v in store.on_site()] == ["v2"]
    assert store.expected_on(date(2026, 12, 2)) == [] and store.notifications() == []


def test_forget_user_erases_hosted_visits_and_notifications_addressed_to_them(store):
    store.add_visit(visit("v1", host="alice"), TZ, LATER)
    store.add_visit(visit("v2", "Mia Wong", host="bob"), TZ, LATER)
    store.record_attempt("v2", Attempt("v2#bob#email#b", "bob", "host", "email", "failed", 3), LATER, ARRIVAL)
    store.record_attempt("v2", Attempt("v2#carol#email#c", "carol", "reception", "email", "sent", 1), LATER, ARRIVAL)
    store.forget_user("bob")
    assert [v.id for v in store.on_site()] == ["v1"]
    assert store.notifications() == []
    assert store.forget_user("alice") == 1 and store.on_site() == []


def test_a_check_in_beyond_the_devices_hourly_limit_stores_no_visit(store):
    quota = hourly("checkins", "device:amzn1.ask.device.LOBBY", 1, ARRIVAL)
    store.add_visit(visit("v1"), TZ, LATER, quota)
    with pytest.raises(LimitReached):
        store.add_visit(visit("v2", "Mia Wong"), TZ, LATER, quota)
    assert [v.id for v in store.on_site()] == ["v1"]


def test_a_hosts_counter_takes_each_visit_once_up_to_the_limit(store):
    # Given Alice's notification counter of two this hour
    quota = hourly("notifications", "user:alice", 2, datetime.now(UTC))

    # When three visits claim it, the first twice (a retried run)
    claims = [store.claim_notification(quota, visit_id) for visit_id in ("v1", "v1", "v2", "v3")]

    # Then the first two visits are told, once each counted, and the third is not
    assert claims == [True, True, True, False]


def test_visits_kept_for_a_digest_come_out_together_once_the_hour_is_over(store):
    # Given two of last hour's visits (one erased since) kept for Alice's digest, and one of this hour
    now = datetime.now(UTC)
    last_hour, this_hour = (hourly("notifications", "user:alice", 10, at) for at in (now - timedelta(hours=1), now))
    kept = [visit("v1", at=last_hour.start), visit("v2", "Mia Wong", at=last_hour.start + timedelta(minutes=5))]
    for arrival in [*kept, visit("gone", "Ivo Berg", at=last_hour.start)]:
        store.add_visit(arrival, TZ, LATER)
        assert store.hold_for_digest(last_hour, arrival, TZ) is True
    store.forget_visitor("Ivo Berg")
    store.add_visit(visit("v3", at=this_hour.start), TZ, LATER)
    store.hold_for_digest(this_hour, visit("v3", at=this_hour.start), TZ)

    # When the digests due now are read, then last hour's is settled as delivered
    [due] = store.due_digests(now)
    store.settle_digest(due, "delivered")

    # Then last hour's digest held its two stored visits in order of arrival, and once delivered it is not due
    # again nor takes more visits; this hour's is not due before the hour is over
    assert (due.host_id, due.start, due.end) == ("alice", last_hour.start, last_hour.end)
    assert [v.id for v in due.visits] == ["v1", "v2"]
    assert store.due_digests(now) == []
    assert store.hold_for_digest(last_hour, visit("v4", at=last_hour.start), TZ) is False
    assert [d.id for d in store.due_digests(this_hour.end)] == [f"digest-{this_hour.window}-alice"]


def test_the_digests_of_two_hosts_in_one_hour_each_hold_their_own_visitors(store):
    # Given last hour's visits kept for Alice's digest and for Bob's
    last_hour = datetime.now(UTC) - timedelta(hours=1)
    for visit_id, host in (("a1", "alice"), ("b1", "bob"), ("a2", "alice")):
        arrival = visit(visit_id, host=host, at=hourly("notifications", f"user:{host}", 10, last_hour).start)
        store.add_visit(arrival, TZ, LATER)
        store.hold_for_digest(hourly("notifications", f"user:{host}", 10, last_hour), arrival, TZ)

    # When the digests due now are read
    due = store.due_digests(datetime.now(UTC))

    # Then each host's digest names only the visitors who came to see them
    assert sorted((d.host_id, sorted(v.id for v in d.visits)) for d in due) == [
        ("alice", ["a1", "a2"]),
        ("bob", ["b1"]),
    ]


def test_a_digest_left_pending_stays_due_and_counts_its_rounds(store):
    last_hour = hourly("notifications", "user:bob", 10, datetime.now(UTC) - timedelta(hours=1))
    store.add_visit(visit("v1", host="bob", at=last_hour.start), TZ, LATER)
    store.hold_for_digest(last_hour, visit("v1", host="bob", at=last_hour.start), TZ)
    [due] = store.due_digests(datetime.now(UTC))
    store.settle_digest(due, "pending", count_round=True)
    store.settle_digest(due, "pending")  # a busy provider: no round
    [again] = store.due_digests(datetime.now(UTC))
    assert again.rounds == 1
    store.settle_digest(again, "failed", count_round=True)
    assert store.due_digests(datetime.now(UTC)) == []
