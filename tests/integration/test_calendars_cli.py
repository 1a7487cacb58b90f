"""`office-admin calendars …` in-process against moto's DynamoDB, with a room feed in a local file."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from admin_cli import OfficeAdmin

from skill.bootstrap import Container
from skill.domain import fleet as codec
from skill.domain.model import Booking

TOKYO = ZoneInfo("Asia/Tokyo")
TODAY = datetime.now(TOKYO).replace(hour=0, minute=0, second=0, microsecond=0)


Admin = OfficeAdmin


@pytest.fixture
def admin(office_admin: OfficeAdmin, container: Container) -> Admin:
    """`office-admin --endpoint-url … --table … ARGS` in this process, on the test office."""
    return lambda *argv: office_admin(container.table.name, *argv)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


@pytest.fixture
def fuji_feed(container: Container, tmp_path: Path) -> Path:
    """Fuji's calendar: a design review at 10:00 today and a private event at 15:00, as a local file."""
    review, private = TODAY + timedelta(hours=10), TODAY + timedelta(hours=15)
    path = tmp_path / "fuji.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:review\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Asia/Tokyo:{stamp(review)}\r\n"
        f"DTEND;TZID=Asia/Tokyo:{stamp(review + timedelta(hours=1))}\r\nSUMMARY:Design review\r\nEND:VEVENT\r\n"
        f"BEGIN:VEVENT\r\nUID:secret\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Asia/Tokyo:{stamp(private)}\r\n"
        f"DTEND;TZID=Asia/Tokyo:{stamp(private + timedelta(minutes=30))}\r\nSUMMARY:Offer talk\r\nCLASS:PRIVATE\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    room = container.fleet.get_room("fuji")
    assert room is not None
    container.fleet.put_doc("room", codec.room_to_doc(replace(room, calendar=str(path))))
    return path


def test_refresh_prints_a_summary_line_per_feed(admin: Admin, fuji_feed: Path) -> None:
    # When the feeds are refreshed
    result = admin("calendars", "refresh")

    # Then fuji's feed is reported with its event count
    assert result.code == 0, result.err
    assert result.out.splitlines() == ["fuji: updated, 2 events"]


def test_refresh_json_lists_each_feed_and_a_failure_exits_1(admin: Admin, fuji_feed: Path) -> None:
    # Given fuji's feed file replaced by something that is not a calendar
    fuji_feed.write_text("<html>sign in</html>")

    # When refreshed with --json
    result = admin("calendars", "refresh", "--room", "fuji", "--json")

    # Then the failure is listed with its reason and the exit code says so
    assert result.code == 1
    assert result.json() == [
        {"owner": "fuji", "status": "failed", "events": 0, "skipped": 0, "reason": "not a calendar"}
    ]


def test_a_feed_turned_poisonous_is_reported_exits_1_and_keeps_its_busy_time(admin: Admin, fuji_feed: Path) -> None:
    # Given fuji's feed refreshed once
    assert admin("calendars", "refresh").code == 0
    # And then replaced by the 529-byte feed whose one event repeats every second, since yesterday
    poison = (Path(__file__).resolve().parents[1] / "fixtures" / "feeds" / "poison.ics").read_bytes()
    fuji_feed.write_bytes(poison.replace(b"20260301T00000", stamp(TODAY - timedelta(days=1)).encode()[:14]))
    later = fuji_feed.stat().st_mtime + 60
    os.utime(fuji_feed, (later, later))  # a file rewritten within the second of its last read

    # When the feeds are refreshed again
    result = admin("calendars", "refresh")

    # Then the failure is reported with its reason, the exit code says so, and the last busy time is kept
    assert result.code == 1
    assert result.out.splitlines() == ["fuji: failed (too many occurrences); last busy time kept, marked stale"]
    day = TODAY.date().isoformat()
    busy = admin("calendars", "busy", "fuji", "--from", f"{day}T00:00", "--to", f"{day}T23:59", "--json")
    assert [row.get("subject") for row in busy.json()] == ["Design review", None]


def test_refresh_of_an_unknown_room_is_bad_input(admin: Admin) -> None:
    result = admin("calendars", "refresh", "--room", "atlantis")
    assert result.code == 2
    assert "--room" in result.err and "atlantis" in result.err


def test_busy_merges_feed_and_bookings_and_hides_private_subjects(
    admin: Admin, container: Container, fuji_feed: Path
) -> None:
    # Given fuji's feed refreshed and a voice booking at 12:00 today
    assert admin("calendars", "refresh", "--room", "fuji").code == 0
    noon = TODAY + timedelta(hours=12)
    booking = Booking(id="b-noon", room_id="fuji", start=noon, end=noon + timedelta(minutes=30), subject="Lunch demo")
    container.bookings.add_booking(booking, "Asia/Tokyo")

    # When today's busy time is asked for as JSON
    day = TODAY.date().isoformat()
    result = admin("calendars", "busy", "fuji", "--from", f"{day}T00:00", "--to", f"{day}T23:59", "--json")

    # Then feed and booking intervals come in order, with offsets, and the private event has no subject
    assert result.code == 0, result.err
    assert result.json() == [
        {
            "source": "feed",
            "start": (TODAY + timedelta(hours=10)).isoformat(),
            "end": (TODAY + timedelta(hours=11)).isoformat(),
            "subject": "Design review",
        },
        {
            "source": "booking",
            "start": noon.isoformat(),
            "end": (noon + timedelta(minutes=30)).isoformat(),
            "subject": "Lunch demo",
        },
        {
            "source": "feed",
            "start": (TODAY + timedelta(hours=15)).isoformat(),
            "end": (TODAY + timedelta(hours=15, minutes=30)).isoformat(),
        },
    ]
    assert "Offer talk" not in result.out


def test_busy_shows_an_event_in_a_windows_display_name_zone_at_its_true_instant(
    admin: Admin, container: Container, fuji_feed: Path
) -> None:
    # Given fuji's feed exported by Outlook with a meeting at 9:00 tomorrow in New York, its zone named the
    # Windows way ("(UTC-05:00) Eastern Time (US & Canada)") and no VTIMEZONE block
    new_york = ZoneInfo("America/New_York")
    nine = datetime.combine(TODAY.date() + timedelta(days=1), datetime.min.time(), new_york).replace(hour=9)
    zone = '"(UTC-05:00) Eastern Time (US & Canada)"'
    fuji_feed.write_text(
        "BEGIN:VCALENDAR\r\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\nVERSION:2.0\r\n"
        f"BEGIN:VEVENT\r\nUID:ny\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID={zone}:{stamp(nine)}\r\n"
        f"DTEND;TZID={zone}:{stamp(nine + timedelta(hours=1))}\r\nSUMMARY:New York sync\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
    assert admin("calendars", "refresh").code == 0

    # When the next two days' busy time is asked for
    start, end = TODAY.date().isoformat(), (TODAY.date() + timedelta(days=2)).isoformat()
    result = admin("calendars", "busy", "fuji", "--from", start, "--to", end, "--json")

    # Then the meeting is at 9:00 in New York, shown in the office's time (Tokyo), not at 9:00 in Tokyo
    assert result.code == 0, result.err
    assert [(row["start"], row["subject"]) for row in result.json()] == [
        (nine.astimezone(TOKYO).isoformat(), "New York sync")
    ]


BAD_BUSY = [
    (("fuji", "--from", "tomorrow", "--to", "2026-03-03"), "--from"),
    (("fuji", "--from", "2026-03-02", "--to", "2026-13-01"), "--to"),
    (("fuji", "--from", "2026-03-03", "--to", "2026-03-02"), "--to"),
    (("atlantis", "--from", "2026-03-02", "--to", "2026-03-03"), "ROOM"),
]


def test_busy_rejects_bad_input_naming_the_argument(admin: Admin) -> None:
    # When busy time is asked for with a bad date, a window that ends before it starts, or an unknown room
    results = [(admin("calendars", "busy", *args), named) for args, named in BAD_BUSY]

    # Then each exits 2 with a message naming the argument, and no traceback
    for result, named in results:
        assert result.code == 2, named
        assert named in result.err
        assert "Traceback" not in result.err


def test_publish_url_prints_a_stable_subscription_url(admin: Admin) -> None:
    # When fuji's subscription URL is asked for twice
    first = admin("calendars", "publish-url", "fuji", "--base", "https://feeds.example.com/")
    second = admin("calendars", "publish-url", "fuji", "--base", "https://feeds.example.com", "--json")

    # Then it names the room's feed with a token, the same both times
    assert first.code == 0, first.err
    assert first.out.startswith("https://feeds.example.com/rooms/fuji/calendar.ics?token=")
    assert second.json() == {"room": "fuji", "url": first.out.strip()}


def test_publish_url_rotate_issues_a_new_token_for_that_room(admin: Admin) -> None:
    # Given fuji's subscription URL
    before = admin("calendars", "publish-url", "fuji", "--json").json()["url"]

    # When it is rotated, then asked for again
    rotated = admin("calendars", "publish-url", "fuji", "--rotate", "--json")
    after = admin("calendars", "publish-url", "fuji", "--json").json()["url"]

    # Then the rotation printed a new URL, which is the room's URL from then on
    assert rotated.code == 0, rotated.err
    assert rotated.json()["url"] != before and after == rotated.json()["url"]


def test_publish_url_of_an_unknown_room_or_a_bad_base_is_bad_input(admin: Admin) -> None:
    unknown = admin("calendars", "publish-url", "atlantis")
    bad_base = admin("calendars", "publish-url", "fuji", "--base", "feeds.example.com")
    assert (unknown.code, bad_base.code) == (2, 2)
    assert "atlantis" in unknown.err and "--base" in bad_base.err
