"""The benchmark calendar feeds, built in code: 2,000 events in 3 time zones, and a poisonous one.

200 weekly series (each with an excluded date and a moved instance, every tenth with a cancelled one)
and 1,600 single meetings spread around today; some transparent, some private.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

ZONES = ("Asia/Tokyo", "Europe/Berlin", "America/New_York")
SERIES = 200
SINGLES = 1600


def build_feed(now: datetime | None = None, series: int = SERIES, singles: int = SINGLES) -> bytes:
    """The feed's bytes; `series` masters plus one override each, and `singles` one-off events."""
    from icalendar import Calendar, Event, Timezone

    now = now or datetime.now(UTC)
    stamp = now.replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", "-//office-assistant//bench feed//EN")
    calendar.add("version", "2.0")
    for name in ZONES:
        calendar.add_component(Timezone.from_tzid(name))
    for k in range(series):
        zone = ZoneInfo(ZONES[k % len(ZONES)])
        local_today = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
        first = (local_today - timedelta(weeks=4, days=local_today.weekday() - k % 5)).replace(hour=8 + k % 9)
        start = first.replace(tzinfo=zone)
        uid = f"series-{k}@bench.example"
        master = Event()
        master.add("uid", uid)
        master.add("dtstamp", stamp)
        master.add("summary", f"Weekly sync {k}")
        master.add("dtstart", start)
        master.add("dtend", start + timedelta(minutes=30 + 30 * (k % 2)))
        master.add("rrule", {"freq": "weekly", "count": 12})
        master.add("exdate", start + timedelta(weeks=5))
        if k % 7 == 0:
            master.add("class", "PRIVATE")
        calendar.add_component(master)
        moved_from = start + timedelta(weeks=4 + k % 2)
        override = Event()
        override.add("uid", uid)
        override.add("dtstamp", stamp)
        override.add("recurrence-id", moved_from)
        override.add("summary", f"Weekly sync {k} (moved)")
        if k % 10 == 0:
            override.add("status", "CANCELLED")
        override.add("dtstart", moved_from + timedelta(hours=1))
        override.add("dtend", moved_from + timedelta(hours=1, minutes=30))
        calendar.add_component(override)
    for j in range(singles):
        zone = ZoneInfo(ZONES[j % len(ZONES)])
        start = (
            (now + timedelta(days=j % 42 - 14, hours=j % 10))
            .astimezone(zone)
            .replace(minute=15 * (j % 4), second=0, microsecond=0)
        )
        event = Event()
        event.add("uid", f"single-{j}@bench.example")
        event.add("dtstamp", stamp)
        event.add("summary", f"Meeting {j}")
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=15 * (1 + j % 4)))
        if j % 11 == 0:
            event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    feed: bytes = calendar.to_ical()
    return feed


def restamp(feed: bytes, when: datetime) -> bytes:
    """The same events with every DTSTAMP rewritten, as servers without validators send them."""
    import re

    return re.sub(rb"DTSTAMP:\d{8}T\d{6}Z", b"DTSTAMP:" + when.strftime("%Y%m%dT%H%M%SZ").encode(), feed)


def poisonous_feed(start: datetime) -> bytes:
    """529 bytes whose one event repeats every second from `start`: FREQ=HOURLY, every minute, every second."""
    every = ",".join(str(n) for n in range(60))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//xyz//EN",
        "BEGIN:VEVENT",
        "UID:poison",
        f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        f"DTEND:{start.astimezone(UTC) + timedelta(seconds=1):%Y%m%dT%H%M%SZ}",
        f"RRULE:FREQ=HOURLY;BYMINUTE={every};BYSECOND={every}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()
