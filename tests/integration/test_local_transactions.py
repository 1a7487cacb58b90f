"""Transactions in the embedded server back up only what they touch, and otherwise behave as moto's own.

Each scenario runs on two copies of the same table: one through moto's own `transact_write_items`,
one through `skill.local.transactions`; the answers, the items and the stream records must agree.
The last tests pin what the replacement relies on in moto.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from moto.dynamodb.models import DynamoDBBackend

from skill.local import transactions

ACCOUNT, REGION, TABLE = "123456789012", "us-east-1", "office"
KEYS = [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}]
ATTRS = [{"AttributeName": n, "AttributeType": "S"} for n in ("PK", "SK", "GSI1PK", "GSI1SK")]
GSI = [
    {
        "IndexName": "GSI1",
        "KeySchema": [{"AttributeName": "GSI1PK", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"},
    }
]


def s(value: str) -> dict[str, str]:
    return {"S": value}


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": s(pk), "SK": s(sk)}


def put(pk: str, sk: str, *, new: bool = True, **attrs: str) -> dict[str, Any]:
    op: dict[str, Any] = {"TableName": TABLE, "Item": {**key(pk, sk), **{k: s(v) for k, v in attrs.items()}}}
    if new:
        op["ConditionExpression"] = "attribute_not_exists(PK)"
    return {"Put": op}


def update(pk: str, sk: str, status: str, *, expected: str | None = None, all_old: bool = False) -> dict[str, Any]:
    op: dict[str, Any] = {
        "TableName": TABLE,
        "Key": key(pk, sk),
        "UpdateExpression": "SET #s = :s",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":s": s(status)},
    }
    if expected is not None:
        op["ConditionExpression"] = "#s = :e"
        op["ExpressionAttributeValues"][":e"] = s(expected)
    if all_old:
        op["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return {"Update": op}


def delete(pk: str, sk: str) -> dict[str, Any]:
    return {"Delete": {"TableName": TABLE, "Key": key(pk, sk), "ConditionExpression": "attribute_exists(PK)"}}


def check(pk: str, sk: str) -> dict[str, Any]:
    return {"ConditionCheck": {"TableName": TABLE, "Key": key(pk, sk), "ConditionExpression": "attribute_exists(PK)"}}


def seeded() -> DynamoDBBackend:
    """A backend with one streamed table holding a booking, its slot and a room."""
    backend = DynamoDBBackend(REGION, ACCOUNT)
    backend.create_table(
        TABLE,
        schema=KEYS,
        throughput=None,
        attr=ATTRS,
        global_indexes=GSI,
        indexes=None,
        streams={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        billing_mode="PAY_PER_REQUEST",
        sse_specification=None,
        tags=[],
        deletion_protection_enabled=False,
        warm_throughput=None,
    )
    backend.put_item(TABLE, {**key("ROOMDAY#fuji#2026-12-01", "BOOKING#0100#b1"), "status": s("booked")})
    backend.put_item(TABLE, {**key("ROOMDAY#fuji#2026-12-01", "SLOT#0100"), "booking": s("b1")})
    backend.put_item(TABLE, {**key("ROOM#fuji", "META"), "GSI1PK": s("FLEET"), "GSI1SK": s("room")})
    return backend


def outcome(
    backend: DynamoDBBackend, run: Callable[[DynamoDBBackend, list[dict[str, Any]]], None], items: list[dict[str, Any]]
) -> dict[str, Any]:
    """What a client and a stream reader can see after one transaction."""
    try:
        run(backend, items)
        answer: Any = "ok"
    except Exception as error:
        answer = (type(error).__name__, str(error), getattr(error, "cancellation_reasons", None))
    table = backend.get_table(TABLE)
    stored = sorted((i.to_json()["Attributes"] for i in table.all_items()), key=lambda a: (a["PK"]["S"], a["SK"]["S"]))
    assert table.stream_shard is not None
    stream = [(r.record["eventName"], r.record["dynamodb"]["Keys"]) for r in table.stream_shard.items]
    return {"answer": answer, "items": stored, "stream": stream}


SCENARIOS = {
    "a booking and its slots": [
        put("ROOMDAY#aso#2026-12-01", "BOOKING#0200#b2"),
        put("ROOMDAY#aso#2026-12-01", "SLOT#0200"),
    ],
    "a slot already taken cancels the whole booking": [
        put("ROOMDAY#fuji#2026-12-01", "BOOKING#0100#b3"),
        put("ROOMDAY#fuji#2026-12-01", "SLOT#0115"),
        put("ROOMDAY#fuji#2026-12-01", "SLOT#0100"),
    ],
    "an update, a delete and a failed check are all undone": [
        update("ROOMDAY#fuji#2026-12-01", "BOOKING#0100#b1", "ended"),
        delete("ROOMDAY#fuji#2026-12-01", "SLOT#0100"),
        put("ROOM#aso", "META", new=False, GSI1PK="FLEET", GSI1SK="room"),
        check("ROOM#everest", "META"),
    ],
    "a failed condition returns the old item": [
        put("ROOMDAY#aso#2026-12-01", "BOOKING#0300#b4"),
        update("ROOMDAY#fuji#2026-12-01", "BOOKING#0100#b1", "ended", expected="checked_in", all_old=True),
    ],
    "two operations on one item are refused": [
        update("ROOMDAY#fuji#2026-12-01", "BOOKING#0100#b1", "ended"),
        delete("ROOMDAY#fuji#2026-12-01", "BOOKING#0100#b1"),
    ],
    "a malformed update expression is refused": [
        put("ROOMDAY#aso#2026-12-01", "BOOKING#0400#b5"),
        {"Update": {"TableName": TABLE, "Key": key("ROOM#fuji", "META"), "UpdateExpression": "SET = oops"}},
    ],
    "a table that does not exist is a cancellation reason": [
        put("ROOMDAY#aso#2026-12-01", "BOOKING#0500#b6"),
        {"Put": {"TableName": "nowhere", "Item": key("A", "B")}},
    ],
    "a condition check that holds writes nothing": [check("ROOM#fuji", "META"), put("ROOM#aso", "META", new=True)],
}


@pytest.mark.parametrize("items", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_a_transaction_ends_as_it_does_in_moto(items: list[dict[str, Any]]) -> None:
    # Given the same table twice, and moto's own method beside the replacement
    transactions.install()
    moto_own = transactions.moto_transact_write_items
    assert moto_own is not None

    # When the same transaction runs through each
    expected = outcome(seeded(), moto_own, copy.deepcopy(items))
    actual = outcome(seeded(), transactions.transact_write_items, copy.deepcopy(items))

    # Then the client's answer, the stored items and the stream records are the same
    assert actual == expected


def test_a_cancelled_transaction_keeps_the_table_it_ran_on() -> None:
    # Given a table, held by reference as a concurrent reader would hold it
    backend = seeded()
    table = backend.get_table(TABLE)

    # When a transaction is cancelled by a slot already taken
    with pytest.raises(Exception, match="ConditionalCheckFailed"):
        transactions.transact_write_items(backend, SCENARIOS["a slot already taken cancels the whole booking"])

    # Then it is still the table the backend serves (moto's own swaps in a copy of the whole table)
    assert backend.get_table(TABLE) is table
    assert len(table.all_items()) == 3


def test_the_server_runs_the_replacement(aws_endpoint: str) -> None:
    # Given the embedded server started (the session's)
    # Then its DynamoDB backend runs transactions with the touched-items backup
    assert DynamoDBBackend.transact_write_items is transactions.transact_write_items


def test_moto_keeps_items_by_hash_then_range_and_streams_one_record_per_write() -> None:
    # Given a streamed table with a range key
    backend = seeded()
    table = backend.get_table(TABLE)
    assert table.stream_shard is not None
    before = len(table.stream_shard.items)

    # When an item is updated in place
    backend.update_item(
        TABLE,
        key("ROOM#fuji", "META"),
        update_expression="SET floor = :f",
        expression_attribute_names={},
        expression_attribute_values={":f": {"N": "5"}},
    )

    # Then the item the table holds under items[hash][range] is what get_item returns, and changed
    hash_key, range_key = backend.get_keys_value(table, key("ROOM#fuji", "META"))
    held = table.items[hash_key][range_key]
    assert held is table.get_item(hash_key, range_key)
    assert held.to_json()["Attributes"]["floor"] == {"N": "5"}
    # And the write appended exactly one stream record to a plain list
    assert isinstance(table.stream_shard.items, list) and len(table.stream_shard.items) == before + 1
