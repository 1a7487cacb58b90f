"""A room's voice bookings as an ICS feed that Outlook and Google Calendar can subscribe to.

The feed may be shared beyond the people who booked, so it says only when the room is booked: every
event is "Booked", with no organizer, subject or device. The same bookings always give the same bytes
(DTSTAMP comes from the booking), so the feed's ETag only changes when a booking does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from skill.domain.model import Booking, BookingStatus, Room

_UID_DOMAIN = "office-assistant"
_REFRESH = timedelta(minutes=15)
_NOT_HAPPENING = frozenset({BookingStatus.CANCELLED, BookingStatus.RELEASED})


def booking_uid(booking_id: str) -> str:
    """The UID a booking keeps in every version of the feed."""
    return f"{booking_id}@{_UID_DOMAIN}"


def publish_bookings(room: Room, bookings: Sequence[Booking], *, prodid: str = "-//office-assistant//EN") -> bytes:
    """One VEVENT per booking, in UTC; cancelled and released bookings stay in the feed as CANCELLED."""
    from icalendar import Calendar, Event, vDuration

    calendar = Calendar()
    calendar.add("prodid", prodid)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", room.name)
    calendar.add("refresh-interval", _REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(_REFRESH))
    for booking in sorted(bookings, key=lambda b: (b.start, b.id)):
        cancelled = booking.status in _NOT_HAPPENING
        event = Event()
        event.add("uid", booking_uid(booking.id))
        event.add("sequence", booking.sequence)
        event.add("dtstamp", _utc(booking.created_at or booking.start))
        event.add("dtstart", _utc(booking.start))
        event.add("dtend", _utc(booking.end))
        event.add("summary", "Booked")
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
        event.add("x-microsoft-cdo-busystatus", "FREE" if cancelled else "BUSY")
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("booking times must be timezone-aware")
    return moment.astimezone(UTC)
