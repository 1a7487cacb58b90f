"""What every refusal over a limit (skill/domain/limits.py) leaves behind: one metric and one log line naming the
limit, whose kind of counter (device or user) and the window, never who."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from skill.domain.limits import LimitReached
from skill.observability import MetricName, count, logger

METRICS: dict[str, MetricName] = {
    "calls": "CallLimitReached",
    "checkins": "CheckInLimitReached",
    "bookings": "BookingLimitReached",
    "notifications": "NotificationLimitReached",
    "problems": "ProblemLimitReached",
}


def note_limit(error: LimitReached) -> None:
    quota = error.quota
    count(METRICS[quota.action])
    logger.warning(
        "limit reached",
        extra={"limit": quota.action, "counter": quota.subject_kind, "window": quota.window, "max": quota.limit},
    )


@contextmanager
def refused() -> Iterator[None]:
    """Lets a LimitReached raised inside pass on, once its metric and log line are written."""
    try:
        yield
    except LimitReached as error:
        note_limit(error)
        raise
