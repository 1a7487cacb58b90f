"""The table's stream tailed as the local runtime reads it (skill/adapters/dynamodb/stream.py), on moto's server."""

from __future__ import annotations

import boto3

from skill.adapters.dynamodb.stream import IDLE_SECONDS, StreamTail
from skill.adapters.dynamodb.table import Table


def test_the_tail_reads_each_record_once_and_rests_after_finding_nothing(aws_endpoint: str, table: str) -> None:
    # Given a table with two writes, and a tail on its stream with a clock the test moves
    client = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1")
    store = Table(client, table)
    store.put({"PK": "CALL#c1", "SK": "META", "id": "c1"})
    store.put({"PK": "CALL#c1", "SK": "META", "id": "c1", "status": "ended"})
    now = [0.0]
    tail = StreamTail(store, clock=lambda: now[0])
    # When it reads: both records, oldest first; then nothing new
    assert [r["eventName"] for r in tail.read()] == ["INSERT", "MODIFY"]
    assert tail.read() == []
    # Then a write made while it rests is read once it has rested, and only once
    store.put({"PK": "CALL#c2", "SK": "META", "id": "c2"})
    assert tail.read() == []
    now[0] += IDLE_SECONDS
    assert [r["dynamodb"]["Keys"]["PK"]["S"] for r in tail.read()] == ["CALL#c2"]
    assert tail.read() == []
