"""DynamoBookingStore against moto's DynamoDB server: slots, the daily limit, status changes, feed busy time,
races."""

from __future__ import annotations

import itertools
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from botocore.config import Config
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from support import RoomTimeMachine

from skill.adapters.dynamodb.bookings import DynamoBookingStore
from skill.adapters.dynamodb.counters import counter_key
from skill.adapters.dynamodb.schema import ensure_table
from skill.adapters.dynamodb.table import Table
from skill.domain.booking import SLOT, held_slots, slot_starts
from skill.domain.errors import BookingRuleError, RoomTakenError
from skill.domain.limits import LimitReached, daily
from skill.domain.model import Booking, BookingStatus, BusyInterval, Interval

TOKYO = "Asia/Tokyo"
BERLIN = "Europe/Berlin"
DAY = date(2026, 12, 1)


def tokyo(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(TOKYO))


def booking(start: datetime, end: datetime, *, room: str = "fuji", organizer: str | None = "alice") -> Booking:
    return Booking(
        id=uuid.uuid4().hex[:12],
        room_id=room,
        start=start,
        end=end,
        organizer=organizer,
        device="amzn1.ask.device.AAAA",
        request_id="amzn1.echo-api.request.1",
        created_at=start - timedelta(hours=1),
    )


def slot_items(table: Table, room: str, day: date) -> list[dict[str, object]]:
    return list(table.query_pk(f"ROOMDAY#{room}#{day.isoformat()}", "SLOT#", consistent=True))


@pytest.fixture
def db(aws_endpoint: str, table: str) -> Table:
    config = Config(max_pool_connections=64, retries={"mode": "standard", "max_attempts": 3})
    client = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1", config=config)
    return Table(client, table)


@pytest.fixture
def store(db: Table) -> DynamoBookingStore:
    return DynamoBookingStore(db)


def test_a_booking_is_stored_with_its_slots(store: DynamoBookingStore, db: Table) -> None:
    # Given
    meeting = booking(tokyo(10), tokyo(11))

    # When
    store.add_booking(meeting, TOKYO)

    # Then
    day = store.room_day("fuji", DAY)
    assert day.bookings == [meeting]
    assert [item["SK"] for item in slot_items(db, "fuji", DAY)] == [
        "SLOT#2026-12-01T01:00Z",
        "SLOT#2026-12-01T01:15Z",
        "SLOT#2026-12-01T01:30Z",
        "SLOT#2026-12-01T01:45Z",
    ]
    assert store.busy_between("fuji", tokyo(9), tokyo(12), TOKYO) == [
        BusyInterval(tokyo(10), tokyo(11), "booking", meeting.id, organizer="alice")
    ]


def test_an_overlapping_booking_is_refused_and_changes_nothing(store: DynamoBookingStore, db: Table) -> None:
    # Given
    first = booking(tokyo(10), tokyo(11))
    store.add_booking(first, TOKYO)

    # When
    with pytest.raises(RoomTakenError) as taken:
        store.add_booking(booking(tokyo(10, 30), tokyo(11, 30), organizer="bob"), TOKYO)

    # Then
    assert taken.value.room_id == "fuji"
    assert taken.value.busy_from == tokyo(10, 30)
    assert [b.id for b in store.room_day("fuji", DAY).bookings] == [first.id]
    assert {item["booking_id"] for item in slot_items(db, "fuji", DAY)} == {first.id}


def test_a_booking_beyond_the_daily_limit_writes_neither_booking_nor_slots(
    store: DynamoBookingStore, db: Table
) -> None:
    # Given Alice's daily limit of two bookings, both taken
    quota = daily("bookings", "user:alice", 2, tokyo(9), TOKYO)
    first, second = booking(tokyo(10), tokyo(11)), booking(tokyo(11), tokyo(12))
    for meeting in (first, second):
        store.add_booking(meeting, TOKYO, quota)

    # When she books a third that day, in a free hour (and one over a taken slot)
    with pytest.raises(LimitReached):
        store.add_booking(booking(tokyo(14), tokyo(15)), TOKYO, quota)
    with pytest.raises(LimitReached):
        store.add_booking(booking(tokyo(10), tokyo(11)), TOKYO, quota)

    # Then only the first two and their slots are stored, and the counter says two
    assert [b.id for b in store.room_day("fuji", DAY).bookings] == [first.id, second.id]
    assert {item["booking_id"] for item in slot_items(db, "fuji", DAY)} == {first.id, second.id}
    assert db.get(*counter_key(quota), consistent=True)["n"] == 2  # type: ignore[index]


def test_back_to_back_bookings_both_succeed(store: DynamoBookingStore) -> None:
    # Given
    store.add_booking(booking(tokyo(10), tokyo(11)), TOKYO)

    # When
    store.add_booking(booking(tokyo(11), tokyo(11, 30)), TOKYO)

    # Then
    assert len(store.room_day("fuji", DAY).bookings) == 2


def test_busy_time_of_several_rooms_read_together_is_each_rooms_own(store: DynamoBookingStore) -> None:
    # Given bookings in nine rooms at different hours, one across midnight, and a room with none
    rooms = [f"room-{n}" for n in range(9)]
    for n, room_id in enumerate(rooms):
        store.add_booking(booking(tokyo(9 + n), tokyo(9 + n, 45), room=room_id), TOKYO)
    store.add_booking(booking(tokyo(23, 30), tokyo(0, 30, DAY + timedelta(days=1)), room="room-0"), TOKYO)

    # When their busy time over two days is read at once
    together = store.busy_by_room([*rooms, "empty"], tokyo(0), tokyo(12, 0, DAY + timedelta(days=1)), TOKYO)

    # Then each room has exactly what reading it alone gives
    assert list(together) == [*rooms, "empty"]
    for room_id in rooms:
        assert together[room_id] == store.busy_between(room_id, tokyo(0), tokyo(12, 0, DAY + timedelta(days=1)), TOKYO)
    assert [(b.start, b.end) for b in together["room-3"]] == [(tokyo(12), tokyo(12, 45))]
    assert len(together["room-0"]) == 2 and together["empty"] == []


def test_extending_into_a_taken_slot_is_refused_and_extending_up_to_it_works(store: DynamoBookingStore) -> None:
    # Given
    meeting = booking(tokyo(10), tokyo(11))
    store.add_booking(meeting, TOKYO)
    store.add_booking(booking(tokyo(11, 30), tokyo(12)), TOKYO)

    # When
    with pytest.raises(RoomTakenError) as taken:
        store.extend_booking(meeting, tokyo(12), TOKYO)
    extended = store.extend_booking(meeting, tokyo(11, 30), TOKYO)

    # Then
    assert taken.value.busy_from == tokyo(11, 30)
    assert extended.end == tokyo(11, 30)
    assert extended.sequence == meeting.sequence + 1
    assert store.list_bookings("fuji", tokyo(10), tokyo(10, 15), TOKYO) == [extended]


def test_ending_a_meeting_frees_its_slots_from_the_quarter_hour_it_ends_in(store: DynamoBookingStore) -> None:
    # Given a meeting 10:00-12:00
    meeting = booking(tokyo(10), tokyo(12))
    store.add_booking(meeting, TOKYO)

    # When it ends at 10:20
    ended = store.end_booking(meeting, tokyo(10, 20), TOKYO)

    # Then it ended then, and a booking made now (from 10:15, the quarter hour now is in) gets the room
    assert (ended.status, ended.end, ended.sequence) == (BookingStatus.ENDED, tokyo(10, 20), 1)
    store.add_booking(booking(tokyo(10, 15), tokyo(10, 45)), TOKYO)
    # And the quarter hour the meeting used in full stays its own
    with pytest.raises(RoomTakenError):
        store.add_booking(booking(tokyo(10), tokyo(10, 15)), TOKYO)


def test_two_people_ending_the_same_meeting_change_it_once(store: DynamoBookingStore) -> None:
    # Given
    meeting = booking(tokyo(10), tokyo(12))
    store.add_booking(meeting, TOKYO)
    store.end_booking(meeting, tokyo(10, 20), TOKYO)

    # When
    with pytest.raises(BookingRuleError) as changed:
        store.end_booking(meeting, tokyo(10, 50), TOKYO)

    # Then
    assert changed.value.reason == "booking_changed"
    (stored,) = store.room_day("fuji", DAY).bookings
    assert (stored.end, stored.sequence) == (tokyo(10, 20), 1)


def test_a_cancelled_booking_frees_its_time_and_stays_listed(store: DynamoBookingStore, db: Table) -> None:
    # Given
    meeting = booking(tokyo(10), tokyo(11))
    store.add_booking(meeting, TOKYO)

    # When
    cancelled = store.cancel_booking(meeting, TOKYO)

    # Then
    assert cancelled.status is BookingStatus.CANCELLED
    assert slot_items(db, "fuji", DAY) == []
    assert store.busy_between("fuji", tokyo(9), tokyo(12), TOKYO) == []
    assert store.list_bookings("fuji", tokyo(0), tokyo(23), TOKYO) == [cancelled]
    store.add_booking(booking(tokyo(10), tokyo(11)), TOKYO)


def test_a_no_show_is_released_but_a_checked_in_meeting_is_not(store: DynamoBookingStore, db: Table) -> None:
    # Given
    no_show = booking(tokyo(10), tokyo(11))
    attended = booking(tokyo(13), tokyo(14))
    store.add_booking(no_show, TOKYO)
    store.add_booking(attended, TOKYO)
    checked_in = store.check_in(attended, tokyo(13, 2), TOKYO)

    # When
    released = store.release_booking(no_show, TOKYO)
    with pytest.raises(BookingRuleError) as not_released:
        store.release_booking(attended, TOKYO)  # the sweeper's stale copy, read before the check-in

    # Then
    assert released.status is BookingStatus.RELEASED
    assert not_released.value.reason == "booking_changed"
    assert {item["booking_id"] for item in slot_items(db, "fuji", DAY)} == {attended.id}
    assert store.live_bookings_since(["fuji"], DAY) == [checked_in]
    assert checked_in.checked_in_at == tokyo(13, 2)


def test_a_booking_across_midnight_appears_on_both_days(store: DynamoBookingStore, db: Table) -> None:
    # Given
    late = booking(tokyo(23, 30), tokyo(0, 30, DAY + timedelta(days=1)))

    # When
    store.add_booking(late, TOKYO)

    # Then
    next_day = DAY + timedelta(days=1)
    assert [b.id for b in store.room_day("fuji", DAY).bookings] == [late.id]
    assert [b.id for b in store.room_day("fuji", next_day).bookings] == [late.id]
    assert len(slot_items(db, "fuji", DAY)) == 2
    assert len(slot_items(db, "fuji", next_day)) == 2
    assert [b.ref for b in store.busy_between("fuji", tokyo(0, 0, next_day), tokyo(1, 0, next_day), TOKYO)] == [late.id]
    assert store.bookings_for_user("alice", tokyo(0), tokyo(0, 0, DAY + timedelta(days=2))) == [late]

    # When it ends early, the copy on the second day goes with the time it no longer covers
    ended = store.end_booking(late, tokyo(23, 40), TOKYO)

    # Then
    assert store.room_day("fuji", DAY).bookings == [ended]
    assert store.room_day("fuji", next_day).bookings == []
    assert slot_items(db, "fuji", next_day) == []


def test_bookings_for_user_and_for_rooms(store: DynamoBookingStore) -> None:
    # Given
    mine = booking(tokyo(9), tokyo(10), room="fuji")
    theirs = booking(tokyo(9), tokyo(10), room="aso", organizer="bob")
    anonymous = booking(tokyo(11), tokyo(12), room="aso", organizer=None)
    for each in (mine, theirs, anonymous):
        store.add_booking(each, TOKYO)

    # When
    alice = store.bookings_for_user("alice", tokyo(0), tokyo(23))
    everything = store.list_bookings_for_rooms(["aso", "fuji"], tokyo(0), tokyo(23), TOKYO)

    # Then
    assert alice == [mine]
    assert [b.id for b in everything] == [theirs.id, mine.id, anonymous.id]


def test_forget_user_anonymises_every_copy_of_their_bookings_and_keeps_the_slots(
    store: DynamoBookingStore, db: Table
) -> None:
    # Given alice's meeting across midnight, a booking of hers that was cancelled, and bob's meeting
    next_day = DAY + timedelta(days=1)
    late = replace(booking(tokyo(23, 30), tokyo(0, 30, next_day)), subject="Alice's 1:1")
    cancelled = booking(tokyo(9), tokyo(10))
    bobs = replace(booking(tokyo(11), tokyo(12), organizer="bob"), subject="Planning")
    for each in (late, cancelled, bobs):
        store.add_booking(each, TOKYO)
    store.cancel_booking(cancelled, TOKYO)
    slots_before = slot_items(db, "fuji", DAY) + slot_items(db, "fuji", next_day)

    # When alice is forgotten
    erased = store.forget_user("alice")

    # Then both of her bookings lose organizer and subject on every day's copy, and keep their times and status
    assert erased == 2
    copies = [*store.room_day("fuji", DAY).bookings, *store.room_day("fuji", next_day).bookings]
    hers = [b for b in copies if b.id in (late.id, cancelled.id)]
    assert len(hers) == 3
    assert all(b.organizer is None and b.subject is None for b in hers)
    assert {(b.id, b.start, b.end, b.status) for b in hers} == {
        (late.id, late.start, late.end, BookingStatus.BOOKED),
        (cancelled.id, cancelled.start, cancelled.end, BookingStatus.CANCELLED),
    }
    # And nothing finds them by her any more, no item of hers keeps a GSI1 key, and the slots are as they were
    assert store.bookings_for_user("alice", tokyo(0), tokyo(0, 0, next_day + timedelta(days=1))) == []
    items = [*db.query_pk(f"ROOMDAY#fuji#{DAY}", "BOOKING#"), *db.query_pk(f"ROOMDAY#fuji#{next_day}", "BOOKING#")]
    assert [item["id"] for item in items if "GSI1PK" in item] == [bobs.id]
    assert slot_items(db, "fuji", DAY) + slot_items(db, "fuji", next_day) == slots_before
    # And bob's meeting is untouched
    assert [b for b in copies if b.id == bobs.id] == [bobs]
    # And a change prepared from the booking as read before cannot write her name back
    with pytest.raises(BookingRuleError):
        store.extend_booking(late, tokyo(0, 45, next_day), TOKYO)
    assert store.forget_user("alice") == 0


def test_feed_busy_time_is_replaced_unless_the_digest_is_unchanged(store: DynamoBookingStore) -> None:
    # Given
    standup = BusyInterval(tokyo(9), tokyo(9, 30), "feed", "uid-1", subject="Standup")
    review = BusyInterval(tokyo(15), tokyo(16), "feed", "uid-2", private=True)
    first_refresh = tokyo(6)
    assert store.replace_feed_busy("fuji", DAY, [standup, review], first_refresh, "digest-1") is True

    # When
    unchanged = store.replace_feed_busy("fuji", DAY, [standup], tokyo(7), "digest-1")

    # Then
    assert unchanged is False
    day = store.room_day("fuji", DAY)
    assert (day.feed_busy, day.refreshed_at, day.stale) == ([standup, review], first_refresh, False)

    # When the feed changes
    assert store.replace_feed_busy("fuji", DAY, [review], tokyo(8), "digest-2") is True

    # Then
    assert store.room_day("fuji", DAY).feed_busy == [review]


def test_a_stale_day_is_rewritten_even_with_the_same_digest(store: DynamoBookingStore) -> None:
    # Given
    standup = BusyInterval(tokyo(9), tokyo(9, 30), "feed", "uid-1")
    store.replace_feed_busy("fuji", DAY, [standup], tokyo(6), "digest-1")
    store.mark_feed_stale("fuji", DAY)
    assert store.room_day("fuji", DAY).stale is True

    # When
    rewritten = store.replace_feed_busy("fuji", DAY, [standup], tokyo(7), "digest-1")

    # Then
    day = store.room_day("fuji", DAY)
    assert (rewritten, day.stale, day.refreshed_at) == (True, False, tokyo(7))


def test_busy_time_joins_feed_events_and_bookings_in_order(store: DynamoBookingStore) -> None:
    # Given
    meeting = booking(tokyo(10), tokyo(11))
    store.add_booking(meeting, TOKYO)
    store.replace_feed_busy("fuji", DAY, [BusyInterval(tokyo(9), tokyo(10), "feed", "uid-1")], tokyo(6), "d")

    # When
    busy = store.busy_between("fuji", tokyo(8), tokyo(12), TOKYO)

    # Then
    assert [(b.source, b.start, b.end) for b in busy] == [
        ("feed", tokyo(9), tokyo(10)),
        ("booking", tokyo(10), tokyo(11)),
    ]


def test_fifty_simultaneous_overlapping_bookings_have_exactly_one_winner(store: DynamoBookingStore, db: Table) -> None:
    # Given every request covers 11:00-11:15, each with its own start and end around it
    requests = [
        booking(tokyo(10, 15 * (n % 4)), tokyo(11, 15) + SLOT * (n % 3), organizer=f"user{n}") for n in range(50)
    ]
    barrier = threading.Barrier(len(requests))

    def attempt(request: Booking) -> Booking | None:
        barrier.wait()
        try:
            store.add_booking(request, TOKYO)
        except RoomTakenError:
            return None
        return request

    # When
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        results = list(pool.map(attempt, requests))

    # Then
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    (winner,) = winners
    assert [b.id for b in store.room_day("fuji", DAY).bookings] == [winner.id]
    slots = slot_items(db, "fuji", DAY)
    assert {item["booking_id"] for item in slots} == {winner.id}
    assert len(slots) == len(slot_starts(winner.interval))


class BookingMachine(RuleBasedStateMachine):
    """Random bookings, extensions, ends and cancellations in one Berlin room around the night
    daylight saving ends: the store accepts exactly what does not overlap and keeps slots in step.

    Each run gets its own table: moto copies a whole table for every transaction it serves.
    """

    client: Any
    origin = datetime(2026, 10, 24, 21, 0, tzinfo=UTC)  # 23:00 in Berlin; the clocks go back at 03:00

    bookings = Bundle("bookings")

    def __init__(self) -> None:
        super().__init__()
        self.table = Table(self.client, "machine-" + uuid.uuid4().hex[:12])
        ensure_table(self.client, self.table.name)
        self.store = DynamoBookingStore(self.table)
        self.room = "fuji"
        self.model: dict[str, Booking] = {}

    def at(self, quarter: int) -> datetime:
        return self.origin + SLOT * quarter

    def overlaps_held(self, interval: Interval, ignore: str = "") -> bool:
        """Whether the interval needs a quarter hour another booking holds (see `held_slots`)."""
        held = {s for b in self.model.values() if b.id != ignore for s in held_slots(b)}
        return bool(held & set(slot_starts(interval)))

    @rule(target=bookings, first=st.integers(0, 24), length=st.integers(1, 8))
    def book(self, first: int, length: int) -> str:
        wanted = booking(self.at(first), self.at(first + length), room=self.room)
        try:
            self.store.add_booking(wanted, BERLIN)
        except RoomTakenError:
            assert self.overlaps_held(wanted.interval)
            return ""
        assert not self.overlaps_held(wanted.interval)
        self.model[wanted.id] = wanted
        return wanted.id

    @rule(booking_id=bookings, extra=st.integers(1, 4))
    def extend(self, booking_id: str, extra: int) -> None:
        current = self.model.get(booking_id)
        if current is None or not current.status.is_live:
            return
        new_end = current.end + SLOT * extra
        try:
            self.model[booking_id] = self.store.extend_booking(current, new_end, BERLIN)
        except RoomTakenError:
            assert self.overlaps_held(Interval(current.end, new_end), ignore=booking_id)
        else:
            assert not self.overlaps_held(Interval(current.end, new_end), ignore=booking_id)

    @rule(booking_id=bookings, minutes_in=st.integers(1, 60))
    def end(self, booking_id: str, minutes_in: int) -> None:
        current = self.model.get(booking_id)
        if current is not None and current.status.is_live:
            self.model[booking_id] = self.store.end_booking(
                current, current.start + timedelta(minutes=minutes_in), BERLIN
            )

    @rule(booking_id=bookings)
    def cancel(self, booking_id: str) -> None:
        current = self.model.get(booking_id)
        if current is not None and current.status.is_live:
            self.model[booking_id] = self.store.cancel_booking(current, BERLIN)

    @invariant()
    def store_agrees_with_the_model(self) -> None:
        window = (self.at(-4), self.at(40))
        stored = {b.id: b for b in self.store.list_bookings(self.room, *window, BERLIN)}
        assert stored == self.model
        live = sorted((b for b in stored.values() if b.status.is_live), key=lambda b: b.start)
        assert all(a.end <= b.start for a, b in itertools.pairwise(live))
        held = {s for b in stored.values() for s in held_slots(b)}
        days = {s.astimezone(ZoneInfo(BERLIN)).date() for s in slot_starts(Interval(*window))}
        slots = [item for day in days for item in slot_items(self.table, self.room, day)]
        assert {datetime.fromisoformat(str(item["SK"]).removeprefix("SLOT#")) for item in slots} == held


def test_random_booking_sequences_never_double_book_a_room(db: Table) -> None:
    machine = type("BoundBookingMachine", (BookingMachine,), {"client": db.client})
    run_state_machine_as_test(machine, settings=settings(max_examples=10, stateful_step_count=10, deadline=None))


def test_free_now_means_it_can_be_booked_now(db: Table) -> None:
    """Status, find and book read the same truth: the property of `RoomTimeMachine`, on the real store."""

    def new_store(self: RoomTimeMachine) -> DynamoBookingStore:
        table = Table(db.client, "room-time-" + uuid.uuid4().hex[:12])
        ensure_table(db.client, table.name)
        return DynamoBookingStore(table)

    machine = type("DynamoRoomTime", (RoomTimeMachine,), {"new_store": new_store})
    run_state_machine_as_test(machine, settings=settings(max_examples=25, stateful_step_count=12, deadline=None))
