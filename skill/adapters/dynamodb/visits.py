"""Visits, expected visitors and host-notification attempts in the single table.

Items:
- `VISITDAY#{local date in the visit's site} / VISIT#{checked_in_at UTC}#{id}`: one visit, with its `site`,
  `expires_at` (TTL),
  `notify_status` (pending, delivered, failed), the request id and device that created it. While the
  visitor is on site it carries `GSI1PK = ONSITE`, `GSI1SK = {checked_in_at UTC}`, so the evacuation
  list is one index query; check-out removes both.
- `EXPECTED#{local date} / VISIT#{expected_at UTC}#{id}`: a visitor announced in advance (TTL too).
- `NOTIFY#{visit id} / {per-target key}`: the last attempt to tell one person on one channel (status,
  attempts, channel, recipient id; never the address), listed through `GSI1PK = NOTIFY`.
- `COUNT#notifications#user:{host} / {hour}`: the host's hourly notification counter (skill/domain/limits.py):
  `claimed`, the ids of the visits told one by one (a visit claims once, however often it is retried), and
  `held`, the keys of the visits beyond the limit, for the hour's digest. While a digest waits it carries
  `GSI1PK = DIGEST`, `GSI1SK = {hour's end UTC}#{host}`, so a run finds the digests due with one index query;
  once it went out (or failed for good) `digest` says so and the index keys go.

TTL deletion lags by up to days, so every read drops items whose `expires_at` has passed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError

from skill.adapters.dynamodb import counters
from skill.adapters.dynamodb.counters import counter_key
from skill.adapters.dynamodb.table import Table, condition_failed, from_attrs, inserted, key, note_status, notify_state
from skill.domain.limits import Quota, hourly, user_subject
from skill.domain.model import DEFAULT_SITE
from skill.domain.reception import Attempt, AttemptStatus, Digest, ExpectedVisit, NotificationRecord, Visit

ONSITE_INDEX = "ONSITE"
NOTIFY_INDEX = "NOTIFY"
DIGEST_INDEX = "DIGEST"
# "digest": held for the host's hourly digest, beyond their notification limit.
NOTIFY_STATUSES = ("pending", "delivered", "failed", "digest")


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _local_day(moment: datetime, tz: str) -> date:
    return moment.astimezone(ZoneInfo(tz)).date()


def visit_key(visit: Visit, tz: str) -> tuple[str, str]:
    return (
        f"VISITDAY#{_local_day(visit.checked_in_at, tz).isoformat()}",
        f"VISIT#{_utc(visit.checked_in_at)}#{visit.id}",
    )


def visit_from_item(item: Mapping[str, Any]) -> Visit:
    return Visit(
        id=item["id"],
        visitor_name=item["visitor_name"],
        company=item.get("company"),
        host_id=item["host_id"],
        checked_in_at=_parse(item["checked_in_at"]),
        checked_out_at=_parse(item["checked_out_at"]) if item.get("checked_out_at") else None,
        expected_id=item.get("expected_id"),
        request_id=item.get("request_id"),
        device=item.get("device"),
        site=item.get("site") or DEFAULT_SITE,
    )


def is_visit_item(item: Mapping[str, Any]) -> bool:
    return str(item.get("PK", "")).startswith("VISITDAY#") and str(item.get("SK", "")).startswith("VISIT#")


def _expected_from_item(item: Mapping[str, Any]) -> ExpectedVisit:
    return ExpectedVisit(
        id=item["id"],
        visitor_name=item["visitor_name"],
        company=item.get("company"),
        host_id=item["host_id"],
        expected_at=_parse(item["expected_at"]),
    )


def _live(item: Mapping[str, Any], now: float | None = None) -> bool:
    expires = item.get("expires_at")
    return expires is None or expires > (time.time() if now is None else now)


def _digest_window(host_id: str, start: datetime) -> Quota:
    """The notification counter of `host_id` for the hour starting at `start` (its limit plays no part here)."""
    return hourly("notifications", user_subject(host_id), 0, start)


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


class DynamoVisitStore:
    def __init__(self, table: Table) -> None:
        self._table = table

    # --- visits --------------------------------------------------------------------------------

    def add_visit(self, visit: Visit, tz: str, expires_at: int, quota: Quota | None = None) -> None:
        """Store a new visit (notify_status pending), taking a unit of `quota` (when given) in the same write;
        the stream or the outbox loop notifies from it. LimitReached when the quota is spent.

        The key holds the visit's own random id, so when the SDK retries a put whose answer was lost, the
        condition failure that follows is recognised as this visit's own write and taken as done: the
        stored item (whose notify status may have moved on meanwhile) is left as it is.
        """
        pk, sk = visit_key(visit, tz)
        item: dict[str, Any] = {
            "PK": pk,
            "SK": sk,
            "type": "visit",
            "id": visit.id,
            "visitor_name": visit.visitor_name,
            "company": visit.company,
            "host_id": visit.host_id,
            "checked_in_at": _utc(visit.checked_in_at),
            "checked_out_at": _utc(visit.checked_out_at) if visit.checked_out_at else None,
            "expected_id": visit.expected_id,
            "request_id": visit.request_id,
            "device": visit.device,
            "site": visit.site,
            "notify_status": "pending",
            "notify_rounds": 0,
            "expires_at": expires_at,
        }
        if visit.checked_out_at is None:
            item["GSI1PK"] = ONSITE_INDEX
            item["GSI1SK"] = _utc(visit.checked_in_at)
        stored = counters.put_new(self._table, item, quota)
        if stored is not None and stored.get("id") != visit.id:
            raise KeyError(f"another item holds the key of visit {visit.id}")

    @staticmethod
    def visit_in_stream_record(record: Mapping[str, Any]) -> Visit | None:
        """The visit a DynamoDB Stream record inserted; None for any other record."""
        item = inserted(record)
        return visit_from_item(item) if item and is_visit_item(item) and _live(item) else None

    def on_site(self) -> list[Visit]:
        """Everyone checked in and not out: one index query (eventually consistent)."""
        return [visit_from_item(i) for i in self._table.query_index(ONSITE_INDEX) if _live(i)]

    def pending_notifications(self) -> list[Visit]:
        """Visits on site whose host has not been told yet."""
        items = self._table.query(
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :pk",
            FilterExpression="notify_status = :pending",
            ExpressionAttributeValues={":pk": {"S": ONSITE_INDEX}, ":pending": {"S": "pending"}},
        )
        return [visit_from_item(i) for i in items if _live(i)]

    def visits_on(self, day: date) -> list[Visit]:
        """The visits of one local day, in order of arrival."""
        return [visit_from_item(i) for i in self._table.query_pk(f"VISITDAY#{day.isoformat()}", "VISIT#") if _live(i)]

    def check_out(self, visit: Visit, tz: str, at: datetime) -> bool:
        """Mark the visitor gone and drop the visit from the on-site index; False when already out or gone."""
        pk, sk = visit_key(visit, tz)
        try:
            self._table.client.update_item(
                TableName=self._table.name,
                Key=key(pk, sk),
                UpdateExpression="SET checked_out_at = :at REMOVE GSI1PK, GSI1SK",
                ConditionExpression="attribute_exists(PK) AND attribute_not_exists(checked_out_at)",
                ExpressionAttributeValues={":at": {"S": _utc(at)}},
            )
        except self._table.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def set_notify_status(self, visit: Visit, tz: str, status: str, *, count_round: bool = False) -> None:
        """Record how telling the host went; a visit erased in the meantime stays erased."""
        note_status(self._table, *visit_key(visit, tz), status, NOTIFY_STATUSES, count_round=count_round)

    def notify_state(self, visit: Visit, tz: str) -> tuple[str, int] | None:
        """The stored notify status and delivery rounds run so far; None when the visit is gone."""
        item = self._table.get(*visit_key(visit, tz), consistent=True)
        return notify_state(item if item is not None and _live(item) else None)

    # --- the host's notification limit and digest ----------------------------------------------

    def claim_notification(self, quota: Quota, visit_id: str) -> bool:
        """Take a unit of the host's notification counter for `visit_id` (once per visit, however often asked);
        False when the counter is spent."""
        try:
            self._table.client.update_item(
                TableName=self._table.name,
                Key=key(*counter_key(quota)),
                UpdateExpression="SET expires_at = :expires ADD claimed :visits",
                ConditionExpression=(
                    "attribute_not_exists(claimed) OR size(claimed) < :limit OR contains(claimed, :visit)"
                ),
                ExpressionAttributeValues={
                    ":expires": {"N": str(quota.expires_at)},
                    ":visits": {"SS": [visit_id]},
                    ":visit": {"S": visit_id},
                    ":limit": {"N": str(quota.limit)},
                },
            )
        except ClientError as error:
            if not condition_failed(error):
                raise
            return False
        return True

    def hold_for_digest(self, quota: Quota, visit: Visit, tz: str) -> bool:
        """Keep `visit` for the digest of the counter's hour; False when that digest has gone out already."""
        try:
            self._table.client.update_item(
                TableName=self._table.name,
                Key=key(*counter_key(quota)),
                UpdateExpression=(
                    "SET expires_at = :expires, GSI1PK = :index, GSI1SK = :due, host = :host, starts = :starts "
                    "ADD held :visit"
                ),
                ConditionExpression="attribute_not_exists(digest)",
                ExpressionAttributeValues={
                    ":expires": {"N": str(quota.expires_at)},
                    ":index": {"S": DIGEST_INDEX},
                    ":due": {"S": f"{_utc(quota.end)}#{quota.subject}"},
                    ":host": {"S": quota.subject.removeprefix("user:")},
                    ":starts": {"S": _utc(quota.start)},
                    ":visit": {"SS": ["|".join(visit_key(visit, tz))]},
                },
            )
        except ClientError as error:
            if not condition_failed(error):
                raise
            return False
        return True

    def due_digests(self, now: datetime) -> list[Digest]:
        """The digests whose hour is over and that have not gone out, each with its visits still stored."""
        items = self._table.query(
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :pk AND GSI1SK <= :now",
            ExpressionAttributeValues={":pk": {"S": DIGEST_INDEX}, ":now": {"S": _utc(now) + "~"}},
        )
        due = [item for item in items if _live(item)]
        held = [[(pk, sk) for pk, sk in (ref.split("|", 1) for ref in item.get("held", ()))] for item in due]
        stored = self._table.batch_get([ref for refs in held for ref in refs], consistent=True)  # one read for all
        digests = []
        for item, refs in zip(due, held, strict=True):
            found = (stored.get(ref) for ref in refs)
            visits = sorted((visit_from_item(i) for i in found if i and _live(i)), key=lambda v: v.checked_in_at)
            window = _digest_window(item["host"], _parse(item["starts"]))
            digests.append(
                Digest(
                    id=f"digest-{window.window}-{item['host']}",
                    host_id=item["host"],
                    start=window.start,
                    end=window.end,
                    visits=tuple(visits),
                    rounds=int(item.get("digest_rounds", 0)),
                )
            )
        return digests

    def settle_digest(self, digest: Digest, status: str, *, count_round: bool = False) -> None:
        """Record how sending `digest` went: "delivered" or "failed" takes it off the due list for good; "pending"
        leaves it due, one more round run when `count_round`."""
        if status not in NOTIFY_STATUSES:
            raise ValueError(f"unknown notify status {status!r}")
        values: dict[str, Any] = {}
        expression = ""
        if status != "pending":
            expression = "SET digest = :status REMOVE GSI1PK, GSI1SK"
            values[":status"] = {"S": status}
        if count_round:
            expression = f"ADD digest_rounds :one {expression}".strip()
            values[":one"] = {"N": "1"}
        if expression:
            self._table.client.update_item(
                TableName=self._table.name,
                Key=key(*counter_key(_digest_window(digest.host_id, digest.start))),
                UpdateExpression=expression,
                ExpressionAttributeValues=values,
            )

    # --- expected visitors ---------------------------------------------------------------------

    def add_expected(self, expected: ExpectedVisit, tz: str, expires_at: int) -> None:
        day = _local_day(expected.expected_at, tz)
        item = {
            "PK": f"EXPECTED#{day.isoformat()}",
            "SK": f"VISIT#{_utc(expected.expected_at)}#{expected.id}",
            "type": "expected",
            "id": expected.id,
            "visitor_name": expected.visitor_name,
            "company": expected.company,
            "host_id": expected.host_id,
            "expected_at": _utc(expected.expected_at),
            "expires_at": expires_at,
        }
        self._table.put(item)

    def expected_on(self, day: date) -> list[ExpectedVisit]:
        return [_expected_from_item(i) for i in self._table.query_pk(f"EXPECTED#{day.isoformat()}") if _live(i)]

    # --- notification attempts -----------------------------------------------------------------

    def record_attempt(
        self, visit_id: str, attempt: Attempt, expires_at: int, now: datetime, *, site: str = DEFAULT_SITE
    ) -> None:
        item = {
            "PK": f"NOTIFY#{visit_id}",
            "SK": attempt.key,
            "GSI1PK": NOTIFY_INDEX,
            "GSI1SK": f"{_utc(now)}#{attempt.key}",
            "visit_id": visit_id,
            "recipient_id": attempt.recipient_id,
            "role": attempt.role,
            "channel": attempt.channel,
            "status": attempt.status,
            "attempts": attempt.attempts,
            "reason": attempt.reason,
            "updated_at": _utc(now),
            "expires_at": expires_at,
            "site": site,
        }
        self._table.put(item)

    def attempt_status(self, visit_id: str, target_key: str) -> AttemptStatus | None:
        item = self._table.get(f"NOTIFY#{visit_id}", target_key, consistent=True)
        return item.get("status") if item else None

    def notifications(self, limit: int = 200) -> list[NotificationRecord]:
        """The latest attempt per person and channel, newest first."""
        records: list[NotificationRecord] = []
        items = self._table.query(
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :pk",
            ExpressionAttributeValues={":pk": {"S": NOTIFY_INDEX}},
            ScanIndexForward=False,
        )
        for item in items:
            if not _live(item):
                continue
            records.append(
                NotificationRecord(
                    key=item["SK"],
                    visit_id=item["visit_id"],
                    recipient_id=item["recipient_id"],
                    role=item.get("role", ""),
                    channel=item["channel"],
                    status=item["status"],
                    attempts=int(item.get("attempts", 0)),
                    reason=item.get("reason"),
                    updated_at=_parse(item["updated_at"]),
                    site=item.get("site") or DEFAULT_SITE,
                )
            )
            if len(records) >= limit:
                break
        return records

    # --- erasure -------------------------------------------------------------------------------

    def forget_visitor(self, name: str) -> int:
        """Erase every visit and expected visit under `name` (any case and spacing), with their
        notification records; returns how many visits and expected visits went."""
        gone = [i for i in self._scan_reception_items() if _same_name(i["visitor_name"], name)]
        return self._erase(gone)

    def forget_user(self, user_id: str) -> int:
        """Erase the visits and expected visits the user hosted, and every notification record naming
        them as a recipient; returns how many items went."""
        hosted = [i for i in self._scan_reception_items() if i.get("host_id") == user_id]
        erased = self._erase(hosted)
        addressed = [i for i in self._scan("NOTIFY#") if i.get("recipient_id") == user_id]
        for item in addressed:
            self._table.delete(item["PK"], item["SK"])
        return erased + len(addressed)

    def _scan_reception_items(self) -> Iterator[dict[str, Any]]:
        # Erasure must find everything, whatever retention was in force when it was written: a Scan.
        yield from self._scan("VISITDAY#")
        yield from self._scan("EXPECTED#")

    def _scan(self, pk_prefix: str) -> Iterator[dict[str, Any]]:
        args: dict[str, Any] = {
            "TableName": self._table.name,
            "FilterExpression": "begins_with(PK, :prefix)",
            "ExpressionAttributeValues": {":prefix": {"S": pk_prefix}},
        }
        while True:
            resp = self._table.client.scan(**args)
            for attrs in resp.get("Items", []):
                yield from_attrs(attrs)
            if "LastEvaluatedKey" not in resp:
                return
            args["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def _erase(self, items: list[dict[str, Any]]) -> int:
        for item in items:
            self._table.delete(item["PK"], item["SK"])
            if item.get("type") == "visit":
                for attempt in self._table.query_pk(f"NOTIFY#{item['id']}"):
                    self._table.delete(attempt["PK"], attempt["SK"])
        return len(items)
