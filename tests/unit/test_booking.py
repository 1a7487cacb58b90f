"""Booking rules: Alexa slot values, the 15-minute grid, room rules, free/busy and room ranking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from skill.domain.booking import (
    busy_at,
    check_booking,
    earliest_free,
    extension_limit,
    first_conflict,
    free_start,
    free_until,
    local_days,
    merge,
    next_busy,
    next_free,
    no_show_due,
    parse_duration,
    rank_free,
    requested_start,
    rooms_that_fit,
    slot_key,
    slot_starts,
)
from skill.domain.errors import BookingRuleError
from skill.domain.model import Booking, BookingRules, BookingStatus, BusyInterval, Interval, Room

TOKYO = "Asia/Tokyo"
BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def local(tz: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def busy(start: datetime, end: datetime, ref: str = "e", source: str = "feed") -> BusyInterval:
    return BusyInterval(start, end, source, ref)


# --- durations -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "minutes"),
    [("PT30M", 30), ("PT1H30M", 90), ("PT90M", 90), ("P1D", 1440), ("PT0.5H", 30), ("pt2h", 120), ("PT45S", 0.75)],
)
def test_durations_alexa_sends_are_read(value: str, minutes: float) -> None:
    assert parse_duration(value) == timedelta(minutes=minutes)


@pytest.mark.parametrize("value", ["", "PT", "P", "30", "PT0M", "P0D", "PT-5M", "P1Y", "P1M", "PT1H30", "soon"])
def test_nonsense_zero_and_negative_durations_are_refused(value: str) -> None:
    with pytest.raises(BookingRuleError) as refused:
        parse_duration(value)
    assert refused.value.reason == "bad_duration"


# --- requested start -----------------------------------------------------------------------------

TOKYO_NOW = local(TOKYO, 2026, 12, 1, 10, 7)


def test_nothing_said_means_now() -> None:
    assert requested_start(None, None, TOKYO, TOKYO_NOW) == TOKYO_NOW
    assert requested_start("PRESENT_REF", None, TOKYO, TOKYO_NOW) == TOKYO_NOW
    assert requested_start("2026-12-01", None, TOKYO, TOKYO_NOW) == TOKYO_NOW


def test_a_date_and_time_are_read_in_the_site_time_zone_and_returned_in_utc() -> None:
    # When
    start = requested_start("2026-12-03", "14:30", TOKYO, TOKYO_NOW)

    # Then
    assert start == local(TOKYO, 2026, 12, 3, 14, 30)
    assert start.tzinfo is UTC


def test_a_time_without_a_date_is_its_next_occurrence() -> None:
    assert requested_start(None, "14:30", TOKYO, TOKYO_NOW) == local(TOKYO, 2026, 12, 1, 14, 30)
    assert requested_start(None, "09:00", TOKYO, TOKYO_NOW) == local(TOKYO, 2026, 12, 2, 9, 0)
    # a few minutes late still means today
    assert requested_start(None, "10:05", TOKYO, TOKYO_NOW) == local(TOKYO, 2026, 12, 1, 10, 5)


def test_a_day_without_a_year_is_its_next_occurrence() -> None:
    assert requested_start("XXXX-12-05", "10:00", NEW_YORK, TOKYO_NOW) == local(NEW_YORK, 2026, 12, 5, 10)
    assert requested_start("XXXX-03-01", "10:00", NEW_YORK, TOKYO_NOW) == local(NEW_YORK, 2027, 3, 1, 10)


def test_a_time_that_does_not_exist_moves_forward_by_the_gap() -> None:
    # Given Berlin springs forward from 02:00 to 03:00 on 29 March 2026
    now = local(BERLIN, 2026, 3, 28, 12, 0)

    # When
    start = requested_start("2026-03-29", "02:30", BERLIN, now)

    # Then
    assert start == local(BERLIN, 2026, 3, 29, 3, 30)


def test_a_time_that_happens_twice_means_the_first_one() -> None:
    # Given New York falls back from 02:00 EDT to 01:00 EST on 1 November 2026
    now = local(NEW_YORK, 2026, 10, 31, 12, 0)

    # When
    start = requested_start("2026-11-01", "01:30", NEW_YORK, now)

    # Then
    assert start == utc(2026, 11, 1, 5, 30)  # 01:30 EDT


@pytest.mark.parametrize(
    ("date_value", "time_value", "reason"),
    [
        ("2026-W49", "10:00", "vague_date"),
        ("2026-W49-WE", "10:00", "vague_date"),
        ("2026-12", "10:00", "vague_date"),
        ("2026-WI", "10:00", "vague_date"),
        ("2026", "10:00", "vague_date"),
        ("202X", "10:00", "vague_date"),
        ("2026-02-30", "10:00", "bad_date"),
        ("tomorrow", "10:00", "bad_date"),
        (None, "MO", "vague_time"),
        (None, "AF", "vague_time"),
        ("2026-12-02", "EV", "vague_time"),
        (None, "NI", "vague_time"),
        ("2026-12-02", None, "vague_time"),
        (None, "25:00", "bad_time"),
        (None, "10:61", "bad_time"),
        (None, "noon", "bad_time"),
    ],
)
def test_vague_and_invalid_values_are_refused_with_a_reason(
    date_value: str | None, time_value: str | None, reason: str
) -> None:
    with pytest.raises(BookingRuleError) as refused:
        requested_start(date_value, time_value, TOKYO, TOKYO_NOW)
    assert refused.value.reason == reason


# --- room rules ----------------------------------------------------------------------------------

FUJI = Room(id="fuji", name="Fuji", floor=5, capacity=8, booking=BookingRules(max_minutes=120, window_days=30))
NOW = utc(2026, 12, 1, 1, 7)


def test_a_booking_from_now_covers_the_whole_quarter_hours() -> None:
    # When
    booked = check_booking(FUJI, Interval(NOW, NOW + timedelta(minutes=30)), NOW, 4)

    # Then
    assert booked == Interval(utc(2026, 12, 1, 1, 0), utc(2026, 12, 1, 1, 45))


def test_a_later_start_moves_to_the_nearest_quarter_and_keeps_its_length() -> None:
    start = utc(2026, 12, 1, 5, 8)
    assert check_booking(FUJI, Interval(start, start + timedelta(minutes=30)), NOW, None) == Interval(
        utc(2026, 12, 1, 5, 15), utc(2026, 12, 1, 5, 45)
    )


def test_a_booking_never_exceeds_the_longest_allowed() -> None:
    booked = check_booking(FUJI, Interval(NOW, NOW + timedelta(minutes=120)), NOW, None)
    assert booked.duration == timedelta(minutes=120)


def test_length_is_counted_in_real_time_across_a_clock_change() -> None:
    # Given 01:30 to 02:30 in New York on the night the clocks go back is two hours
    start = datetime(2026, 11, 1, 1, 30, tzinfo=ZoneInfo(NEW_YORK))
    end = datetime(2026, 11, 1, 2, 30, tzinfo=ZoneInfo(NEW_YORK))
    room = Room(id="r", name="R", booking=BookingRules(max_minutes=90))

    # When / Then
    with pytest.raises(BookingRuleError) as refused:
        check_booking(room, Interval(start, end), local(NEW_YORK, 2026, 10, 31, 12), None)
    assert refused.value.reason == "too_long"


@pytest.mark.parametrize(
    ("room", "start", "minutes", "attendees", "reason"),
    [
        (Room(id="lobby", name="Lobby", bookable=False), NOW, 30, None, "not_bookable"),
        (FUJI, NOW + timedelta(hours=1), 150, None, "too_long"),
        (FUJI, NOW + timedelta(days=31), 30, None, "too_far"),
        (FUJI, NOW - timedelta(minutes=20), 30, None, "in_past"),
        (FUJI, NOW, 30, 9, "too_small"),
        (Room(id="r", name="R", booking=BookingRules(max_minutes=10)), NOW, 5, None, "bad_duration"),
    ],
)
def test_bookings_that_break_a_room_rule_are_refused(
    room: Room, start: datetime, minutes: int, attendees: int | None, reason: str
) -> None:
    with pytest.raises(BookingRuleError) as refused:
        check_booking(room, Interval(start, start + timedelta(minutes=minutes)), NOW, attendees)
    assert refused.value.reason == reason


def test_the_reason_carries_the_numbers_to_speak() -> None:
    with pytest.raises(BookingRuleError) as refused:
        check_booking(FUJI, Interval(NOW, NOW + timedelta(minutes=30)), NOW, 12)
    assert refused.value.details == {"room": "fuji", "capacity": 8, "attendees": 12}


# --- slots ---------------------------------------------------------------------------------------


def test_slots_cover_every_quarter_hour_touched() -> None:
    assert slot_starts(Interval(utc(2026, 12, 1, 1, 10), utc(2026, 12, 1, 1, 35))) == [
        utc(2026, 12, 1, 1, 0),
        utc(2026, 12, 1, 1, 15),
        utc(2026, 12, 1, 1, 30),
    ]


def test_slot_keys_use_the_local_day_and_the_utc_start() -> None:
    assert slot_key(local(TOKYO, 2026, 12, 2, 0, 20), TOKYO) == ("2026-12-02", "SLOT#2026-12-01T15:15Z")


def test_the_repeated_hour_gives_two_different_slots_on_the_same_day() -> None:
    # Given Berlin's 02:30 happens twice on 25 October 2026
    first = datetime(2026, 10, 25, 2, 30, tzinfo=ZoneInfo(BERLIN))
    second = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=ZoneInfo(BERLIN))

    # When / Then
    assert slot_key(first, BERLIN) == ("2026-10-25", "SLOT#2026-10-25T00:30Z")
    assert slot_key(second, BERLIN) == ("2026-10-25", "SLOT#2026-10-25T01:30Z")


def test_a_booking_across_midnight_touches_two_local_days() -> None:
    interval = Interval(local(TOKYO, 2026, 12, 1, 23, 30), local(TOKYO, 2026, 12, 2, 0, 30))
    assert [d.isoformat() for d in local_days(interval, TOKYO)] == ["2026-12-01", "2026-12-02"]
    assert [d.isoformat() for d in local_days(interval, NEW_YORK)] == ["2026-12-01"]


# --- free / busy ---------------------------------------------------------------------------------

NINE, TEN, ELEVEN, NOON = (utc(2026, 12, 1, h) for h in (9, 10, 11, 12))
DAY_BUSY = [busy(TEN, ELEVEN, "standup"), busy(NINE, TEN, "early"), busy(utc(2026, 12, 1, 10, 30), NOON, "long")]


def test_busy_and_free_answers() -> None:
    assert busy_at(DAY_BUSY, utc(2026, 12, 1, 10, 45)) == DAY_BUSY[0]
    assert busy_at(DAY_BUSY, utc(2026, 12, 1, 8)) is None
    assert next_busy(DAY_BUSY, utc(2026, 12, 1, 9, 30)) == DAY_BUSY[0]
    assert free_until(DAY_BUSY, utc(2026, 12, 1, 8), utc(2026, 12, 1, 20)) == NINE
    assert free_until(DAY_BUSY, utc(2026, 12, 1, 13), utc(2026, 12, 1, 20)) == utc(2026, 12, 1, 20)
    assert free_until(DAY_BUSY, TEN, utc(2026, 12, 1, 20)) is None


def test_first_conflict_is_the_earliest_overlap() -> None:
    assert first_conflict(DAY_BUSY, Interval(utc(2026, 12, 1, 9, 30), NOON)) == DAY_BUSY[1]
    assert first_conflict(DAY_BUSY, Interval(NOON, utc(2026, 12, 1, 13))) is None


def test_merge_joins_overlapping_and_touching_busy_time() -> None:
    assert merge(DAY_BUSY) == [Interval(NINE, NOON)]
    assert merge([busy(NINE, TEN), busy(ELEVEN, NOON)]) == [Interval(NINE, TEN), Interval(ELEVEN, NOON)]


def test_an_extension_stops_at_the_next_busy_time_and_ignores_the_booking_itself() -> None:
    # Given
    meeting = Booking(id="b1", room_id="fuji", start=NINE, end=TEN)
    room_busy = [busy(NINE, TEN, "b1", "booking"), busy(utc(2026, 12, 1, 10, 30), NOON)]

    # When / Then
    assert extension_limit(meeting, room_busy, ELEVEN) == utc(2026, 12, 1, 10, 30)
    assert extension_limit(meeting, room_busy[:1], ELEVEN) == ELEVEN
    assert extension_limit(meeting, [*room_busy, busy(utc(2026, 12, 1, 9, 30), NOON)], ELEVEN) == TEN


def test_the_free_start_of_a_time_ends_at_the_quarter_hour_the_next_busy_time_starts_in() -> None:
    # Given busy time from 10:33
    later = [busy(utc(2026, 12, 1, 10, 33), NOON)]

    # Then from ten to eleven, ten to half past is free; not so when busy from the start, or barely free
    assert free_start(later, Interval(TEN, ELEVEN)) == Interval(TEN, utc(2026, 12, 1, 10, 30))
    assert free_start(later, Interval(utc(2026, 12, 1, 10, 30), ELEVEN)) is None
    assert free_start([busy(utc(2026, 12, 1, 10, 5), NOON)], Interval(TEN, ELEVEN)) is None
    assert free_start(DAY_BUSY, Interval(TEN, ELEVEN)) is None
    assert free_start(later, Interval(NINE, TEN)) is None  # not taken at all


def test_the_next_free_time_fits_the_whole_length_on_the_grid() -> None:
    # Given busy 9-10, 10:50-11:05 and 11:30-12
    day = [
        busy(NINE, TEN),
        busy(utc(2026, 12, 1, 10, 50), utc(2026, 12, 1, 11, 5)),
        busy(utc(2026, 12, 1, 11, 30), NOON),
    ]
    half_hour = timedelta(minutes=30)

    # Then half an hour from 9:00 is first free at 10:00; 55 minutes (a whole hour on the grid) only at noon
    assert next_free(day, half_hour, NINE, utc(2026, 12, 1, 20)) == Interval(TEN, utc(2026, 12, 1, 10, 30))
    assert next_free(day, timedelta(minutes=55), NINE, utc(2026, 12, 1, 20)) == Interval(NOON, utc(2026, 12, 1, 13))
    # And an hour from 10:20 ends past the horizon at 12:30
    assert next_free(day, timedelta(hours=1), utc(2026, 12, 1, 10, 20), utc(2026, 12, 1, 12, 30)) is None


def test_the_room_free_soonest_is_the_nearest_of_those_free_equally_soon() -> None:
    # Given three rooms busy until 10:30, 10:15 and 10:15, the last two on floors 3 and 5
    rooms = [Room("a", "A", floor=5), Room("b", "B", floor=3), Room("c", "C", floor=5, capacity=4)]
    quarter_past = utc(2026, 12, 1, 10, 15)
    taken = {
        "a": [busy(NINE, utc(2026, 12, 1, 10, 30))],
        "b": [busy(NINE, quarter_past)],
        "c": [busy(NINE, quarter_past)],
    }

    # When half an hour is wanted from 10:00, asked on floor 5
    found = earliest_free(rooms, taken, timedelta(minutes=30), TEN, NOON, near_floor=5)

    # Then C, on the asking floor, is free from 10:15
    assert found == (rooms[2], Interval(quarter_past, utc(2026, 12, 1, 10, 45)))
    assert earliest_free(rooms, taken, timedelta(hours=3), TEN, NOON, near_floor=5) is None


# --- finding a room ------------------------------------------------------------------------------


def test_rooms_are_ranked_nearest_then_smallest_then_by_name() -> None:
    # Given
    rooms = [
        Room(id="big5", name="Big", floor=5, capacity=20),
        Room(id="aso", name="Aso", floor=5, capacity=6),
        Room(id="kita", name="Kita", floor=3, capacity=6),
        Room(id="fuji", name="Fuji", floor=6, capacity=6),
        Room(id="zao", name="Zao", floor=5, capacity=6),
        Room(id="taken", name="Taken", floor=5, capacity=6),
        Room(id="tiny", name="Tiny", floor=5, capacity=2),
        Room(id="lobby", name="Lobby", floor=5, capacity=50, bookable=False),
        Room(id="nocam", name="No camera", floor=5, capacity=6, features=()),
    ]
    rooms = [r if r.id == "nocam" else Room(**{**r.__dict__, "features": ("video",)}) for r in rooms]
    wanted = Interval(TEN, ELEVEN)

    # When
    fitting = rooms_that_fit(rooms, 4, {"video"})
    ranked = rank_free(fitting, {"taken": [busy(NINE, utc(2026, 12, 1, 10, 15))]}, wanted, near_floor=5)

    # Then
    assert [r.id for r in ranked] == ["aso", "zao", "big5", "fuji", "kita"]


def test_without_a_floor_or_head_count_the_smallest_room_comes_first() -> None:
    rooms = [Room(id="b", name="B", capacity=10), Room(id="a", name="A"), Room(id="c", name="C", capacity=4)]
    ranked = rank_free(rooms_that_fit(rooms, None, ()), {}, Interval(TEN, ELEVEN), near_floor=None)
    assert [r.id for r in ranked] == ["c", "b", "a"]


# --- no-shows ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "minutes_after_start", "due"),
    [
        (BookingStatus.BOOKED, 9, False),
        (BookingStatus.BOOKED, 10, True),
        (BookingStatus.BOOKED, 60, False),  # over already: nothing left to free
        (BookingStatus.CHECKED_IN, 30, False),
        (BookingStatus.CANCELLED, 30, False),
    ],
)
def test_a_booking_nobody_checked_in_to_is_released_after_the_grace_time(
    status: BookingStatus, minutes_after_start: int, due: bool
) -> None:
    meeting = Booking(id="b1", room_id="fuji", start=TEN, end=ELEVEN, status=status)
    rules = BookingRules(release_after_minutes=10)
    assert no_show_due(meeting, rules, TEN + timedelta(minutes=minutes_after_start)) is due


def test_a_booking_made_now_gets_its_grace_time_from_when_it_was_made() -> None:
    # Given a meeting booked at 10:12 "for now", which starts at the quarter hour before (10:00)
    made = TEN + timedelta(minutes=12)
    meeting = Booking(id="b1", room_id="fuji", start=TEN, end=ELEVEN, created_at=made)
    rules = BookingRules(release_after_minutes=10)
    # Then the sweeper leaves it alone until 10 minutes after it was made
    assert no_show_due(meeting, rules, made + timedelta(minutes=1)) is False
    assert no_show_due(meeting, rules, made + timedelta(minutes=10)) is True


def test_rooms_without_a_release_time_keep_their_bookings() -> None:
    meeting = Booking(id="b1", room_id="fuji", start=TEN, end=ELEVEN)
    assert no_show_due(meeting, BookingRules(release_after_minutes=None), TEN + timedelta(minutes=30)) is False
