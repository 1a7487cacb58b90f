"""DynamoDB transactions in the embedded server (moto's) that keep up with a large table.

moto applies a `TransactWriteItems` item by item and, to roll back a cancelled one, deep-copies every
table the transaction names before it starts: the whole table, its items and all its stream records.
A fleet apply of a few thousand entities, one transaction each, then costs the square of the fleet,
and every booking gets slower as the table and its stream grow.

`install()` replaces that method with one that behaves the same way (the same checks in the same
order, the same cancellation reasons) but backs up only the items the transaction touches, and the
length of each touched table's stream, just before it changes them. One transaction runs at a time,
as DynamoDB isolates them. What this relies on in moto (items held as `Table.items[hash][range]`,
stream records appended to `Table.stream_shard.items`, the backend's item methods) is pinned by
tests/integration/test_local_transactions.py, which also compares the outcome with moto's own.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from moto.dynamodb.models.table import Table

MAX_ITEMS = 100  # DynamoDB's limit for one transaction
_OPERATIONS = frozenset({"ConditionCheck", "Put", "Delete", "Update"})
_ONE_AT_A_TIME = threading.Lock()
# moto's own method, once `install` has replaced it (the tests compare the two).
moto_transact_write_items: Callable[[DynamoDBBackend, list[dict[str, Any]]], None] | None = None

# A cancellation reason per item, as moto reports them: (code, message, item) or (None, None, None).
Reason = tuple[str | None, str | None, dict[str, Any] | None]


@dataclass
class _Undo:
    """What a transaction changed, so a cancelled one can put it back."""

    items: list[tuple[Table, DynamoType, DynamoType | None, Item | None]] = field(default_factory=list)
    streams: dict[int, tuple[Table, int]] = field(default_factory=dict)

    def before_change(self, table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> None:
        current = table.get_item(hash_key, range_key)
        self.items.append((table, hash_key, range_key, copy.deepcopy(current)))
        if table.stream_shard is not None and id(table) not in self.streams:
            self.streams[id(table)] = (table, len(table.stream_shard.items))

    def restore(self) -> None:
        for table, hash_key, range_key, item in reversed(self.items):
            partition: Any = table.items
            slot: Any = hash_key
            if range_key is not None:
                partition, slot = table.items[hash_key], range_key
            if item is None:
                partition.pop(slot, None)
            else:
                partition[slot] = item
        for table, length in self.streams.values():
            if table.stream_shard is not None:
                del table.stream_shard.items[length:]


def transact_write_items(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """moto's `DynamoDBBackend.transact_write_items`, rolling back only what it touched."""
    from moto.dynamodb.exceptions import TooManyTransactionsException, TransactionCanceledException

    if len(transact_items) > MAX_ITEMS:
        raise TooManyTransactionsException()
    undo = _Undo()
    targets: set[tuple[str, str]] = set()
    with _ONE_AT_A_TIME:
        try:
            reasons = [_apply(backend, item, undo, targets) for item in transact_items]
        except BaseException:
            undo.restore()
            raise
        if any(code is not None for code, _, _ in reasons):
            undo.restore()
            raise TransactionCanceledException(reasons)


def _apply(backend: DynamoDBBackend, item: dict[str, Any], undo: _Undo, targets: set[tuple[str, str]]) -> Reason:
    """One item of a transaction: checked, then written; its cancellation reason, or (None, None, None)."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TransactWriteSingleOpException,
    )

    if len(item) > 1:
        raise TransactWriteSingleOpException
    original: dict[str, Any] | None = None
    try:
        op_type, op = next(iter(item.items()))
        if op_type not in _OPERATIONS:
            raise ValueError("Unsupported transaction operation")
        table_name = op["TableName"]
        names = op.get("ExpressionAttributeNames")
        values = op.get("ExpressionAttributeValues")
        condition = op.get("ConditionExpression")
        if op_type == "Put":
            table = backend.get_table(table_name)
            key = {name: op["Item"][name] for name in table.table_key_attrs}
        else:
            key = op["Key"]
        target = (str(table_name), str(dict(sorted(key.items()))))
        if target in targets:
            raise MultipleTransactionsException()
        targets.add(target)

        current = backend.get_item(table_name, key)
        if condition is not None and not get_filter_expression(condition, names, values).expr(current):
            if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                original = current.to_json()["Attributes"]
            raise ConditionalCheckFailed(item=original)
        if op_type == "ConditionCheck":
            return (None, None, None)

        table = backend.get_table(table_name)
        undo.before_change(table, *backend.get_keys_value(table, key))
        expression = {
            "condition_expression": condition,
            "expression_attribute_names": names,
            "expression_attribute_values": values,
        }
        if op_type == "Put":
            backend.put_item(table_name, op["Item"], **expression)
        elif op_type == "Delete":
            backend.delete_item(table_name, key, **expression)
        else:
            backend.update_item(table_name, key, update_expression=op["UpdateExpression"], **expression)
        return (None, None, None)
    except (MultipleTransactionsException, MockValidationException):
        raise
    except ConditionalCheckFailed as error:
        return ("ConditionalCheckFailed", str(error.message), original)
    except Exception as error:  # moto reports any other failure as that item's cancellation reason
        return (type(error).__name__, str(error), original)


def install() -> None:
    """Make moto's DynamoDB backend run transactions this way (once per process)."""
    from moto.dynamodb.models import DynamoDBBackend

    global moto_transact_write_items
    if DynamoDBBackend.transact_write_items is not transact_write_items:
        moto_transact_write_items = DynamoDBBackend.transact_write_items
        setattr(DynamoDBBackend, "transact_write_items", transact_write_items)  # noqa: B010 - patching on purpose
