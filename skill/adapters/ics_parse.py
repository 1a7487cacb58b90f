"""ICS feed parsing: turn the bytes of a calendar feed into the busy intervals of a time window.

icalendar parses the feed (VTIMEZONE blocks, Windows standard zone names; `ics_zones` places what it
cannot, such as Windows display names) and recurring-ical-events expands recurrences (RRULE, RDATE,
EXDATE, moved and cancelled instances). This module decides what counts as busy, what may be shown of
an event, and what survives a broken component.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from skill.domain.calendar import FeedError, ParsedFeed, busy_digest
from skill.domain.model import BusyInterval

if TYPE_CHECKING:
    from dateutil.rrule import rrule
    from icalendar import Component, Event
    from recurring_ical_events import Series

_PRIVATE_CLASSES = frozenset({"PRIVATE", "CONFIDENTIAL"})
_DIAL_IN_PROPERTIES = ("LOCATION", "DESCRIPTION", "X-ALT-DESC", "CONFERENCE")
_MEETING_URL_PROPERTIES = ("X-MICROSOFT-SKYPETEAMSMEETINGURL", "X-GOOGLE-CONFERENCE")
_TIME_PROPERTIES = ("DTSTART", "DTEND", "DURATION", "RECURRENCE-ID", "RRULE", "RDATE", "EXDATE")
_ZONED_PROPERTIES = ("DTSTART", "DTEND", "RECURRENCE-ID", "RDATE", "EXDATE")
# No meeting repeats every second or minute: such a rule is skipped without being expanded at all.
_UNBOUNDED_FREQUENCIES = frozenset({"SECONDLY", "MINUTELY"})
# Occurrences are asked for with a day of margin so that floating and all-day events, whose zone is
# only known here, are never cut off by the library's own comparison; the exact window is applied after.
_MARGIN = timedelta(days=1)
# icalendar caches VTIMEZONE definitions process-wide by TZID; generic ids such as
# "(no TZ description)" mean different zones in different feeds, so each feed is read from a clean cache.
# Only reading takes the lock (times are resolved to zones as they are read): expansion, the costly part,
# runs unlocked, so feeds refreshed side by side never wait for each other's rules.
_READ_LOCK = threading.Lock()
# Occurrences one feed's rules may generate, counted from each DTSTART (not only inside the window): far
# more than any room or person has, far less than a rule written to stall the parser.
MAX_OCCURRENCES = 50_000


class FeedParseError(FeedError):
    """Bytes that are not a usable calendar, or a feed too costly to expand."""


class _Budget:
    """What reading one feed may cost: a time limit and a number of occurrences, paid as the work is done."""

    def __init__(self, seconds: float, occurrences: int) -> None:
        self._until = time.monotonic() + seconds
        self._left = occurrences

    def check(self) -> None:
        if time.monotonic() > self._until:
            raise FeedParseError("time cap exceeded")

    def spend(self) -> None:
        """One occurrence generated."""
        self._left -= 1
        if self._left < 0:
            raise FeedParseError("too many occurrences")
        self.check()


def parse_feed(
    body: bytes,
    *,
    default_tz: str,
    start: datetime,
    end: datetime,
    time_cap_s: float = 5.0,
    max_occurrences: int = MAX_OCCURRENCES,
) -> ParsedFeed:
    """Busy intervals of the feed that overlap [start, end), sorted by start.

    Floating and all-day times are read in `default_tz`. Free, cancelled and transparent events are
    left out; a component that cannot be read is counted in `skipped`. Raises FeedParseError when the
    bytes are not a calendar, or as soon as the work takes longer than `time_cap_s` or the feed's rules
    generate more than `max_occurrences` occurrences: both are counted while rules are expanded, one
    occurrence at a time, so a rule meant to stall the parser stops it within the limits.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("the window must be timezone-aware")
    budget = _Budget(time_cap_s, max_occurrences)
    text = _calendar_text(body)
    zone = ZoneInfo(default_tz)
    events, skipped = _expand(text, zone, start, end, budget)
    ordered = tuple(_unique_refs(events))
    return ParsedFeed(events=ordered, skipped=skipped, digest=busy_digest(ordered))


def _calendar_text(body: bytes) -> str:
    text = body.decode("utf-8-sig", errors="replace").strip()
    upper = text.upper()
    if not upper.startswith("BEGIN:VCALENDAR"):
        raise FeedParseError("not a calendar")
    if not upper.rstrip().endswith("END:VCALENDAR"):
        raise FeedParseError("truncated")
    return text


def _read(text: str) -> list[Component]:
    """The feed's calendars, their times resolved to zones by icalendar from a clean zone cache."""
    import icalendar

    with _READ_LOCK:
        icalendar.use_zoneinfo()
        try:
            return cast("list[Component]", icalendar.Calendar.from_ical(text, multiple=True))
        except ValueError as error:
            raise FeedParseError("malformed calendar") from error


def _expand(
    text: str, zone: ZoneInfo, start: datetime, end: datetime, budget: _Budget
) -> tuple[list[BusyInterval], int]:
    import icalendar
    import recurring_ical_events

    calendars = _read(text)
    budget.check()
    expanding = [recurring_ical_events.ComponentsWithName("VEVENT", series=_metered_series(budget))]

    skipped = 0
    series: dict[str, list[Event]] = {}
    for calendar in calendars:
        for number, component in enumerate(calendar.walk("VEVENT")):
            if not isinstance(component, icalendar.Event) or not _readable(component):
                skipped += 1
                continue
            uid = str(component.get("UID", "")) or f"no-uid-{number}"
            series.setdefault(uid, []).append(component)

    events: list[BusyInterval] = []
    for uid, components in series.items():
        budget.check()
        single = icalendar.Calendar()
        for component in components:
            single.add_component(component)
        recurring = any(name in c for c in components for name in ("RRULE", "RDATE", "RECURRENCE-ID"))
        try:
            query = recurring_ical_events.of(single, components=expanding)
            for occurrence in query.between(start.astimezone(zone) - _MARGIN, end.astimezone(zone) + _MARGIN):
                budget.spend()
                busy = _busy_interval(cast("Event", occurrence), uid, zone, recurring=recurring)
                if busy is not None and busy.start < end and start < busy.end:
                    events.append(busy)
        except FeedParseError:
            raise
        except Exception:  # a series the libraries cannot expand is one bad entry, not a bad feed
            skipped += len(components)
    return events, skipped


def _metered_series(budget: _Budget) -> type[Series]:
    """recurring-ical-events' series, with every occurrence its rules generate paid for from `budget`."""
    from recurring_ical_events import Series

    class MeteredRules(Series.RecurrenceRules):
        def rrulestr(self, rule_string: str) -> _MeteredRule:
            return _MeteredRule(super().rrulestr(rule_string), budget)

    class MeteredSeries(Series):
        RecurrenceRules = MeteredRules

    return MeteredSeries


class _MeteredRule:
    """A dateutil rule that pays for each occurrence it generates, those before the window included.

    dateutil lists the occurrences of a span in one go, counting from DTSTART; this walks the rule one
    occurrence at a time instead, so the budget stops a runaway rule as it runs, not after it.
    """

    def __init__(self, rule: rrule, budget: _Budget) -> None:
        self._rule = rule
        self._budget = budget
        self.until = rule.until  # both set by recurring-ical-events
        self.string = rule.string

    def between(self, after: datetime, before: datetime, inc: bool = False) -> list[datetime]:
        found = []
        for moment in self._rule:
            self._budget.spend()
            if moment > before or (moment == before and not inc):
                break
            if moment > after or (moment == after and inc):
                found.append(moment)
        return found


def _zoned(event: Event) -> bool:
    """Place the times icalendar could not (their TZID is a Windows display name with no VTIMEZONE, say) in
    the zone `zone_for` finds; False when a TZID names no zone at all, as the event cannot then be placed
    in time (reading it in the site's zone could be hours off)."""
    from skill.adapters.ics_zones import zone_for

    for name in _ZONED_PROPERTIES:
        for prop in _values(event.get(name)):
            tzid = getattr(prop, "params", {}).get("TZID")
            naive = [v for v in getattr(prop, "dts", [prop]) if isinstance(v.dt, datetime) and v.dt.tzinfo is None]
            if not tzid or not naive:
                continue
            zone = zone_for(str(tzid))
            if zone is None:
                return False
            for value in naive:
                value.dt = value.dt.replace(tzinfo=zone)
    return True


def _readable(event: Event) -> bool:
    """A VEVENT whose timing can be read: times in known zones, a start, an end not before it, and a rule
    meant for meetings."""
    if any(name in _TIME_PROPERTIES for name, _ in event.errors):
        return False
    if any(str(rule.get("FREQ", [""])[0]).upper() in _UNBOUNDED_FREQUENCIES for rule in _values(event.get("RRULE"))):
        return False
    if not _zoned(event):
        return False
    try:
        begin, finish = event.start, event.end
    except Exception:  # icalendar raises several error types for unusable DTSTART/DTEND/DURATION
        return False
    if isinstance(begin, datetime) != isinstance(finish, datetime):
        return False
    if isinstance(begin, datetime) and isinstance(finish, datetime):
        return _aware(finish, UTC) >= _aware(begin, UTC)
    return finish >= begin


def _busy_interval(occurrence: Event, uid: str, zone: ZoneInfo, *, recurring: bool) -> BusyInterval | None:
    if _is_free(occurrence):
        return None
    begin, finish = _instant(occurrence.start, zone), _instant(occurrence.end, zone)
    if finish <= begin:
        return None
    ref = uid
    recurrence_id = getattr(occurrence.get("RECURRENCE-ID"), "dt", None)
    if recurring and isinstance(recurrence_id, date):
        ref = f"{uid}#{_instant(recurrence_id, zone).astimezone(UTC):%Y%m%dT%H%M%SZ}"
    if str(occurrence.get("CLASS", "PUBLIC")).upper() in _PRIVATE_CLASSES:
        return BusyInterval(start=begin, end=finish, source="feed", ref=ref, private=True)
    return BusyInterval(
        start=begin,
        end=finish,
        source="feed",
        ref=ref,
        subject=_text(occurrence.get("SUMMARY")),
        organizer=_organizer(occurrence.get("ORGANIZER")),
        dial_in=_dial_in(occurrence),
    )


def _is_free(occurrence: Component) -> bool:
    return (
        str(occurrence.get("STATUS", "")).upper() == "CANCELLED"
        or str(occurrence.get("TRANSP", "")).upper() == "TRANSPARENT"
        or str(occurrence.get("X-MICROSOFT-CDO-BUSYSTATUS", "")).upper() == "FREE"
    )


def _instant(value: date, zone: ZoneInfo) -> datetime:
    """A moment in `zone`: all-day dates start at local midnight, floating times are local."""
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=zone)
    return _aware(value, zone).astimezone(zone)


def _aware(value: datetime, zone: tzinfo) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _organizer(value: Any) -> str | None:
    if value is None:
        return None
    name = _text(getattr(value, "params", {}).get("CN"))
    if name:
        return name
    address = str(value).strip()
    if address.lower().startswith("mailto:"):
        address = address[len("mailto:") :]
    return address or None


def _dial_in(occurrence: Component) -> str | None:
    texts: list[str] = []
    for name in (*_DIAL_IN_PROPERTIES, *_MEETING_URL_PROPERTIES):
        for value in _values(occurrence.get(name)):
            text = _html_text(str(value)) if name == "X-ALT-DESC" else str(value).strip()
            if text and text not in texts:
                texts.append(text)
    return "\n".join(texts) or None


def _values(value: Any) -> Iterator[Any]:
    if value is None:
        return
    yield from value if isinstance(value, list) else (value,)


class _TextCollector(HTMLParser):
    _BREAKS = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6"})
    _HIDDEN = frozenset({"style", "script", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _html_text(html: str) -> str:
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.parts).splitlines())
    return "\n".join(line for line in lines if line)


def _unique_refs(events: list[BusyInterval]) -> Iterator[BusyInterval]:
    """Feeds sometimes repeat a UID for unrelated events; refs stay unique by numbering repeats."""
    seen: dict[str, int] = {}
    for event in sorted(events, key=lambda e: (e.start, e.end, e.ref)):
        count = seen.get(event.ref, 0)
        seen[event.ref] = count + 1
        yield event if count == 0 else replace(event, ref=f"{event.ref}~{count}")
