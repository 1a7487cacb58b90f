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
    Interval,
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
    # When a room for three is looked for now from Fuji's device
    request = BookingRequest(NOW, timedelta(minutes=30), 3)
    found = service.find(SHARED, request, (), NOW)

    # Then Everest (this floor, smallest) is offered for the time asked, then Fuji and Aso
    assert found is not None and (found.room, found.others) == (EVEREST, ("fuji", "aso"))
    assert found.interval == found.wanted == Interval(NOW, at(10, 30))
    # And only Fuji has video; a room left out is not offered
    with_video = service.find(SHARED, request, ("video",), NOW)
    assert with_video is not None and (with_video.room, with_video.others) == (FUJI, ())
    assert service.find(SHARED, request, (), NOW, exclude={"everest"}).room == FUJI  # type: ignore[union-attr]


def test_find_with_nothing_free_offers_the_room_free_soonest_after(
    service: RoomService, store: InMemoryBookings
) -> None:
    # Given every room busy at 10:00: Fuji until 11:00, Everest until 10:40 (a feed), Aso until 10:30
    book(service, FUJI, NOW, 60, PERSONAL)
    store.feed["everest"] = [BusyInterval(at(9), at(10, 40), "feed", "e")]
    book(service, ASO, NOW, 30, PERSONAL)

    # When a room is looked for from 10:00 for 45 minutes
    found = service.find(SHARED, BookingRequest(NOW, timedelta(minutes=45)), (), NOW)

    # Then Aso is offered from 10:30, the soonest any room is free for as long
    assert found is not None and (found.room, found.interval) == (ASO, Interval(at(10, 30), at(11, 15)))
    assert found.wanted == Interval(NOW, at(10, 45))


def test_find_with_nothing_free_for_the_rest_of_the_day_offers_nothing(
    service: RoomService, store: InMemoryBookings
) -> None:
    for room in (FUJI, EVEREST, ASO):
        store.feed[room.id] = [BusyInterval(at(9), at(24), "feed", room.id)]
    assert service.find(SHARED, BookingRequest(NOW, timedelta(minutes=30)), (), NOW) is None


def test_a_room_free_now_but_taken_later_in_the_time_asked_is_offered_until_then(
    service: RoomService, store: InMemoryBookings
) -> None:
    # Given a calendar meeting in Fuji from 10:33
    store.feed["fuji"] = [BusyInterval(at(10, 33), at(11, 30), "feed", "a")]

    # When Fuji is wanted for an hour from now
    found = service.instead(SHARED, FUJI, BookingRequest(NOW, timedelta(hours=1)), NOW)

    # Then Fuji is offered from now to the quarter hour that meeting starts in
    assert found == rooms.Alternative(FUJI, Interval(NOW, at(10, 30)), Interval(NOW, at(11)))


def test_a_room_busy_now_is_offered_from_its_next_free_time_of_the_same_length(
    service: RoomService, store: InMemoryBookings
) -> None:
    # Given Fuji busy 9:30-10:20, free 10:30-10:45, then busy 10:45-11:00 (a gap too short for 30 minutes)
    store.feed["fuji"] = [
        BusyInterval(at(9, 30), at(10, 20), "feed", "a"),
        BusyInterval(at(10, 45), at(11), "feed", "b"),
    ]
    book(service, FUJI, at(10, 30), 15, PERSONAL)

    # When Fuji is wanted for 30 minutes now
    found = service.instead(SHARED, FUJI, BookingRequest(NOW, timedelta(minutes=30)), NOW)

    # Then Fuji is offered from 11:00, its first free half hour
    assert found is not None and (found.room, found.interval) == (FUJI, Interval(at(11), at(11, 30)))


def test_a_time_from_now_is_offered_later_for_the_length_asked_not_the_quarter_hour_begun(
    service: RoomService,
) -> None:
    # Given Fuji booked 10:00-10:30, and a request at 10:07 for 30 minutes from now (10:00-10:45 on the grid)
    book(service, FUJI, NOW, 30, PERSONAL)
    now = at(10, 7)

    # When what comes nearest is asked
    found = service.instead(SHARED, FUJI, BookingRequest(now, timedelta(minutes=30)), now)

    # Then Fuji is offered for half an hour from 10:30
    assert found is not None and (found.room, found.interval) == (FUJI, Interval(at(10, 30), at(11)))


def test_a_room_taken_for_the_rest_of_the_day_offers_another_room_for_the_whole_time(
    service: RoomService, store: InMemoryBookings
) -> None:
    # Given Fuji busy for the rest of the day, and Everest taken from 10:15
    store.feed["fuji"] = [BusyInterval(at(9), at(24), "feed", "a")]
    book(service, EVEREST, at(10, 15), 30, PERSONAL)

    # When Fuji is wanted for 30 minutes now, for three people
    found = service.instead(SHARED, FUJI, BookingRequest(NOW, timedelta(minutes=30), 3), NOW)

    # Then Aso, the other room that seats three and is free then, is offered for the whole time
    assert found == rooms.Alternative(ASO, Interval(NOW, at(10, 30)), Interval(NOW, at(10, 30)))


def test_starting_the_meeting_from_the_room_checks_its_booking_in(service: RoomService) -> None:
    # Given Alice's booking of Fuji now, made at her desk
    book(service, FUJI, NOW, 30, PERSONAL)

    # When the meeting is started from Fuji's device, then from Alice's desk
    checked = service.check_in_here(SHARED, NOW)

    # Then the room's booking is checked in; a personal device checks nothing in
    assert checked is not None and checked.status is BookingStatus.CHECKED_IN
    assert service.check_in_here(PERSONAL, NOW) is None
    assert service.check_in_here(SHARED, at(12)) is None


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
