"""Which counter a limited action takes a unit of: whose it is, its window, and how long it is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from skill.domain.limits import LimitReached, booking_quota, call_quota, checkin_quota, daily, hourly
from skill.domain.model import Caller, CallerKind, Limits, Room, Site, User

TOKYO = Site(timezone="Asia/Tokyo")
ALICE = User("alice", "Alice Tanaka")
ROOM = Caller(CallerKind.SHARED, "amzn1.ask.device.ROOM", room=Room("fuji", "Fuji"), site=TOKYO)


def test_an_hour_is_the_clock_hour_in_utc_and_its_counter_is_kept_a_day_longer() -> None:
    # Given a moment at 10:59:59 UTC
    now = datetime(2026, 12, 1, 10, 59, 59, tzinfo=UTC)

    # When the hour's counter of a device's calls is taken
    quota = hourly("calls", "device:d", 20, now)

    # Then the window is 10:00 to 11:00, named by its start, and kept a day after it ends
    assert (quota.start, quota.end, quota.window) == (
        now.replace(minute=0, second=0),
        now.replace(hour=11, minute=0, second=0),
        "2026-12-01T10Z",
    )
    assert quota.expires_at == int((quota.end + timedelta(days=1)).timestamp())
    assert hourly("calls", "device:d", 20, now + timedelta(seconds=1)).window == "2026-12-01T11Z"


def test_a_day_is_the_sites_local_day() -> None:
    # Given 23:30 UTC, which is 08:30 the next morning in Tokyo
    now = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)

    # When the day's counter is taken in Tokyo
    quota = daily("bookings", "user:alice", 10, now, "Asia/Tokyo")

    # Then it is Tokyo's 2 December, from its midnight to the next
    assert quota.window == "2026-12-02"
    assert (quota.start, quota.end) == (
        datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
        datetime(2026, 12, 2, 15, 0, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("caller", "subject"),
    [
        (ROOM, "device:amzn1.ask.device.ROOM"),
        (Caller(CallerKind.SHARED, "amzn1.ask.device.ROOM", person=ALICE, site=TOKYO), "user:alice"),
        (Caller(CallerKind.PERSONAL, "amzn1.ask.device.DESK", user=ALICE, site=TOKYO), "user:alice"),
    ],
)
def test_a_booking_counts_against_its_person_or_the_device_that_recognised_nobody(caller: Caller, subject: str) -> None:
    quota = booking_quota(caller, Limits(bookings_per_user_per_day=4), datetime(2026, 12, 1, 1, tzinfo=UTC))
    assert (quota.action, quota.subject, quota.limit) == ("bookings", subject, 4)


def test_calls_and_check_ins_count_against_the_device_whoever_speaks() -> None:
    # Given a recognised voice on a shared device
    caller = Caller(CallerKind.SHARED, "amzn1.ask.device.LOBBY", person=ALICE, site=TOKYO)
    now = datetime(2026, 12, 1, 1, tzinfo=UTC)

    # When its call and check-in counters are taken
    call, checkin = call_quota(caller, Limits(), now), checkin_quota(caller, Limits(), now)

    # Then both are the device's, at the contract's default limits, and a log line may only say "device"
    assert (call.subject, call.limit, checkin.subject, checkin.limit) == (
        "device:amzn1.ask.device.LOBBY",
        20,
        "device:amzn1.ask.device.LOBBY",
        30,
    )
    assert call.subject_kind == "device"
    assert isinstance(call.reached(), LimitReached) and call.reached().reason == "calls"
