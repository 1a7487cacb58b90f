"""The no-show release (the sweeper's job) against moto's DynamoDB, on the test office (Asia/Tokyo).

Fuji and Everest release a booking nobody checked in to 10 minutes after it starts (the default rule).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fakes import FixedClock

from skill.bootstrap import Container, Services
from skill.domain.model import Booking, BookingStatus, BusyInterval
from skill.local.jobs import JobLoop

TZ = "Asia/Tokyo"
START = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo


def book(container: Container, room: str, status: BookingStatus = BookingStatus.BOOKED) -> Booking:
    booking = Booking(room, room, START, START + timedelta(hours=1), status=status, request_id=f"req-{room}")
    container.bookings.add_booking(booking, TZ)
    return booking


def release_no_shows(container: Container, now: datetime) -> int:
    return Services(container).rooms.release_no_shows(now)


def statuses(container: Container) -> dict[str, BookingStatus]:
    found = container.bookings.list_bookings_for_rooms(["fuji", "everest"], START, START + timedelta(hours=2), TZ)
    return {b.id: b.status for b in found}


def test_a_booking_nobody_checked_in_to_is_released_after_the_grace_time(container: Container) -> None:
    # Given a booking at 10:00 nobody checked in to
    book(container, "everest")
    # When the sweeper runs at 10:09, it is kept
    assert release_no_shows(container, START + timedelta(minutes=9)) == 0
    assert statuses(container) == {"everest": BookingStatus.BOOKED}
    # When it runs at 10:10, it is released and its time is free again
    assert release_no_shows(container, START + timedelta(minutes=10)) == 1
    assert statuses(container) == {"everest": BookingStatus.RELEASED}
    assert container.bookings.busy_between("everest", START, START + timedelta(hours=1), TZ) == []


def test_a_checked_in_booking_and_calendar_meetings_are_never_released(container: Container) -> None:
    # Given a checked-in booking in Fuji and a calendar meeting in Everest
    book(container, "fuji", BookingStatus.CHECKED_IN)
    feed = BusyInterval(START, START + timedelta(hours=1), "feed", "evt-1", subject="Standup")
    container.bookings.replace_feed_busy("everest", date(2026, 12, 1), [feed], START, "digest")
    # When the scheduled jobs run at 10:30
    container.clock = FixedClock(START + timedelta(minutes=30))  # type: ignore[assignment]
    JobLoop(Services(container), every=60).run_once()
    # Then nothing is released: the booking stays, the calendar meeting still makes Everest busy
    assert statuses(container) == {"fuji": BookingStatus.CHECKED_IN}
    assert [b.ref for b in container.bookings.busy_between("everest", START, START + timedelta(hours=1), TZ)] == [
        "evt-1"
    ]


def test_the_local_scheduled_jobs_release_no_shows(container: Container) -> None:
    # Given a booking at 10:00 nobody checked in to / When the scheduled jobs run at 10:15
    book(container, "everest")
    container.clock = FixedClock(START + timedelta(minutes=15))  # type: ignore[assignment]
    JobLoop(Services(container), every=60).run_once()
    # Then it is released
    assert statuses(container) == {"everest": BookingStatus.RELEASED}
