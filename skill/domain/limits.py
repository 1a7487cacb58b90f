"""Limits on what one device or one person may do: which counter an action takes a unit of, in which window.

Each limited action (a call placed, a visitor checked in, a room booked, a host notified, a problem reported)
takes one unit of a counter kept beside it in the table, in the same write as the action, so nothing is done
once the counter is spent. Counters are per fixed window: a clock hour (UTC) for calls, check-ins,
notifications and problems, the site's local day for bookings. Calls, check-ins and problems count against the
device; a booking against the person it is made for, or against the device when a shared device does not
recognise the speaker; a notification against the host told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from skill.domain.errors import ReasonError
from skill.domain.model import Caller, Limits

Action = Literal["calls", "checkins", "bookings", "notifications", "problems"]
HOUR = timedelta(hours=1)
# How long a spent window's counter is kept after the window ends (then TTL deletes it).
KEPT_AFTER_WINDOW = timedelta(days=1)


class LimitReached(ReasonError):
    """The counter of `reason` (an Action) for this device or person is spent in the current window."""

    def __init__(self, reason: Action, quota: Quota) -> None:
        super().__init__(reason)
        self.quota = quota


@dataclass(frozen=True)
class Quota:
    """A unit of one counter that a write takes: `action` by `subject` in the window [start, end)."""

    action: Action
    subject: str  # "device:<id>" or "user:<id>"
    start: datetime
    end: datetime
    limit: int
    window: str  # the window as the counter's key names it: "2026-12-01T10Z" (an hour) or "2026-12-01" (a day)

    @property
    def subject_kind(self) -> str:
        """ "device" or "user": what a log line may say about whose counter it is."""
        return self.subject.partition(":")[0]

    @property
    def expires_at(self) -> int:
        """Epoch seconds at which TTL may delete the counter."""
        return int((self.end + KEPT_AFTER_WINDOW).timestamp())

    def reached(self) -> LimitReached:
        return LimitReached(self.action, self)


def hourly(action: Action, subject: str, limit: int, now: datetime) -> Quota:
    """The counter of the clock hour (UTC) that `now` falls in."""
    start = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return Quota(action, subject, start, start + HOUR, limit, start.strftime("%Y-%m-%dT%HZ"))


def daily(action: Action, subject: str, limit: int, now: datetime, tz: str) -> Quota:
    """The counter of the local day (in `tz`) that `now` falls in."""
    zone = ZoneInfo(tz)
    day = now.astimezone(zone).date()
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    return Quota(action, subject, start.astimezone(UTC), end.astimezone(UTC), limit, day.isoformat())


def device_subject(caller: Caller) -> str:
    return f"device:{caller.device_id or 'none'}"


def user_subject(user_id: str) -> str:
    return f"user:{user_id}"


def call_quota(caller: Caller, limits: Limits, now: datetime) -> Quota:
    return hourly("calls", device_subject(caller), limits.calls_per_device_per_hour, now)


def checkin_quota(caller: Caller, limits: Limits, now: datetime) -> Quota:
    return hourly("checkins", device_subject(caller), limits.checkins_per_device_per_hour, now)


def booking_quota(caller: Caller, limits: Limits, now: datetime) -> Quota:
    """A booking counts against the person it is made for; from a shared device that recognises nobody,
    against the device."""
    owner = caller.owner
    subject = user_subject(owner.id) if owner else device_subject(caller)
    return daily("bookings", subject, limits.bookings_per_user_per_day, now, caller.timezone)


def problem_quota(caller: Caller, limits: Limits, now: datetime) -> Quota:
    return hourly("problems", device_subject(caller), limits.problems_per_device_per_hour, now)


def notification_quota(host_id: str, limits: Limits, now: datetime) -> Quota:
    return hourly("notifications", user_subject(host_id), limits.notifications_per_host_per_hour, now)
