"""How rooms and sites are used, day by day: the usage items folded from stored facts, and the facilities
report computed from them.

Facts are written once by the voice path and the jobs (a booking's copy on a room's day, a calendar feed's
busy interval, a visit, a call, a problem). Each change to one of them, as the table's stream carries it,
becomes a `UsageChange` of the items of its site's local day, `USAGE#{site}#{date}`:

- `ROOM#{room}`: the room's facts that day, one attribute per booking, `b#{id}` = `start|end|status|checked in
  (0/1)`, one per feed busy interval, `f#{start}#{uid}` = `start|end`, a `version` raised by every change, and
  the `brief` last filed for it;
- `SITE`: string sets of the ids of the day's `visits`, `calls` placed, `problems` reported and those
  `resolved`, and `rooms`, each room's day in brief: `room|version|bookings|booked s|released|ended early|
  checked in|feed busy s|busy spans`. After each change to a room's day its new brief is added, then recorded
  on the room's item if no later change came meanwhile, and the brief it replaces is taken out (a brief
  outrun by a later one takes itself out); readers keep the highest version of each room.

A change only *sets* what the fact says now (an attribute by id, an id in a set) or removes it, so folding
the same record twice, or a restored table's re-inserted items, changes nothing, and the last state of a
booking wins. The report reads the `SITE` items only: one per site and day, a few string sets each, whatever
the number of rooms and bookings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from skill.domain.errors import DomainError
from skill.domain.model import DEFAULT_SITE, BookingStatus, OpenHours, Room, Site

USAGE_PREFIX = "USAGE#"
SITE_SK = "SITE"
ROOM_SK_PREFIX = "ROOM#"
BOOKING_ATTR = "b#"
FEED_ATTR = "f#"
ROOMS, BRIEF, VERSION = "rooms", "brief", "version"
VISITS, CALLS, PROBLEMS, RESOLVED = "visits", "calls", "problems", "resolved"
# The hours a site without `open_hours` is taken to be open, for utilisation: weekdays, 08:00 to 18:00.
DEFAULT_OPEN_HOURS = OpenHours((("weekdays", "08:00-18:00"),))
# Busy time that counts as use: a released booking (nobody came) and a cancelled one do not.
_USED = frozenset({BookingStatus.BOOKED, BookingStatus.CHECKED_IN, BookingStatus.ENDED})
MAX_REPORT_DAYS = 366
# The report's columns, in the order every output of it shows them.
ROOM_COLUMNS = (
    "room",
    "site",
    "bookings",
    "booked_hours",
    "calendar_busy_hours",
    "open_hours",
    "utilisation",
    "no_shows_released",
    "ended_early",
    "checked_in",
)
DAY_COLUMNS = ("date", "visits", "calls_placed", "bookings", "problems")
PROBLEM_COLUMNS = ("id", "room", "problem", "status")
DEFAULT_REPORT_DAYS = 7


class ReportRangeError(DomainError):
    """A report's dates are not a range it can cover; the message names the argument."""


class Sites(Protocol):
    """Where facts belong: a room's site (None for a room the fleet no longer holds), a site by id."""

    def site_of_room(self, room_id: str) -> Site | None: ...

    def site(self, site_id: str) -> Site | None: ...


@dataclass(frozen=True)
class UsageChange:
    """One update of one usage item: attributes set and removed, ids added to and taken from string sets."""

    pk: str
    sk: str
    versioned: bool = False  # raises the item's `version`; the item comes back as it then stands
    at_version: int | None = None  # applied only while the item's `version` is this one
    put: Mapping[str, str] = field(default_factory=dict)
    add: Mapping[str, frozenset[str]] = field(default_factory=dict)
    discard: Mapping[str, frozenset[str]] = field(default_factory=dict)
    remove: tuple[str, ...] = ()


def usage_pk(site_id: str, day: date) -> str:
    return f"{USAGE_PREFIX}{site_id}#{day.isoformat()}"


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _local_date(moment: str, site: Site | None) -> date:
    return _time(moment).astimezone(ZoneInfo(site.timezone if site else "UTC")).date()


# --------------------------------------------------------------------------------------- folding facts


def usage_changes(
    event: str, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, sites: Sites
) -> list[UsageChange]:
    """What one stream record (`INSERT`, `MODIFY` or `REMOVE`, with the item's old and new images as plain
    dicts) changes in the usage items; nothing for items that are no fact of the report (usage items among them)."""
    image = new if new is not None else old
    if image is None:
        return []
    pk, sk = str(image.get("PK", "")), str(image.get("SK", ""))
    gone = event == "REMOVE" or new is None
    if pk.startswith("ROOMDAY#") and sk.startswith(("BOOKING#", "BUSY#")):
        return _room_day_change(pk, sk, image, gone, sites)
    if gone:
        return []  # visits and calls expire, problems may be erased: what happened that day still happened
    if pk.startswith("VISITDAY#") and sk.startswith("VISIT#"):
        site_id = str(image.get("site") or DEFAULT_SITE)
        day = date.fromisoformat(pk.removeprefix("VISITDAY#"))
        return [UsageChange(usage_pk(site_id, day), SITE_SK, add={VISITS: frozenset({str(image["id"])})})]
    if pk.startswith("CALL#") and sk == "META":
        site_id = str(image.get("site") or DEFAULT_SITE)
        day = _local_date(str(image["created_at"]), sites.site(site_id))
        ids = frozenset({str(image["id"])})
        if image.get("status") == "refused":
            return [UsageChange(usage_pk(site_id, day), SITE_SK, discard={CALLS: ids})]
        return [UsageChange(usage_pk(site_id, day), SITE_SK, add={CALLS: ids})]
    if pk.startswith("PROBLEM#") and sk == "META" and image.get("kind") == "problem":
        site_id = str(image.get("site") or DEFAULT_SITE)
        day = _local_date(str(image["reported_at"]), sites.site(site_id))
        ids = frozenset({str(image["id"])})
        resolved = image.get("status") == "resolved"
        return [
            UsageChange(
                usage_pk(site_id, day),
                SITE_SK,
                add={PROBLEMS: ids, **({RESOLVED: ids} if resolved else {})},
                discard={} if resolved else {RESOLVED: ids},
            )
        ]
    return []


def _room_day_change(pk: str, sk: str, image: Mapping[str, Any], gone: bool, sites: Sites) -> list[UsageChange]:
    room_id, _, day_text = pk.removeprefix("ROOMDAY#").rpartition("#")
    if room_id.startswith("user:"):
        return []  # a person's calendar, not a room's
    site = sites.site_of_room(room_id)
    if site is None:
        return []
    where = (usage_pk(site.id, date.fromisoformat(day_text)), ROOM_SK_PREFIX + room_id)
    if sk.startswith("BOOKING#"):
        name = BOOKING_ATTR + str(image["id"])
        checked_in = "1" if image.get("checked_in_at") else "0"
        value = f"{image['start']}|{image['end']}|{image['status']}|{checked_in}"
    else:
        name = FEED_ATTR + sk.removeprefix("BUSY#")
        value = f"{image['start']}|{image['end']}"
    if gone:
        return [UsageChange(*where, remove=(name,), versioned=True)]
    return [UsageChange(*where, put={"room": room_id, "site": site.id, "date": day_text, name: value}, versioned=True)]


class Applies(Protocol):
    def __call__(self, change: UsageChange) -> dict[str, Any] | None:
        """Apply `change` to its item; the item as it then stands for a versioned or conditional change, None
        when a condition did not hold (or for a plain change)."""
        ...


def fold_change(apply: Applies, change: UsageChange, sites: Sites) -> None:
    """Apply one change and, for a room's day, file its new brief in the site's day (see the module's docstring)."""
    stored = apply(change)
    site = sites.site(str(stored["site"])) if stored is not None else None
    if stored is None or site is None:
        return
    pk, room_sk = str(stored["PK"]), str(stored["SK"])
    brief, earlier = room_brief(stored, site), stored.get(BRIEF)
    apply(UsageChange(pk, SITE_SK, add={ROOMS: frozenset({brief})}))
    if apply(UsageChange(pk, room_sk, put={BRIEF: brief}, at_version=int(stored[VERSION]))) is None:
        apply(UsageChange(pk, SITE_SK, discard={ROOMS: frozenset({brief})}))  # a later change filed its own
    elif earlier and earlier != brief:
        apply(UsageChange(pk, SITE_SK, discard={ROOMS: frozenset({str(earlier)})}))


def fold(item: dict[str, Any], change: UsageChange) -> dict[str, Any]:
    """`change` applied to a usage item held in memory, as DynamoDB applies it to the stored one (its
    `at_version` condition aside)."""
    item = {**item, "PK": change.pk, "SK": change.sk, **change.put}
    if change.versioned:
        item[VERSION] = int(item.get(VERSION, 0)) + 1
    for name in change.remove:
        item.pop(name, None)
    for name, ids in change.add.items():
        item[name] = set(item.get(name, ())) | ids
    for name, ids in change.discard.items():
        kept = set(item.get(name, ())) - ids
        if kept:
            item[name] = kept
        else:
            item.pop(name, None)
    return item


class UsageItems(dict[tuple[str, str], dict[str, Any]]):
    """Usage items held in memory by (PK, SK), changed as the table changes them: to fold many facts at once
    (a generated office) or to stand in for the table."""

    def apply(self, change: UsageChange) -> dict[str, Any] | None:
        where = (change.pk, change.sk)
        current = self.get(where)
        if current is None and not (change.put or change.add):
            return None
        if change.at_version is not None and (current or {}).get(VERSION) != change.at_version:
            return None
        self[where] = fold(current or {}, change)
        return dict(self[where]) if change.versioned or change.at_version is not None else None


# --------------------------------------------------------------------------------------- the report


def _date(text: str, argument: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ReportRangeError(f"{argument}: not a date (YYYY-MM-DD): {text!r}") from None


def report_range(first: str | None, end: str | None, today: date) -> tuple[date, date]:
    """The local days [first, end) a report covers: `--from` inclusive, `--to` exclusive. Without either, the
    last 7 days (today included); with one, the 7 days after `--from` or before `--to`."""
    week = timedelta(days=DEFAULT_REPORT_DAYS)
    start = _date(first, "--from") if first is not None else None
    stop = _date(end, "--to") if end is not None else None
    if start is None:
        stop = stop or today + timedelta(days=1)
        start = stop - week
    stop = stop or start + week
    if stop <= start:
        raise ReportRangeError(f"--to: {stop.isoformat()} must be after --from {start.isoformat()}")
    if (stop - start).days > MAX_REPORT_DAYS:
        raise ReportRangeError(f"--to: a report covers at most {MAX_REPORT_DAYS} days, not {(stop - start).days}")
    return start, stop


Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class BookingSummary:
    start: datetime
    end: datetime
    status: BookingStatus
    checked_in: bool


@dataclass(frozen=True)
class RoomDay:
    """One room's usage item for one local day."""

    room: str
    day: date
    bookings: tuple[BookingSummary, ...] = ()
    feed: tuple[Span, ...] = ()


@dataclass(frozen=True)
class SiteDay:
    site: str
    day: date
    visits: int = 0
    calls: int = 0
    problems: int = 0


def room_day_from_item(item: Mapping[str, Any]) -> RoomDay:
    bookings: list[BookingSummary] = []
    feed: list[Span] = []
    for name, value in item.items():
        if name.startswith(BOOKING_ATTR):
            start, end, status, checked_in = str(value).split("|")
            bookings.append(BookingSummary(_time(start), _time(end), BookingStatus(status), checked_in == "1"))
        elif name.startswith(FEED_ATTR):
            start, end = str(value).split("|")
            feed.append((_time(start), _time(end)))
    return RoomDay(str(item["room"]), date.fromisoformat(str(item["date"])), tuple(bookings), tuple(feed))


def site_day_from_item(site_id: str, day: date, item: Mapping[str, Any]) -> SiteDay:
    return SiteDay(site_id, day, len(item.get(VISITS, ())), len(item.get(CALLS, ())), len(item.get(PROBLEMS, ())))


@dataclass(frozen=True)
class RoomDaySummary:
    """A room's day in brief: the bookings starting that day (cancelled ones aside), what became of them, the
    feed's busy seconds that day and the day's busy spans (bookings in use and feed, merged)."""

    room: str
    day: date
    bookings: int = 0
    booked_seconds: int = 0
    released: int = 0
    ended_early: int = 0
    checked_in: int = 0
    feed_seconds: int = 0
    busy: tuple[Span, ...] = ()


def room_brief(item: Mapping[str, Any], site: Site) -> str:
    """The brief of the room's day `item`: `room|version|` then its figures, the busy spans as epoch seconds."""
    usage = room_day_from_item(item)
    zone = ZoneInfo(site.timezone)
    start_of_day, end_of_day = whole_day(site, usage.day)
    counted = [
        b
        for b in usage.bookings
        if b.start.astimezone(zone).date() == usage.day and b.status is not BookingStatus.CANCELLED
    ]
    feed = merged(usage.feed)
    busy = merged([*feed, *((b.start, b.end) for b in usage.bookings if b.status in _USED)])
    spans = ",".join(
        f"{int(max(s, start_of_day).timestamp())}-{int(min(e, end_of_day).timestamp())}"
        for s, e in busy
        if s < end_of_day and start_of_day < e
    )
    figures = (
        int(item.get(VERSION, 0)),
        len(counted),
        int(sum((b.end - b.start).total_seconds() for b in counted)),
        sum(b.status is BookingStatus.RELEASED for b in counted),
        sum(b.status is BookingStatus.ENDED for b in counted),
        sum(b.checked_in for b in counted),
        int(_seconds_within(feed, [(start_of_day, end_of_day)])),
    )
    return f"{usage.room}|" + "|".join(str(n) for n in figures) + f"|{spans}"


def summaries_from_site_item(day: date, item: Mapping[str, Any]) -> list[RoomDaySummary]:
    """The rooms' briefs a `SITE` item holds, the latest version of each room."""
    latest: dict[str, tuple[int, RoomDaySummary]] = {}
    for brief in item.get(ROOMS, ()):
        room, version, *figures, spans = str(brief).split("|")
        if room in latest and latest[room][0] >= int(version):
            continue
        bookings, booked, released, ended, checked_in, feed = (int(n) for n in figures)
        busy = tuple(
            (datetime.fromtimestamp(int(a), UTC), datetime.fromtimestamp(int(b), UTC))
            for a, b in (span.split("-") for span in spans.split(",") if span)
        )
        summary = RoomDaySummary(room, day, bookings, booked, released, ended, checked_in, feed, busy)
        latest[room] = (int(version), summary)
    return [summary for _, summary in latest.values()]


@dataclass(frozen=True)
class ProblemRow:
    id: str
    room: str
    site: str
    problem: str
    status: str
    reported_at: str


def merged(spans: Iterable[Span]) -> list[Span]:
    """Spans joined where they overlap or touch, in order."""
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _seconds_within(spans: Sequence[Span], windows: Sequence[Span]) -> float:
    """Seconds of merged `spans` that fall inside `windows` (disjoint)."""
    return sum(
        max(0.0, (min(end, w_end) - max(start, w_start)).total_seconds())
        for start, end in spans
        for w_start, w_end in windows
    )


def _at(day: date, moment: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, zone).astimezone(UTC)


def open_windows(site: Site, day: date) -> list[Span]:
    """The site's open hours on its local `day` as UTC spans (DEFAULT_OPEN_HOURS when it states none)."""
    zone = ZoneInfo(site.timezone)
    hours = site.open_hours or DEFAULT_OPEN_HOURS
    windows = []
    for start, end in hours.on(day.weekday()):
        close = _at(day + timedelta(days=1), time(0), zone) if end == time(0) else _at(day, end, zone)
        windows.append((_at(day, start, zone), close))
    return windows


def whole_day(site: Site, day: date) -> Span:
    zone = ZoneInfo(site.timezone)
    return _at(day, time(0), zone), _at(day + timedelta(days=1), time(0), zone)


def _hours(seconds: float) -> float:
    return round(seconds / 3600, 2)


def _share(busy_seconds: float, open_seconds: float) -> float:
    """The busy share of open time, at most 1 (0 when nothing was open)."""
    return round(min(1.0, busy_seconds / open_seconds), 3) if open_seconds else 0.0


def days_between(first: date, end: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((end - first).days)]


@dataclass(frozen=True)
class Report:
    """The report: `data` as `report --json` prints it, and the daily figures its charts draw."""

    data: dict[str, Any]
    utilisation: dict[str, list[float]]  # room id -> the day's busy share of its open hours, day by day
    no_shows: list[int]  # bookings released as no-shows, day by day (those starting that day)


def build_report(
    first: date,
    end: date,
    sites: Sequence[Site],
    rooms: Sequence[Room],
    room_days: Iterable[RoomDaySummary],
    site_days: Iterable[SiteDay],
    problems: Iterable[ProblemRow],
) -> Report:
    """The report of local days [first, end) of `sites` (the contract's `report --json`).

    - `bookings`, `booked_hours`: voice bookings starting on those days, cancelled ones excluded, at their
      length as it stands (an extension counts, a meeting ended early counts to its end);
    - `calendar_busy_hours`: the room's calendar feed busy time on those days;
    - `utilisation`: busy time (bookings not cancelled or released, and feed busy time, overlaps once) inside
      the site's open hours, divided by the open hours (`open_hours`), 0 when it has none;
    - `no_shows_released`, `ended_early`, `checked_in`: of the bookings counted;
    - rooms in the order of their sites, then by id;
    - `days`: per local date, summed over the sites, the visits, calls placed, bookings and problems reported;
    - `problems`: those reported on those days, and those still open from before.
    """
    by_site = {site.id: site for site in sites}
    dates = days_between(first, end)
    stored: dict[tuple[str, date], RoomDaySummary] = {(d.room, d.day): d for d in room_days}
    day_rows: dict[date, dict[str, Any]] = {
        day: {"date": day.isoformat(), "visits": 0, "calls_placed": 0, "bookings": 0, "problems": 0} for day in dates
    }
    for site_day in site_days:
        if site_day.day in day_rows:
            row = day_rows[site_day.day]
            row["visits"] += site_day.visits
            row["calls_placed"] += site_day.calls
            row["problems"] += site_day.problems
    windows_of = {(site.id, day): open_windows(site, day) for site in sites for day in dates}
    room_rows = []
    daily: dict[str, list[float]] = {}
    no_shows = dict.fromkeys(dates, 0)
    site_order = {site.id: n for n, site in enumerate(sites)}
    for room in sorted(rooms, key=lambda room: (site_order.get(room.site_id, len(sites)), room.id)):
        site = by_site.get(room.site_id)
        if site is None:
            continue
        totals: defaultdict[str, float] = defaultdict(float)
        shares = daily[room.id] = []
        for day in dates:
            windows = windows_of[site.id, day]
            open_seconds = sum((e - s).total_seconds() for s, e in windows)
            totals["open"] += open_seconds
            usage = stored.get((room.id, day))
            if usage is None:
                shares.append(0.0)
                continue
            busy_open = _seconds_within(usage.busy, windows)
            figures = {
                "bookings": usage.bookings,
                "booked": usage.booked_seconds,
                "released": usage.released,
                "ended_early": usage.ended_early,
                "checked_in": usage.checked_in,
                "feed": usage.feed_seconds,
                "busy_open": busy_open,
            }
            for name, value in figures.items():
                totals[name] += value
            day_rows[day]["bookings"] += usage.bookings
            no_shows[day] += usage.released
            shares.append(_share(busy_open, open_seconds))
        room_rows.append(
            {
                "room": room.id,
                "site": site.id,
                "bookings": int(totals["bookings"]),
                "booked_hours": _hours(totals["booked"]),
                "calendar_busy_hours": _hours(totals["feed"]),
                "open_hours": _hours(totals["open"]),
                "utilisation": _share(totals["busy_open"], totals["open"]),
                "no_shows_released": int(totals["released"]),
                "ended_early": int(totals["ended_early"]),
                "checked_in": int(totals["checked_in"]),
            }
        )
    data = {
        "from": first.isoformat(),
        "to": end.isoformat(),
        "rooms": room_rows,
        "days": list(day_rows.values()),
        "problems": [
            {"id": p.id, "room": p.room, "problem": p.problem, "status": p.status}
            for p in sorted(problems, key=lambda p: (p.reported_at, p.id))
            if p.site in by_site and (p.status == "open" or first <= _local_date(p.reported_at, by_site[p.site]) < end)
        ],
    }
    return Report(data, daily, list(no_shows.values()))
