"""Meeting-room booking rules: Alexa slot values to times, the 15-minute grid, room rules, free/busy.

Pure functions that take `now`. Local wall-clock values are read in the site's IANA time zone, but
every datetime this module returns is in UTC: Python adds and compares two datetimes of the same
zone by wall clock (ignoring the offset), which goes wrong across a daylight-saving change. Convert
to the site's zone only to speak or print a time.

Choices worth knowing:
- `MO`/`AF`/`EV`/`NI` (morning, afternoon, evening, night) and a day without a time are refused with
  "vague_time" so the skill asks for a time instead of guessing one; weeks, weekends, months, seasons
  and years are refused with "vague_date" for the same reason.
- A wall-clock time that happens twice (the hour repeated when daylight saving ends) means its first
  occurrence; one that does not exist (the hour skipped when it starts) moves forward by the gap.
- Slots are keyed by their UTC start, in the partition of their local date (see `slot_key`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from skill.domain.errors import BookingRuleError
from skill.domain.model import Booking, BookingRules, BookingStatus, BusyInterval, Interval, Room

SLOT_MINUTES = 15
SLOT = timedelta(minutes=SLOT_MINUTES)
# A start this far in the past still counts as "now" (people say "book it now" a little late).
PAST_GRACE = timedelta(minutes=5)

_DURATION = re.compile(
    r"P(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?"
)
_DAY = re.compile(r"(?P<year>\d{4}|XXXX)-(?P<month>\d{2})-(?P<day>\d{2})")
# Weeks (2026-W49), weekends (2026-W49-WE), months (2026-12), seasons (2026-WI), years, decades (202X).
_VAGUE_DAY = re.compile(r"(\d{4}|XXXX)-(W\d{2}(-WE)?|\d{2}|SP|SU|FA|WI)|\d{3}[\dX]|XXXX-W\d{2}(-WE)?")
_CLOCK = re.compile(r"(?P<hour>\d{2}):(?P<minute>\d{2})")
_VAGUE_TIME = frozenset({"MO", "AF", "EV", "NI"})


# --- Alexa slot values ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BookingRequest:
    """What a person asked to book or to find: from when, for how long, for how many."""

    start: datetime
    duration: timedelta
    attendees: int | None = None

    @property
    def interval(self) -> Interval:
        """The time asked for, as said (before the room's rules put it on the grid)."""
        return Interval(self.start, self.start + self.duration)

    @classmethod
    def from_slots(
        cls,
        date_value: str | None,
        time_value: str | None,
        attendees_value: str | None,
        *,
        duration: timedelta,
        tz: str,
        now: datetime,
    ) -> BookingRequest:
        """The request that AMAZON.DATE, TIME and NUMBER values make for `duration` (BookingRuleError when one
        makes no sense)."""
        attendees = parse_attendees(attendees_value)
        return cls(requested_start(date_value, time_value, tz, now), duration, attendees)


def parse_duration(value: str) -> timedelta:
    """An AMAZON.DURATION value (`PT30M`, `PT1H30M`, `PT90M`, `P1D`, `PT0.5H`) as a positive timedelta.

    Years and months are refused: they are not lengths a meeting can have.
    """
    match = _DURATION.fullmatch(value.strip().upper()) if value else None
    if match is None or not any(match.groupdict().values()):
        raise BookingRuleError("bad_duration", value=value)
    parts = {name: float(amount) for name, amount in match.groupdict().items() if amount is not None}
    duration = timedelta(**parts)
    if duration <= timedelta(0):
        raise BookingRuleError("bad_duration", value=value)
    return duration


def requested_start(date_value: str | None, time_value: str | None, tz: str, now: datetime) -> datetime:
    """The start a person asked for, from AMAZON.DATE and AMAZON.TIME values read in the time zone `tz` (UTC).

    No date and no time (or `PRESENT_REF`) means now. A time without a date means its next
    occurrence (today, unless it passed more than `PAST_GRACE` ago). A day other than today needs a time.
    """
    zone = ZoneInfo(tz)
    now = now.astimezone(UTC)
    today = now.astimezone(zone).date()
    day = _parse_day(date_value, today) if date_value else None
    clock = _parse_clock(time_value) if time_value else None
    if clock is None:
        if day is None or day == today:
            return now
        raise BookingRuleError("vague_time", date=day.isoformat())
    if day is not None:
        return _utc(day, clock, zone)
    start = _utc(today, clock, zone)
    if start < now - PAST_GRACE:
        start = _utc(today + timedelta(days=1), clock, zone)
    return start


def _parse_day(value: str, today: date) -> date | None:
    """None for `PRESENT_REF` (now); otherwise the one day the value names."""
    value = value.strip().upper()
    if value == "PRESENT_REF":
        return None
    match = _DAY.fullmatch(value)
    if match is None:
        reason = "vague_date" if _VAGUE_DAY.fullmatch(value) else "bad_date"
        raise BookingRuleError(reason, value=value)
    month, day_of_month = int(match["month"]), int(match["day"])
    # A day without a year is its next occurrence (29 February waits for a leap year).
    years = [int(match["year"])] if match["year"] != "XXXX" else range(today.year, today.year + 8)
    for year in years:
        try:
            candidate = date(year, month, day_of_month)
        except ValueError:
            continue
        if match["year"] != "XXXX" or candidate >= today:
            return candidate
    raise BookingRuleError("bad_date", value=value)


def _parse_clock(value: str) -> time:
    value = value.strip().upper()
    if value in _VAGUE_TIME:
        raise BookingRuleError("vague_time", value=value)
    match = _CLOCK.fullmatch(value)
    if match is None or int(match["hour"]) > 23 or int(match["minute"]) > 59:
        raise BookingRuleError("bad_time", value=value)
    return time(int(match["hour"]), int(match["minute"]))


def _utc(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time in `zone` as UTC; a time skipped by DST moves forward by the gap."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


# --- the 15-minute grid --------------------------------------------------------------------------


def floor_slot(moment: datetime) -> datetime:
    """The start (UTC) of the quarter hour `moment` falls in."""
    seconds = int(moment.timestamp())
    return datetime.fromtimestamp(seconds - seconds % (SLOT_MINUTES * 60), UTC)


def ceil_slot(moment: datetime) -> datetime:
    """The first quarter-hour boundary at or after `moment`."""
    floored = floor_slot(moment)
    return floored if floored == moment else floored + SLOT


def nearest_slot(moment: datetime) -> datetime:
    floored = floor_slot(moment)
    return floored + SLOT if moment - floored >= SLOT / 2 else floored


def slot_starts(interval: Interval) -> list[datetime]:
    """The start (UTC) of every quarter hour the interval covers, even partly."""
    starts = []
    moment = floor_slot(interval.start)
    while moment < interval.end:
        starts.append(moment)
        moment += SLOT
    return starts


def held_slots(booking: Booking) -> list[datetime]:
    """The quarter hours whose slot items a booking holds: all of a live booking's; of an ended one only
    those before the quarter hour it ended in (the room is free from the moment a meeting ends, and a
    booking made then starts at that quarter hour); none of a cancelled or released booking's."""
    if booking.status.is_live:
        return slot_starts(booking.interval)
    if booking.status is BookingStatus.ENDED:
        return [start for start in slot_starts(booking.interval) if start < floor_slot(booking.end)]
    return []


def slot_key(moment: datetime, tz: str) -> tuple[str, str]:
    """(local date `YYYY-MM-DD`, `SLOT#YYYY-MM-DDTHH:MMZ`) for the slot that starts at `moment`.

    The sort key is the UTC start, so the two 02:30s of a night when daylight saving ends are two
    different slots; the date picks the room's day partition the slot is stored in.
    """
    start = floor_slot(moment)
    local_day = start.astimezone(ZoneInfo(tz)).date().isoformat()
    return local_day, "SLOT#" + start.strftime("%Y-%m-%dT%H:%MZ")


def local_days(interval: Interval, tz: str) -> list[date]:
    """The local dates whose day partitions hold a slot of the interval, in order."""
    zone = ZoneInfo(tz)
    return sorted({start.astimezone(zone).date() for start in slot_starts(interval)})


# --- room rules ----------------------------------------------------------------------------------


def parse_attendees(value: str | None) -> int | None:
    """An AMAZON.NUMBER head count; None when not said."""
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1:
        raise BookingRuleError("bad_attendees", value=value)
    return int(value)


def misfit(room: Room, attendees: int | None, features: Collection[str] = ()) -> str | None:
    """Why `room` cannot hold the meeting asked for ("not_bookable", "missing_feature", "too_small",
    "capacity_unknown" when seats were asked for and the room's are not on record), or None."""
    if not room.bookable:
        return "not_bookable"
    if not set(features) <= set(room.features):
        return "missing_feature"
    if attendees is None:
        return None
    if room.capacity is None:
        return "capacity_unknown"
    return "too_small" if attendees > room.capacity else None


def on_grid(start: datetime, duration: timedelta, now: datetime) -> Interval:
    """The quarter hours a request starting at `start` covers, or BookingRuleError("in_past").

    A start at (or up to `PAST_GRACE` before) now is rounded down to its quarter hour and the end rounded
    up, so the whole requested time is covered; a later start moves to the nearest quarter hour and keeps
    its length, rounded up to whole slots.
    """
    if start < now - PAST_GRACE:
        raise BookingRuleError("in_past", start=start)
    if start <= now:
        return Interval(floor_slot(start), ceil_slot(start + duration))
    begin = nearest_slot(start)
    return Interval(begin, ceil_slot(begin + duration))


def check_booking(room: Room, interval: Interval, now: datetime, attendees: int | None) -> Interval:
    """The interval to book, on the 15-minute grid (`on_grid`), or BookingRuleError saying which rule it
    breaks. A named room whose seats are not on record may be booked; the result never exceeds
    `max_minutes`."""
    rules = room.booking
    start, end, now = (moment.astimezone(UTC) for moment in (interval.start, interval.end, now))
    problem = misfit(room, attendees)
    if problem == "not_bookable":
        raise BookingRuleError(problem, room=room.id)
    if problem == "too_small":
        raise BookingRuleError(problem, room=room.id, capacity=room.capacity, attendees=attendees)
    duration = end - start
    slots = on_grid(start, duration, now)
    if start - now > timedelta(days=rules.window_days):
        raise BookingRuleError("too_far", room=room.id, window_days=rules.window_days)
    longest = timedelta(minutes=rules.max_minutes)
    if duration > longest:
        raise BookingRuleError("too_long", room=room.id, max_minutes=rules.max_minutes)
    end = min(slots.end, floor_slot(slots.start + longest))
    if end <= slots.start:
        raise BookingRuleError("bad_duration", room=room.id, minutes=int(duration.total_seconds() // 60))
    return Interval(slots.start, end)


def has_started(booking: Booking, now: datetime) -> bool:
    """A meeting that has started is ended (the rest of its time freed); one that has not is cancelled."""
    return now > booking.start


def no_show_due(booking: Booking, rules: BookingRules, now: datetime) -> bool:
    """True when a booking nobody checked in to should be released now to free the room.

    The grace time runs from the start, or from when the booking was made if that was later: a booking
    made "now" starts at the quarter hour before, and must not be released the moment it is made.
    """
    if rules.release_after_minutes is None or booking.status is not BookingStatus.BOOKED:
        return False
    grace_from = max(booking.start, booking.created_at or booking.start).astimezone(UTC)
    release_at = grace_from + timedelta(minutes=rules.release_after_minutes)
    return release_at <= now < booking.end


# --- free / busy ---------------------------------------------------------------------------------


def busy_at(busy: Sequence[BusyInterval], moment: datetime) -> BusyInterval | None:
    """The busy interval (earliest start first) that covers `moment`."""
    covering = [b for b in busy if b.start <= moment < b.end]
    return min(covering, key=lambda b: b.start, default=None)


def next_busy(busy: Sequence[BusyInterval], after: datetime) -> BusyInterval | None:
    """The first busy interval that starts at or after `after`."""
    return min((b for b in busy if b.start >= after), key=lambda b: b.start, default=None)


def free_until(busy: Sequence[BusyInterval], moment: datetime, horizon_end: datetime) -> datetime | None:
    """None when busy at `moment`; otherwise when the free time ends (at most `horizon_end`)."""
    if busy_at(busy, moment) is not None:
        return None
    upcoming = next_busy(busy, moment)
    return horizon_end if upcoming is None else min(upcoming.start, horizon_end)


def first_conflict(busy: Sequence[BusyInterval], interval: Interval) -> BusyInterval | None:
    """The earliest busy interval that overlaps `interval`."""
    overlapping = [b for b in busy if b.start < interval.end and interval.start < b.end]
    return min(overlapping, key=lambda b: b.start, default=None)


def merge(busy: Sequence[BusyInterval]) -> list[Interval]:
    """Busy time as disjoint intervals, overlapping and touching ones joined, in order."""
    merged: list[Interval] = []
    for item in sorted(busy, key=lambda b: b.start):
        if merged and item.start <= merged[-1].end:
            if item.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, item.end)
        else:
            merged.append(Interval(item.start, item.end))
    return merged


def free_start(busy: Sequence[BusyInterval], wanted: Interval) -> Interval | None:
    """The free beginning of `wanted` when it is free at its start but taken later on: from its start to the
    quarter hour the first busy time starts in; None when it is taken from the start, free for less than a
    quarter hour, or not taken at all."""
    conflict = first_conflict(busy, wanted)
    if conflict is None:
        return None
    end = floor_slot(conflict.start)
    return Interval(wanted.start, end) if end > wanted.start else None


def next_free(busy: Sequence[BusyInterval], length: timedelta, after: datetime, horizon: datetime) -> Interval | None:
    """The first time from `after` that is free for `length` (in whole quarter hours, on the grid) and ends by
    `horizon`; None when there is none."""
    slots = -(-length // SLOT) * SLOT
    start = ceil_slot(after)
    for block in merge(busy):
        if block.end <= start:
            continue
        if block.start >= start + slots:
            break
        start = ceil_slot(block.end)
    return Interval(start, start + slots) if start + slots <= horizon else None


def extension_limit(booking: Booking, busy: Sequence[BusyInterval], wanted_end: datetime) -> datetime:
    """How far `booking` can be extended towards `wanted_end` before other busy time (never below its end)."""
    others = [b for b in busy if not (b.source == "booking" and b.ref == booking.id)]
    if wanted_end <= booking.end:
        return booking.end
    conflict = first_conflict(others, Interval(booking.end, wanted_end))
    return wanted_end if conflict is None else max(booking.end, conflict.start)


# --- finding a room ------------------------------------------------------------------------------


def rooms_that_fit(
    rooms: Sequence[Room], attendees: int | None, features: Collection[str], exclude: Collection[str] = ()
) -> list[Room]:
    """The rooms a search may offer: bookable, with the features asked for, known to seat everyone."""
    return [room for room in rooms if room.id not in exclude and misfit(room, attendees, features) is None]


def rank_free(
    rooms: Sequence[Room],
    busy_by_room: Mapping[str, Sequence[BusyInterval]],
    interval: Interval,
    *,
    near_floor: int | None,
) -> list[Room]:
    """The rooms free for `interval`, nearest first (`nearness`)."""
    free = [room for room in rooms if first_conflict(busy_by_room.get(room.id, ()), interval) is None]
    return sorted(free, key=lambda room: nearness(room, near_floor))


def earliest_free(
    rooms: Sequence[Room],
    busy_by_room: Mapping[str, Sequence[BusyInterval]],
    length: timedelta,
    after: datetime,
    horizon: datetime,
    *,
    near_floor: int | None,
) -> tuple[Room, Interval] | None:
    """The room free soonest after `after` for `length` (`next_free`, ending by `horizon`), the nearest of
    those free equally soon; None when no room is."""
    found = [
        (room, free)
        for room in rooms
        if (free := next_free(busy_by_room.get(room.id, ()), length, after, horizon)) is not None
    ]
    return min(found, key=lambda pair: (pair[1].start, nearness(pair[0], near_floor)), default=None)


def nearness(room: Room, near_floor: int | None) -> tuple[int, int, str]:
    """How near a room is, to rank it: the asking room's floor, then floor distance, then the smallest room,
    then name."""
    unknown = 10_000  # rooms with no floor or capacity on record come last
    distance = 0 if near_floor is None else unknown if room.floor is None else abs(room.floor - near_floor)
    capacity = room.capacity if room.capacity is not None else unknown
    return (distance, capacity, room.name.casefold())
