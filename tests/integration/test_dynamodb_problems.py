"""The problems store against moto's DynamoDB: the item's exact shape, one problem per request however often it
is retried, the device's counter in the same transaction, the index listing, resolving, stream records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from skill.adapters.dynamodb.problems import DynamoProblemStore
from skill.adapters.dynamodb.table import Table, from_attrs
from skill.domain.facilities import Problem
from skill.domain.limits import LimitReached, hourly

NOW = datetime(2026, 12, 1, 1, 15, tzinfo=UTC)


@pytest.fixture
def store(container) -> DynamoProblemStore:  # type: ignore[no-untyped-def]
    return DynamoProblemStore(container.table)


def problem(problem_id: str = "abcd2345", request_id: str = "req-1", **changes: object) -> Problem:
    fields: dict[str, object] = {
        "id": problem_id, "room": "fuji", "site": "main", "problem": "the projector is broken",
        "reported_at": NOW, "request_id": request_id,
    }  # fmt: skip
    return Problem(**{**fields, **changes})  # type: ignore[arg-type]


def stored_items(table: Table, prefix: str) -> list[dict[str, object]]:
    scan = table.client.scan(
        TableName=table.name,
        FilterExpression="begins_with(PK, :p)",
        ExpressionAttributeValues={":p": {"S": prefix}},
    )
    return [from_attrs(item) for item in scan["Items"]]


def test_a_problem_is_one_item_of_the_agreed_shape(store, container):
    store.add(problem())
    [item] = stored_items(container.table, "PROBLEM#")
    assert {k: v for k, v in item.items() if k not in ("request_id", "notify_status", "notify_rounds")} == {
        "PK": "PROBLEM#abcd2345",
        "SK": "META",
        "kind": "problem",
        "id": "abcd2345",
        "room": "fuji",
        "site": "main",
        "problem": "the projector is broken",
        "reported_at": "2026-12-01T01:15:00Z",
        "status": "open",
        "GSI1PK": "PROBLEMS",
        "GSI1SK": "2026-12-01T01:15:00Z#abcd2345",
    }
    assert item["notify_status"] == "pending"


def test_a_retried_request_finds_its_own_problem_and_takes_the_counter_once(store, container):
    quota = hourly("problems", "device:d1", 10, NOW)
    first = store.add(problem(), quota)
    again = store.add(problem(reported_at=NOW + timedelta(seconds=3)), quota)
    assert again == first
    assert len(stored_items(container.table, "PROBLEM#")) == 1
    [counter] = stored_items(container.table, "COUNT#problems#")
    assert (counter["PK"], counter["SK"], counter["n"]) == ("COUNT#problems#device:d1", "2026-12-01T01Z", 1)


def test_another_request_under_the_same_id_is_refused(store):
    store.add(problem())
    with pytest.raises(KeyError):
        store.add(problem(request_id="req-other"))


def test_a_spent_counter_writes_nothing(store, container):
    quota = hourly("problems", "device:d1", 1, NOW)
    store.add(problem(), quota)
    with pytest.raises(LimitReached):
        store.add(problem("efgh6723", "req-2"), quota)
    assert [i["id"] for i in stored_items(container.table, "PROBLEM#")] == ["abcd2345"]


def test_problems_are_listed_oldest_first_open_or_by_site_and_resolved_once(store):
    store.add(problem("bbbbbbbb", "req-2", reported_at=NOW + timedelta(minutes=5), site="osaka", room="yodo"))
    store.add(problem("aaaaaaaa", "req-1"))
    assert [p.id for p in store.list_problems()] == ["aaaaaaaa", "bbbbbbbb"]
    later = NOW + timedelta(hours=1)
    assert store.resolve(store.get("aaaaaaaa"), later) is True
    assert store.resolve(store.get("aaaaaaaa"), later + timedelta(hours=1)) is False
    assert store.get("aaaaaaaa") == problem("aaaaaaaa", "req-1", status="resolved", resolved_at=later)
    assert [p.id for p in store.list_problems(open_only=True)] == ["bbbbbbbb"]
    assert [p.id for p in store.list_problems(site="main")] == ["aaaaaaaa"]
    assert store.get("zzzzzzzz") is None


def test_pending_notifications_and_stream_records(store, container):
    store.add(problem("aaaaaaaa", "req-1", reported_at=NOW - timedelta(days=2)))
    fresh = store.add(problem("bbbbbbbb", "req-2"))
    told = store.add(problem("cccccccc", "req-3"))
    store.set_notify_status(told, "delivered")
    assert [p.id for p in store.pending_notifications(NOW - timedelta(days=1))] == ["bbbbbbbb"]
    assert store.notify_state(told) == ("delivered", 0)
    image = container.table.client.get_item(
        TableName=container.table.name, Key={"PK": {"S": "PROBLEM#bbbbbbbb"}, "SK": {"S": "META"}}
    )["Item"]
    record = {"eventName": "INSERT", "dynamodb": {"Keys": {}, "NewImage": image}}
    assert store.problem_in_stream_record(record) == fresh
    assert store.problem_in_stream_record({**record, "eventName": "MODIFY"}) is None
