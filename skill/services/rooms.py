"""Meeting-room use cases: status, booking, finding, extending, ending, checking in, cancelling, the next
meeting, and releasing no-shows.

Plain functions that take their collaborators (the bookings store, the feed-state store, the fleet) and
`now`; the skill, the admin CLI and the sweeper job call them. Every datetime they return is UTC.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from skill.domain import booking as rules
from skill.domain.calendar import feed_freshness, local_midnight, user_owner
from skill.domain.errors import BookingRuleError, NotFoundError, RoomTakenError
from skill.domain.model import Booking, BookingStatus, BusyInterval, Caller, Interval, Room
from skill.observability import count, logger

if TYPE_CHECKING:
    from skill.bootstrap import Container
    from skill.ports import BookingStore, FeedStateStore, FleetStore

THIS_ROOM = frozenset({"this room", "this", "here", "this one", "the room", "this meeting room", "in here"})
ROOM_MATCH_CUTOFF = 70.0
# A meeting that starts this soon may be checked in to (and extended or ended) already.
CHECK_IN_LEAD = timedelta(minutes=10)
# "book this room now for up to 30 minutes" goes ahead without a "shall I?".
QUICK_BOOKING = timedelta(minutes=30)
DEFAULT_FIND_DURATION = timedelta(minutes=30)
NEXT_MEETING_DAYS = 2  # today and tomorrow: what "what's my next meeting?" looks through


@dataclass(frozen=True)
class RoomStatus:
    """A room at one moment: the busy interval covering it (busy until when), or free until when."""

    room: Room
    at: datetime
    busy: BusyInterval | None  # the meeting on now, for speech to decide what it may say
    busy_until: datetime | None  # end of the back-to-back busy time around `at`
    free_until: datetime | None  # start of the next busy time; None: free for the rest of the day
    next_busy: BusyInterval | None  # the first busy interval after `at` (after the current one when busy)
    stale_minutes: int | None  # mention "as of N minutes ago" when the room's feed may be out of date

    @property
    def is_busy(self) -> bool:
        return self.busy is not None


@dataclass(frozen=True)
class ExtendOutcome:
    booking: Booking  # as it is now (extended, or unchanged when nothing could be added)
    previous_end: datetime
    wanted_end: datetime
    taken_from: datetime | None  # when other busy time stops the extension short
    alternative: Room | None  # the nearest room free for the rest of the wanted time

    @property
    def extended(self) -> bool:
        return self.booking.end > self.previous_end


@dataclass(frozen=True)
class NextMeeting:
    busy: BusyInterval
    room: str | None  # the room id of a voice booking; None for a calendar event


# --- rooms ----------------------------------------------------------------------------------------


def all_rooms(fleet: FleetStore) -> list[Room]:
    from skill.domain.fleet import room_from_doc

    return sorted((room_from_doc(doc) for doc in fleet.docs("room").values()), key=lambda r: r.id)


def resolve_room(spoken: str | None, caller: Caller, fleet: FleetStore, *, entity_id: str | None = None) -> Room | None:
    """The room a request is about: "this room" (or none named) on a shared device is the device's room;
    a named room is found by entity id, then id, name and aliases (fuzzy). None when nothing matches."""
    said = " ".join((spoken or "").casefold().split())
    if not said or said in THIS_ROOM:
        return caller.room if caller.is_shared else None
    if caller.room is not None and entity_id == caller.room.id:
        return caller.room
    if entity_id:
        found = fleet.get_room(entity_id)
        if found is not None:
            return found
    return match_room(said, all_rooms(fleet))


def match_room(said: str, rooms: Sequence[Room]) -> Room | None:
    from rapidfuzz import fuzz, process, utils

    names = [(room, name) for room in rooms for name in (room.id, room.name, *room.aliases)]
    best = process.extractOne(
        said,
        [name for _, name in names],
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        score_cutoff=ROOM_MATCH_CUTOFF,
    )
    return None if best is None else names[best[2]][0]


# --- status ---------------------------------------------------------------------------------------


def _day_end(moment: datetime, tz: str) -> datetime:
    day = moment.astimezone(ZoneInfo(tz)).date()
    return local_midnight(day + timedelta(days=1), tz).astimezone(UTC)


def room_status(
    room: Room,
    at: datetime,
    *,
    tz: str,
    store: BookingStore,
    feeds: FeedStateStore,
    now: datetime,
    stale_after: timedelta,
) -> RoomStatus:
    """Busy or free at `at`, until when, and what comes next that day: one Query (and the feed state
    when the room has a calendar)."""
    at = at.astimezone(UTC)
    busy = store.busy_between(room.id, at, _day_end(at, tz), tz)
    current = rules.busy_at(busy, at)
    busy_until = next((block.end for block in rules.merge(busy) if block.contains(at)), None)
    day_end = _day_end(at, tz)
    free = rules.free_until(busy, at, day_end)
    upcoming = rules.next_busy(busy, busy_until or at)
    stale = None
    if room.calendar:
        stale = feed_freshness(feeds.get(room.id), now, stale_after)
    return RoomStatus(
        room=room,
        at=at,
        busy=current,
        busy_until=busy_until,
        free_until=None if free is None or free >= day_end else free,
        next_busy=upcoming,
        stale_minutes=stale,
    )


# --- booking --------------------------------------------------------------------------------------


def needs_confirmation(start: datetime, duration: timedelta, now: datetime) -> bool:
    """A booking that starts later than now, or lasts longer than a quick one, is confirmed first."""
    return start > now + rules.PAST_GRACE or duration > QUICK_BOOKING


def plan_booking(room: Room, start: datetime, duration: timedelta, attendees: int | None, now: datetime) -> Interval:
    """The slots a request would book (BookingRuleError when it breaks a room rule)."""
    return rules.check_booking(room, Interval(start, start + duration), now, attendees)


def check_free(room: Room, interval: Interval, *, tz: str, store: BookingStore) -> None:
    """RoomTakenError when a booking or a calendar event overlaps `interval`."""
    conflict = rules.first_conflict(store.busy_between(room.id, interval.start, interval.end, tz), interval)
    if conflict is not None:
        count("BookingConflict")
        raise _taken(room.id, interval, conflict.start)


def _taken(room_id: str, interval: Interval, busy_from: datetime) -> RoomTakenError:
    """Taken from `busy_from`; free until then when that is after the requested start."""
    return RoomTakenError(room_id, busy_from=busy_from, free_until=busy_from if busy_from > interval.start else None)


def book_room(
    caller: Caller,
    room: Room,
    start: datetime,
    duration: timedelta,
    attendees: int | None,
    *,
    tz: str,
    store: BookingStore,
    now: datetime,
    request_id: str | None,
) -> Booking:
    """Book `room`: one Query for its busy time, one transaction for the booking and its slots.

    A booking that starts now from the room's own device is checked in at once.
    """
    interval = plan_booking(room, start, duration, attendees, now)
    check_free(room, interval, tz=tz, store=store)
    owner = caller.owner
    in_room_now = caller.is_shared and caller.room is not None and caller.room.id == room.id and interval.start <= now
    booking = Booking(
        id=uuid.uuid4().hex,
        room_id=room.id,
        start=interval.start,
        end=interval.end,
        status=BookingStatus.CHECKED_IN if in_room_now else BookingStatus.BOOKED,
        organizer=owner.id if owner else None,
        device=caller.device_id,
        request_id=request_id,
        created_at=now,
        checked_in_at=now if in_room_now else None,
    )
    try:
        store.add_booking(booking, tz)
    except RoomTakenError as error:
        count("BookingConflict")
        busy_from = error.busy_from if isinstance(error.busy_from, datetime) else interval.start
        raise _taken(room.id, interval, busy_from) from error
    logger.info("room booked", extra={"booking_id": booking.id, "room": room.id})
    return booking


def find_interval(start: datetime, duration: timedelta, now: datetime) -> Interval:
    """The quarter hours a search covers: from now, the whole current quarter hour; later, the nearest one.

    BookingRuleError("in_past") for a start that has passed.
    """
    if start < now - rules.PAST_GRACE:
        raise BookingRuleError("in_past", start=start)
    if start <= now:
        return Interval(rules.floor_slot(start), rules.ceil_slot(start + duration))
    begin = rules.nearest_slot(start)
    return Interval(begin, rules.ceil_slot(begin + duration))


def find_rooms(
    caller: Caller,
    rooms: Sequence[Room],
    interval: Interval,
    attendees: int | None,
    features: Collection[str],
    *,
    tz: str,
    store: BookingStore,
    exclude: Collection[str] = (),
) -> list[Room]:
    """Rooms free for `interval` with the seats and features asked for, nearest the asking room first.

    Busy time is only read for rooms that could qualify.
    """

    def could_fit(room: Room) -> bool:
        if room.id in exclude or not room.bookable or not set(features) <= set(room.features):
            return False
        return attendees is None or (room.capacity is not None and room.capacity >= attendees)

    candidates = [room for room in rooms if could_fit(room)]
    busy = store.busy_by_room([room.id for room in candidates], interval.start, interval.end, tz)
    near_floor = caller.room.floor if caller.is_shared and caller.room else None
    return rules.rank_rooms(candidates, busy, interval, attendees=attendees, features=features, near_floor=near_floor)


# --- the meeting on now ---------------------------------------------------------------------------


def current_booking(
    caller: Caller, room: Room | None, *, tz: str, store: BookingStore, now: datetime
) -> Booking | None:
    """The live booking on now (or starting within CHECK_IN_LEAD): the room's on a shared device or
    when a room is given, otherwise the caller's own."""
    window = Interval(now, now + CHECK_IN_LEAD)
    if room is not None:
        today = now.astimezone(ZoneInfo(tz)).date()
        bookings = store.room_day(room.id, today).bookings
    elif caller.owner is not None:
        bookings = store.bookings_for_user(caller.owner.id, window.start, window.end)
    else:
        return None
    live = [b for b in bookings if b.status.is_live and b.interval.overlaps(window)]
    return min(live, key=lambda b: b.start, default=None)


def check_in(booking: Booking, *, tz: str, store: BookingStore, now: datetime) -> Booking:
    """Mark a booking checked in (the sweeper then keeps it); one already checked in stays as it is."""
    if booking.status is BookingStatus.CHECKED_IN:
        return booking
    checked = store.check_in(booking, now, tz)
    logger.info("booking checked in", extra={"booking_id": booking.id})
    return checked


def extend(
    caller: Caller,
    booking: Booking,
    by: timedelta,
    *,
    room: Room,
    rooms: Sequence[Room],
    tz: str,
    store: BookingStore,
    now: datetime,
    check_in_now: bool = False,
) -> ExtendOutcome:
    """Extend `booking` by `by` (within the room's `max_minutes`) as far as the room is free; when other
    busy time stops it short, offer the nearest room free for the rest. With `check_in_now` (the meeting asks
    from its own room) the booking is checked in too, in the extension's write when there is one."""
    longest = booking.start + timedelta(minutes=room.booking.max_minutes)
    wanted_end = min(rules.ceil_slot(booking.end + by), rules.floor_slot(longest))
    refusal = None
    if by <= timedelta(0):
        refusal = BookingRuleError("bad_duration", minutes=0)
    elif wanted_end <= booking.end:
        refusal = BookingRuleError("too_long", max_minutes=room.booking.max_minutes)
    extended: Booking | None = None
    taken_from: datetime | None = None
    if refusal is None:
        busy = store.busy_between(room.id, booking.end, wanted_end, tz)
        reachable = max(booking.end, rules.floor_slot(rules.extension_limit(booking, busy, wanted_end)))
        taken_from = reachable if reachable < wanted_end else None
        if reachable > booking.end:
            try:
                extended = store.extend_booking(booking, reachable, tz, checked_in_at=now if check_in_now else None)
            except RoomTakenError as error:
                count("BookingConflict")
                taken_from = error.busy_from if isinstance(error.busy_from, datetime) else booking.end
    current = extended or (check_in(booking, tz=tz, store=store, now=now) if check_in_now else booking)
    if refusal is not None:
        raise refusal
    if taken_from is None:
        logger.info("booking extended", extra={"booking_id": booking.id})
        return ExtendOutcome(current, booking.end, wanted_end, None, None)
    return _short(caller, current, booking.end, wanted_end, taken_from, rooms, tz, store)


def _short(
    caller: Caller,
    booking: Booking,
    previous_end: datetime,
    wanted_end: datetime,
    taken_from: datetime,
    rooms: Sequence[Room],
    tz: str,
    store: BookingStore,
) -> ExtendOutcome:
    rest = Interval(booking.end, wanted_end)
    found = find_rooms(caller, rooms, rest, None, (), tz=tz, store=store, exclude={booking.room_id})
    return ExtendOutcome(booking, previous_end, wanted_end, taken_from, found[0] if found else None)


def end_meeting(booking: Booking, *, tz: str, store: BookingStore, now: datetime) -> Booking:
    """End a meeting in progress (the rest of its time is free again); one not started yet is cancelled."""
    if now <= booking.start:
        return store.cancel_booking(booking, tz)
    ended = store.end_booking(booking, now, tz)
    logger.info("booking ended", extra={"booking_id": booking.id})
    return ended


# --- a person's bookings --------------------------------------------------------------------------


def user_booking(
    user_id: str,
    room: Room | None,
    date_value: str | None,
    time_value: str | None,
    *,
    tz: str,
    store: BookingStore,
    now: datetime,
    window_days: int = 30,
) -> Booking:
    """The user's live booking that the room, date and time point at (the next one when several do).

    NotFoundError when there is none; BookingRuleError for date or time values that make no sense.
    """
    bookings = [
        b
        for b in store.bookings_for_user(user_id, now, now + timedelta(days=window_days))
        if b.status.is_live and b.end > now and (room is None or b.room_id == room.id)
    ]
    if date_value or time_value:
        zone = ZoneInfo(tz)
        if time_value:
            start = rules.requested_start(date_value, time_value, tz, now)
            bookings = [b for b in bookings if b.interval.contains(start) or b.start == start]
        else:
            day = _day_of(date_value or "", tz, now)
            bookings = [b for b in bookings if b.start.astimezone(zone).date() == day]
    found = min(bookings, key=lambda b: b.start, default=None)
    if found is None:
        raise NotFoundError("booking", user_id)
    return found


def _day_of(date_value: str, tz: str, now: datetime) -> date:
    """The local day an AMAZON.DATE value names (BookingRuleError when it names none)."""
    noon = rules.requested_start(date_value, "12:00", tz, now)
    return noon.astimezone(ZoneInfo(tz)).date()


def cancel(booking: Booking, *, tz: str, store: BookingStore) -> Booking:
    cancelled = store.cancel_booking(booking, tz)
    logger.info("booking cancelled", extra={"booking_id": booking.id})
    return cancelled


def next_meeting(
    caller: Caller, room: Room | None, *, tz: str, store: BookingStore, now: datetime
) -> NextMeeting | None:
    """What comes next: in `room` (the room's next busy time today), or for the caller's own day
    (their next booking or calendar event today or tomorrow)."""
    if room is not None:
        upcoming = rules.next_busy(store.busy_between(room.id, now, _day_end(now, tz), tz), now)
        return None if upcoming is None else NextMeeting(upcoming, room.id)
    owner = caller.owner
    if owner is None:
        return None
    end = local_midnight(now.astimezone(ZoneInfo(tz)).date() + timedelta(days=NEXT_MEETING_DAYS), tz)
    bookings = [b for b in store.bookings_for_user(owner.id, now, end) if b.status.is_live and b.start >= now]
    events = store.busy_between(user_owner(owner.id), now, end, tz)
    found: list[NextMeeting] = [NextMeeting(b.busy, b.room_id) for b in bookings]
    found += [NextMeeting(event, None) for event in events if event.start >= now]
    return min(found, key=lambda meeting: meeting.busy.start, default=None)


# --- no-show release ------------------------------------------------------------------------------


def release_no_shows(container: Container, now: datetime) -> int:
    """Release live bookings nobody checked in to within their room's `release_after_minutes`.

    Only voice bookings are ever released: calendar-feed meetings hold no booking.
    """
    fleet = container.fleet
    site = fleet.profile(None, None, [])[0]
    rooms = {room.id: room for room in all_rooms(fleet) if room.booking.release_after_minutes is not None}
    if not rooms:
        return 0
    today = now.astimezone(ZoneInfo(site.timezone)).date()
    released = 0
    for booking in container.bookings.live_bookings_since(list(rooms), today - timedelta(days=1), today):
        if not rules.no_show_due(booking, rooms[booking.room_id].booking, now):
            continue
        try:
            container.bookings.release_booking(booking, site.timezone)
        except BookingRuleError:  # checked in or changed since it was read: it stays
            continue
        released += 1
        logger.info("no-show released", extra={"booking_id": booking.id, "request_id": booking.request_id})
    count("NoShowReleased", released)
    return released


def release_job(container: Container) -> int:
    """Scheduled: the no-show release at the container clock's time."""
    return release_no_shows(container, container.clock.now())
