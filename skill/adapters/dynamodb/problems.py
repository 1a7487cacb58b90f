"""Room problems reported by voice, in the single table.

Item `PROBLEM#{id} / META`: `kind = "problem"`, `id`, `room` and `site` (ids), `problem` (the text as kept),
`reported_at` (`2026-12-01T10:15:00Z`), `status` ("open" or "resolved"), `resolved_at` once resolved, the
request id that reported it, and how telling the site's facilities contacts went (`notify_status`: pending,
delivered, failed, or none when the site has no facilities contacts; `notify_rounds`). Every problem is listed
through `GSI1PK = PROBLEMS`, `GSI1SK = {reported_at}#{id}`, oldest first. Nothing about who reported it.

The new item is put under `attribute_not_exists(PK)`, beside the device's problem counter in one
TransactWriteItems; its id comes from the request id, so a retried request finds its own problem and writes
nothing more. The attempts to tell the facilities contacts are `NOTIFY#{problem id}` items, kept with the host
notifications' (skill/adapters/dynamodb/visits.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from skill.adapters.dynamodb import counters
from skill.adapters.dynamodb.table import Table, inserted, key, note_status, notify_state
from skill.domain.facilities import Problem
from skill.domain.limits import Quota

PROBLEMS_INDEX = "PROBLEMS"
META = "META"
# "none": the site has no facilities contacts, so nobody was told.
NOTIFY_STATUSES = ("pending", "delivered", "failed", "none")


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def problem_key(problem_id: str) -> tuple[str, str]:
    return f"PROBLEM#{problem_id}", META


def problem_item(problem: Problem) -> dict[str, Any]:
    reported_at = _utc(problem.reported_at)
    return {
        "PK": problem_key(problem.id)[0],
        "SK": META,
        "kind": "problem",
        "id": problem.id,
        "room": problem.room,
        "site": problem.site,
        "problem": problem.problem,
        "reported_at": reported_at,
        "status": problem.status,
        "resolved_at": _utc(problem.resolved_at) if problem.resolved_at else None,
        "request_id": problem.request_id,
        "notify_status": "pending",
        "notify_rounds": 0,
        "GSI1PK": PROBLEMS_INDEX,
        "GSI1SK": f"{reported_at}#{problem.id}",
    }


def problem_from_item(item: Mapping[str, Any]) -> Problem:
    return Problem(
        id=item["id"],
        room=item["room"],
        site=item["site"],
        problem=item["problem"],
        reported_at=_parse(item["reported_at"]),
        status="resolved" if item.get("status") == "resolved" else "open",
        resolved_at=_parse(item["resolved_at"]) if item.get("resolved_at") else None,
        request_id=item.get("request_id"),
    )


def is_problem_item(item: Mapping[str, Any]) -> bool:
    return str(item.get("PK", "")).startswith("PROBLEM#") and item.get("kind") == "problem"


class DynamoProblemStore:
    def __init__(self, table: Table) -> None:
        self._table = table

    def add(self, problem: Problem, quota: Quota | None = None) -> Problem:
        """Store `problem`, taking a unit of `quota` in the same write; the problem stored, which is the earlier
        one when a retry of the same request finds its own write. LimitReached when the quota is spent."""
        stored = counters.put_new(self._table, problem_item(problem), quota)
        if stored is None:
            return problem
        if stored.get("request_id") != problem.request_id:
            raise KeyError(f"another problem holds the id {problem.id}")
        return problem_from_item(stored)

    def get(self, problem_id: str) -> Problem | None:
        item = self._table.get(*problem_key(problem_id), consistent=True)
        return problem_from_item(item) if item and is_problem_item(item) else None

    def list_problems(self, *, open_only: bool = False, site: str | None = None) -> list[Problem]:
        """Every problem (the open ones, one site's), oldest first: one index query, filtered."""
        conditions, names, values = [], {}, {":pk": {"S": PROBLEMS_INDEX}}
        if open_only:
            conditions.append("#status = :open")
            names["#status"] = "status"
            values[":open"] = {"S": "open"}
        if site is not None:
            conditions.append("#site = :site")
            names["#site"] = "site"
            values[":site"] = {"S": site}
        filters: dict[str, Any] = {}
        if conditions:
            filters = {"FilterExpression": " AND ".join(conditions), "ExpressionAttributeNames": names}
        items = self._table.query(
            IndexName="GSI1", KeyConditionExpression="GSI1PK = :pk", ExpressionAttributeValues=values, **filters
        )
        return [problem_from_item(item) for item in items if is_problem_item(item)]

    def resolve(self, problem: Problem, at: datetime) -> bool:
        """Mark the problem resolved at `at`, unless it is resolved already (or gone): False then."""
        client = self._table.client
        try:
            client.update_item(
                TableName=self._table.name,
                Key=key(*problem_key(problem.id)),
                UpdateExpression="SET #status = :resolved, resolved_at = :at",
                ConditionExpression="attribute_exists(PK) AND #status = :open",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":resolved": {"S": "resolved"},
                    ":open": {"S": "open"},
                    ":at": {"S": _utc(at)},
                },
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    @staticmethod
    def problem_in_stream_record(record: Mapping[str, Any]) -> Problem | None:
        """The problem a DynamoDB Stream record inserted; None for any other record."""
        item = inserted(record)
        return problem_from_item(item) if item and is_problem_item(item) else None

    def pending_notifications(self, since: datetime) -> list[Problem]:
        """Problems reported since `since` whose facilities contacts have not been told yet."""
        items = self._table.query(
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :pk AND GSI1SK >= :since",
            FilterExpression="notify_status = :pending",
            ExpressionAttributeValues={
                ":pk": {"S": PROBLEMS_INDEX},
                ":since": {"S": _utc(since)},
                ":pending": {"S": "pending"},
            },
        )
        return [problem_from_item(item) for item in items if is_problem_item(item)]

    def notify_state(self, problem: Problem) -> tuple[str, int] | None:
        return notify_state(self._table.get(*problem_key(problem.id), consistent=True))

    def set_notify_status(self, problem: Problem, status: str, *, count_round: bool = False) -> None:
        """Record how telling the facilities contacts went; a problem deleted meanwhile stays deleted."""
        note_status(self._table, *problem_key(problem.id), status, NOTIFY_STATUSES, count_round=count_round)
