"""Feeds as Outlook, Exchange, Google and Nextcloud export them, read as a person would read them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from skill.adapters.ics_parse import FeedParseError, ParsedFeed, parse_feed

FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
TOKYO = ZoneInfo("Asia/Tokyo")
BERLIN = ZoneInfo("Europe/Berlin")
UTC = ZoneInfo("UTC")


def feed(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


def at(text: str, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def parse(body: bytes, zone: ZoneInfo, first: str, last: str, **kwargs: float) -> ParsedFeed:
    return parse_feed(body, default_tz=str(zone), start=at(first, zone), end=at(last, zone), **kwargs)


def spans(parsed: ParsedFeed) -> list[tuple[datetime, datetime]]:
    return [(e.start, e.end) for e in parsed.events]


def test_outlook_weekly_series_keeps_until_skips_exdate_and_follows_the_moved_instance() -> None:
    # Given an Outlook export with a Monday standup: UNTIL in UTC, one EXDATE, one moved instance
    # When March is read in Tokyo
    parsed = parse(feed("outlook.ics"), TOKYO, "2026-03-01", "2026-04-01")

    # Then the standup is busy on 2 Mar, in its new slot on 16 Mar, on 23 Mar (the UNTIL day), and never on 9 or 30 Mar
    standups = [(e.start, e.end) for e in parsed.events if (e.subject or "").startswith("Team standup")]
    assert standups == [
        (at("2026-03-02 09:30", TOKYO), at("2026-03-02 10:00", TOKYO)),
        (at("2026-03-16 14:00", TOKYO), at("2026-03-16 14:30", TOKYO)),
        (at("2026-03-23 09:30", TOKYO), at("2026-03-23 10:00", TOKYO)),
    ]


def test_outlook_whole_day_busy_is_local_midnight_to_midnight_and_a_free_holiday_is_not_busy() -> None:
    # Given an out-of-office day on 5 Mar and a free holiday on 20 Mar
    # When those days are read
    maintenance = parse(feed("outlook.ics"), TOKYO, "2026-03-05", "2026-03-06")
    holiday = parse(feed("outlook.ics"), TOKYO, "2026-03-20", "2026-03-21")

    # Then 5 Mar is busy from midnight to midnight in Tokyo and 20 Mar has nothing
    assert spans(maintenance) == [(at("2026-03-05 00:00", TOKYO), at("2026-03-06 00:00", TOKYO))]
    assert holiday.events == ()


def test_outlook_private_event_is_busy_without_any_detail() -> None:
    # Given a CLASS:PRIVATE doctor's appointment on 4 Mar with a summary, location and organizer
    parsed = parse(feed("outlook.ics"), TOKYO, "2026-03-04 11:00", "2026-03-04 14:00")

    # Then it blocks the hour but says nothing about itself
    (doctor,) = parsed.events
    assert (doctor.start, doctor.end) == (at("2026-03-04 12:00", TOKYO), at("2026-03-04 13:00", TOKYO))
    assert doctor.private
    assert (doctor.subject, doctor.organizer, doctor.dial_in) == (None, None, None)


def test_outlook_teams_meeting_exposes_subject_organizer_and_dial_in_text() -> None:
    # Given a Teams meeting with a folded description, an HTML body and a Teams URL
    parsed = parse(feed("outlook.ics"), TOKYO, "2026-03-04 14:00", "2026-03-04 18:00")

    # Then the subject and organizer's name are read, and the dial-in text carries the phone and the URL
    (review,) = parsed.events
    assert review.subject == "Quarterly review"
    assert review.organizer == "Tanaka, Alice"
    assert review.dial_in is not None
    assert "+81 3-4578-0000,,123456789#" in review.dial_in
    assert "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NzQ5" in review.dial_in
    assert "Microsoft Teams Meeting" in review.dial_in
    assert "<" not in review.dial_in.replace("<https://teams", "")  # no HTML tag is left
    assert "margin" not in review.dial_in  # nor the style sheet


def test_outlook_tentative_counts_as_busy() -> None:
    parsed = parse(feed("outlook.ics"), TOKYO, "2026-03-06", "2026-03-07")

    assert spans(parsed) == [(at("2026-03-06 17:00", TOKYO), at("2026-03-06 18:00", TOKYO))]


def test_exchange_windows_zone_follows_the_dst_change() -> None:
    # Given a Thursday 10:00 series in "W. Europe Standard Time" around the change on 29 Mar 2026
    parsed = parse(feed("exchange.ics"), TOKYO, "2026-03-01", "2026-05-01")

    # Then it stays at 10:00 in Berlin, so it moves by one hour in UTC, and stops after COUNT=3
    weekly = [(e.start, e.end) for e in parsed.events if e.subject == "Berlin weekly"]
    assert weekly == [
        (at("2026-03-19 09:00", UTC), at("2026-03-19 10:00", UTC)),
        (at("2026-03-26 09:00", UTC), at("2026-03-26 10:00", UTC)),
        (at("2026-04-02 08:00", UTC), at("2026-04-02 09:00", UTC)),
    ]


def test_exchange_descriptive_zone_names_use_their_vtimezone_offsets() -> None:
    # Given events in "(UTC+09:00) Osaka, Sapporo, Tokyo" and in "(no TZ description)" (+05:30)
    osaka = parse(feed("exchange.ics"), TOKYO, "2026-03-24", "2026-03-25")
    bangalore = parse(feed("exchange.ics"), TOKYO, "2026-03-25", "2026-03-26")

    # Then each is read at its own offset, not at the default zone's; the cancelled event is absent
    assert spans(osaka) == [(at("2026-03-24 01:00", UTC), at("2026-03-24 02:00", UTC))]
    assert spans(bangalore) == [(at("2026-03-25 04:30", UTC), at("2026-03-25 05:30", UTC))]


def test_exchange_event_crossing_midnight_busy_on_both_days_and_free_status_is_not_busy() -> None:
    # Given a release from 23:00 to 01:00 Berlin time on 27/28 Mar and a FREE focus block on 26 Mar
    parsed = parse(feed("exchange.ics"), BERLIN, "2026-03-26", "2026-03-29")

    # Then the release is one interval across midnight and the focus block is not there
    assert (at("2026-03-27 23:00", BERLIN), at("2026-03-28 01:00", BERLIN)) in spans(parsed)
    assert all(e.subject != "Focus time" for e in parsed.events)
    second_day = parse(feed("exchange.ics"), BERLIN, "2026-03-28", "2026-03-29")
    assert [e.subject for e in second_day.events] == ["Release night"]


def test_exchange_broken_start_is_skipped_and_counted() -> None:
    parsed = parse(feed("exchange.ics"), TOKYO, "2026-03-01", "2026-05-01")

    assert parsed.skipped == 1
    assert all(e.subject != "Imported with a broken start" for e in parsed.events)


def test_google_daily_series_with_rdate_and_cancelled_instance() -> None:
    # Given a daily 10:00 check-in (COUNT=5 from 9 Mar), an extra RDATE on 14 Mar and 11 Mar cancelled
    parsed = parse(feed("google.ics"), TOKYO, "2026-03-01", "2026-04-01")

    # Then it is busy on 9, 10, 12, 13 and 14 Mar
    days = [e.start.day for e in parsed.events if e.subject == "Daily check-in"]
    assert days == [9, 10, 12, 13, 14]
    refs = [e.ref for e in parsed.events]
    assert len(set(refs)) == len(refs)


def test_google_utc_meeting_transparent_reminder_and_multi_day_event() -> None:
    # Given 10 Mar: a Meet call 14:00-15:00 Tokyo (stored in UTC), a transparent reminder; 12-13 Mar offsite
    tenth = parse(feed("google.ics"), TOKYO, "2026-03-10 12:00", "2026-03-11")
    offsite = parse(feed("google.ics"), TOKYO, "2026-03-12", "2026-03-14")

    # Then only the call blocks the afternoon, with the Meet link and the phone in its dial-in text
    (roadmap,) = tenth.events
    assert (roadmap.start, roadmap.end) == (at("2026-03-10 14:00", TOKYO), at("2026-03-10 15:00", TOKYO))
    assert roadmap.organizer == "Bob Suzuki"
    assert roadmap.dial_in is not None
    assert "+81 3-4545-0000 PIN: 123 456 789#" in roadmap.dial_in
    assert "https://meet.google.com/abc-defg-hij" in roadmap.dial_in
    # And the offsite covers both days from midnight to midnight
    assert (at("2026-03-12 00:00", TOKYO), at("2026-03-14 00:00", TOKYO)) in spans(offsite)


def test_google_events_outside_the_window_are_left_out() -> None:
    parsed = parse(feed("google.ics"), TOKYO, "2025-01-01", "2025-02-01")

    assert [e.subject for e in parsed.events] == ["Last year"]
    assert parse(feed("google.ics"), TOKYO, "2026-05-01", "2026-06-01").events == ()


def test_nextcloud_floating_duration_confidential_and_conference() -> None:
    # Given a Nextcloud calendar read in Berlin on 1 Apr
    parsed = parse(feed("nextcloud.ics"), BERLIN, "2026-04-01", "2026-04-02")

    # Then the floating breakfast is at 09:00 Berlin, the DURATION review lasts 90 minutes,
    # the confidential talk is busy without details, and the missing-start event is skipped
    by_start = {e.start: e for e in parsed.events}
    assert by_start[at("2026-04-01 09:00", BERLIN)].end == at("2026-04-01 10:00", BERLIN)
    review = by_start[at("2026-04-01 14:00", BERLIN)]
    assert review.end == at("2026-04-01 15:30", BERLIN)
    assert review.dial_in == "tel:+49-30-5550-100,,1234#\nhttps://cloud.example.org/call/q8w7e6r5"
    assert review.organizer == "Jonas Weber"
    talk = by_start[at("2026-04-01 16:30", BERLIN)]
    assert talk.private and talk.subject is None and talk.dial_in is None
    assert at("2026-04-02 00:00", BERLIN) not in by_start  # the workshop starts when the window ends
    assert parsed.skipped == 1


def test_floating_time_follows_the_default_zone() -> None:
    # Given the same floating event read for an office in Tokyo
    parsed = parse(feed("nextcloud.ics"), TOKYO, "2026-04-01", "2026-04-02")

    # Then it is 09:00 in Tokyo
    breakfast = [e for e in parsed.events if e.subject == "Floating breakfast"]
    assert [(e.start, e.end) for e in breakfast] == [(at("2026-04-01 09:00", TOKYO), at("2026-04-01 10:00", TOKYO))]


def test_every_event_is_from_the_feed_and_timezone_aware_and_sorted() -> None:
    for name in ("outlook.ics", "exchange.ics", "google.ics", "nextcloud.ics"):
        parsed = parse(feed(name), TOKYO, "2026-03-01", "2026-05-01")
        assert parsed.events, name
        assert all(e.source == "feed" and e.ref and e.start.tzinfo and e.end.tzinfo for e in parsed.events)
        assert [e.start for e in parsed.events] == sorted(e.start for e in parsed.events)


def test_digest_ignores_dtstamp_but_not_a_changed_subject() -> None:
    # Given the Google feed, the same feed re-exported later, and one with a renamed meeting
    body = feed("google.ics")
    restamped = body.replace(b"DTSTAMP:20260308T120000Z", b"DTSTAMP:20260309T070000Z")
    renamed = body.replace(b"SUMMARY:Roadmap", b"SUMMARY:Roadmap v2")

    # When each is parsed
    digests = [parse(b, TOKYO, "2026-03-01", "2026-04-01").digest for b in (body, restamped, renamed)]

    # Then only the rename changes the digest
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


def test_same_generic_zone_name_in_two_feeds_keeps_each_feeds_offset() -> None:
    # Given a second feed that calls a +01:00 zone "(no TZ description)", read after the +05:30 one
    other = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTIMEZONE\r\nTZID:(no TZ description)\r\n"
        b"BEGIN:STANDARD\r\nDTSTART:16010101T000000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\n"
        b"END:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:x1\r\nDTSTAMP:20260301T000000Z\r\n"
        b"DTSTART;TZID=(no TZ description):20260325T100000\r\n"
        b"DTEND;TZID=(no TZ description):20260325T110000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    parse(feed("exchange.ics"), TOKYO, "2026-03-25", "2026-03-26")

    # When it is parsed
    parsed = parse(other, TOKYO, "2026-03-25", "2026-03-26")

    # Then its own offset applies
    assert spans(parsed) == [(at("2026-03-25 09:00", UTC), at("2026-03-25 10:00", UTC))]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<!DOCTYPE html><html><body>Sign in to Outlook</body></html>",
        b'{"error": "not found"}',
        feed("outlook.ics")[:1500],
    ],
    ids=["empty", "html", "json", "truncated"],
)
def test_bytes_that_are_not_a_whole_calendar_are_refused(body: bytes) -> None:
    with pytest.raises(FeedParseError):
        parse(body, TOKYO, "2026-03-01", "2026-04-01")


def test_rule_repeating_every_second_is_skipped_not_expanded() -> None:
    # Given a feed with one normal meeting and an event repeating every second
    body = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:storm\r\n"
        b"DTSTAMP:20260301T000000Z\r\nDTSTART:20260301T000000Z\r\nDTEND:20260301T000001Z\r\n"
        b"RRULE:FREQ=SECONDLY\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:meeting\r\n"
        b"DTSTAMP:20260301T000000Z\r\nDTSTART:20260302T010000Z\r\nDTEND:20260302T020000Z\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )

    # When two weeks are read
    parsed = parse(body, TOKYO, "2026-03-01", "2026-03-15")

    # Then the meeting is there and the storm is counted as skipped
    assert [e.ref for e in parsed.events] == ["meeting"]
    assert parsed.skipped == 1


def test_work_past_the_time_cap_is_refused() -> None:
    # Given a well-formed feed and no time at all to read it
    # Then the parse stops with an error instead of running on
    with pytest.raises(FeedParseError, match="time cap"):
        parse(feed("google.ics"), TOKYO, "2026-03-01", "2026-03-15", time_cap_s=0.0)


def test_a_rule_generating_millions_of_occurrences_stops_at_the_occurrence_cap() -> None:
    # Given the 529-byte feed whose one event repeats every second (FREQ=HOURLY, every minute, every second)
    body = feed("poison.ics")
    assert len(body) == 529

    # When its first two weeks are read
    # Then the parse stops with an error while expanding, long before the rule's millions of occurrences
    with pytest.raises(FeedParseError, match="too many occurrences"):
        parse(body, TOKYO, "2026-03-01", "2026-03-15")


def test_the_occurrence_cap_counts_a_series_from_its_start_not_from_the_window() -> None:
    # Given a daily meeting since 2020 (about 2,500 occurrences before the window)
    body = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:daily\r\nDTSTAMP:20200101T000000Z\r\n"
        b"DTSTART:20200101T010000Z\r\nDTEND:20200101T013000Z\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    # When it is read with room for those occurrences, and with too little
    parsed = parse(body, TOKYO, "2026-12-01", "2026-12-08", max_occurrences=5_000)
    # Then the week's seven meetings are there, and the smaller cap refuses the feed
    assert len(parsed.events) == 7
    with pytest.raises(FeedParseError, match="too many occurrences"):
        parse(body, TOKYO, "2026-12-01", "2026-12-08", max_occurrences=1_000)


def test_outlook_desktop_windows_zone_names_without_vtimezone_are_read_in_their_own_zones() -> None:
    # Given an Outlook export with no VTIMEZONE: a standard name, and a display name for a New York series
    parsed = parse(feed("outlook-desktop-zones.ics"), TOKYO, "2026-03-01", "2026-04-01")

    # Then the review is at 10:00 in Tokyo, and the sync at 09:00 in New York, across its DST change (8 March),
    # without the excluded 16 March
    new_york = ZoneInfo("America/New_York")
    assert [(e.subject, e.start) for e in parsed.events] == [
        ("New York sync", at("2026-03-02 09:00", new_york)),
        ("Design review", at("2026-03-03 10:00", TOKYO)),
        ("New York sync", at("2026-03-09 09:00", new_york)),
        ("New York sync", at("2026-03-23 09:00", new_york)),
    ]
    assert parsed.events[0].start == at("2026-03-02 14:00", UTC)
    assert parsed.events[2].start == at("2026-03-09 13:00", UTC)


def test_outlook_web_display_names_are_read_at_their_true_instant() -> None:
    # When an Outlook on the web feed naming zones "(UTC+09:00) Osaka, Sapporo, Tokyo" and "(UTC) Coordinated
    # Universal Time" is read by a Berlin office
    parsed = parse(feed("outlook-web.ics"), BERLIN, "2026-03-04", "2026-03-05")

    # Then neither is read in Berlin time
    assert spans(parsed) == [
        (at("2026-03-04 01:00", UTC), at("2026-03-04 01:30", UTC)),
        (at("2026-03-04 12:00", UTC), at("2026-03-04 13:00", UTC)),
    ]


def test_exchange_display_names_follow_their_zones_daylight_saving_and_an_unknown_zone_is_skipped() -> None:
    # When an Exchange feed with display names and one zone named nowhere is read
    parsed = parse(feed("exchange-zones.ics"), TOKYO, "2026-03-15", "2026-04-15")

    # Then Berlin's weekly meeting keeps 10:00 in Berlin across 29 March, Sydney's is 09:00 in Sydney's summer,
    # and the event in "Customized Time Zone" (no VTIMEZONE) is skipped, not guessed
    assert [(e.subject, e.start) for e in parsed.events] == [
        ("Berlin weekly", at("2026-03-19 09:00", UTC)),
        ("Sydney stand-up", at("2026-03-23 22:00", UTC)),
        ("Berlin weekly", at("2026-03-26 09:00", UTC)),
        ("Berlin weekly", at("2026-04-02 08:00", UTC)),
    ]
    assert parsed.skipped == 1
