"""Queries on a table's own key in the embedded server (moto's) that read one partition, not the table.

moto answers a `Query` on the table's partition key by listing every item of the table, sorting them all, and
keeping those of the partition asked for: each room's day the skill reads costs the size of the whole table
(a fleet of 10,000 people is some 15,000 items). DynamoDB reads the partition alone.

`install()` wraps moto's `Table.query` so that a query on the table's key (not on an index) runs moto's own
code on a view of the table whose `all_items()` holds that partition's items only: the same conditions,
sort, filter, projection, limits and pages, on what DynamoDB would read. Index queries are moto's as they
are. What this relies on (a base-table query reads `all_items()` and keeps the items whose hash key is the
one asked; items held as `Table.items[hash][range]`) is pinned by tests/integration/test_local_queries.py,
which also compares answers with moto's own.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from moto.dynamodb.models.table import Table

# moto's own method and its signature, once `install` has replaced it (the tests compare the two).
moto_query: Callable[..., Any] | None = None
_signature: inspect.Signature | None = None


class _Partition:
    """A table as one of its partitions: every attribute is the table's, but `all_items()` holds only the
    items under `hash_key`, in order of their range key."""

    def __init__(self, table: Table, hash_key: DynamoType) -> None:
        self._table = table
        self._hash_key = hash_key

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)

    def all_items(self) -> list[Item]:
        table = self._table
        if self._hash_key not in table.items:  # `items` is a defaultdict: looking it up would add it
            return []
        held: Any = table.items[self._hash_key]
        if not table.range_key_attr:
            return [held]
        return sorted(held.values(), key=lambda item: item.range_key)


def query(table: Table, *args: Any, **kwargs: Any) -> Any:
    """moto's `Table.query`; on the table's own key, over the partition asked for only."""
    assert moto_query is not None and _signature is not None
    bound = _signature.bind(table, *args, **kwargs)
    if bound.arguments.get("index_name"):
        return moto_query(table, *args, **kwargs)
    return moto_query(_Partition(table, bound.arguments["hash_key"]), *args, **kwargs)


def install() -> None:
    """Make moto's tables answer queries on their key this way (once per process)."""
    from moto.dynamodb.models.table import Table

    global moto_query, _signature
    if Table.query is not query:
        moto_query, _signature = Table.query, inspect.signature(Table.query)
        setattr(Table, "query", query)  # noqa: B010 - patching on purpose
