"""Refreshing one feed with in-memory stores: what is fetched, parsed and written, and what is not."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fakes import FeedServer, InMemoryBookings, InMemoryFeeds

from skill.adapters.ics_parse import parse_feed
from skill.domain.calendar import FeedError, FeedState, feed_freshness
from skill.services.calendars import DATA_DIR, refresh_owner, resolve_calendar

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=TOKYO)
DAYS = [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)]


def ics(*events: str, stamp: str = "20260301T000000Z") -> bytes:
    blocks = [
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:{stamp}\r\nDTSTART;TZID=Asia/Tokyo:{start}\r\n"
        f"DTEND;TZID=Asia/Tokyo:{end}\r\nSUMMARY:{uid}\r\nEND:VEVENT\r\n"
        for uid, start, end in (event.split() for event in events)
    ]
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + "".join(blocks) + "END:VCALENDAR\r\n").encode()


STANDUP = "standup 20260302T093000 20260302T094500"
LATE = "late 20260303T230000 20260304T010000"


@pytest.fixture
def store() -> InMemoryBookings:
    return InMemoryBookings()


@pytest.fixture
def feeds() -> InMemoryFeeds:
    return InMemoryFeeds()


def refresh(
    server: FeedServer, store: InMemoryBookings, feeds: InMemoryFeeds, now: datetime = NOW, owner: str = "fuji"
) -> Any:
    return refresh_owner(
        owner,
        "https://feeds.example/fuji.ics",
        "Asia/Tokyo",
        store=store,
        feeds=feeds,
        now=now,
        lookahead_days=3,
        fetch=server,
        parse=parse_feed,
    )


def test_first_refresh_writes_every_day_of_the_window(store: InMemoryBookings, feeds: InMemoryFeeds) -> None:
    # Given a feed with a morning stand-up and a late event crossing midnight
    server = FeedServer(ics(STANDUP, LATE))

    # When it is refreshed for the first time
    result = refresh(server, store, feeds)

    # Then each day holds its busy time, the crossing event in both days, and the empty day is written too
    assert (result.status, result.events, result.skipped) == ("updated", 2, 0)
    assert [store.feed_refs("fuji", day) for day in DAYS] == [["standup"], ["late"], ["late"]]
    assert feeds.states["fuji"].etag == '"v1"'
    assert feeds.states["fuji"].last_success == NOW


def test_second_refresh_sends_the_validators_and_a_304_writes_nothing(
    store: InMemoryBookings, feeds: InMemoryFeeds
) -> None:
    # Given a feed refreshed once
    server = FeedServer(ics(STANDUP))
    refresh(server, store, feeds)
    writes = store.feed_writes

    # When it is refreshed again a little later and the server answers 304
    later = NOW + timedelta(minutes=5)
    result = refresh(server, store, feeds, now=later)

    # Then the stored ETag was sent, no busy time was written, and the refresh counts as a success
    assert result.status == "not_modified"
    assert server.asked[-1]["etag"] == '"v1"'
    assert store.feed_writes == writes
    assert feeds.states["fuji"].last_success == later


def test_feed_that_only_rewrites_dtstamp_writes_nothing(store: InMemoryBookings, feeds: InMemoryFeeds) -> None:
    # Given a server without validators that stamps the feed anew each time
    server = FeedServer(ics(STANDUP, stamp="20260301T000000Z"), etag=None)
    refresh(server, store, feeds)
    writes = store.feed_writes

    # When the same events come back with a new DTSTAMP
    server.body = ics(STANDUP, stamp="20260302T000000Z")
    result = refresh(server, store, feeds)

    # Then nothing is written
    assert result.status == "unchanged"
    assert store.feed_writes == writes


def test_removed_event_disappears_from_its_day(store: InMemoryBookings, feeds: InMemoryFeeds) -> None:
    # Given a refreshed feed with two events
    server = FeedServer(ics(STANDUP, LATE))
    refresh(server, store, feeds)

    # When the late event is removed from the feed
    server.body, server.etag = ics(STANDUP), '"v2"'
    result = refresh(server, store, feeds)

    # Then its days are emptied and the stand-up's day is left as it was
    assert result.status == "updated"
    assert [store.feed_refs("fuji", day) for day in DAYS] == [["standup"], [], []]


def test_failed_fetch_keeps_busy_time_and_marks_it_stale(store: InMemoryBookings, feeds: InMemoryFeeds) -> None:
    # Given a refreshed feed
    server = FeedServer(ics(STANDUP))
    refresh(server, store, feeds)

    # When the server fails
    server.failure = FeedError("http 500")
    result = refresh(server, store, feeds)

    # Then the busy time is kept, every day of the window is stale and the reason is recorded
    assert (result.status, result.reason) == ("failed", "http 500")
    assert store.feed_refs("fuji", DAYS[0]) == ["standup"]
    assert all(store.days[("fuji", day)].stale for day in DAYS)
    assert (feeds.states["fuji"].last_error, feeds.states["fuji"].failures) == ("http 500", 1)


def test_refresh_after_a_failure_fetches_in_full_and_clears_stale(
    store: InMemoryBookings, feeds: InMemoryFeeds
) -> None:
    # Given a feed whose last fetch failed
    server = FeedServer(ics(STANDUP))
    refresh(server, store, feeds)
    server.failure = FeedError("timeout")
    refresh(server, store, feeds)

    # When the server is back with the same feed
    server.failure = None
    result = refresh(server, store, feeds)

    # Then no validators were sent (a 304 could not clear the stale mark) and every day is fresh again
    assert server.asked[-1]["etag"] is None
    assert result.status == "updated"
    assert not any(store.days[("fuji", day)].stale for day in DAYS)
    assert feeds.states["fuji"].failures == 0


def test_a_file_that_is_not_a_calendar_fails_with_its_reason(store: InMemoryBookings, feeds: InMemoryFeeds) -> None:
    # Given a server that answers with an HTML page
    server = FeedServer(b"<html><body>Sign in</body></html>")

    # When it is refreshed
    result = refresh(server, store, feeds)

    # Then it fails, naming why
    assert (result.status, result.reason) == ("failed", "not a calendar")


def test_next_day_parses_again_to_fill_the_new_last_day(store: InMemoryBookings, feeds: InMemoryFeeds) -> None:
    # Given a feed refreshed today, with an event on the day after the window
    server = FeedServer(ics(STANDUP, "later 20260305T100000 20260305T110000"))
    refresh(server, store, feeds)

    # When it is refreshed the next day (the server would answer 304 to the validators)
    result = refresh(server, store, feeds, now=NOW + timedelta(days=1))

    # Then the validators were not sent and the new last day holds its event
    assert server.asked[-1]["etag"] is None
    assert result.status == "updated"
    assert store.feed_refs("fuji", date(2026, 3, 5)) == ["later"]


def test_freshness_comes_from_the_feed_state() -> None:
    # Given a feed whose last fetch failed after a success 20 minutes ago
    state = FeedState("fuji", last_success=NOW, failures=1)

    # Then speech mentions its age, and nothing for a feed never fetched
    assert feed_freshness(state, NOW + timedelta(minutes=20), timedelta(minutes=15)) == 20
    assert feed_freshness(None, NOW, timedelta(minutes=15)) is None


def test_relative_calendar_paths_resolve_in_the_working_directory_then_the_package(tmp_path: Path) -> None:
    # Given a feed file in the working directory
    (tmp_path / "mine.ics").write_text("BEGIN:VCALENDAR\nEND:VCALENDAR\n")

    # Then it is found there; a bundled demo feed is found in the package; URLs are left alone
    assert resolve_calendar("./mine.ics", cwd=tmp_path) == str(tmp_path / "mine.ics")
    assert resolve_calendar("./demo-feeds/fuji.ics", cwd=tmp_path) == str(DATA_DIR / "demo-feeds" / "fuji.ics")
    assert resolve_calendar("https://feeds.example/a.ics", cwd=tmp_path) == "https://feeds.example/a.ics"
    assert Path(resolve_calendar("./demo-feeds/fuji.ics", cwd=tmp_path)).is_file()
