"""Room use cases with an in-memory bookings store: resolving rooms, status, booking, extending, the next meeting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test
from support import RoomTimeMachine

from skill.domain.booking import held_slots, slot_starts
from skill.domain.calendar import user_owner
from skill.domain.errors import NotFoundError, RoomTakenError
from skill.domain.model import Booking, BookingStatus, BusyInterval, Caller, CallerKind, Interval, Room, Site, User
from skill.services import rooms

TZ = "Asia/Tokyo"
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
FUJI = Room("fuji", "Fuji", aliases=("room 5a",), floor=5, capacity=8, features=("video",))
EVEREST = Room("everest", "Everest", floor=5, capacity=4)
ASO = Room("aso", "Aso", floor=2, capacity=4)
ALICE = User("alice", "Alice Tanaka", email="alice@example.com")
SHARED = Caller(CallerKind.SHARED, "dev-room", room=FUJI, features=frozenset({"booking"}), site=Site(timezone=TZ))
PERSONAL = Caller(CallerKind.PERSONAL, "dev-desk", user=ALICE, features=frozenset({"booking"}), site=Site(timezone=TZ))


def at(hour: int, minute: int = 0) -> datetime:
    return NOW + timedelta(hours=hour - 10, minutes=minute)


@dataclass
class InMemoryBookings:
    """Bookings and feed busy time by owner; a booking overlapping a live one is RoomTakenError."""

    bookings: dict[str, Booking] = field(default_factory=dict)
    feed: dict[str, list[BusyInterval]] = field(default_factory=dict)

    def _busy(self, owner: str) -> list[BusyInterval]:
        live = [b.busy for b in self.bookings.values() if b.room_id == owner and b.status.is_live]
        return live + self.feed.get(owner, [])

    def room_day(self, room_id: str, day: date) -> Any:
        return SimpleNamespace(bookings=[b for b in self.bookings.values() if b.room_id == room_id])

    def busy_between(self, room_id: str, start: datetime, end: datetime, tz: str) -> list[BusyInterval]:
        return sorted((b for b in self._busy(room_id) if b.start < end and start < b.end), key=lambda b: b.start)

    def busy_by_room(self, room_ids: Any, start: datetime, end: datetime, tz: str) -> dict[str, list[BusyInterval]]:
        return {room_id: self.busy_between(room_id, start, end, tz) for room_id in room_ids}

    def bookings_for_user(self, user_id: str, start: datetime, end: datetime) -> list[Booking]:
        return [b for b in self.bookings.values() if b.organizer == user_id and b.start < end and start < b.end]

    def live_bookings_since(self, room_ids: Any, day: date, until: date | None = None) -> list[Booking]:
        return [b for b in self.bookings.values() if b.room_id in room_ids and b.status.is_live]

    def add_booking(self, booking: Booking, tz: str) -> None:
        self._claim(booking, booking.start, booking.end)
        self.bookings[booking.id] = booking

    def _claim(self, booking: Booking, start: datetime, end: datetime) -> None:
        """The slot items' rule: a quarter hour another booking of the room holds (`held_slots`) is taken."""
        held = {
            s
            for b in self.bookings.values()
            if b.id != booking.id and b.room_id == booking.room_id
            for s in held_slots(b)
        }
        taken = held & set(slot_starts(Interval(start, end)))
        if taken:
            raise RoomTakenError(booking.room_id, busy_from=min(taken))

    def extend_booking(
        self, booking: Booking, new_end: datetime, tz: str, *, checked_in_at: datetime | None = None
    ) -> Booking:
        self._claim(booking, booking.end, new_end)
        if checked_in_at is not None and booking.status is not BookingStatus.CHECKED_IN:
            booking = replace(booking, status=BookingStatus.CHECKED_IN, checked_in_at=checked_in_at)
        return self._save(replace(booking, end=new_end))

    def end_booking(self, booking: Booking, now: datetime, tz: str) -> Booking:
        return self._save(replace(booking, status=BookingStatus.ENDED, end=min(booking.end, now)))

    def cancel_booking(self, booking: Booking, tz: str) -> Booking:
        return self._save(replace(booking, status=BookingStatus.CANCELLED))

    def release_booking(self, booking: Booking, tz: str) -> Booking:
        return self._save(replace(booking, status=BookingStatus.RELEASED))

    def check_in(self, booking: Booking, now: datetime, tz: str) -> Booking:
        return self._save(replace(booking, status=BookingStatus.CHECKED_IN, checked_in_at=now))

    def _save(self, booking: Booking) -> Booking:
        self.bookings[booking.id] = booking
        return booking


@dataclass
class Fleet:
    def docs(self, kind: str) -> dict[str, dict[str, Any]]:
        from skill.domain.fleet import room_to_doc

        return {room.id: room_to_doc(room) for room in (FUJI, EVEREST, ASO)} if kind == "room" else {}

    def get_room(self, room_id: str) -> Room | None:
        return {room.id: room for room in (FUJI, EVEREST, ASO)}.get(room_id)


@pytest.fixture
def store() -> InMemoryBookings:
    return InMemoryBookings()


def book(store: InMemoryBookings, room: Room, start: datetime, minutes: int, caller: Caller = SHARED) -> Booking:
    return rooms.book_room(
        caller, room, start, timedelta(minutes=minutes), None, tz=TZ, store=store, now=NOW, request_id="req"
    )


@pytest.mark.parametrize(
    ("caller", "spoken", "entity_id", "expected"),
    [
        (SHARED, None, None, FUJI),
        (SHARED, "this room", None, FUJI),
        (PERSONAL, None, None, None),
        (PERSONAL, "Everest", "everest", EVEREST),
        (PERSONAL, "room five a", None, FUJI),
        (PERSONAL, "room 5a", None, FUJI),
        (PERSONAL, "evrest", None, EVEREST),
        (PERSONAL, "the kitchen", None, None),
    ],
)
def test_resolve_room(caller: Caller, spoken: str | None, entity_id: str | None, expected: Room | None) -> None:
    assert rooms.resolve_room(spoken, caller, Fleet(), entity_id=entity_id) == expected  # type: ignore[arg-type]


def test_status_is_busy_until_the_end_of_back_to_back_meetings(store: InMemoryBookings) -> None:
    # Given a calendar meeting 9:30-10:30 and a booking 10:30-11:00, then one at 14:00
    store.feed["fuji"] = [BusyInterval(at(9, 30), at(10, 30), "feed", "a"), BusyInterval(at(14), at(15), "feed", "c")]
    book(store, FUJI, at(10, 30), 30)
    # When the status is asked at 10:00
    status = rooms.room_status(
        FUJI, NOW, tz=TZ, store=store, feeds=SimpleNamespace(get=lambda owner: None), now=NOW, stale_after=timedelta()
    )
    # Then it is busy until 11:00, and the next meeting is at 14:00
    assert status.is_busy and status.busy_until == at(11)
    assert status.next_busy is not None and status.next_busy.start == at(14)


def test_a_conflict_with_feed_busy_time_says_until_when_it_is_free(store: InMemoryBookings) -> None:
    store.feed["fuji"] = [BusyInterval(at(10, 30), at(11), "feed", "a")]
    with pytest.raises(RoomTakenError) as taken:
        book(store, FUJI, NOW, 60)
    assert (taken.value.busy_from, taken.value.free_until) == (at(10, 30), at(10, 30))
    assert store.bookings == {}


def test_a_booking_now_from_the_rooms_device_is_checked_in_one_from_a_desk_is_not(store: InMemoryBookings) -> None:
    assert book(store, FUJI, NOW, 30).status is BookingStatus.CHECKED_IN
    desk = book(store, EVEREST, NOW, 30, PERSONAL)
    assert (desk.status, desk.organizer) == (BookingStatus.BOOKED, "alice")


def test_find_ranks_the_asking_floor_first_then_the_smallest(store: InMemoryBookings) -> None:
    interval = rooms.find_interval(NOW, timedelta(minutes=30), NOW)
    found = rooms.find_rooms(SHARED, [ASO, FUJI, EVEREST], interval, 3, (), tz=TZ, store=store)
    assert [room.id for room in found] == ["everest", "fuji", "aso"]
    assert rooms.find_rooms(SHARED, [ASO, FUJI, EVEREST], interval, 3, ("video",), tz=TZ, store=store) == [FUJI]


def test_extend_into_a_taken_slot_stops_there_and_offers_the_nearest_free_room(store: InMemoryBookings) -> None:
    # Given a meeting 10:00-10:30 in Fuji and a calendar meeting there from 10:45
    meeting = book(store, FUJI, NOW, 30)
    store.feed["fuji"] = [BusyInterval(at(10, 45), at(12), "feed", "a")]
    # When it is extended by an hour
    outcome = rooms.extend(
        SHARED, meeting, timedelta(hours=1), room=FUJI, rooms=[FUJI, ASO, EVEREST], tz=TZ, store=store, now=NOW
    )
    # Then it ends at 10:45 and Everest (same floor) is offered for 10:45-11:30
    assert outcome.extended and outcome.booking.end == at(10, 45)
    assert (outcome.taken_from, outcome.wanted_end, outcome.alternative) == (at(10, 45), at(11, 30), EVEREST)


def test_personal_next_meeting_is_the_earlier_of_bookings_and_calendar_events(store: InMemoryBookings) -> None:
    book(store, EVEREST, at(13), 30, PERSONAL)
    store.feed[user_owner("alice")] = [BusyInterval(at(11), at(12), "feed", "e", subject="1:1")]
    found = rooms.next_meeting(PERSONAL, None, tz=TZ, store=store, now=NOW)
    assert found is not None and (found.busy.subject, found.room) == ("1:1", None)


def test_user_booking_by_room_and_time_and_none_found(store: InMemoryBookings) -> None:
    mine = book(store, EVEREST, at(13), 30, PERSONAL)
    assert rooms.user_booking("alice", EVEREST, None, "13:00", tz=TZ, store=store, now=NOW) == mine
    with pytest.raises(NotFoundError):
        rooms.user_booking("alice", FUJI, None, None, tz=TZ, store=store, now=NOW)


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [(NOW, 30, False), (NOW, 45, True), (at(10, 30), 15, True), (NOW + timedelta(minutes=3), 30, False)],
)
def test_needs_confirmation(start: datetime, minutes: int, expected: bool) -> None:
    assert rooms.needs_confirmation(start, timedelta(minutes=minutes), NOW) is expected


def test_a_booking_conflict_is_counted_whether_the_read_or_the_write_finds_it(
    store: InMemoryBookings, counted: Callable[[str], int]
) -> None:
    # Given Fuji taken 10:00-10:30
    book(store, FUJI, NOW, 30)
    # When a booking over it is refused by the busy-time check, then by the store after a read that missed it
    with pytest.raises(RoomTakenError):
        book(store, FUJI, NOW, 30, PERSONAL)
    store.busy_between = lambda *args: []  # type: ignore[method-assign]
    with pytest.raises(RoomTakenError):
        book(store, FUJI, NOW, 30, PERSONAL)
    # Then two conflicts are counted
    assert counted("BookingConflict") == 2


def test_an_extension_the_store_refuses_counts_as_a_conflict(
    store: InMemoryBookings, counted: Callable[[str], int]
) -> None:
    # Given a meeting 10:00-10:30 and another booked 10:30-11:00 that the busy-time read missed
    meeting = book(store, FUJI, NOW, 30)
    book(store, FUJI, at(10, 30), 30, PERSONAL)
    store.busy_between = lambda *args: []  # type: ignore[method-assign]
    # When the meeting is extended into it
    outcome = rooms.extend(SHARED, meeting, timedelta(minutes=30), room=FUJI, rooms=[FUJI], tz=TZ, store=store, now=NOW)
    # Then it is not extended, and the conflict is counted
    assert not outcome.extended
    assert counted("BookingConflict") == 1


def test_released_no_shows_are_counted(store: InMemoryBookings, counted: Callable[[str], int]) -> None:
    # Given two bookings at 10:00 nobody checked in to, and one checked in
    for room in (FUJI, EVEREST, ASO):
        book(store, room, NOW, 60, PERSONAL)
    rooms.check_in(store.bookings[next(iter(store.bookings))], tz=TZ, store=store, now=NOW)
    site = Site(timezone=TZ)
    fleet = SimpleNamespace(docs=Fleet().docs, profile=lambda *args: (site, None, None, {}))
    # When the sweeper runs at 10:15
    released = rooms.release_no_shows(SimpleNamespace(fleet=fleet, bookings=store), at(10, 15))  # type: ignore[arg-type]
    # Then both no-shows are released and counted
    assert released == 2
    assert counted("NoShowReleased") == 2


def test_free_now_means_it_can_be_booked_now_in_the_fake_as_in_the_real_store() -> None:
    machine = type("FakeRoomTime", (RoomTimeMachine,), {"new_store": lambda self: InMemoryBookings()})
    run_state_machine_as_test(machine, settings=settings(max_examples=200, stateful_step_count=12, deadline=None))
