"""Usage items in the single table (skill/domain/usage.py says what they hold), and the problems list.

Each `UsageChange` is one UpdateItem: SET of the attributes a fact states, REMOVE of those it withdrew, ADD and
DELETE of ids in string sets, ADD of a room day's `version` (the item then comes back, to be briefed). Each
is idempotent, so a stream record folded twice writes the same. A change that only removes is conditional on
the item being there, so it never creates an empty item; a brief is recorded on its room's item only while
the item is at the version it was made from.

The report reads the sites' `SITE` items of its days by key (BatchGetItem, 100 a request), and the problems
through `GSI1PK = PROBLEMS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from skill.adapters.dynamodb.problems import PROBLEMS_INDEX
from skill.adapters.dynamodb.table import Table, from_attrs, key
from skill.domain.model import DEFAULT_SITE
from skill.domain.usage import (
    SITE_SK,
    VERSION,
    ProblemRow,
    RoomDaySummary,
    SiteDay,
    UsageChange,
    site_day_from_item,
    summaries_from_site_item,
    usage_pk,
)


def stream_images(record: Mapping[str, Any]) -> tuple[str, dict[str, Any] | None, dict[str, Any] | None]:
    """A DynamoDB Stream record's event name and its old and new images as plain dicts."""
    change = record.get("dynamodb") or {}
    old, new = change.get("OldImage"), change.get("NewImage")
    keys = change.get("Keys") or {}
    if old is None and new is None and keys:
        old = keys  # a stream that carries keys only: enough to withdraw what the item stated
    return (
        str(record.get("eventName", "")),
        from_attrs(old) if old else None,
        from_attrs(new) if new else None,
    )


def update_request(change: UsageChange) -> dict[str, Any]:
    """The UpdateItem arguments (without the table name) that apply `change`."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    clauses: list[str] = []

    def name(attr: str) -> str:
        placeholder = f"#n{len(names)}"
        names[placeholder] = attr
        return placeholder

    def value(attr_value: dict[str, Any]) -> str:
        placeholder = f":v{len(values)}"
        values[placeholder] = attr_value
        return placeholder

    if change.put:
        clauses.append("SET " + ", ".join(f"{name(a)} = {value({'S': v})}" for a, v in change.put.items()))
    if change.remove:
        clauses.append("REMOVE " + ", ".join(name(a) for a in change.remove))
    adds = [f"{name(a)} {value({'SS': sorted(ids)})}" for a, ids in change.add.items()]
    if change.versioned:
        adds.append(f"{name(VERSION)} {value({'N': '1'})}")
    if adds:
        clauses.append("ADD " + ", ".join(adds))
    if change.discard:
        discard = change.discard.items()
        clauses.append("DELETE " + ", ".join(f"{name(a)} {value({'SS': sorted(ids)})}" for a, ids in discard))
    request: dict[str, Any] = {
        "Key": key(change.pk, change.sk),
        "UpdateExpression": " ".join(clauses),
        "ExpressionAttributeNames": names,
    }
    if not change.put and not change.add:
        request["ConditionExpression"] = "attribute_exists(PK)"
    elif change.at_version is not None:
        request["ConditionExpression"] = f"{name(VERSION)} = {value({'N': str(change.at_version)})}"
    if values:
        request["ExpressionAttributeValues"] = values
    if change.versioned or change.at_version is not None:
        request["ReturnValues"] = "ALL_NEW"
    return request


class DynamoUsageStore:
    def __init__(self, table: Table) -> None:
        self._table = table

    @staticmethod
    def stream_images(record: Mapping[str, Any]) -> tuple[str, dict[str, Any] | None, dict[str, Any] | None]:
        return stream_images(record)

    def apply(self, change: UsageChange) -> dict[str, Any] | None:
        """Apply `change`; a versioned or conditional one returns the item as it now stands, None when its
        condition did not hold."""
        if not (change.put or change.remove or change.add or change.discard):
            return None
        try:
            answer = self._table.client.update_item(TableName=self._table.name, **update_request(change))
        except self._table.client.exceptions.ConditionalCheckFailedException:
            return None  # nothing to withdraw from an item that is not there, or a later change came first
        return from_attrs(answer["Attributes"]) if "Attributes" in answer else None

    def usage(self, site_ids: Sequence[str], days: Sequence[date]) -> tuple[list[RoomDaySummary], list[SiteDay]]:
        """The `SITE` usage items of `site_ids` on their local `days`, read by key."""
        keys = [(usage_pk(site_id, day), SITE_SK) for site_id in site_ids for day in days]
        rooms: list[RoomDaySummary] = []
        sites: list[SiteDay] = []
        for (pk, _), item in sorted(self._table.batch_get(keys).items()):
            _, site_id, day_text = pk.rsplit("#", 2)
            day = date.fromisoformat(day_text)
            sites.append(site_day_from_item(site_id, day, item))
            rooms += summaries_from_site_item(day, item)
        return rooms, sites

    def problems(self, site_ids: Iterable[str], reported_since: str) -> list[ProblemRow]:
        """The sites' problems reported since `reported_since` (ISO UTC), and those still open from before."""
        wanted = set(site_ids)
        items = self._table.query(
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :pk",
            FilterExpression="#status = :open OR GSI1SK >= :since",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":pk": {"S": PROBLEMS_INDEX},
                ":open": {"S": "open"},
                ":since": {"S": reported_since},
            },
        )
        return [
            ProblemRow(
                id=str(item["id"]),
                room=str(item.get("room", "")),
                site=str(item.get("site") or DEFAULT_SITE),
                problem=str(item.get("problem", "")),
                status=str(item.get("status", "open")),
                reported_at=str(item.get("reported_at", "")),
            )
            for item in items
            if str(item.get("site") or DEFAULT_SITE) in wanted
        ]
