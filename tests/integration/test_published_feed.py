"""A room's voice bookings published as ICS, fetched over HTTP from the local server and through the
Lambda function URL handler, and read back with icalendar."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from fakes import FixedClock
from support import lambda_context, serving

from skill import app
from skill.bootstrap import Container, Services
from skill.local.server import make_server, serve_in_thread
from skill.services.calendars import feed_token

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=TOKYO)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@pytest.fixture
def office(container: Container) -> Iterator[Container]:
    """The test office with two bookings in fuji (one later cancelled), answering on the Lambda path."""
    from skill.domain.model import Booking

    container.clock = FixedClock(NOW)  # type: ignore[assignment]
    for booking_id, hour in (("b-10", 10), ("b-14", 14)):
        start = NOW.replace(hour=hour)
        container.bookings.add_booking(
            Booking(id=booking_id, room_id="fuji", start=start, end=start + timedelta(minutes=30), organizer="alice"),
            "Asia/Tokyo",
        )
    with serving(Services(container)):
        yield container


@pytest.fixture
def base(office: Container) -> Iterator[str]:
    server = make_server("127.0.0.1", 0)
    serve_in_thread(server)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def get(url: str, headers: dict[str, str] | None = None) -> Answer:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as response:
            return Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Answer(error.code, dict(error.headers), error.read())


def events(body: bytes) -> list[tuple[str, date, str]]:
    calendar = icalendar.Calendar.from_ical(body)
    return [(str(e["UID"]), e.start, str(e["STATUS"])) for e in calendar.events]


def test_subscription_url_serves_the_rooms_bookings(office: Container, base: str) -> None:
    # When fuji's subscription URL is fetched from the local server
    answer = get(Services(office).calendars.publish_url("fuji", base))

    # Then it is a calendar with both bookings under stable UIDs
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/calendar")
    assert events(answer.body) == [
        ("b-10@office-assistant", NOW.replace(hour=10), "CONFIRMED"),
        ("b-14@office-assistant", NOW.replace(hour=14), "CONFIRMED"),
    ]


def test_etag_gives_304_until_a_booking_changes(office: Container, base: str) -> None:
    # Given the feed fetched once
    url = Services(office).calendars.publish_url("fuji", base)
    first = get(url)

    # When it is fetched again with its ETag, then again after a booking is cancelled
    again = get(url, {"If-None-Match": first.headers["ETag"]})
    booking = office.bookings.list_bookings("fuji", NOW, NOW + timedelta(days=1), "Asia/Tokyo")[1]
    office.bookings.cancel_booking(booking, "Asia/Tokyo")
    changed = get(url, {"If-None-Match": first.headers["ETag"]})

    # Then the unchanged feed costs a 304 with no body, and the changed one shows the cancellation
    assert (again.status, again.body) == (304, b"")
    assert changed.status == 200
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert ("b-14@office-assistant", NOW.replace(hour=14), "CANCELLED") in events(changed.body)


def test_wrong_or_missing_token_is_forbidden(office: Container, base: str) -> None:
    # When fuji's feed is asked for without a token, with an empty one and with a made-up one
    queries = ["", "?token=", "?token=0123456789abcdef0123456789abcdef", "?token=%C3%A9"]
    answers = [get(f"{base}/rooms/fuji/calendar.ics{query}") for query in queries]

    # Then each is refused, and no booking leaks
    assert [answer.status for answer in answers] == [403, 403, 403, 403]
    assert not any(b"VEVENT" in answer.body for answer in answers)


def test_unknown_room_looks_the_same_as_a_wrong_token(office: Container, base: str) -> None:
    # Given fuji's valid token
    token = feed_token(office.feeds.feed_secret(), "fuji")

    # When it is used for a room that does not exist, and a valid token for that room is used
    wrong = get(f"{base}/rooms/atlantis/calendar.ics?token={token}")
    valid = get(f"{base}/rooms/atlantis/calendar.ics?token={feed_token(office.feeds.feed_secret(), 'atlantis')}")

    # Then the first is 403 like any wrong token, and only the second learns the room is unknown
    assert (wrong.status, valid.status) == (403, 404)


def test_rotating_a_rooms_token_revokes_its_old_urls_and_no_other_rooms(office: Container, base: str) -> None:
    # Given fuji's and everest's subscription URLs, handed out earlier
    calendars = Services(office).calendars
    old_fuji, everest = calendars.publish_url("fuji", base), calendars.publish_url("everest", base)

    # When fuji's token is rotated, twice
    calendars.publish_url("fuji", base, rotate=True)
    new_fuji = calendars.publish_url("fuji", base, rotate=True)

    # Then fuji's earlier URLs are gone (404), its new one serves the feed, and everest's is untouched
    assert new_fuji != old_fuji and calendars.publish_url("fuji", base) == new_fuji
    assert get(old_fuji).status == 404 and b"VEVENT" not in get(old_fuji).body
    assert get(new_fuji).status == 200 and b"VEVENT" in get(new_fuji).body
    assert get(everest).status == 200
    # And a made-up token is still refused as before
    assert get(new_fuji.split("token=")[0] + "token=" + "0" * 32).status == 403


def function_url_event(
    path: str, query: dict[str, str] | None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "version": "2.0",
        "rawPath": path,
        "rawQueryString": "&".join(f"{k}={v}" for k, v in (query or {}).items()),
        "queryStringParameters": query,
        "headers": {"host": "abc.lambda-url.us-east-1.on.aws", **(headers or {})},
        "requestContext": {"http": {"method": "GET", "path": path}},
        "isBase64Encoded": False,
    }


def test_function_url_handler_serves_the_same_feed(office: Container) -> None:
    # Given fuji's subscription URL for the function URL
    url = Services(office).calendars.publish_url("fuji", "https://abc.lambda-url.us-east-1.on.aws/")
    token = url.split("token=")[1]

    # When the function URL handler gets the request, with and without the token, and with the ETag
    ok = app.calendar_feed(function_url_event("/rooms/fuji/calendar.ics", {"token": token}), lambda_context())
    refused = app.calendar_feed(function_url_event("/rooms/fuji/calendar.ics", None), lambda_context())
    cached = app.calendar_feed(
        function_url_event("/rooms/fuji/calendar.ics", {"token": token}, {"if-none-match": ok["headers"]["ETag"]}),
        lambda_context(),
    )

    # Then the feed comes back as text/calendar, the token is enforced and the ETag honoured
    assert ok["statusCode"] == 200
    assert ok["headers"]["Content-Type"].startswith("text/calendar")
    assert [uid for uid, _, _ in events(ok["body"].encode())] == ["b-10@office-assistant", "b-14@office-assistant"]
    assert refused["statusCode"] == 403
    assert cached["statusCode"] == 304
