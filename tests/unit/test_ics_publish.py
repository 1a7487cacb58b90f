"""A room's bookings published as a subscribable feed, read back as a calendar client would."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from skill.adapters.ics_parse import parse_feed
from skill.adapters.ics_publish import publish_bookings
from skill.domain.model import Booking, BookingStatus, Room

TOKYO = ZoneInfo("Asia/Tokyo")
ROOM = Room(id="fuji", name="Fuji (5A)")


def booking(booking_id: str, hour: int, status: BookingStatus = BookingStatus.BOOKED, sequence: int = 0) -> Booking:
    start = datetime(2026, 3, 2, hour, tzinfo=TOKYO)
    return Booking(
        id=booking_id,
        room_id=ROOM.id,
        start=start,
        end=start + timedelta(minutes=45),
        status=status,
        organizer="alice",
        device="amzn1.ask.device.AAAA",
        subject="Salary talk with Alice Tanaka",
        created_at=datetime(2026, 3, 1, 9, tzinfo=TOKYO),
        sequence=sequence,
    )


BOOKINGS = [
    booking("b-10", 10, sequence=2),
    booking("b-13", 13, BookingStatus.CANCELLED, sequence=1),
    booking("b-15", 15, BookingStatus.RELEASED, sequence=3),
    booking("b-17", 17, BookingStatus.CHECKED_IN),
]


def test_round_trip_gives_the_live_bookings_as_busy_time() -> None:
    # Given four bookings, one cancelled and one released
    body = publish_bookings(ROOM, BOOKINGS)

    # When the feed is read back for that day
    parsed = parse_feed(
        body, default_tz="Asia/Tokyo", start=datetime(2026, 3, 2, tzinfo=TOKYO), end=datetime(2026, 3, 3, tzinfo=TOKYO)
    )

    # Then the booked and checked-in ones are busy at the same times, under their stable UIDs
    assert [(e.start, e.end, e.ref) for e in parsed.events] == [
        (BOOKINGS[0].start, BOOKINGS[0].end, "b-10@office-assistant"),
        (BOOKINGS[3].start, BOOKINGS[3].end, "b-17@office-assistant"),
    ]
    assert parsed.skipped == 0


def test_feed_names_the_room_and_marks_each_booking_for_subscribers() -> None:
    # When the feed is read by a generic calendar library
    calendar = icalendar.Calendar.from_ical(publish_bookings(ROOM, BOOKINGS))

    # Then it is named after the room and each booking is one event in UTC with its sequence and status
    assert calendar["X-WR-CALNAME"] == "Fuji (5A)"
    assert calendar["METHOD"] == "PUBLISH"
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {f"{b.id}@office-assistant" for b in BOOKINGS}
    first = events["b-10@office-assistant"]
    assert first.decoded("DTSTART") == datetime(2026, 3, 2, 1, tzinfo=ZoneInfo("UTC"))
    assert first.to_ical().count(b"DTSTART:20260302T010000Z") == 1  # written in UTC, no TZID
    assert first["SEQUENCE"] == 2
    assert "DTSTAMP" in first
    statuses = {uid: str(e["STATUS"]) for uid, e in events.items()}
    assert statuses == {
        "b-10@office-assistant": "CONFIRMED",
        "b-13@office-assistant": "CANCELLED",
        "b-15@office-assistant": "CANCELLED",
        "b-17@office-assistant": "CONFIRMED",
    }


def test_feed_carries_no_personal_data() -> None:
    body = publish_bookings(ROOM, BOOKINGS)

    assert b"Salary" not in body
    assert b"alice" not in body.lower()
    assert b"amzn1" not in body
    assert b"ORGANIZER" not in body
    assert body.count(b"SUMMARY:Booked\r\n") == body.count(b"SUMMARY:") == len(BOOKINGS)


def test_same_bookings_give_the_same_bytes_and_a_new_sequence_changes_them() -> None:
    first = publish_bookings(ROOM, BOOKINGS)
    again = publish_bookings(ROOM, list(reversed(BOOKINGS)))
    bumped = publish_bookings(ROOM, [booking("b-10", 10, BookingStatus.CANCELLED, sequence=3), *BOOKINGS[1:]])

    assert first == again
    assert bumped != first


def test_feed_is_valid_icalendar_for_a_second_reader() -> None:
    # Given the feed read by vobject, a stricter independent parser
    import vobject

    calendar = vobject.readOne(publish_bookings(ROOM, BOOKINGS).decode())

    # Then it validates and holds every booking
    assert calendar.validate()
    assert len(calendar.vevent_list) == len(BOOKINGS)
    assert {e.summary.value for e in calendar.vevent_list} == {"Booked"}
