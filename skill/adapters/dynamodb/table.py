"""The low-level DynamoDB client shared by the store modules: item (de)serialisation, key helpers and the
bulk requests (BatchGetItem and BatchWriteItem in chunks, a few at once, unprocessed items retried)."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
BATCH_WRITE_ITEMS = 25  # DynamoDB's limit per BatchWriteItem
BATCH_GET_KEYS = 100  # and per BatchGetItem
PARALLEL_WRITES = 4  # BatchWriteItem requests in flight at once (botocore's pool holds 10 connections)
UNPROCESSED_RETRIES = 8  # rounds for the items DynamoDB left unprocessed (throttled) before giving up
BACKOFF_BASE_SECONDS = 0.05
BACKOFF_CAP_SECONDS = 2.0


class UnprocessedItemsError(BotoCoreError):
    """DynamoDB kept leaving items of a BatchWriteItem unprocessed (throttling): the write is incomplete."""

    fmt = "DynamoDB left {count} item(s) unprocessed after {rounds} retries (throttled)"


def to_attrs(item: Mapping[str, Any]) -> dict[str, Any]:
    """A plain dict (str, int, bool, list, dict, None) as DynamoDB attribute values; None fields dropped."""
    return {k: _serializer.serialize(v) for k, v in item.items() if v is not None}


def from_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute values as a plain dict; numbers come back as int when they are whole."""
    return {k: _plain(_deserializer.deserialize(v)) for k, v in attrs.items()}


def _plain(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def condition_failed(error: ClientError) -> bool:
    """Whether a write was refused because its condition did not hold."""
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


# A transaction cancelled only because another one was touching the same items is tried this many times more.
CONFLICT_RETRIES = 2


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def inserted(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """The item a DynamoDB Stream record inserted, as a plain dict; None for any other record."""
    image = record.get("dynamodb", {}).get("NewImage")
    if record.get("eventName") != "INSERT" or not image:
        return None
    return from_attrs(image)


def notify_state(item: Mapping[str, Any] | None) -> tuple[str, int] | None:
    """A stored fact's (a visit's, a problem's) `notify_status` and delivery rounds run so far; None when it is gone."""
    if item is None:
        return None
    return str(item.get("notify_status", "pending")), int(item.get("notify_rounds", 0))


def note_status(
    table: Table, pk: str, sk: str, status: str, statuses: Sequence[str], *, count_round: bool = False
) -> None:
    """Set `notify_status` of a stored fact (a visit, a problem) to one of its `statuses`, adding one to
    `notify_rounds` when `count_round`; a fact deleted meanwhile stays deleted."""
    if status not in statuses:
        raise ValueError(f"unknown notify status {status!r}")
    expression = "SET notify_status = :status"
    values: dict[str, Any] = {":status": {"S": status}}
    if count_round:
        expression += " ADD notify_rounds :one"
        values[":one"] = {"N": "1"}
    try:
        table.client.update_item(
            TableName=table.name,
            Key=key(pk, sk),
            UpdateExpression=expression,
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues=values,
        )
    except ClientError as error:
        if not condition_failed(error):
            raise


@dataclass
class Table:
    """A table name and the client that reaches it."""

    client: DynamoDBClient
    name: str

    def get(self, pk: str, sk: str, *, consistent: bool = False) -> dict[str, Any] | None:
        resp = self.client.get_item(TableName=self.name, Key=key(pk, sk), ConsistentRead=consistent)
        return from_attrs(resp["Item"]) if "Item" in resp else None

    def put(self, item: Mapping[str, Any], **kwargs: Any) -> None:
        self.client.put_item(TableName=self.name, Item=to_attrs(item), **kwargs)

    def delete(self, pk: str, sk: str, **kwargs: Any) -> None:
        self.client.delete_item(TableName=self.name, Key=key(pk, sk), **kwargs)

    def transact(self, writes: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]] | None:
        """Run `writes` as one TransactWriteItems; None when it went through, the cancellation reasons (one per
        write, in order) when a condition failed.

        Each attempt has its own client request token, so the SDK's retries of that attempt are idempotent. A
        transaction cancelled only because another one was touching the same items is tried again.
        """
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                self.client.transact_write_items(TransactItems=list(writes), ClientRequestToken=uuid.uuid4().hex)  # type: ignore[arg-type]
                return None
            except ClientError as error:
                if error.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                reasons: list[dict[str, Any]] = list(error.response.get("CancellationReasons", []))  # type: ignore[arg-type]
                codes = [reason.get("Code", "None") for reason in reasons]
                if "ConditionalCheckFailed" in codes:
                    return reasons
                if "TransactionConflict" not in codes or attempt == CONFLICT_RETRIES:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def query(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every item a Query returns, page after page."""
        args: dict[str, Any] = {"TableName": self.name, **kwargs}
        while True:
            resp = self.client.query(**args)
            for attrs in resp.get("Items", []):
                yield from_attrs(attrs)
            if "LastEvaluatedKey" not in resp:
                return
            args["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def query_pk(self, pk: str, sk_prefix: str | None = None, *, consistent: bool = False) -> Iterator[dict[str, Any]]:
        if sk_prefix is None:
            return self.query(
                KeyConditionExpression="PK = :pk",
                ExpressionAttributeValues={":pk": {"S": pk}},
                ConsistentRead=consistent,
            )
        return self.query(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :sk)",
            ExpressionAttributeValues={":pk": {"S": pk}, ":sk": {"S": sk_prefix}},
            ConsistentRead=consistent,
        )

    def query_index(
        self, gsi_pk: str, sk_prefix: str | None = None, *, attributes: tuple[str, ...] = ()
    ) -> Iterator[dict[str, Any]]:
        """Items under one GSI1 partition; only `attributes` of each when any are named."""
        values: dict[str, Any] = {":pk": {"S": gsi_pk}}
        condition = "GSI1PK = :pk"
        if sk_prefix is not None:
            condition += " AND begins_with(GSI1SK, :sk)"
            values[":sk"] = {"S": sk_prefix}
        projection: dict[str, Any] = {}
        if attributes:
            names = {f"#a{i}": name for i, name in enumerate(attributes)}
            projection = {"ProjectionExpression": ", ".join(names), "ExpressionAttributeNames": names}
        return self.query(
            IndexName="GSI1", KeyConditionExpression=condition, ExpressionAttributeValues=values, **projection
        )

    def batch_get(
        self, keys: list[tuple[str, str]], *, consistent: bool = False
    ) -> dict[tuple[str, str], dict[str, Any]]:
        """Items by (PK, SK): one BatchGetItem round trip per 100 keys (retrying unprocessed keys)."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), BATCH_GET_KEYS):
            chunk = unique[start : start + BATCH_GET_KEYS]
            request: dict[str, Any] = {
                self.name: {"Keys": [key(pk, sk) for pk, sk in chunk], "ConsistentRead": consistent}
            }
            while request:
                resp = self.client.batch_get_item(RequestItems=request)
                for attrs in resp.get("Responses", {}).get(self.name, []):
                    item = from_attrs(attrs)
                    found[(item["PK"], item["SK"])] = item
                request = resp.get("UnprocessedKeys") or {}
        return found

    def batch_write(
        self,
        puts: Sequence[Mapping[str, Any]],
        deletes: Sequence[tuple[str, str]] = (),
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Put and delete items with BatchWriteItem: 25 per request, PARALLEL_WRITES requests at once, the
        items DynamoDB leaves unprocessed sent again after a growing pause. `progress(n)` is told of every
        n items written. Each key may appear once; nothing is conditional, so a retry writes the same."""
        requests = [{"PutRequest": {"Item": to_attrs(item)}} for item in puts]
        requests += [{"DeleteRequest": {"Key": key(pk, sk)}} for pk, sk in deletes]
        chunks = [requests[n : n + BATCH_WRITE_ITEMS] for n in range(0, len(requests), BATCH_WRITE_ITEMS)]
        if not chunks:
            return
        lock = threading.Lock()

        def send(chunk: list[dict[str, Any]]) -> None:
            self._write_chunk(chunk)
            if progress is not None:
                with lock:
                    progress(len(chunk))

        if len(chunks) == 1:
            send(chunks[0])
            return
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=PARALLEL_WRITES, thread_name_prefix="batch-write") as pool:
            list(pool.map(send, chunks))  # re-raises the first failure

    def _write_chunk(self, chunk: list[dict[str, Any]]) -> None:
        pending: dict[str, Any] = {self.name: chunk}
        for attempt in range(UNPROCESSED_RETRIES + 1):
            resp = self.client.batch_write_item(RequestItems=pending)
            pending = resp.get("UnprocessedItems") or {}
            if not pending.get(self.name):
                return
            pause = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt)
            time.sleep(random.uniform(pause / 2, pause))  # noqa: S311 (jitter, not a secret)
        raise UnprocessedItemsError(count=len(pending[self.name]), rounds=UNPROCESSED_RETRIES)
