"""The office as the domain sees it: site, rooms, devices, people, bookings, busy time.

Plain frozen dataclasses; adapters turn them into storage items and back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType

from skill import capabilities

# The feature names a skill group may grant: those the capabilities declare (skill/capabilities.py).
FEATURES = capabilities.FEATURES


class DeviceKind(StrEnum):
    SHARED = "shared"
    PERSONAL = "personal"


class CallerKind(StrEnum):
    SHARED = "shared"
    PERSONAL = "personal"
    UNKNOWN = "unknown"


DEFAULT_FEATURES: Mapping[DeviceKind, frozenset[str]] = MappingProxyType(
    {DeviceKind.SHARED: capabilities.DEFAULT_FEATURES, DeviceKind.PERSONAL: capabilities.DEFAULT_FEATURES}
)


# The id of the one site of a fleet file written with `site:` (and of records kept before there were sites).
DEFAULT_SITE = "main"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


# `open_hours` keys and the weekdays (0 = Monday) each covers: a day's own name wins over weekdays and
# weekend, which win over daily.
OPEN_DAYS: Mapping[str, range] = MappingProxyType(
    {"daily": range(7), "weekdays": range(5), "weekend": range(5, 7)}
    | {day: range(n, n + 1) for n, day in enumerate(WEEKDAYS)}
)
CLOSED = "closed"
_HOURS = re.compile(r"^\s*(\d{1,2}):([0-5]\d)\s*[-\u2013]\s*(\d{1,2}):([0-5]\d)\s*$")


def parse_hours(text: str) -> tuple[time, time] | None:
    """A range `HH:MM-HH:MM` as two local times; `24:00` (midnight at its end) gives an end of 00:00."""
    match = _HOURS.match(text)
    if match is None:
        return None
    start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
    if start_h > 23 or end_h > 24 or (end_h == 24 and end_m):
        return None
    return time(start_h, start_m), time(0) if end_h == 24 else time(end_h, end_m)


@dataclass(frozen=True)
class OpenHours:
    """When a site is open, as its fleet entry says: (key, ranges) rules in the order written, a key being
    daily, weekdays, weekend or a day's name, its ranges `HH:MM-HH:MM` (one, several, or `closed`)."""

    rules: tuple[tuple[str, str | tuple[str, ...]], ...] = ()

    def on(self, weekday: int) -> tuple[tuple[time, time], ...]:
        """The local ranges the site is open on `weekday` (0 = Monday), by the most specific key covering it;
        none when closed or unstated. An end of 00:00 is midnight at the end of the day."""
        chosen: str | tuple[str, ...] = CLOSED
        rank = -1
        for key, ranges in self.rules:
            key_rank = 0 if key == "daily" else 1 if key in ("weekdays", "weekend") else 2
            if weekday in OPEN_DAYS[key] and key_rank >= rank:
                chosen, rank = ranges, key_rank
        if chosen == CLOSED:
            return ()
        specs = (chosen,) if isinstance(chosen, str) else chosen
        return tuple(hours for spec in specs if (hours := parse_hours(spec)) is not None)


@dataclass(frozen=True)
class NotifyTarget:
    channel: str  # "email" | "sms" | "webhook"
    address: str


@dataclass(frozen=True)
class CallingPolicy:
    shared_may_call: tuple[str, ...] = ("employees", "contacts")
    blocked_prefixes: tuple[str, ...] = ()
    allowed_countries: tuple[str, ...] = ()  # two-letter regions calls may reach; empty: the site's country


@dataclass(frozen=True)
class Site:
    id: str = DEFAULT_SITE
    name: str = "Office"
    timezone: str = "UTC"
    retention_days: int = 30
    country: str = "US"
    reception: str | None = None  # user or contact id notified when a host cannot be reached
    end_of_day: str = "20:00"  # visitors still on site are checked out at this local time
    facilities: tuple[NotifyTarget, ...] = ()  # who hears about the site's facilities
    open_hours: OpenHours | None = None  # None: not stated
    calling: CallingPolicy | None = None  # the site's own calling policy; None: the fleet's


@dataclass(frozen=True)
class BookingRules:
    max_minutes: int = 120
    release_after_minutes: int | None = 10
    window_days: int = 30


@dataclass(frozen=True)
class Room:
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    floor: int | None = None
    capacity: int | None = None
    features: tuple[str, ...] = ()
    calendar: str | None = None
    phone: str | None = None  # E.164
    bookable: bool = True
    booking: BookingRules = field(default_factory=BookingRules)
    site: str | None = None  # None in a fleet of one site

    @property
    def site_id(self) -> str:
        return self.site or DEFAULT_SITE


@dataclass(frozen=True)
class SkillGroup:
    id: str
    features: tuple[str, ...]


@dataclass(frozen=True)
class Device:
    id: str
    kind: DeviceKind
    room: str | None = None
    user: str | None = None
    skill_group: str | None = None

    @classmethod
    def placed(cls, device_id: str, *, room: str | None, user: str | None, skill_group: str | None) -> Device:
        """A device standing in `room` (shared), else belonging to `user` (personal)."""
        kind = DeviceKind.SHARED if room else DeviceKind.PERSONAL
        return cls(device_id, kind, room=room, user=user, skill_group=skill_group)


@dataclass(frozen=True)
class User:
    id: str
    name: str
    email: str | None = None
    phones: Mapping[str, str] = field(default_factory=dict)  # phone type -> E.164
    alexa_user_ids: tuple[str, ...] = ()
    alexa_person_ids: tuple[str, ...] = ()
    calendar: str | None = None
    delegate: str | None = None
    notify: tuple[NotifyTarget, ...] = ()
    aliases: tuple[str, ...] = ()
    reading: str | None = None  # the name as said, in kana, when it is written otherwise
    site: str | None = None  # the home site, when the fleet has several

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.name


@dataclass(frozen=True)
class Contact:
    id: str
    name: str
    phones: Mapping[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    reading: str | None = None  # the name as said, in kana, when it is written otherwise


@dataclass(frozen=True)
class Limits:
    """How much one device or one person may do (the fleet file's `limits:`; see skill/domain/limits.py)."""

    calls_per_device_per_hour: int = 20
    checkins_per_device_per_hour: int = 30
    notifications_per_host_per_hour: int = 10
    bookings_per_user_per_day: int = 10
    problems_per_device_per_hour: int = 10


@dataclass(frozen=True)
class Fleet:
    """Everything the fleet file declares: one `site`, or several `sites` (then `site` is the first)."""

    site: Site = field(default_factory=Site)
    rooms: tuple[Room, ...] = ()
    skill_groups: tuple[SkillGroup, ...] = ()
    devices: tuple[Device, ...] = ()
    users: tuple[User, ...] = ()
    contacts: tuple[Contact, ...] = ()
    calling: CallingPolicy = field(default_factory=CallingPolicy)
    limits: Limits = field(default_factory=Limits)
    sites: tuple[Site, ...] = ()  # the form `sites:`; empty for a fleet written with `site:`

    def __post_init__(self) -> None:
        if self.sites:
            object.__setattr__(self, "site", self.sites[0])

    @property
    def every_site(self) -> tuple[Site, ...]:
        """The sites, in the order the file lists them (the first is where a user without a home site is)."""
        return self.sites or (self.site,)


@dataclass(frozen=True)
class Identity:
    """What the fleet store learns about a request's device and speaker in one round trip."""

    device: Device | None
    account_user: str | None  # user id enrolled for the Alexa account (userId); unknown devices only
    person_user: str | None  # user id of a recognised voice (personId)
    claim_code: str | None  # an unexpired enrolment code already issued to this device; unknown devices only
    site: str | None = None  # the device's site, else the account user's; None in the earlier layout


@dataclass(frozen=True)
class Caller:
    """Who is speaking, built once per request before any handler runs."""

    kind: CallerKind
    device_id: str | None = None
    room: Room | None = None
    user: User | None = None  # the owner of a personal device or an enrolled Alexa account
    person: User | None = None  # a recognised voice on a shared device
    features: frozenset[str] = frozenset()
    site: Site = field(default_factory=Site)

    @property
    def is_shared(self) -> bool:
        return self.kind is CallerKind.SHARED

    @property
    def is_personal(self) -> bool:
        return self.kind is CallerKind.PERSONAL

    @property
    def is_known(self) -> bool:
        return self.kind is not CallerKind.UNKNOWN

    @property
    def owner(self) -> User | None:
        """The person on whose behalf the request acts, if anyone is known."""
        return self.user if self.is_personal else self.person

    def allows(self, feature: str) -> bool:
        return feature in self.features

    @property
    def timezone(self) -> str:
        return self.site.timezone


@dataclass(frozen=True)
class Interval:
    """A half-open stretch of time [start, end). Bounds are stored in UTC: Python compares two times of the
    same zone by the wall clock, which is wrong on the night the clocks change."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("interval bounds must be timezone-aware")
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))
        if self.end <= self.start:
            raise ValueError("interval must end after it starts")

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment.astimezone(UTC) < self.end


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    ENDED = "ended"
    CANCELLED = "cancelled"
    RELEASED = "released"

    @property
    def is_live(self) -> bool:
        return self in (BookingStatus.BOOKED, BookingStatus.CHECKED_IN)


@dataclass(frozen=True)
class Booking:
    id: str
    room_id: str
    start: datetime
    end: datetime
    status: BookingStatus = BookingStatus.BOOKED
    organizer: str | None = None  # user id; None when booked from a shared device by nobody recognised
    device: str | None = None
    request_id: str | None = None
    created_at: datetime | None = None
    checked_in_at: datetime | None = None
    subject: str | None = None
    sequence: int = 0

    @property
    def interval(self) -> Interval:
        return Interval(self.start, self.end)

    @property
    def busy(self) -> BusyInterval:
        """The busy time this booking holds, as merged with calendar busy time."""
        return BusyInterval(self.start, self.end, "booking", self.id, subject=self.subject, organizer=self.organizer)


@dataclass(frozen=True)
class BusyInterval:
    """Busy time from any source, as merged for a room or a person."""

    start: datetime
    end: datetime
    source: str  # "feed" | "booking"
    ref: str = ""  # event UID or booking id
    subject: str | None = None
    organizer: str | None = None
    private: bool = False
    dial_in: str | None = None

    @property
    def interval(self) -> Interval:
        return Interval(self.start, self.end)


@dataclass(frozen=True)
class RoomDay:
    """Everything stored for one room on one local day."""

    bookings: list[Booking]
    feed_busy: list[BusyInterval]
    refreshed_at: datetime | None
    stale: bool
