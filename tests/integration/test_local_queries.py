"""Queries on a table's key in the embedded server read one partition, and answer as moto's own.

Each query is sent twice to the embedded server (in this process): once through `skill.local.queries`, once
with moto's own `Table.query` put back; the answers must be the same. The last tests pin what the replacement
relies on in moto.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table

from skill.local import queries


@pytest.fixture
def client(aws_endpoint: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1")


@pytest.fixture
def days(client: Any, table: str) -> str:
    """A table of three rooms' days, each with bookings, slots and feed busy time; other partitions beside."""
    for room in ("fuji", "aso", "yari"):
        for sk in ("BOOKING#09:00#b1", "BOOKING#11:00#b2", "BUSY#10:00#e1", "FEED", "SLOT#09:00", "SLOT#09:15"):
            item = {"PK": {"S": f"ROOMDAY#{room}#2026-12-01"}, "SK": {"S": sk}, "room": {"S": room}}
            if sk.startswith("BOOKING"):
                item["status"] = {"S": "booked" if sk.endswith("b1") else "cancelled"}
            client.put_item(TableName=table, Item=item)
    client.put_item(TableName=table, Item={"PK": {"S": "ROOM#fuji"}, "SK": {"S": "META"}})
    return table


QUERIES: list[dict[str, Any]] = [
    {"KeyConditionExpression": "PK = :pk"},
    {"KeyConditionExpression": "PK = :pk AND begins_with(SK, :sk)", ":sk": "BOOKING#"},
    {"KeyConditionExpression": "PK = :pk AND SK BETWEEN :a AND :b", ":a": "BUSY#", ":b": "SLOT#09:00"},
    {"KeyConditionExpression": "PK = :pk AND SK < :sk", ":sk": "FEED"},
    {"KeyConditionExpression": "PK = :pk", "ScanIndexForward": False, "Limit": 2},
    {"KeyConditionExpression": "PK = :pk", "Limit": 4},
    {"KeyConditionExpression": "PK = :pk", "FilterExpression": "#s = :s", ":s": "booked", "#s": "status"},
    {"KeyConditionExpression": "PK = :pk", "ProjectionExpression": "SK, #s", "#s": "status"},
    {"KeyConditionExpression": "PK = :pk", "Select": "COUNT"},
    {"KeyConditionExpression": "PK = :pk", "ConsistentRead": True},
]


def request(table: str, spec: dict[str, Any], pk: str) -> dict[str, Any]:
    args: dict[str, Any] = {"TableName": table, ":pk": pk, **spec}
    values = {k: {"S": v} for k, v in args.items() if k.startswith(":")}
    names = {k: v for k, v in args.items() if k.startswith("#")}
    args = {k: v for k, v in args.items() if not k.startswith((":", "#"))}
    return {**args, "ExpressionAttributeValues": values, **({"ExpressionAttributeNames": names} if names else {})}


def every_page(client: Any, args: dict[str, Any]) -> list[dict[str, Any]]:
    pages = []
    while True:
        page = client.query(**args)
        page.pop("ResponseMetadata")
        pages.append(page)
        if "LastEvaluatedKey" not in page:
            return pages
        args = {**args, "ExclusiveStartKey": page["LastEvaluatedKey"]}


@pytest.mark.parametrize("spec", QUERIES)
@pytest.mark.parametrize("pk", ["ROOMDAY#aso#2026-12-01", "ROOMDAY#nowhere#2026-12-01", "ROOM#fuji"])
def test_a_query_on_the_tables_key_answers_as_moto_does(
    client: Any, days: str, spec: dict[str, Any], pk: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a query on one partition, every page of it
    args = request(days, spec, pk)

    # When it is answered from that partition, and by moto's own code over the whole table
    ours = every_page(client, args)
    assert queries.moto_query is not None
    monkeypatch.setattr(Table, "query", queries.moto_query)
    theirs = every_page(client, args)

    # Then the pages are the same
    assert ours == theirs


def test_an_index_query_is_left_to_moto(client: Any, table: str) -> None:
    # Given items on an index partition, one of them in a partition of its own table key
    for n in range(3):
        item = {"PK": {"S": f"USER#{n}"}, "SK": {"S": "META"}, "GSI1PK": {"S": "FLEET"}, "GSI1SK": {"S": f"u{n}"}}
        client.put_item(TableName=table, Item=item)

    # When the index is queried
    found = client.query(
        TableName=table,
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk",
        ExpressionAttributeValues={":pk": {"S": "FLEET"}},
    )

    # Then every item of the index partition is found, across table partitions
    assert [i["GSI1SK"]["S"] for i in found["Items"]] == ["u0", "u1", "u2"]


def test_what_the_replacement_relies_on_in_moto() -> None:
    # Given a moto table with a range key, and items in two partitions
    backend = DynamoDBBackend("us-east-1", "123456789012")
    table = backend.create_table(
        "pin",
        schema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        throughput=None,
        attr=[{"AttributeName": n, "AttributeType": "S"} for n in ("PK", "SK")],
        global_indexes=None,
        indexes=None,
        streams=None,
        billing_mode="PAY_PER_REQUEST",
        sse_specification=None,
        tags=[],
        deletion_protection_enabled=False,
        warm_throughput=None,
    )
    for pk, sk in (("A", "1"), ("A", "2"), ("B", "1")):
        backend.put_item("pin", {"PK": {"S": pk}, "SK": {"S": sk}})
    a, one = backend.get_keys_value(table, {"PK": {"S": "A"}, "SK": {"S": "1"}})

    # Then items are held as items[hash][range], and moto's own query over a view of one partition finds
    # that partition's items: the base-table query reads `all_items()` and keeps the hash key asked for
    assert table.items[a][one].hash_key == a
    assert queries.moto_query is not None
    found, _, _ = queries.moto_query(queries._Partition(table, a), a, None, [], None, None, True, None)
    assert [item.range_key.value for item in found] == ["1", "2"]
    assert "B" not in [item.hash_key.value for item in queries._Partition(table, a).all_items()]
