"""Room use cases with an in-memory bookings store: resolving rooms, status, booking and its daily limit,
extending, the next meeting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fakes import InMemoryBookings, InMemoryFeeds, InMemoryFleetStore
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test
from support import RoomTimeMachine

from skill.domain.booking import BookingRequest
from skill.domain.calendar import user_owner
from skill.domain.errors import BookingRuleError, NotFoundError, RoomTakenError
from skill.domain.limits import LimitReached
from skill.domain.model import (
    Booking,
    BookingStatus,
    BusyInterval,
    Caller,
    CallerKind,
    Fleet,
    Limits,
    Room,
    Site,
    User,
)
from skill.services import rooms
from skill.services.rooms import RoomService

TZ = "Asia/Tokyo"
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
FUJI = Room("fuji", "Fuji", aliases=("room 5a",), floor=5, capacity=8, features=("video",))
EVEREST = Room("everest", "Everest", floor=5, capacity=4)
ASO = Room("aso", "Aso", floor=2, capacity=4)
ALICE = User("alice", "Alice Tanaka", email="alice@example.com")
SHARED = Caller(CallerKind.SHARED, "dev-room", room=FUJI, features=frozenset({"booking"}), site=Site(timezone=TZ))
PERSONAL = Caller(CallerKind.PERSONAL, "dev-desk", user=ALICE, features=frozenset({"booking"}), site=Site(timezone=TZ))
FLEET = Fleet(site=Site(timezone=TZ), rooms=(FUJI, EVEREST, ASO), users=(ALICE,))


def at(hour: int, minute: int = 0) -> datetime:
    return NOW + timedelta(hours=hour - 10, minutes=minute)


@pytest.fixture
def store() -> InMemoryBookings:
    return InMemoryBookings()


@pytest.fixture
def service(store: InMemoryBookings) -> RoomService:
    return RoomService(store, InMemoryFeeds(), InMemoryFleetStore.of(FLEET), stale_after=timedelta(minutes=15))


def book(service: RoomService, room: Room, start: datetime, minutes: int, caller: Caller = SHARED) -> Booking:
    return service.book(caller, room, BookingRequest(start, timedelta(minutes=minutes)), NOW, "req")


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
        (PERSONAL, "this room", None, None),
    ],
)
def test_resolve_room(
    service: RoomService, caller: Caller, spoken: str | None, entity_id: str | None, expected: Room | None
) -> None:
    assert service.resolve(spoken, caller, entity_id=entity_id) == expected


def test_a_name_that_is_no_room_is_not_found(service: RoomService) -> None:
    with pytest.raises(NotFoundError) as unknown:
        service.resolve(" the kitchen ", PERSONAL)
    assert (unknown.value.kind, unknown.value.key) == ("room", "the kitchen")


def test_status_is_busy_until_the_end_of_back_to_back_meetings(service: RoomService, store: InMemoryBookings) -> None:
    # Given a calendar meeting 9:30-10:30 and a booking 10:30-11:00, then one at 14:00
    store.feed["fuji"] = [BusyInterval(at(9, 30), at(10, 30), "feed", "a"), BusyInterval(at(14), at(15), "feed", "c")]
    book(service, FUJI, at(10, 30), 30)
    # When the status is asked at 10:00
    status = service.status(FUJI, SHARED, NOW)
    # Then it is busy until 11:00, and the next meeting is at 14:00
    assert status.is_busy and status.busy_until == at(11)
    assert status.next_busy is not None and status.next_busy.start == at(14)


def test_a_conflict_with_feed_busy_time_says_until_when_it_is_free(
    service: RoomService, store: InMemoryBookings
) -> None:
    store.feed["fuji"] = [BusyInterval(at(10, 30), at(11), "feed", "a")]
    with pytest.raises(RoomTakenError) as taken:
        book(service, FUJI, NOW, 60)
    assert (taken.value.busy_from, taken.value.free_until) == (at(10, 30), at(10, 30))
    assert store.bookings == {}


def test_a_booking_now_from_the_rooms_device_is_checked_in_one_from_a_desk_is_not(
    service: RoomService, store: InMemoryBookings
) -> None:
    assert book(service, FUJI, NOW, 30).status is BookingStatus.CHECKED_IN
    desk = book(service, EVEREST, NOW, 30, PERSONAL)
    assert (desk.status, desk.organizer) == (BookingStatus.BOOKED, "alice")


def test_find_ranks_the_asking_floor_first_then_the_smallest(service: RoomService) -> None:
    request = BookingRequest(NOW, timedelta(minutes=30), 3)
    assert [room.id for room in service.find(SHARED, request, (), NOW)] == ["everest", "fuji", "aso"]
    assert service.find(SHARED, request, ("video",), NOW) == [FUJI]


def test_a_search_for_a_time_gone_by_is_refused(service: RoomService) -> None:
    with pytest.raises(BookingRuleError) as refused:
        service.find(SHARED, BookingRequest(NOW - timedelta(minutes=20), timedelta(minutes=30)), (), NOW)
    assert refused.value.reason == "in_past"


def test_extend_into_a_taken_slot_stops_there_and_offers_the_nearest_free_room(
    service: RoomService, store: InMemoryBookings
) -> None:
    # Given a meeting 10:00-10:30 in Fuji and a calendar meeting there from 10:45
    meeting = book(service, FUJI, NOW, 30)
    store.feed["fuji"] = [BusyInterval(at(10, 45), at(12), "feed", "a")]
    # When it is extended by an hour
    outcome = service.extend(SHARED, meeting, timedelta(hours=1), NOW)
    # Then it ends at 10:45 and Everest (same floor) is offered for 10:45-11:30
    assert outcome.extended and outcome.booking.end == at(10, 45)
    assert (outcome.taken_from, outcome.wanted_end, outcome.alternative) == (at(10, 45), at(11, 30), EVEREST)


def test_bookings_beyond_a_persons_daily_limit_are_refused_and_written_nowhere(store: InMemoryBookings) -> None:
    # Given a fleet allowing two bookings a day, and Alice who booked two today from her desk
    service = RoomService(
        store,
        InMemoryFeeds(),
        InMemoryFleetStore.of(replace(FLEET, limits=Limits(bookings_per_user_per_day=2))),
        stale_after=timedelta(minutes=15),
    )
    book(service, EVEREST, at(11), 30, PERSONAL)
    book(service, EVEREST, at(12), 30, PERSONAL)

    # When she books a third, from her desk and then as a recognised voice in Fuji
    in_fuji = replace(SHARED, person=ALICE)
    refused = []
    for caller in (PERSONAL, in_fuji):
        with pytest.raises(LimitReached) as limit:
            book(service, ASO, at(13), 30, caller)
        refused.append(limit.value.reason)

    # Then both are refused, Aso stays free, and the room device's own bookings (nobody recognised) still go
    assert refused == ["bookings", "bookings"]
    assert [b.room_id for b in store.bookings.values()] == ["everest", "everest"]
    assert book(service, FUJI, at(14), 30, SHARED).room_id == "fuji"


def test_a_shared_device_that_recognises_nobody_has_the_daily_limit_of_its_own(store: InMemoryBookings) -> None:
    # Given a room device that may book one meeting a day for people it does not recognise
    limits = Limits(bookings_per_user_per_day=1)
    fleet = InMemoryFleetStore.of(replace(FLEET, limits=limits))
    service = RoomService(store, InMemoryFeeds(), fleet, stale_after=timedelta(minutes=15))
    book(service, FUJI, at(11), 30, SHARED)

    # When someone unrecognised books again there today, and again tomorrow
    with pytest.raises(LimitReached):
        book(service, FUJI, at(12), 30, SHARED)
    tomorrow = service.book(
        SHARED, FUJI, BookingRequest(at(12) + timedelta(days=1), timedelta(minutes=30)), NOW + timedelta(days=1), "req"
    )

    # Then today's second is refused, and tomorrow is a new day
    assert tomorrow.organizer is None and len(store.bookings) == 2


def test_personal_next_meeting_is_the_earlier_of_bookings_and_calendar_events(
    service: RoomService, store: InMemoryBookings
) -> None:
    book(service, EVEREST, at(13), 30, PERSONAL)
    store.feed[user_owner("alice")] = [BusyInterval(at(11), at(12), "feed", "e", subject="1:1")]
    found = service.next_meeting(PERSONAL, None, NOW)
    assert found is not None and (found.busy.subject, found.room) == ("1:1", None)


def test_user_booking_by_room_and_time_and_none_found(service: RoomService, store: InMemoryBookings) -> None:
    mine = book(service, EVEREST, at(13), 30, PERSONAL)
    assert service.user_booking("alice", EVEREST, None, "13:00", tz=TZ, now=NOW) == mine
    with pytest.raises(NotFoundError):
        service.user_booking("alice", FUJI, None, None, tz=TZ, now=NOW)


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [(NOW, 30, False), (NOW, 45, True), (at(10, 30), 15, True), (NOW + timedelta(minutes=3), 30, False)],
)
def test_needs_confirmation(start: datetime, minutes: int, expected: bool) -> None:
    assert rooms.needs_confirmation(BookingRequest(start, timedelta(minutes=minutes)), NOW) is expected


def test_ending_a_meeting_not_started_yet_cancels_it(service: RoomService) -> None:
    later = book(service, EVEREST, at(10, 30), 30, PERSONAL)
    assert service.end(PERSONAL, later, NOW).status is BookingStatus.CANCELLED
    started = book(service, FUJI, NOW, 30)
    assert service.end(SHARED, started, at(10, 10)).status is BookingStatus.ENDED


def test_a_booking_conflict_is_counted_whether_the_read_or_the_write_finds_it(
    service: RoomService, store: InMemoryBookings, counted: Callable[[str], int]
) -> None:
    # Given Fuji taken 10:00-10:30
    book(service, FUJI, NOW, 30)
    # When a booking over it is refused by the busy-time check, then by the store after a read that missed it
    with pytest.raises(RoomTakenError):
        book(service, FUJI, NOW, 30, PERSONAL)
    store.busy_between = lambda *args: []  # type: ignore[method-assign]
    with pytest.raises(RoomTakenError):
        book(service, FUJI, NOW, 30, PERSONAL)
    # Then two conflicts are counted
    assert counted("BookingConflict") == 2


def test_an_extension_the_store_refuses_counts_as_a_conflict(
    service: RoomService, store: InMemoryBookings, counted: Callable[[str], int]
) -> None:
    # Given a meeting 10:00-10:30 and another booked 10:30-11:00 that the busy-time read missed
    meeting = book(service, FUJI, NOW, 30)
    book(service, FUJI, at(10, 30), 30, PERSONAL)
    store.busy_between = lambda *args: []  # type: ignore[method-assign]
    # When the meeting is extended into it
    outcome = service.extend(SHARED, meeting, timedelta(minutes=30), NOW)
    # Then it is not extended, and the conflict is counted
    assert not outcome.extended
    assert counted("BookingConflict") == 1


def test_released_no_shows_are_counted(
    service: RoomService, store: InMemoryBookings, counted: Callable[[str], int]
) -> None:
    # Given two bookings at 10:00 nobody checked in to, and one checked in
    for room in (FUJI, EVEREST, ASO):
        book(service, room, NOW, 60, PERSONAL)
    service.check_in(PERSONAL, store.bookings[next(iter(store.bookings))], NOW)
    # When the sweeper runs at 10:15
    released = service.release_no_shows(at(10, 15))
    # Then both no-shows are released and counted
    assert released == 2
    assert counted("NoShowReleased") == 2


def test_free_now_means_it_can_be_booked_now_in_the_fake_as_in_the_real_store() -> None:
    machine = type("FakeRoomTime", (RoomTimeMachine,), {"new_store": lambda self: InMemoryBookings()})
    run_state_machine_as_test(machine, settings=settings(max_examples=200, stateful_step_count=12, deadline=None))
