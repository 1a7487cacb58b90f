"""Calendar feed rules that need no I/O: the look-ahead window, busy time per local day, freshness, and
the values a feed source hands back (fetched bytes, parsed busy time, their digest).

Everything takes `now` and a time-zone name; nothing here fetches or stores.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from skill.domain.errors import ReasonError
from skill.domain.model import BusyInterval

USER_OWNER_PREFIX = "user:"


class FeedError(ReasonError):
    """A feed that could not be fetched or read; `reason` is short, stable and safe to log and store."""


@dataclass(frozen=True)
class FeedFetch:
    not_modified: bool
    body: bytes | None
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class ParsedFeed:
    events: tuple[BusyInterval, ...]
    skipped: int
    digest: str


def busy_digest(events: Iterable[BusyInterval]) -> str:
    """sha256 over what matters of each event, so a feed that only rewrites DTSTAMP keeps its digest."""
    digest = hashlib.sha256()
    for event in events:
        fields = [
            event.start.isoformat(),
            event.end.isoformat(),
            event.ref,
            event.subject,
            event.private,
            event.dial_in,
        ]
        digest.update(json.dumps(fields, ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def user_owner(user_id: str) -> str:
    """The feed owner id under which a user's calendar busy time is stored."""
    return f"{USER_OWNER_PREFIX}{user_id}"


def local_midnight(day: date, tz: str) -> datetime:
    """The first instant of `day` in `tz`."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz))


def window_days(now: datetime, tz: str, lookahead_days: int) -> list[date]:
    """The local days of the refresh window: today and the `lookahead_days - 1` days after it."""
    today = now.astimezone(ZoneInfo(tz)).date()
    return [today + timedelta(days=n) for n in range(max(lookahead_days, 1))]


def window(now: datetime, tz: str, lookahead_days: int) -> tuple[datetime, datetime]:
    """[start of today, start of the day after the window), both local midnights (a DST day is 23 or 25 hours)."""
    days = window_days(now, tz, lookahead_days)
    return local_midnight(days[0], tz), local_midnight(days[-1] + timedelta(days=1), tz)


def days_touched(start: datetime, end: datetime, tz: str) -> list[date]:
    """The local dates [start, end) overlaps; an instant interval touches its own day."""
    zone = ZoneInfo(tz)
    first = start.astimezone(zone).date()
    last = max(first, (end - timedelta(microseconds=1)).astimezone(zone).date())
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def busy_by_day(intervals: Iterable[BusyInterval], tz: str, days: Sequence[date]) -> dict[date, list[BusyInterval]]:
    """Each of `days` with the intervals that overlap it, in order of start; a day with none maps to [].

    An event that crosses midnight belongs to every day it touches.
    """
    grouped: dict[date, list[BusyInterval]] = {day: [] for day in days}
    for busy in sorted(intervals, key=lambda b: (b.start, b.end, b.ref)):
        for day in days_touched(busy.start, busy.end, tz):
            if day in grouped:
                grouped[day].append(busy)
    return grouped


def freshness(refreshed_at: datetime | None, stale: bool, now: datetime, threshold: timedelta) -> int | None:
    """Minutes to mention ("as of 20 minutes ago") when busy time may be out of date, else None.

    Data is worth a mention when the last fetch failed (`stale`) or its last refresh is at least
    `threshold` old. Nothing is said about a calendar that never refreshed: there is no data to qualify.
    """
    if refreshed_at is None:
        return None
    age = max(now.astimezone(UTC) - refreshed_at.astimezone(UTC), timedelta(0))
    if not stale and age < threshold:
        return None
    return int(age.total_seconds() // 60)


@dataclass(frozen=True)
class FeedState:
    """What the last fetches of one feed left behind: validators, digest, success time, failures."""

    owner: str
    etag: str | None = None
    last_modified: str | None = None
    digest: str | None = None
    window: str | None = None  # "first-day/days" of the busy time last stored
    last_success: datetime | None = None
    last_error: str | None = None
    failures: int = 0

    @property
    def stale(self) -> bool:
        """The last fetch failed: the stored busy time may be out of date."""
        return self.failures > 0


def feed_freshness(state: FeedState | None, now: datetime, threshold: timedelta) -> int | None:
    """Minutes to mention in speech for an owner's feed busy time, or None when it is fresh (or absent)."""
    if state is None:
        return None
    return freshness(state.last_success, state.stale, now, threshold)
