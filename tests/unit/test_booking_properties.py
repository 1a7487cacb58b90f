"""Properties of the booking rules that the slot discipline relies on, over many zones and DST nights."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from skill.domain.booking import (
    PAST_GRACE,
    SLOT,
    busy_at,
    check_booking,
    floor_slot,
    free_until,
    merge,
    requested_start,
    slot_key,
    slot_starts,
)
from skill.domain.errors import BookingRuleError
from skill.domain.model import BookingRules, BusyInterval, Interval, Room

ZONES = ["Asia/Tokyo", "Europe/Berlin", "America/New_York", "Asia/Kathmandu", "UTC"]
# Around the 2026 clock changes in Berlin (29 March, 25 October) and New York (8 March, 1 November).
moments = st.datetimes(min_value=datetime(2026, 3, 1), max_value=datetime(2026, 11, 30), timezones=st.just(UTC)).map(
    lambda moment: moment.replace(microsecond=0)
)


@st.composite
def grid_intervals(draw: st.DrawFn) -> Interval:
    start = floor_slot(draw(moments))
    return Interval(start, start + SLOT * draw(st.integers(1, 12)))


@st.composite
def busy_lists(draw: st.DrawFn) -> list[BusyInterval]:
    intervals = draw(st.lists(grid_intervals(), max_size=8))
    return [BusyInterval(i.start, i.end, "feed", str(n)) for n, i in enumerate(intervals)]


@given(grid_intervals(), grid_intervals(), st.sampled_from(ZONES))
def test_two_bookings_overlap_exactly_when_they_need_a_common_slot_item(a: Interval, b: Interval, tz: str) -> None:
    keys_a = {slot_key(start, tz) for start in slot_starts(a)}
    keys_b = {slot_key(start, tz) for start in slot_starts(b)}
    assert bool(keys_a & keys_b) == a.overlaps(b)


@given(grid_intervals(), st.sampled_from(ZONES))
def test_every_slot_of_a_booking_has_its_own_key(interval: Interval, tz: str) -> None:
    starts = slot_starts(interval)
    assert len({slot_key(start, tz) for start in starts}) == len(starts) == interval.duration // SLOT


@given(
    moments,
    st.integers(-10, 60 * 24 * 40),
    st.integers(1, 240),
    st.sampled_from([15, 30, 60, 120, 100]),
)
def test_an_accepted_booking_is_on_the_grid_within_the_rules(
    now: datetime, minutes_ahead: int, minutes: int, max_minutes: int
) -> None:
    # Given
    room = Room(id="r", name="R", booking=BookingRules(max_minutes=max_minutes, window_days=30))
    start = now + timedelta(minutes=minutes_ahead)
    wanted = Interval(start, start + timedelta(minutes=minutes))

    expected_refusal = (
        "in_past"
        if minutes_ahead < -PAST_GRACE.total_seconds() / 60
        else "too_far"
        if minutes_ahead > 30 * 24 * 60
        else "too_long"
        if minutes > max_minutes
        else None
    )

    # When
    try:
        booked = check_booking(room, wanted, now, None)
    except BookingRuleError as refused:
        # Then
        assert refused.reason == expected_refusal
        return

    # Then
    assert expected_refusal is None
    assert booked.start == floor_slot(booked.start) and booked.end == floor_slot(booked.end)
    assert booked.duration <= timedelta(minutes=max_minutes)
    assert booked.start >= floor_slot(now - PAST_GRACE)
    if start <= now:
        assert booked.start <= start


@given(busy_lists(), moments)
def test_merged_busy_time_is_disjoint_and_covers_the_same_moments(busy: list[BusyInterval], moment: datetime) -> None:
    merged = merge(busy)
    assert all(a.end < b.start for a, b in itertools.pairwise(merged))
    assert (busy_at(busy, moment) is not None) == any(i.contains(moment) for i in merged)


@given(busy_lists(), moments)
def test_free_until_leaves_no_busy_time_before_it(busy: list[BusyInterval], moment: datetime) -> None:
    horizon = moment + timedelta(hours=12)
    until = free_until(busy, moment, horizon)
    if until is None:
        assert busy_at(busy, moment) is not None
    else:
        assert moment <= until <= horizon
        assert not any(b.start < until and moment < b.end for b in busy)


@given(moments, st.integers(0, 23), st.integers(0, 59), st.sampled_from(ZONES))
def test_a_spoken_time_is_the_next_time_the_site_clock_shows_it(now: datetime, hour: int, minute: int, tz: str) -> None:
    # When
    start = requested_start(None, f"{hour:02d}:{minute:02d}", tz, now)

    # Then
    assert now - PAST_GRACE <= start < now + timedelta(days=1, hours=1)
    zone = ZoneInfo(tz)
    shown = start.astimezone(zone)
    wall = datetime.combine(shown.date(), time(hour, minute), tzinfo=zone)
    skipped_by_dst = wall.astimezone(UTC).astimezone(zone).time() != wall.time()
    assert (shown.hour, shown.minute) == (hour, minute) or skipped_by_dst


def test_intervals_compare_real_time_across_the_clock_change() -> None:
    # Given 01:30 to 02:30 local time on the night Berlin's clocks go back (02:00-03:00 happens twice)
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from skill.domain.model import Interval

    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 10, 25, 1, 30, tzinfo=berlin)
    end = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=berlin)  # the second 02:30
    # When / Then it lasts two real hours, not the one hour the wall clock shows
    assert Interval(start, end).duration.total_seconds() == 2 * 3600
