"""Room bookings and calendar busy time in the single table, one partition per room and local day.

Items in `ROOMDAY#{room}#{YYYY-MM-DD}` (the room's local date):
- `BOOKING#{start UTC}#{id}`: the booking. A booking that crosses midnight has an identical copy in
  each day it covers, so one Query answers "the room today"; only the copy on its first day carries
  `GSI1PK = USER#{organizer}`, `GSI1SK = BOOKING#{start UTC}` (a person's bookings).
- `SLOT#{start UTC, minutes}`: one per 15-minute slot a live booking holds, written with
  `attribute_not_exists(PK)` in the same transaction as the booking: two bookings can never overlap.
- `BUSY#{start UTC}#{ref}`: busy time from the room's calendar feed, and `FEED` (digest, refresh time,
  stale flag) for that day, both written by the calendar refresh job through this store.

Every change to a booking is one TransactWriteItems whose booking writes are conditional on the
sequence and status the caller read, so a booking and its slots never disagree and no update is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from skill.adapters.dynamodb import counters
from skill.adapters.dynamodb.table import Table, key, to_attrs
from skill.domain.booking import held_slots, local_days, slot_key, slot_starts
from skill.domain.errors import BookingRuleError, RoomTakenError
from skill.domain.limits import Quota
from skill.domain.model import Booking, BookingStatus, BusyInterval, RoomDay

FEED_SK = "FEED"
MAX_TRANSACTION_ITEMS = 100
# Bookings are looked up by start; one that started this long before a window can still overlap it.
LONGEST_BOOKING = timedelta(days=1)
_LIVE = frozenset({BookingStatus.BOOKED, BookingStatus.CHECKED_IN})
# Room reads sent at once by `busy_by_room`: within botocore's default pool of 10 connections.
PARALLEL_READS = 8
_NOT_CHECKED_IN = frozenset({BookingStatus.BOOKED})
# A new sequence, so a change prepared from the booking as it was read before cannot write the name back.
_ANONYMISE = "SET #sequence = #sequence + :one REMOVE organizer, subject, GSI1PK, GSI1SK"


@dataclass(frozen=True)
class _Op:
    """One item of a transaction and what its failed condition would mean."""

    request: dict[str, Any]
    claims: datetime | None = None  # the slot start a Put claims
    on_booking: bool = False
    quota: Quota | None = None  # the counter an Update takes a unit of


class DynamoBookingStore:
    def __init__(self, table: Table) -> None:
        self._table = table

    # --- reading -------------------------------------------------------------------------------

    def room_day(self, room_id: str, day: date) -> RoomDay:
        """Bookings (every status), feed busy time and feed state of one room's local day: one Query."""
        bookings: list[Booking] = []
        feed_busy: list[BusyInterval] = []
        meta: dict[str, Any] = {}
        for item in self._table.query_pk(_day_pk(room_id, day), consistent=True):
            sk = item["SK"]
            if sk.startswith("BOOKING#"):
                bookings.append(_booking_from_item(item))
            elif sk.startswith("BUSY#"):
                feed_busy.append(_busy_from_item(item))
            elif sk == FEED_SK:
                meta = item
        refreshed = meta.get("refreshed_at")
        return RoomDay(
            bookings=bookings,
            feed_busy=feed_busy,
            refreshed_at=_parse_time(refreshed) if refreshed else None,
            stale=bool(meta.get("stale", False)),
        )

    def busy_between(self, room_id: str, start: datetime, end: datetime, tz: str) -> list[BusyInterval]:
        """Live bookings and feed busy time that overlap [start, end), in order of start."""
        found: dict[tuple[str, str, datetime], BusyInterval] = {}
        for day in _days(start, end, tz):
            stored = self.room_day(room_id, day)
            live = [b.busy for b in stored.bookings if b.status.is_live]
            for busy in [*live, *stored.feed_busy]:
                if busy.start < end and start < busy.end:
                    found[(busy.source, busy.ref, busy.start)] = busy
        return sorted(found.values(), key=lambda b: (b.start, b.end))

    def busy_by_room(
        self, room_ids: Sequence[str], start: datetime, end: datetime, tz: str
    ) -> dict[str, list[BusyInterval]]:
        """`busy_between` for several rooms, their reads sent side by side: one round trip's wait, not one
        per room."""
        if len(room_ids) < 2:
            return {room_id: self.busy_between(room_id, start, end, tz) for room_id in room_ids}
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(len(room_ids), PARALLEL_READS)) as pool:
            found = pool.map(lambda room_id: self.busy_between(room_id, start, end, tz), room_ids)
            return dict(zip(room_ids, found, strict=True))

    def list_bookings(self, room_id: str, start: datetime, end: datetime, tz: str) -> list[Booking]:
        """The room's bookings (every status) that overlap [start, end), in order of start."""
        found: dict[str, Booking] = {}
        for day in _days(start, end, tz):
            for booking in self.room_day(room_id, day).bookings:
                if booking.start < end and start < booking.end:
                    found[booking.id] = booking
        return sorted(found.values(), key=lambda b: (b.start, b.room_id))

    def list_bookings_for_rooms(
        self, room_ids: Iterable[str], start: datetime, end: datetime, tz: str
    ) -> list[Booking]:
        bookings = [b for room_id in room_ids for b in self.list_bookings(room_id, start, end, tz)]
        return sorted(bookings, key=lambda b: (b.start, b.room_id))

    def live_bookings_since(self, room_ids: Iterable[str], day: date, until: date | None = None) -> list[Booking]:
        """Live bookings stored in the rooms' partitions for the local days `day` to `until` (default: `day`)."""
        last = until or day
        days = [day + timedelta(days=n) for n in range((last - day).days + 1)]
        found: dict[str, Booking] = {}
        for room_id in room_ids:
            for each_day in days:
                for booking in self.room_day(room_id, each_day).bookings:
                    if booking.status.is_live:
                        found[booking.id] = booking
        return sorted(found.values(), key=lambda b: (b.start, b.room_id))

    def bookings_for_user(self, user_id: str, start: datetime, end: datetime) -> list[Booking]:
        """The organizer's bookings (every status) that overlap [start, end), from GSI1 (eventually consistent)."""
        items = self._table.query(
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :pk AND GSI1SK BETWEEN :low AND :high",
            ExpressionAttributeValues={
                ":pk": {"S": f"USER#{user_id}"},
                ":low": {"S": "BOOKING#" + _utc(start - LONGEST_BOOKING)},
                ":high": {"S": "BOOKING#" + _utc(end)},
            },
        )
        bookings = [_booking_from_item(item) for item in items]
        return [b for b in bookings if b.start < end and start < b.end]

    # --- booking changes -----------------------------------------------------------------------

    def add_booking(self, booking: Booking, tz: str, quota: Quota | None = None) -> None:
        """Store a new booking and claim its slots, taking a unit of `quota` (when given) in the same transaction;
        RoomTakenError when any slot is already held, LimitReached when the quota is spent.

        Busy time from calendar feeds holds no slots: the caller checks it (`busy_between`) first.
        """
        ops = [_put_booking(booking, day, first) for day, first in _booking_days(booking, tz)]
        ops += [_claim_slot(booking, start, tz) for start in slot_starts(booking.interval)]
        ops += [_Op(counters.take(quota), quota=quota)] if quota is not None else []
        self._transact(ops, booking)

    def extend_booking(
        self, booking: Booking, new_end: datetime, tz: str, *, checked_in_at: datetime | None = None
    ) -> Booking:
        """Move a live booking's end later, claiming the slots it gains; RoomTakenError on a held slot.
        With `checked_in_at`, a booking not yet checked in is checked in by the same transaction."""
        if new_end <= booking.end:
            raise ValueError("an extension must end after the booking")
        extended = replace(booking, end=new_end, sequence=booking.sequence + 1)
        if checked_in_at is not None and booking.status is not BookingStatus.CHECKED_IN:
            extended = replace(extended, status=BookingStatus.CHECKED_IN, checked_in_at=checked_in_at)
        ops = _rewrite(booking, extended, tz, _LIVE)
        held = set(slot_starts(booking.interval))
        ops += [_claim_slot(booking, s, tz) for s in slot_starts(extended.interval) if s not in held]
        self._transact(ops, booking)
        return extended

    def end_booking(self, booking: Booking, now: datetime, tz: str) -> Booking:
        """End a meeting in progress (`has_started`) now, freeing its slots from the quarter hour `now` falls in
        (see `held_slots`), so the room can be booked at once. The end is kept to the second, as stored."""
        whole_second = now.replace(microsecond=0) + (timedelta(seconds=1) if now.microsecond else timedelta(0))
        new_end = min(booking.end, whole_second)
        ended = replace(booking, status=BookingStatus.ENDED, end=new_end, sequence=booking.sequence + 1)
        kept = set(held_slots(ended))
        freed = [s for s in slot_starts(booking.interval) if s not in kept]
        self._transact(_rewrite(booking, ended, tz, _LIVE) + [_free_slot(booking, s, tz) for s in freed], booking)
        return ended

    def cancel_booking(self, booking: Booking, tz: str) -> Booking:
        """Cancel a live booking and free all its slots."""
        return self._close(booking, BookingStatus.CANCELLED, tz, _LIVE)

    def release_booking(self, booking: Booking, tz: str) -> Booking:
        """Release a booking nobody checked in to (a no-show) and free all its slots."""
        return self._close(booking, BookingStatus.RELEASED, tz, _NOT_CHECKED_IN)

    def check_in(self, booking: Booking, now: datetime, tz: str) -> Booking:
        checked_in = replace(booking, status=BookingStatus.CHECKED_IN, checked_in_at=now, sequence=booking.sequence + 1)
        self._transact(_rewrite(booking, checked_in, tz, _NOT_CHECKED_IN), booking)
        return checked_in

    def _close(self, booking: Booking, status: BookingStatus, tz: str, allowed: frozenset[BookingStatus]) -> Booking:
        closed = replace(booking, status=status, sequence=booking.sequence + 1)
        ops = _rewrite(booking, closed, tz, allowed)
        ops += [_free_slot(booking, s, tz) for s in slot_starts(booking.interval)]
        self._transact(ops, booking)
        return closed

    def _transact(self, ops: list[_Op], booking: Booking) -> None:
        """Run ops as one transaction; a failed condition becomes the domain error it stands for."""
        if len(ops) > MAX_TRANSACTION_ITEMS:
            raise ValueError(f"booking {booking.id} needs {len(ops)} writes, more than one transaction holds")
        writes = [{kind: {"TableName": self._table.name, **body} for kind, body in op.request.items()} for op in ops]
        reasons = self._table.transact(writes)
        if reasons is None:
            return
        failed = [op for op, reason in zip(ops, reasons, strict=False) if reason.get("Code") == counters.FAILED]
        spent = next((op.quota for op in failed if op.quota is not None), None)
        if spent is not None:
            raise spent.reached()
        taken = [op.claims for op in failed if op.claims is not None]
        if taken and not any(op.on_booking for op in failed):
            raise RoomTakenError(booking.room_id, min(taken), booking.start)
        raise BookingRuleError("booking_changed", booking=booking.id)

    # --- erasure -------------------------------------------------------------------------------

    def forget_user(self, user_id: str) -> int:
        """Anonymise every booking the user organised (any status): organizer, subject and GSI1 keys are
        removed from each day's copy, in one transaction per booking; slots stay. Returns how many bookings."""
        items = list(self._table.query_index(f"USER#{user_id}", "BOOKING#"))
        for item in items:
            copies = self._table.batch_get(_copy_keys(item), consistent=True)
            writes: list[Any] = [
                {
                    "Update": {
                        "TableName": self._table.name,
                        "Key": key(pk, sk),
                        "UpdateExpression": _ANONYMISE,
                        "ConditionExpression": "attribute_exists(PK)",
                        "ExpressionAttributeNames": {"#sequence": "sequence"},
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                }
                for pk, sk in sorted(copies)
            ]
            self._table.client.transact_write_items(TransactItems=writes)
        return len(items)

    # --- calendar feed busy time ---------------------------------------------------------------

    def replace_feed_busy(
        self, room_id: str, day: date, intervals: Sequence[BusyInterval], refreshed_at: datetime, digest: str
    ) -> bool:
        """Store the feed's busy time for one local day (every interval that touches it).

        Returns False, writing nothing, when the day already holds this digest and is not marked
        stale. Writes go in transactions of at most 100 items, the day's `FEED` item last.
        """
        pk = _day_pk(room_id, day)
        meta = self._table.get(pk, FEED_SK, consistent=True)
        if meta is not None and meta.get("digest") == digest and not meta.get("stale"):
            return False
        wanted = {_busy_sk(busy): busy for busy in intervals}
        gone = [item["SK"] for item in self._table.query_pk(pk, "BUSY#", consistent=True) if item["SK"] not in wanted]
        feed_item = {"PK": pk, "SK": FEED_SK, "digest": digest, "refreshed_at": _utc(refreshed_at), "stale": False}
        writes: list[Any] = [
            {"Put": {"TableName": self._table.name, "Item": to_attrs(_busy_item(pk, sk, busy))}}
            for sk, busy in wanted.items()
        ]
        writes += [{"Delete": {"TableName": self._table.name, "Key": key(pk, sk)}} for sk in gone]
        writes.append({"Put": {"TableName": self._table.name, "Item": to_attrs(feed_item)}})
        for first in range(0, len(writes), MAX_TRANSACTION_ITEMS):
            self._table.client.transact_write_items(TransactItems=writes[first : first + MAX_TRANSACTION_ITEMS])
        return True

    def mark_feed_stale(self, room_id: str, day: date) -> None:
        """Flag a day's feed busy time as out of date (the last fetch failed); the next refresh clears it."""
        self._table.client.update_item(
            TableName=self._table.name,
            Key=key(_day_pk(room_id, day), FEED_SK),
            UpdateExpression="SET stale = :stale",
            ExpressionAttributeValues={":stale": {"BOOL": True}},
        )


# --- items ---------------------------------------------------------------------------------------


def _day_pk(room_id: str, day: date | str) -> str:
    return f"ROOMDAY#{room_id}#{day if isinstance(day, str) else day.isoformat()}"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def _days(start: datetime, end: datetime, tz: str) -> list[date]:
    """The local dates [start, end) touches."""
    zone = ZoneInfo(tz)
    first = start.astimezone(zone).date()
    last = max(first, (end.astimezone(UTC) - timedelta(microseconds=1)).astimezone(zone).date())
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _booking_days(booking: Booking, tz: str) -> list[tuple[date, bool]]:
    """The local days holding a copy of the booking, and whether each is its first day."""
    days = local_days(booking.interval, tz)
    return [(day, day == days[0]) for day in days]


def _copy_keys(item: dict[str, Any]) -> list[tuple[str, str]]:
    """Where copies of a stored booking may be: every local date its UTC span touches, a day either side
    (the room's time zone is not stored, and no zone is more than a day from UTC)."""
    start, end = _parse_time(item["start"]), _parse_time(item["end"])
    first = start.date() - timedelta(days=1)
    last = (end - timedelta(microseconds=1)).date() + timedelta(days=1)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [(_day_pk(item["room_id"], day), item["SK"]) for day in days]


def _booking_item(booking: Booking, day: date, first: bool) -> dict[str, Any]:
    start = _utc(booking.start)
    item: dict[str, Any] = {
        "PK": _day_pk(booking.room_id, day),
        "SK": f"BOOKING#{start}#{booking.id}",
        "type": "booking",
        "id": booking.id,
        "room_id": booking.room_id,
        "start": start,
        "end": _utc(booking.end),
        "status": booking.status.value,
        "organizer": booking.organizer,
        "device": booking.device,
        "request_id": booking.request_id,
        "created_at": _utc(booking.created_at) if booking.created_at else None,
        "checked_in_at": _utc(booking.checked_in_at) if booking.checked_in_at else None,
        "subject": booking.subject,
        "sequence": booking.sequence,
    }
    if first and booking.organizer:
        item["GSI1PK"] = f"USER#{booking.organizer}"
        item["GSI1SK"] = f"BOOKING#{start}"
    return item


def _booking_from_item(item: dict[str, Any]) -> Booking:
    return Booking(
        id=item["id"],
        room_id=item["room_id"],
        start=_parse_time(item["start"]),
        end=_parse_time(item["end"]),
        status=BookingStatus(item["status"]),
        organizer=item.get("organizer"),
        device=item.get("device"),
        request_id=item.get("request_id"),
        created_at=_parse_time(item["created_at"]) if item.get("created_at") else None,
        checked_in_at=_parse_time(item["checked_in_at"]) if item.get("checked_in_at") else None,
        subject=item.get("subject"),
        sequence=int(item.get("sequence", 0)),
    )


def _busy_sk(busy: BusyInterval) -> str:
    return f"BUSY#{_utc(busy.start)}#{busy.ref}"


def _busy_item(pk: str, sk: str, busy: BusyInterval) -> dict[str, Any]:
    return {
        "PK": pk,
        "SK": sk,
        "type": "busy",
        "start": _utc(busy.start),
        "end": _utc(busy.end),
        "source": busy.source,
        "ref": busy.ref,
        "subject": busy.subject,
        "organizer": busy.organizer,
        "private": busy.private,
        "dial_in": busy.dial_in,
    }


def _busy_from_item(item: dict[str, Any]) -> BusyInterval:
    return BusyInterval(
        start=_parse_time(item["start"]),
        end=_parse_time(item["end"]),
        source=item.get("source", "feed"),
        ref=item.get("ref", ""),
        subject=item.get("subject"),
        organizer=item.get("organizer"),
        private=bool(item.get("private", False)),
        dial_in=item.get("dial_in"),
    )


# --- transaction items ---------------------------------------------------------------------------


def _put_booking(booking: Booking, day: date, first: bool) -> _Op:
    return _Op(
        {
            "Put": {
                "Item": to_attrs(_booking_item(booking, day, first)),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        },
        on_booking=True,
    )


def _rewrite(old: Booking, new: Booking, tz: str, allowed: frozenset[BookingStatus]) -> list[_Op]:
    """Replace every copy of `old` by `new`, if the stored booking is still `old`'s sequence in an allowed status.

    Copies for days `new` no longer covers are deleted; days it newly covers get a copy.
    """
    if old.status not in allowed:
        raise BookingRuleError("wrong_status", booking=old.id, status=old.status.value)
    old_days = {day for day, _ in _booking_days(old, tz)}
    new_days = _booking_days(new, tz)
    unchanged: dict[str, Any] = {
        "ConditionExpression": "#sequence = :sequence AND #status IN ("
        + ", ".join(f":s{n}" for n in range(len(allowed)))
        + ")",
        "ExpressionAttributeNames": {"#sequence": "sequence", "#status": "status"},
        "ExpressionAttributeValues": {
            ":sequence": {"N": str(old.sequence)},
            **{f":s{n}": {"S": status.value} for n, status in enumerate(sorted(allowed))},
        },
    }
    ops = []
    for day, first in new_days:
        if day in old_days:
            item = to_attrs(_booking_item(new, day, first))
            ops.append(_Op({"Put": {"Item": item, **unchanged}}, on_booking=True))
        else:
            ops.append(_put_booking(new, day, first))
    kept = {day for day, _ in new_days}
    for day in sorted(old_days - kept):
        sk = f"BOOKING#{_utc(old.start)}#{old.id}"
        ops.append(_Op({"Delete": {"Key": key(_day_pk(old.room_id, day), sk), **unchanged}}, on_booking=True))
    return ops


def _claim_slot(booking: Booking, start: datetime, tz: str) -> _Op:
    day, sk = slot_key(start, tz)
    item = {"PK": _day_pk(booking.room_id, day), "SK": sk, "type": "slot", "booking_id": booking.id}
    request = {"Put": {"Item": to_attrs(item), "ConditionExpression": "attribute_not_exists(PK)"}}
    return _Op(request, claims=start)


def _free_slot(booking: Booking, start: datetime, tz: str) -> _Op:
    day, sk = slot_key(start, tz)
    return _Op(
        {
            "Delete": {
                "Key": key(_day_pk(booking.room_id, day), sk),
                "ConditionExpression": "booking_id = :booking",
                "ExpressionAttributeValues": {":booking": {"S": booking.id}},
            }
        }
    )
