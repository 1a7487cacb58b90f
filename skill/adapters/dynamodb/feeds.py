"""Calendar feed state in the single table: one item per feed owner, and the secret behind published feeds.

Items:
- `FEED#{owner} / META` (owner: a room id, or `user:{id}`): the validators of the last fetch (ETag,
  Last-Modified), the digest and window of the busy time last stored, the time of the last successful
  refresh (a 304 or an unchanged feed counts: the stored busy time was confirmed), the last error's
  short reason and the number of failures in a row.
- `SITE#feed-secret / META`: the random secret that per-room feed tokens are derived from, created once,
  and each room's token version (`token_version#{room}`, absent: 0), raised by a rotation.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from skill.adapters.dynamodb.table import Table, condition_failed, key
from skill.domain.calendar import FeedState

META = "META"
SIGNING_KEY_PK = "SITE#feed-secret"
# A 304 or an unchanged feed confirms the stored busy time without restating its digest and window.
_KEPT_WHEN_MISSING = frozenset({"digest", "window"})


class DynamoFeedStore:
    def __init__(self, table: Table) -> None:
        self._table = table

    def get(self, owner: str) -> FeedState | None:
        item = self._table.get(_pk(owner), META, consistent=True)
        if item is None:
            return None
        return FeedState(
            owner=owner,
            etag=item.get("etag"),
            last_modified=item.get("last_modified"),
            digest=item.get("digest"),
            window=item.get("window"),
            last_success=_time(item.get("last_success")),
            last_error=item.get("last_error"),
            failures=int(item.get("failures", 0)),
        )

    def record_success(
        self,
        owner: str,
        at: datetime,
        *,
        etag: str | None,
        last_modified: str | None,
        digest: str | None = None,
        window: str | None = None,
    ) -> None:
        """A fetch that confirmed or replaced the stored busy time; `digest`/`window` only when they were stored."""
        names = {"#success": "last_success", "#failures": "failures", "#error": "last_error"}
        values: dict[str, Any] = {":success": {"S": _utc(at)}, ":zero": {"N": "0"}}
        sets = ["#success = :success", "#failures = :zero"]
        removes = ["#error"]
        fields = {"etag": etag, "last_modified": last_modified, "digest": digest, "window": window}
        for name, value in fields.items():
            if value is not None:
                names[f"#{name}"] = name
                values[f":{name}"] = {"S": value}
                sets.append(f"#{name} = :{name}")
            elif name not in _KEPT_WHEN_MISSING:
                names[f"#{name}"] = name
                removes.append(f"#{name}")
        self._table.client.update_item(
            TableName=self._table.name,
            Key=key(_pk(owner), META),
            UpdateExpression=f"SET {', '.join(sets)} REMOVE {', '.join(removes)}",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def record_failure(self, owner: str, reason: str) -> None:
        """A failed fetch or parse: the reason is kept and the failure counted; the validators stay."""
        self._table.client.update_item(
            TableName=self._table.name,
            Key=key(_pk(owner), META),
            UpdateExpression="SET last_error = :reason, failures = if_not_exists(failures, :zero) + :one",
            ExpressionAttributeValues={":reason": {"S": reason}, ":zero": {"N": "0"}, ":one": {"N": "1"}},
        )

    def feed_secret(self) -> bytes:
        """The secret for published-feed tokens, created on first use (the first writer wins)."""
        item = self._table.get(SIGNING_KEY_PK, META, consistent=True)
        if item is not None:
            return bytes.fromhex(item["secret"])
        try:
            self._table.put(
                {"PK": SIGNING_KEY_PK, "SK": META, "secret": secrets.token_hex(32)},
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as error:
            if not condition_failed(error):
                raise
        created = self._table.get(SIGNING_KEY_PK, META, consistent=True)
        if created is None:
            raise RuntimeError("the feed secret could not be stored")
        return bytes.fromhex(created["secret"])

    def feed_keys(self, room_id: str) -> tuple[bytes, int]:
        """The feed secret and `room_id`'s token version, in one read."""
        item = self._table.get(SIGNING_KEY_PK, META, consistent=True)
        if item is None or "secret" not in item:
            return self.feed_secret(), 0
        return bytes.fromhex(item["secret"]), int(item.get(_version(room_id), 0))

    def rotate_feed_token(self, room_id: str) -> int:
        """Raise `room_id`'s token version by one (revoking the token of every version before); the new one."""
        self.feed_secret()
        answer = self._table.client.update_item(
            TableName=self._table.name,
            Key=key(SIGNING_KEY_PK, META),
            UpdateExpression="ADD #version :one",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeNames={"#version": _version(room_id)},
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="UPDATED_NEW",
        )
        return int(answer["Attributes"][_version(room_id)]["N"])


def _version(room_id: str) -> str:
    return f"token_version#{room_id}"


def _pk(owner: str) -> str:
    return f"FEED#{owner}"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(UTC) if value else None
