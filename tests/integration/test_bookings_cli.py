"""`office-admin bookings list` in-process against moto's DynamoDB, on the test office (Asia/Tokyo)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from skill.bootstrap import Container
from skill.cli.main import main
from skill.domain.model import Booking, BookingStatus

TOKYO = ZoneInfo("Asia/Tokyo")
TODAY = datetime.now(TOKYO).replace(hour=0, minute=0, second=0, microsecond=0)


def run(aws_endpoint: str, container: Container, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["--endpoint-url", aws_endpoint, "--table", container.table.name, *argv])
    out, err = capsys.readouterr()
    return code, out if code == 0 else err


def book(container: Container, room: str, start: datetime, booking_id: str) -> Booking:
    booking = Booking(
        id=booking_id,
        room_id=room,
        start=start,
        end=start + timedelta(minutes=30),
        organizer="alice",
        device="amzn1.ask.device.TESTDESK",
        status=BookingStatus.BOOKED,
    )
    container.bookings.add_booking(booking, "Asia/Tokyo")
    return booking


def test_list_as_json_shows_this_weeks_bookings_with_site_times(
    aws_endpoint: str, container: Container, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a booking in Fuji tomorrow at 10, one in Everest in two days, and one three weeks out
    book(container, "fuji", TODAY + timedelta(days=1, hours=10), "b-fuji")
    book(container, "everest", TODAY + timedelta(days=2, hours=9), "b-everest")
    book(container, "fuji", TODAY + timedelta(days=21, hours=9), "b-later")

    # When the bookings are listed as JSON with the default window
    code, out = run(aws_endpoint, container, capsys, "bookings", "list", "--json")

    # Then the two within the week are listed in order, with Tokyo offsets
    assert code == 0
    rows = json.loads(out)
    assert [row["id"] for row in rows] == ["b-fuji", "b-everest"]
    first = rows[0]
    assert first["start"] == (TODAY + timedelta(days=1, hours=10)).isoformat()
    assert first["start"].endswith("+09:00")
    assert (first["room"], first["status"], first["organizer"], first["device"]) == (
        "fuji",
        "booked",
        "alice",
        "amzn1.ask.device.TESTDESK",
    )


def test_list_one_room_in_a_given_window(
    aws_endpoint: str, container: Container, capsys: pytest.CaptureFixture[str]
) -> None:
    book(container, "fuji", TODAY + timedelta(days=1, hours=10), "b-fuji")
    book(container, "everest", TODAY + timedelta(days=1, hours=10), "b-everest")
    window = ("--from", (TODAY + timedelta(days=1)).date().isoformat(), "--to", (TODAY + timedelta(days=2)).isoformat())

    code, out = run(aws_endpoint, container, capsys, "bookings", "list", "--room", "everest", *window, "--json")

    assert code == 0
    assert [row["id"] for row in json.loads(out)] == ["b-everest"]


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (("--from", "yesterday"), "--from"),
        (("--to", "2026-13-01"), "--to"),
        (("--from", "2026-12-02", "--to", "2026-12-01"), "--to"),
        (("--room", "narnia"), "--room"),
    ],
)
def test_bad_input_exits_2_naming_the_argument(
    aws_endpoint: str, container: Container, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], named: str
) -> None:
    code, err = run(aws_endpoint, container, capsys, "bookings", "list", *argv)
    assert code == 2
    assert named in err and "Traceback" not in err
