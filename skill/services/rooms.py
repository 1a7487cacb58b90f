"""Meeting-room use cases: status, booking, finding, extending, ending, checking in, cancelling, the next
meeting, and releasing no-shows.

`RoomService` holds the ports it uses (the bookings store, the feed-state store, the fleet); each use case
takes the caller and `now`. The skill, the admin CLI and the sweeper call it. Every datetime it returns
is UTC. The rules themselves (the grid, what fits, what conflicts) are the domain's (`skill.domain.booking`).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from skill.domain import booking as rules
from skill.domain.booking import BookingRequest
from skill.domain.calendar import feed_freshness, local_midnight, user_owner
from skill.domain.errors import BookingRuleError, NotFoundError, RoomTakenError
from skill.domain.limits import booking_quota
from skill.domain.model import Booking, BookingStatus, BusyInterval, Caller, Interval, Room, RoomDay, Site
from skill.observability import correlated, count, logger
from skill.services.limits import refused

if TYPE_CHECKING:
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
class Alternative:
    """What comes nearest to a booking that cannot be made as asked: `room` for `interval` rather than `wanted`
    (the time asked for, on the grid); `others` are further rooms free for the same time, to offer next."""

    room: Room
    interval: Interval
    wanted: Interval
    others: tuple[str, ...] = ()


@dataclass(frozen=True)
class NextMeeting:
    busy: BusyInterval
    room: str | None  # the room id of a voice booking; None for a calendar event


def is_this_room(spoken: str | None) -> bool:
    """Nothing said, or words that mean the room the device stands in."""
    said = " ".join((spoken or "").casefold().split())
    return not said or said in THIS_ROOM


def needs_confirmation(request: BookingRequest, now: datetime) -> bool:
    """A booking that starts later than now, or lasts longer than a quick one, is confirmed first."""
    return request.start > now + rules.PAST_GRACE or request.duration > QUICK_BOOKING


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


def _day_end(moment: datetime, tz: str) -> datetime:
    day = moment.astimezone(ZoneInfo(tz)).date()
    return local_midnight(day + timedelta(days=1), tz).astimezone(UTC)


def _near_floor(caller: Caller) -> int | None:
    """The floor rooms are ranked from: the asking room's on a shared device."""
    return caller.room.floor if caller.is_shared and caller.room else None


def _nearest(
    caller: Caller,
    rooms: Sequence[Room],
    busy: dict[str, list[BusyInterval]],
    wanted: Interval,
    length: timedelta,
    horizon: datetime,
) -> Alternative | None:
    """The nearest of `rooms` free for `wanted` (the others free then to offer next), else the one free soonest
    after its start for `length` (the length asked: a time from now also covers the quarter hour begun),
    ending by `horizon`."""
    near_floor = _near_floor(caller)
    free = rules.rank_free(rooms, busy, wanted, near_floor=near_floor)
    if free:
        return Alternative(free[0], wanted, wanted, tuple(room.id for room in free[1:]))
    soonest = rules.earliest_free(rooms, busy, length, wanted.start, horizon, near_floor=near_floor)
    return None if soonest is None else Alternative(soonest[0], soonest[1], wanted)


@dataclass(frozen=True)
class RoomService:
    """The meeting-room use cases, on the bookings store, the feed-state store and the fleet."""

    bookings: BookingStore
    feeds: FeedStateStore
    fleet: FleetStore
    stale_after: timedelta = field(kw_only=True)  # a feed older than this is spoken of with its age

    def all(self) -> list[Room]:
        """Every room of every site (the admin CLI and the jobs; a voice request reads its site's only)."""
        from skill.domain.fleet import room_from_doc

        return sorted((room_from_doc(doc) for doc in self.fleet.docs("room").values()), key=lambda r: r.id)

    def of_site(self, caller: Caller) -> list[Room]:
        """The rooms of the caller's site, as apply stored them for the site (no read of the whole fleet)."""
        return self.fleet.site_rooms(caller.site.id)

    def get(self, room_id: str) -> Room | None:
        return self.fleet.get_room(room_id)

    def of_booking(self, booking: Booking, caller: Caller) -> Room:
        """The room a booking holds (see `by_id`)."""
        return self.by_id(booking.room_id, caller)

    def by_id(self, room_id: str, caller: Caller) -> Room:
        """The room `room_id` names: the caller's own when it is that one, read otherwise; a room no longer on
        record is named by its id."""
        if caller.room is not None and caller.room.id == room_id:
            return caller.room
        return self.get(room_id) or Room(id=room_id, name=room_id)

    def resolve(self, spoken: str | None, caller: Caller, *, entity_id: str | None = None) -> Room | None:
        """The room a request is about: "this room" (or none named) on a shared device is the device's room,
        and None elsewhere; a named room is found by entity id, then among the site's rooms by id, name and
        aliases (fuzzy). NotFoundError("room", what was said) when a name matches no room."""
        if is_this_room(spoken):
            return caller.room if caller.is_shared else None
        if caller.room is not None and entity_id == caller.room.id:
            return caller.room
        found = self.get(entity_id) if entity_id else None
        found = found or match_room(" ".join((spoken or "").casefold().split()), self.of_site(caller))
        if found is None:
            raise NotFoundError("room", str(spoken).strip())
        return found

    # --- status -----------------------------------------------------------------------------------

    def status(self, room: Room, caller: Caller, now: datetime) -> RoomStatus:
        """Busy or free now, until when, and what comes next that day: one Query (and the feed state when
        the room has a calendar)."""
        tz = caller.timezone
        at = now.astimezone(UTC)
        day_end = _day_end(at, tz)
        busy = self.bookings.busy_between(room.id, at, day_end, tz)
        busy_until = next((block.end for block in rules.merge(busy) if block.contains(at)), None)
        free = rules.free_until(busy, at, day_end)
        stale = feed_freshness(self.feeds.get(room.id), now, self.stale_after) if room.calendar else None
        return RoomStatus(
            room=room,
            at=at,
            busy=rules.busy_at(busy, at),
            busy_until=busy_until,
            free_until=None if free is None or free >= day_end else free,
            next_busy=rules.next_busy(busy, busy_until or at),
            stale_minutes=stale,
        )

    def next_meeting(self, caller: Caller, room: Room | None, now: datetime) -> NextMeeting | None:
        """What comes next: in `room` (the room's next busy time today), or for the caller's own day
        (their next booking or calendar event today or tomorrow)."""
        tz = caller.timezone
        if room is not None:
            upcoming = rules.next_busy(self.bookings.busy_between(room.id, now, _day_end(now, tz), tz), now)
            return None if upcoming is None else NextMeeting(upcoming, room.id)
        owner = caller.owner
        if owner is None:
            return None
        end = local_midnight(now.astimezone(ZoneInfo(tz)).date() + timedelta(days=NEXT_MEETING_DAYS), tz)
        bookings = [b for b in self.bookings.bookings_for_user(owner.id, now, end) if b.status.is_live]
        events = self.bookings.busy_between(user_owner(owner.id), now, end, tz)
        found = [NextMeeting(b.busy, b.room_id) for b in bookings if b.start >= now]
        found += [NextMeeting(event, None) for event in events if event.start >= now]
        return min(found, key=lambda meeting: meeting.busy.start, default=None)

    def busy(self, room_id: str, start: datetime, end: datetime, tz: str) -> list[BusyInterval]:
        """A room's busy time (bookings and feed) that overlaps [start, end)."""
        return self.bookings.busy_between(room_id, start, end, tz)

    def busy_by_room(
        self, room_ids: Sequence[str], start: datetime, end: datetime, tz: str
    ) -> dict[str, list[BusyInterval]]:
        """Each room's busy time (bookings and feed) that overlaps [start, end), in one look-up."""
        return self.bookings.busy_by_room(room_ids, start, end, tz)

    def bookings_between(self, room_ids: Iterable[str], start: datetime, end: datetime, tz: str) -> list[Booking]:
        """The rooms' bookings of any status that overlap [start, end)."""
        return self.bookings.list_bookings_for_rooms(room_ids, start, end, tz)

    # --- booking ----------------------------------------------------------------------------------

    def check(self, caller: Caller, room: Room, request: BookingRequest, now: datetime) -> Interval:
        """The slots the request would book: BookingRuleError when it breaks a room rule, RoomTakenError
        when a booking or calendar event overlaps them (one Query)."""
        interval = rules.check_booking(room, request.interval, now, request.attendees)
        busy = self.bookings.busy_between(room.id, interval.start, interval.end, caller.timezone)
        conflict = rules.first_conflict(busy, interval)
        if conflict is not None:
            count("BookingConflict")
            raise RoomTakenError(room.id, conflict.start, interval.start)
        return interval

    def book(
        self, caller: Caller, room: Room, request: BookingRequest, now: datetime, request_id: str | None
    ) -> Booking:
        """Book `room`: one Query for its busy time, one transaction for the booking, its slots and a unit of the
        daily booking limit of the person it is for (of the device when nobody was recognised on a shared one).

        A booking that starts now from the room's own device is checked in at once. LimitReached, writing
        nothing, once the day's bookings are spent.
        """
        interval = self.check(caller, room, request, now)
        owner = caller.owner
        in_room_now = self._in_room(caller, room.id) and interval.start <= now
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
        quota = booking_quota(caller, self.fleet.limits(), now)
        try:
            with refused():
                self.bookings.add_booking(booking, caller.timezone, quota)
        except RoomTakenError:
            count("BookingConflict")
            raise
        logger.info("room booked", extra={"booking_id": booking.id, "room": room.id})
        return booking

    def find(
        self,
        caller: Caller,
        request: BookingRequest,
        features: Collection[str],
        now: datetime,
        *,
        exclude: Collection[str] = (),
    ) -> Alternative | None:
        """The nearest room free for the request with the seats and features asked for (the others free then to
        offer next); when none is, the room free soonest after that start for as long, the same day. Busy time is
        only read for rooms that could qualify, in one round trip."""
        wanted = rules.on_grid(request.start, request.duration, now)
        horizon = max(wanted.end, _day_end(wanted.start, caller.timezone))
        rooms = rules.rooms_that_fit(self.of_site(caller), request.attendees, features, exclude)
        busy = self._busy_of(caller, rooms, wanted.start, horizon)
        return _nearest(caller, rooms, busy, wanted, request.duration, horizon)

    def instead(self, caller: Caller, room: Room, request: BookingRequest, now: datetime) -> Alternative | None:
        """What comes nearest when `room` is taken for the request: the free start of that time in the room;
        else the room's next free time of the length asked that day; else another room, as `find` offers it.
        One round trip reads the busy time of the room and of every room that could take the meeting."""
        wanted = rules.check_booking(room, request.interval, now, request.attendees)
        horizon = max(wanted.end, _day_end(wanted.start, caller.timezone))
        others = rules.rooms_that_fit(self.of_site(caller), request.attendees, (), exclude={room.id})
        busy = self._busy_of(caller, [room, *others], wanted.start, horizon)
        here = busy.get(room.id, [])
        length = min(request.duration, wanted.duration)  # as asked, within the room's longest booking
        same_room = rules.free_start(here, wanted) or rules.next_free(here, length, wanted.start, horizon)
        if same_room is not None:
            return Alternative(room, same_room, wanted)
        return _nearest(caller, others, busy, wanted, length, horizon)

    def _busy_of(
        self, caller: Caller, rooms: Sequence[Room], start: datetime, end: datetime
    ) -> dict[str, list[BusyInterval]]:
        """The busy time of `rooms` that overlaps [start, end), read side by side."""
        return self.bookings.busy_by_room([room.id for room in rooms], start, end, caller.timezone)

    # --- the meeting on now -----------------------------------------------------------------------

    @staticmethod
    def _in_room(caller: Caller, room_id: str) -> bool:
        """A request from the room's own device: for a meeting there it counts as checking in."""
        return caller.is_shared and caller.room is not None and caller.room.id == room_id

    def current(self, caller: Caller, now: datetime) -> Booking | None:
        """The live booking on now (or starting within CHECK_IN_LEAD): the device's room's on a shared
        device, otherwise the caller's own."""
        return self._current(caller, now)[0]

    def _current(self, caller: Caller, now: datetime) -> tuple[Booking | None, tuple[date, RoomDay] | None]:
        """The current booking, and on a shared device the room's day it was found in (one Query)."""
        window = Interval(now, now + CHECK_IN_LEAD)
        day: tuple[date, RoomDay] | None = None
        if caller.is_shared and caller.room is not None:
            today = now.astimezone(ZoneInfo(caller.timezone)).date()
            day = (today, self.bookings.room_day(caller.room.id, today))
            bookings = day[1].bookings
        elif caller.owner is not None:
            bookings = self.bookings.bookings_for_user(caller.owner.id, window.start, window.end)
        else:
            return None, None
        live = [b for b in bookings if b.status.is_live and b.interval.overlaps(window)]
        return min(live, key=lambda b: b.start, default=None), day

    def check_in(self, caller: Caller, booking: Booking, now: datetime) -> Booking:
        """Mark a booking checked in (the sweeper then keeps it); one already checked in stays as it is."""
        if booking.status is BookingStatus.CHECKED_IN:
            return booking
        checked = self.bookings.check_in(booking, now, caller.timezone)
        logger.info("booking checked in", extra={"booking_id": booking.id})
        return checked

    def check_in_here(self, caller: Caller, now: datetime) -> Booking | None:
        """Starting the meeting from a room's own device checks in the room's current booking: that booking,
        checked in, or None when the room has none (or the device stands in no room)."""
        if not caller.is_shared or caller.room is None:
            return None
        booking = self.current(caller, now)
        return None if booking is None else self.check_in(caller, booking, now)

    def extend_current(self, caller: Caller, by: timedelta, now: datetime) -> ExtendOutcome | None:
        """Extend the current booking (see `extend`); None when there is none. On a shared device the room's
        day read to find the booking also answers whether the room is free after it, when the extension
        ends that day: one Query and one transaction."""
        booking, day = self._current(caller, now)
        return None if booking is None else self.extend(caller, booking, by, now, day=day)

    def extend(
        self,
        caller: Caller,
        booking: Booking,
        by: timedelta,
        now: datetime,
        *,
        day: tuple[date, RoomDay] | None = None,
    ) -> ExtendOutcome:
        """Extend `booking` by `by` (within the room's `max_minutes`) as far as the room is free; when other
        busy time stops it short, offer the nearest room free for the rest. Asked from the booked room's own
        device, the booking is checked in too, in the extension's write when there is one. `day` is the
        booked room's local day as already read, used when the extension ends within it."""
        tz = caller.timezone
        room = self.of_booking(booking, caller)
        check_in_now = self._in_room(caller, booking.room_id)
        longest = booking.start + timedelta(minutes=room.booking.max_minutes)
        wanted_end = min(rules.ceil_slot(booking.end + by), rules.floor_slot(longest))
        if by <= timedelta(0) or wanted_end <= booking.end:
            if check_in_now:  # the meeting is on, whatever becomes of its extension
                self.check_in(caller, booking, now)
            if by <= timedelta(0):
                raise BookingRuleError("bad_duration", minutes=0)
            raise BookingRuleError("too_long", room=room.id, max_minutes=room.booking.max_minutes)
        busy = _busy_within(day, room.id, booking, wanted_end, tz)
        if busy is None:
            busy = self.bookings.busy_between(room.id, booking.end, wanted_end, tz)
        reachable = max(booking.end, rules.floor_slot(rules.extension_limit(booking, busy, wanted_end)))
        taken_from = reachable if reachable < wanted_end else None
        extended: Booking | None = None
        if reachable > booking.end:
            try:
                extended = self.bookings.extend_booking(
                    booking, reachable, tz, checked_in_at=now if check_in_now else None
                )
            except RoomTakenError as error:
                count("BookingConflict")
                taken_from = error.busy_from
        current = extended or (self.check_in(caller, booking, now) if check_in_now else booking)
        if taken_from is None:
            logger.info("booking extended", extra={"booking_id": booking.id})
            return ExtendOutcome(current, booking.end, wanted_end, None, None)
        rest = Interval(current.end, wanted_end)
        others = rules.rooms_that_fit(self.of_site(caller), None, (), exclude={booking.room_id})
        found = rules.rank_free(
            others, self._busy_of(caller, others, rest.start, rest.end), rest, near_floor=_near_floor(caller)
        )
        return ExtendOutcome(current, booking.end, wanted_end, taken_from, found[0] if found else None)

    def end(self, caller: Caller, booking: Booking, now: datetime) -> Booking:
        """End a meeting in progress (the rest of its time is free again); one not started yet is cancelled."""
        if not rules.has_started(booking, now):
            return self.cancel(booking, caller.timezone)
        ended = self.bookings.end_booking(booking, now, caller.timezone)
        logger.info("booking ended", extra={"booking_id": booking.id})
        return ended

    # --- a person's bookings ----------------------------------------------------------------------

    def user_booking(
        self,
        user_id: str,
        room: Room | None,
        date_value: str | None,
        time_value: str | None,
        *,
        tz: str,
        now: datetime,
        window_days: int = 30,
    ) -> Booking:
        """The user's live booking that the room, date and time point at (the next one when several do).

        NotFoundError when there is none; BookingRuleError for date or time values that make no sense.
        """
        bookings = [
            b
            for b in self.bookings.bookings_for_user(user_id, now, now + timedelta(days=window_days))
            if b.status.is_live and b.end > now and (room is None or b.room_id == room.id)
        ]
        if time_value:
            start = rules.requested_start(date_value, time_value, tz, now)
            bookings = [b for b in bookings if b.interval.contains(start) or b.start == start]
        elif date_value:
            day = _day_of(date_value, tz, now)
            bookings = [b for b in bookings if b.start.astimezone(ZoneInfo(tz)).date() == day]
        found = min(bookings, key=lambda b: b.start, default=None)
        if found is None:
            raise NotFoundError("booking", user_id)
        return found

    def cancel(self, booking: Booking, tz: str) -> Booking:
        cancelled = self.bookings.cancel_booking(booking, tz)
        logger.info("booking cancelled", extra={"booking_id": booking.id})
        return cancelled

    # --- no-show release --------------------------------------------------------------------------

    def release_no_shows(self, now: datetime) -> int:
        """Release live bookings nobody checked in to within their room's `release_after_minutes`, site by
        site in the site's zone.

        Only voice bookings are ever released: calendar-feed meetings hold no booking.
        """
        releasable = [room for room in self.all() if room.booking.release_after_minutes is not None]
        released = 0
        for site in self.fleet.sites() or [Site()]:
            rooms = {room.id: room for room in releasable if room.site_id == site.id}
            if rooms:
                released += self._release_site(site, rooms, now)
        count("NoShowReleased", released)
        return released

    def _release_site(self, site: Site, rooms: dict[str, Room], now: datetime) -> int:
        today = now.astimezone(ZoneInfo(site.timezone)).date()
        released = 0
        for booking in self.bookings.live_bookings_since(list(rooms), today - timedelta(days=1), today):
            if not rules.no_show_due(booking, rooms[booking.room_id].booking, now):
                continue
            with correlated(booking.request_id):
                try:
                    self.bookings.release_booking(booking, site.timezone)
                except BookingRuleError:  # checked in or changed since it was read: it stays
                    continue
                released += 1
                logger.info("no-show released", extra={"booking_id": booking.id})
        return released


def _busy_within(
    day: tuple[date, RoomDay] | None, room_id: str, booking: Booking, end: datetime, tz: str
) -> list[BusyInterval] | None:
    """The busy time of [booking.end, end) from a room's day already read, when it is that room's and the
    stretch lies within that day; None otherwise (then it is read)."""
    if day is None or booking.room_id != room_id:
        return None
    zone = ZoneInfo(tz)
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    if booking.end.astimezone(zone).date() != day[0] or last != day[0]:
        return None
    busy = [b.busy for b in day[1].bookings if b.status.is_live] + day[1].feed_busy
    found = sorted((b for b in busy if b.start < end and booking.end < b.end), key=lambda b: (b.start, b.end))
    return found


def _day_of(date_value: str, tz: str, now: datetime) -> date:
    """The local day an AMAZON.DATE value names (BookingRuleError when it names none)."""
    noon = rules.requested_start(date_value, "12:00", tz, now)
    return noon.astimezone(ZoneInfo(tz)).date()
