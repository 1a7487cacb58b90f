"""The table's DynamoDB Stream as a Lambda event source delivers it: records read from moto's server, shaped
as they reach a function (`eventSourceARN` added, the creation time in epoch seconds)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def stream_records(client: DynamoDBClient, table: str) -> list[dict[str, Any]]:
    """Every record on the table's stream so far, oldest first."""
    arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    streams = boto3.client(
        "dynamodbstreams", endpoint_url=client.meta.endpoint_url, region_name=client.meta.region_name
    )
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")
        for record in streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]:
            change: dict[str, Any] = dict(record["dynamodb"])
            change["ApproximateCreationDateTime"] = int(change["ApproximateCreationDateTime"].timestamp())
            records.append({**record, "dynamodb": change, "eventSourceARN": arn})
    return records


def visit_inserts(client: DynamoDBClient, table: str) -> list[dict[str, Any]]:
    """The records the notifier's event source passes on: inserts of `VISITDAY#` items (its FilterCriteria)."""
    return [
        record
        for record in stream_records(client, table)
        if record["eventName"] == "INSERT" and record["dynamodb"]["Keys"]["PK"]["S"].startswith("VISITDAY#")
    ]


def problem_inserts(client: DynamoDBClient, table: str) -> list[dict[str, Any]]:
    """The records of new room problems (`PROBLEM#` items) the notifier's event source passes on."""
    return [
        record
        for record in stream_records(client, table)
        if record["eventName"] == "INSERT" and record["dynamodb"]["Keys"]["PK"]["S"].startswith("PROBLEM#")
    ]


def passes_filters(mapping: dict[str, Any], event: str, pk: str, sk: str) -> bool:
    """Whether a stream record of that event and key reaches the function: the event source's filters (any one of
    them) as Lambda applies their `eventName` lists and `prefix` rules."""

    def matches(rule: Any, value: str) -> bool:
        return any(value.startswith(r["prefix"]) if isinstance(r, dict) else value == r for r in rule)

    for each in mapping["FilterCriteria"]["Filters"]:
        pattern = json.loads(each["Pattern"])
        keys = pattern.get("dynamodb", {}).get("Keys", {})
        if "eventName" in pattern and event not in pattern["eventName"]:
            continue
        if "PK" in keys and not matches(keys["PK"]["S"], pk):
            continue
        if "SK" in keys and not matches(keys["SK"]["S"], sk):
            continue
        return True
    return False


def delivered(records: list[dict[str, Any]], mapping: dict[str, Any]) -> list[dict[str, Any]]:
    """The records an event source mapping (its transformed template properties) passes on to its function."""
    return [
        record
        for record in records
        if passes_filters(
            mapping, record["eventName"], record["dynamodb"]["Keys"]["PK"]["S"], record["dynamodb"]["Keys"]["SK"]["S"]
        )
    ]
