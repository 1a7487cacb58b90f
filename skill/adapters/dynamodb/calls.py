"""The call log in the single table: one item `CALL#{id} / META` per dial attempt.

`start` is a conditional put, so a retried Alexa request (same request id, same number, hence the same
call id) finds its call already there and does not dial again; a call that counts against the device's
limit takes its unit of the counter in the same write (skill/adapters/dynamodb/counters.py).
`GSI1PK = CALLS`, `GSI1SK = created_at` (UTC) lists attempts newest first. Status updates never move a
call backwards (see `CallStatus.rank`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from botocore.exceptions import ClientError

from skill.adapters.dynamodb import counters
from skill.adapters.dynamodb.table import Table, condition_failed, key
from skill.domain.calls import CallRecord, CallStatus
from skill.domain.limits import Quota
from skill.domain.model import DEFAULT_SITE

META = "META"
INDEX = "CALLS"


def _pk(call_id: str) -> str:
    return f"CALL#{call_id}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _item(call: CallRecord) -> dict[str, Any]:
    created = _iso(call.created_at)
    return {
        "PK": _pk(call.id),
        "SK": META,
        "GSI1PK": INDEX,
        "GSI1SK": created,
        "type": "call",
        "id": call.id,
        "device": call.device,
        "to": call.to,
        "contact": call.contact,
        "user": call.user,
        "status": call.status.value,
        "provider": call.provider,
        "provider_id": call.provider_id,
        "request_id": call.request_id,
        "created_at": created,
        "expires_at": int(call.expires_at.timestamp()) if call.expires_at else None,
        "site": call.site,
    }


def _record(item: dict[str, Any]) -> CallRecord:
    expires = item.get("expires_at")
    return CallRecord(
        id=item["id"],
        device=item.get("device"),
        to=item["to"],
        status=CallStatus(item["status"]),
        provider=item["provider"],
        created_at=datetime.fromisoformat(item["created_at"]),
        contact=item.get("contact"),
        user=item.get("user"),
        request_id=item.get("request_id"),
        provider_id=item.get("provider_id"),
        site=item.get("site"),
        expires_at=datetime.fromtimestamp(expires, UTC) if expires is not None else None,
    )


class DynamoCallLog:
    def __init__(self, table: Table) -> None:
        self._table = table

    def start(self, call: CallRecord, quota: Quota | None = None) -> bool:
        """Log a new call, taking a unit of `quota` (when given) in the same write; False when the same call
        (same request and number) was logged before, LimitReached when the quota is spent.

        Each attempt carries its own marker, so when the SDK retries a put whose answer was lost, the
        condition failure that follows is recognised as this attempt's own write, not an earlier call's.
        """
        attempt = uuid.uuid4().hex
        existing = counters.put_new(self._table, {**_item(call), "attempt": attempt}, quota)
        return existing is None or existing.get("attempt") == attempt

    def get(self, call_id: str) -> CallRecord | None:
        item = self._table.get(_pk(call_id), META, consistent=True)
        return _record(item) if item else None

    def update_status(self, call_id: str, status: str, provider_id: str | None = None) -> bool:
        """Move a logged call to `status`; False when the call is unknown or already further along.

        A `provider_id` is stored even when the status no longer applies (the provider reported progress
        before the dialer returned).
        """
        new = CallStatus(status)
        earlier = sorted(s.value for s in CallStatus if s.rank < new.rank or s is new)
        values: dict[str, Any] = {":status": {"S": new.value}}
        values.update({f":from{n}": {"S": s} for n, s in enumerate(earlier)})
        assignments = "#status = :status"
        if provider_id is not None:
            values[":provider_id"] = {"S": provider_id}
            assignments += ", provider_id = :provider_id"
        allowed = ", ".join(f":from{n}" for n in range(len(earlier)))
        try:
            self._table.client.update_item(
                TableName=self._table.name,
                Key=key(_pk(call_id), META),
                UpdateExpression=f"SET {assignments}",
                ConditionExpression=f"attribute_exists(PK) AND #status IN ({allowed})",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if not condition_failed(error):
                raise
            if provider_id is not None:
                self._set_provider_id(call_id, provider_id)
            return False
        return True

    def _set_provider_id(self, call_id: str, provider_id: str) -> None:
        try:
            self._table.client.update_item(
                TableName=self._table.name,
                Key=key(_pk(call_id), META),
                UpdateExpression="SET provider_id = :provider_id",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues={":provider_id": {"S": provider_id}},
            )
        except ClientError as error:
            if not condition_failed(error):
                raise

    def forget_user(self, user_id: str) -> int:
        """Delete every call placed by the user or to them (contact `user:<id>`); returns how many went."""
        theirs = [
            item
            for item in self._table.query_index(INDEX)
            if item.get("user") == user_id or item.get("contact") == f"user:{user_id}"
        ]
        for item in theirs:
            self._table.delete(item["PK"], item["SK"])
        return len(theirs)

    def list_calls(self, limit: int = 100, site: str | None = None) -> list[CallRecord]:
        """The latest `limit` attempts, newest first; only those of `site` when given (a call logged before
        there were sites is of the site `main`)."""
        values: dict[str, Any] = {":pk": {"S": INDEX}}
        args: dict[str, Any] = {"Limit": limit}
        if site is not None:
            values[":site"] = {"S": site}
            legacy = " OR attribute_not_exists(site)" if site == DEFAULT_SITE else ""
            args = {"FilterExpression": f"site = :site{legacy}"}
        items = self._table.query(
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :pk",
            ExpressionAttributeValues=values,
            ScanIndexForward=False,
            **args,
        )
        return [_record(item) for item in islice(items, limit)]
