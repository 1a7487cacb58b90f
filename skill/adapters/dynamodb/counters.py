"""Counters of limited actions (skill/domain/limits.py) in the single table, taken in the write of the action.

Items `COUNT#{action}#{subject} / {window}` hold `n`, the units taken in that window, and `expires_at` (TTL), a
day after the window ends. `take` is the transaction item that takes one unit unless the counter is spent; the
stores put it beside the action's own writes (a booking's transaction, the call log's put, the visit's put), so
an action over its limit writes nothing and costs no extra round trip.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from skill.adapters.dynamodb.table import condition_failed, from_attrs, key, to_attrs

if TYPE_CHECKING:
    from skill.adapters.dynamodb.table import Table
    from skill.domain.limits import Quota

FAILED = "ConditionalCheckFailed"


def counter_key(quota: Quota) -> tuple[str, str]:
    return f"COUNT#{quota.action}#{quota.subject}", quota.window


def take(quota: Quota) -> dict[str, Any]:
    """The transaction item (without its table name) taking one unit of `quota`, refused once it is spent."""
    return {
        "Update": {
            "Key": key(*counter_key(quota)),
            "UpdateExpression": "SET expires_at = :expires ADD #n :one",
            "ConditionExpression": "attribute_not_exists(#n) OR #n < :limit",
            "ExpressionAttributeNames": {"#n": "n"},
            "ExpressionAttributeValues": {
                ":one": {"N": "1"},
                ":limit": {"N": str(quota.limit)},
                ":expires": {"N": str(quota.expires_at)},
            },
        }
    }


def put_new(table: Table, item: Mapping[str, Any], quota: Quota | None) -> dict[str, Any] | None:
    """Put `item` unless an item with its key is stored, taking a unit of `quota` (when given) in the same write.

    Returns None when written, the stored item when one was there (nothing written); raises LimitReached when
    the quota is spent (nothing written).
    """
    new_only = {"ConditionExpression": "attribute_not_exists(PK)", "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
    if quota is None:
        try:
            table.put(item, **new_only)
        except ClientError as error:
            if not condition_failed(error):
                raise
            return from_attrs(error.response.get("Item") or {})  # type: ignore[arg-type]
        return None
    writes = [
        {"Put": {"TableName": table.name, "Item": to_attrs(item), **new_only}},
        {"Update": {"TableName": table.name, **take(quota)["Update"]}},
    ]
    reasons = table.transact(writes)
    if reasons is None:
        return None
    stored, counter = [*reasons, {}, {}][:2]
    if stored.get("Code") == FAILED:
        return from_attrs(stored.get("Item") or {})
    if counter.get("Code") == FAILED:
        raise quota.reached()
    raise AssertionError(f"a transaction cancelled for no condition of its own: {reasons}")  # pragma: no cover
