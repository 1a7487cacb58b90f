"""Calendar rules without I/O: the refresh window, busy time per local day, freshness in speech."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from skill.domain.calendar import busy_by_day, freshness, user_owner, window, window_days
from skill.domain.model import BusyInterval

TOKYO = ZoneInfo("Asia/Tokyo")
BERLIN = ZoneInfo("Europe/Berlin")
THRESHOLD = timedelta(minutes=15)


def busy(start: datetime, minutes: int, ref: str) -> BusyInterval:
    return BusyInterval(start=start, end=start + timedelta(minutes=minutes), source="feed", ref=ref)


def test_window_runs_from_local_midnight_for_the_lookahead_days() -> None:
    # Given a moment that is still yesterday in UTC but already morning in Tokyo
    now = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)

    # When the window for three days is asked for
    start, end = window(now, "Asia/Tokyo", 3)

    # Then it starts at Tokyo's midnight of March 2 and ends at midnight three days later
    assert (start, end) == (datetime(2026, 3, 2, tzinfo=TOKYO), datetime(2026, 3, 5, tzinfo=TOKYO))
    assert window_days(now, "Asia/Tokyo", 3) == [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)]


def test_window_over_a_dst_change_ends_at_local_midnight() -> None:
    # Given the Saturday before Berlin moves its clocks forward
    now = datetime(2026, 3, 28, 12, tzinfo=BERLIN)

    # When a two-day window is asked for
    start, end = window(now, "Europe/Berlin", 2)

    # Then it is 47 hours long and ends at Monday's local midnight
    assert end == datetime(2026, 3, 30, tzinfo=BERLIN)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=47)


def test_busy_by_day_puts_an_event_crossing_midnight_in_both_days() -> None:
    # Given a late event on March 2 that runs past midnight, and one on March 3
    late = busy(datetime(2026, 3, 2, 23, tzinfo=TOKYO), 120, "late")
    morning = busy(datetime(2026, 3, 3, 9, tzinfo=TOKYO), 30, "morning")
    days = [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)]

    # When they are grouped per Tokyo day
    grouped = busy_by_day([morning, late], "Asia/Tokyo", days)

    # Then the late event is in both days, in order of start, and the empty day is there with nothing
    assert grouped == {days[0]: [late], days[1]: [late, morning], days[2]: []}


def test_busy_by_day_ignores_days_outside_the_window() -> None:
    # Given an event that ends exactly at midnight
    evening = busy(datetime(2026, 3, 2, 22, tzinfo=TOKYO), 120, "evening")

    # When grouped over March 2 only
    grouped = busy_by_day([evening], "Asia/Tokyo", [date(2026, 3, 2)])

    # Then it belongs to March 2 (the day after is not touched)
    assert grouped == {date(2026, 3, 2): [evening]}


def test_freshness_says_nothing_about_recent_data() -> None:
    now = datetime(2026, 3, 2, 9, 14, tzinfo=UTC)
    assert freshness(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), False, now, THRESHOLD) is None


def test_freshness_gives_the_age_of_old_data() -> None:
    now = datetime(2026, 3, 2, 9, 20, 30, tzinfo=UTC)
    assert freshness(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), False, now, THRESHOLD) == 20


def test_freshness_mentions_recent_data_when_the_last_fetch_failed() -> None:
    now = datetime(2026, 3, 2, 9, 5, tzinfo=UTC)
    assert freshness(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), True, now, THRESHOLD) == 5


def test_freshness_has_nothing_to_qualify_without_a_refresh() -> None:
    assert freshness(None, True, datetime(2026, 3, 2, tzinfo=UTC), THRESHOLD) is None


def test_user_calendars_have_their_own_owner_ids() -> None:
    assert user_owner("alice") == "user:alice"
