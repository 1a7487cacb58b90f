"""The calendar refresh against a feed served over HTTP on 127.0.0.1 and moto's DynamoDB."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fakes import FixedClock
from support import lambda_context, serving

from skill import app
from skill.bootstrap import Container, Services
from skill.domain import fleet as codec
from skill.local.jobs import JobLoop
from skill.services.calendars import RefreshResult

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=TOKYO)
TODAY, TOMORROW = date(2026, 3, 2), date(2026, 3, 3)


def ics(*events: tuple[str, str, str], stamp: str = "20260301T000000Z") -> bytes:
    blocks = "".join(
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:{stamp}\r\nDTSTART;TZID=Asia/Tokyo:{start}\r\n"
        f"DTEND;TZID=Asia/Tokyo:{end}\r\nSUMMARY:{uid}\r\nEND:VEVENT\r\n"
        for uid, start, end in events
    )
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{blocks}END:VCALENDAR\r\n".encode()


HOLD_LIMIT_S = 8.0  # a held answer is released by then whatever happens, within the fetch's read timeout
POISON = (Path(__file__).resolve().parents[1] / "fixtures" / "feeds" / "poison.ics").read_bytes()
STANDUP = ("standup", "20260302T093000", "20260302T094500")
REVIEW = ("review", "20260303T140000", "20260303T150000")


class Feed:
    """What one path of the feed server answers; with `hold`, the answer waits until it is set."""

    def __init__(
        self, body: bytes, etag: str | None = '"v1"', status: int = 200, hold: threading.Event | None = None
    ) -> None:
        self.body, self.etag, self.status, self.hold = body, etag, status, hold
        self.requests: list[dict[str, str | None]] = []


class FeedServer:
    def __init__(self) -> None:
        self.feeds: dict[str, Feed] = {}
        feeds = self.feeds

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                feed = feeds[self.path]
                feed.requests.append({"if_none_match": self.headers.get("If-None-Match")})
                if feed.hold is not None:
                    feed.hold.wait(HOLD_LIMIT_S)
                if feed.status != 200:
                    self.send_response(feed.status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if feed.etag is not None and self.headers.get("If-None-Match") == feed.etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("Content-Length", str(len(feed.body)))
                if feed.etag is not None:
                    self.send_header("ETag", feed.etag)
                self.end_headers()
                self.wfile.write(feed.body)

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.http.server_address[1]}"

    def serve(self, path: str, feed: Feed) -> str:
        self.feeds[path] = feed
        return self.base + path


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    thread = threading.Thread(target=server.http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.http.shutdown()
    server.http.server_close()


@pytest.fixture
def office(container: Container) -> Container:
    container.clock = FixedClock(NOW)  # type: ignore[assignment]
    container.settings = replace(container.settings, lookahead_days=3)
    return container


def set_calendar(container: Container, kind: str, entity_id: str, url: str | None) -> None:
    store = container.fleet
    if kind == "room":
        room = store.get_room(entity_id)
        assert room is not None
        store.put_doc("room", codec.room_to_doc(replace(room, calendar=url)))
    else:
        user = store.get_user(entity_id)
        assert user is not None
        store.put_doc("user", codec.user_to_doc(replace(user, calendar=url)))


def day_items(container: Container) -> list[dict[str, Any]]:
    """Every busy-time item (busy intervals and per-day feed state) in the table."""
    items = container.table.client.scan(TableName=container.table.name, ConsistentRead=True)["Items"]
    return sorted((i for i in items if i["PK"]["S"].startswith("ROOMDAY#")), key=lambda i: (i["PK"]["S"], i["SK"]["S"]))


def refresh_all(container: Container, room: str | None = None) -> list[RefreshResult]:
    return Services(container).calendars.refresh_all(container.clock.now(), room)


def refs(container: Container, owner: str, day: date) -> list[str]:
    return [busy.ref for busy in container.bookings.room_day(owner, day).feed_busy]


def test_first_fetch_writes_and_a_304_writes_nothing(office: Container, feed_server: FeedServer) -> None:
    # Given room fuji's calendar served with an ETag
    feed = Feed(ics(STANDUP, REVIEW))
    set_calendar(office, "room", "fuji", feed_server.serve("/fuji.ics", feed))

    # When the feeds are refreshed twice
    first = refresh_all(office)
    stored = day_items(office)
    second = refresh_all(office)

    # Then the first refresh stored each day's events, the second asked with the ETag and wrote nothing
    assert [(r.owner, r.status, r.events) for r in first] == [("fuji", "updated", 2)]
    assert refs(office, "fuji", TODAY) == ["standup"]
    assert refs(office, "fuji", TOMORROW) == ["review"]
    assert [(r.owner, r.status) for r in second] == [("fuji", "not_modified")]
    assert feed.requests[-1]["if_none_match"] == '"v1"'
    assert day_items(office) == stored


def test_same_events_without_validators_write_nothing(office: Container, feed_server: FeedServer) -> None:
    # Given a server that sends no ETag and stamps its feed anew each time
    feed = Feed(ics(STANDUP, stamp="20260301T000000Z"), etag=None)
    set_calendar(office, "room", "fuji", feed_server.serve("/fuji.ics", feed))
    refresh_all(office, room="fuji")
    stored = day_items(office)

    # When the same events come back with a new DTSTAMP
    feed.body = ics(STANDUP, stamp="20260302T070000Z")
    result = refresh_all(office, room="fuji")

    # Then the digest is the same and nothing is written
    assert [r.status for r in result] == ["unchanged"]
    assert day_items(office) == stored


def test_server_error_keeps_busy_time_marks_it_stale_and_spares_other_feeds(
    office: Container, feed_server: FeedServer
) -> None:
    # Given fuji's and everest's feeds refreshed once
    fuji = Feed(ics(STANDUP))
    set_calendar(office, "room", "fuji", feed_server.serve("/fuji.ics", fuji))
    set_calendar(office, "room", "everest", feed_server.serve("/everest.ics", Feed(ics(REVIEW), etag=None)))
    refresh_all(office)

    # When fuji's server answers 500
    fuji.status = 500
    results = {r.owner: r for r in refresh_all(office)}

    # Then fuji keeps its busy time, marked stale with the reason, and everest is refreshed all the same
    assert (results["fuji"].status, results["fuji"].reason) == ("failed", "http 500")
    day = office.bookings.room_day("fuji", TODAY)
    assert ([b.ref for b in day.feed_busy], day.stale) == (["standup"], True)
    state = office.feeds.get("fuji")
    assert state is not None and (state.last_error, state.failures) == ("http 500", 1)
    assert results["everest"].status == "unchanged"
    assert refs(office, "everest", TOMORROW) == ["review"]


def test_a_users_calendar_lands_under_the_user(office: Container, feed_server: FeedServer) -> None:
    # Given alice's own calendar feed
    set_calendar(office, "user", "alice", feed_server.serve("/alice.ics", Feed(ics(STANDUP))))

    # When the scheduled job runs once
    JobLoop(Services(office), every=60).run_once()

    # Then her busy time is stored under `user:alice`, apart from any room
    assert refs(office, "user:alice", TODAY) == ["standup"]
    assert refs(office, "fuji", TODAY) == []


def test_refresher_entry_point_reports_counts(office: Container, feed_server: FeedServer) -> None:
    # Given one good and one broken feed
    set_calendar(office, "room", "fuji", feed_server.serve("/fuji.ics", Feed(ics(STANDUP))))
    set_calendar(office, "room", "everest", feed_server.serve("/everest.ics", Feed(b"", status=404)))
    # When the Lambda entry point runs for an EventBridge event
    with serving(Services(office)):
        answer = app.refresher({"source": "aws.events"}, lambda_context())

    # Then it counts both feeds and names the failed one by id
    assert (answer["feeds"], answer["updated"], answer["failed"]) == (2, 1, 1)
    assert answer["failed_owners"] == ["everest"]


def test_a_poisonous_feed_fails_alone_and_the_refresh_ends_within_a_minute(
    office: Container, feed_server: FeedServer
) -> None:
    # Given two weeks of feeds to read: everest's is the 529-byte feed repeating every second since 1 March,
    # read first, and fuji's a normal one
    office.settings = replace(office.settings, lookahead_days=14)
    set_calendar(office, "room", "everest", feed_server.serve("/everest.ics", Feed(POISON)))
    set_calendar(office, "room", "fuji", feed_server.serve("/fuji.ics", Feed(ics(STANDUP, REVIEW))))

    # When every feed is refreshed
    started = time.monotonic()
    results = {r.owner: r for r in refresh_all(office)}
    took = time.monotonic() - started

    # Then fuji's busy time is stored, everest's feed failed with its reason, and all of it took under a minute
    assert (results["fuji"].status, refs(office, "fuji", TODAY)) == ("updated", ["standup"])
    assert (results["everest"].status, results["everest"].reason) == ("failed", "too many occurrences")
    state = office.feeds.get("everest")
    assert state is not None and state.last_error == "too many occurrences"
    assert took < 60


def test_a_slow_feed_server_holds_up_no_other_feed(office: Container, feed_server: FeedServer) -> None:
    # Given everest's server, asked first, answering only when told to, and fuji's answering at once
    release = threading.Event()
    set_calendar(office, "room", "everest", feed_server.serve("/everest.ics", Feed(ics(REVIEW), hold=release)))
    set_calendar(office, "room", "fuji", feed_server.serve("/fuji.ics", Feed(ics(STANDUP))))

    # When the feeds are refreshed
    finished: list[list[RefreshResult]] = []
    refresh = threading.Thread(target=lambda: finished.append(refresh_all(office)))
    refresh.start()
    try:
        # Then fuji's busy time is stored while everest's server is still thinking
        deadline = time.monotonic() + HOLD_LIMIT_S - 2
        while not refs(office, "fuji", TODAY) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert refs(office, "fuji", TODAY) == ["standup"]
        assert not release.is_set() and not finished
    finally:
        release.set()
        refresh.join()
    # And everest's is stored once its server answers
    assert refs(office, "everest", TOMORROW) == ["review"]
