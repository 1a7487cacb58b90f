"""The table's DynamoDB Stream read from its start and then tailed, as the local runtime folds it (in AWS a
Lambda event source reads it instead).

The first read starts at the trim horizon: what the stream still holds is read again after a restart, which
folding takes without counting twice. Closed shards are dropped, and shards are listed again when none is left.
After a read that found nothing the stream is left alone for `IDLE_SECONDS`: the embedded server keeps every
shard iterator it hands out, one a read, so asking every 2 seconds would grow its memory by the day.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skill.adapters.dynamodb.table import Table

RECORDS_PER_READ = 1000
IDLE_SECONDS = 30.0


class StreamTail:
    def __init__(self, table: Table, clock: Callable[[], float] = time.monotonic) -> None:
        self._table = table
        self._clock = clock
        self._client: Any = None
        self._iterators: dict[str, str] = {}
        self._done: set[str] = set()
        self._idle_until = 0.0

    def _streams(self) -> Any:
        if self._client is None:
            from skill.adapters import aws

            client = self._table.client
            self._client = aws.client(
                "dynamodbstreams", "jobs", region=client.meta.region_name, endpoint_url=client.meta.endpoint_url
            )
        return self._client

    def _open_shards(self) -> None:
        arn = self._table.client.describe_table(TableName=self._table.name)["Table"].get("LatestStreamArn")
        if not arn:
            return
        shards = self._streams().describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id in self._iterators or shard_id in self._done:
                continue
            answer = self._streams().get_shard_iterator(
                StreamArn=arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
            )
            self._iterators[shard_id] = answer["ShardIterator"]

    def read(self) -> list[dict[str, Any]]:
        if self._clock() < self._idle_until:
            return []
        if not self._iterators:
            self._open_shards()
        records: list[dict[str, Any]] = []
        for shard_id, iterator in list(self._iterators.items()):
            answer = self._streams().get_records(ShardIterator=iterator, Limit=RECORDS_PER_READ)
            records.extend(answer.get("Records", []))
            following = answer.get("NextShardIterator")
            if following:
                self._iterators[shard_id] = following
            else:
                del self._iterators[shard_id]
                self._done.add(shard_id)
        self._idle_until = 0.0 if records else self._clock() + IDLE_SECONDS
        return records
