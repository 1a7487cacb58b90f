"""The table's DynamoDB Stream as a Lambda event source delivers it: records read from moto's server, shaped
as they reach a function (`eventSourceARN` added, the creation time in epoch seconds)."""

from __future__ import annotations

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
