"""Fetching feeds from a real HTTP server on 127.0.0.1 and from local files."""

from __future__ import annotations

import gzip
import http.server
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from skill.adapters.ics_fetch import FeedFetch, FeedFetchError, fetch_feed
from skill.domain.egress import LOCAL

FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
CALENDAR = (FEEDS / "google.ics").read_bytes()
ETAG = '"v1-google"'
LAST_MODIFIED = "Sun, 08 Mar 2026 12:00:00 GMT"


class FeedHandler(http.server.BaseHTTPRequestHandler):
    """One route per behaviour a calendar server can show."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        route: Callable[[FeedHandler], None] = ROUTES.get(self.path, FeedHandler.not_found)
        route(self)

    def send_body(self, body: bytes, *, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/calendar; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def not_found(self) -> None:
        self.send_body(b"not found", status=404)

    def with_etag(self) -> None:
        if self.headers.get("If-None-Match") == ETAG:
            self.send_response(304)
            self.send_header("ETag", ETAG)
            self.end_headers()
            return
        self.send_body(CALENDAR, headers={"ETag": ETAG, "Last-Modified": LAST_MODIFIED})

    def plain(self) -> None:
        self.send_body(CALENDAR)

    def error(self) -> None:
        self.send_body(b"oops", status=500)

    def sleepy(self) -> None:
        time.sleep(1.0)
        self.send_body(CALENDAR)

    def trickle(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(CALENDAR)))
        self.end_headers()
        for index in range(0, 40):
            self.wfile.write(CALENDAR[index : index + 1])
            self.wfile.flush()
            time.sleep(0.05)

    def oversized(self) -> None:
        self.send_body(CALENDAR * 10)

    def oversized_without_length(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(CALENDAR * 10)
        self.close_connection = True

    def gzipped(self) -> None:
        self.send_body(gzip.compress(CALENDAR), headers={"Content-Encoding": "gzip"})

    def gzip_bomb(self) -> None:
        self.send_body(gzip.compress(b"\0" * 2_000_000), headers={"Content-Encoding": "gzip"})

    def loop(self) -> None:
        self.send_response(302)
        self.send_header("Location", "/loop-b")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def loop_b(self) -> None:
        self.send_response(301)
        self.send_header("Location", "/loop")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def moved(self) -> None:
        self.send_response(301)
        self.send_header("Location", "/plain")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def html(self) -> None:
        self.send_body(b"<!DOCTYPE html><html><body>Sign in</body></html>", headers={"X-Kind": "login"})

    def truncated(self) -> None:
        self.send_body(CALENDAR[: len(CALENDAR) // 2])


ROUTES: dict[str, Callable[[FeedHandler], None]] = {
    "/etag": FeedHandler.with_etag,
    "/plain": FeedHandler.plain,
    "/error": FeedHandler.error,
    "/sleepy": FeedHandler.sleepy,
    "/trickle": FeedHandler.trickle,
    "/oversized": FeedHandler.oversized,
    "/oversized-no-length": FeedHandler.oversized_without_length,
    "/gzip": FeedHandler.gzipped,
    "/gzip-bomb": FeedHandler.gzip_bomb,
    "/loop": FeedHandler.loop,
    "/loop-b": FeedHandler.loop_b,
    "/moved": FeedHandler.moved,
    "/html": FeedHandler.html,
    "/truncated": FeedHandler.truncated,
}


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def fetch(url: str, **kwargs: object) -> FeedFetch:
    """A fetch as the local runtime makes it: feeds on this machine's loopback, and files, are allowed."""
    options: dict[str, object] = {"connect_timeout": 1.0, "read_timeout": 2.0, "total_timeout": 5.0, "egress": LOCAL}
    options.update(kwargs)
    return fetch_feed(url, **options)  # type: ignore[arg-type]


def test_first_fetch_returns_body_and_validators(server: str) -> None:
    result = fetch(f"{server}/etag")

    assert result == FeedFetch(not_modified=False, body=CALENDAR, etag=ETAG, last_modified=LAST_MODIFIED)


def test_matching_etag_gives_not_modified_without_body(server: str) -> None:
    # Given the ETag of the previous fetch
    # When the feed is fetched again with it
    result = fetch(f"{server}/etag", etag=ETAG, last_modified=LAST_MODIFIED)

    # Then nothing is downloaded and the validators are kept
    assert result.not_modified
    assert result.body is None
    assert result.etag == ETAG


def test_stale_etag_downloads_again(server: str) -> None:
    result = fetch(f"{server}/etag", etag='"v0-old"')

    assert not result.not_modified
    assert result.body == CALENDAR


def test_server_without_validators(server: str) -> None:
    result = fetch(f"{server}/plain", etag=ETAG)

    assert result == FeedFetch(not_modified=False, body=CALENDAR, etag=None, last_modified=None)


def test_gzip_body_is_decompressed(server: str) -> None:
    assert fetch(f"{server}/gzip").body == CALENDAR


def test_redirect_within_the_limit_is_followed(server: str) -> None:
    assert fetch(f"{server}/moved").body == CALENDAR


@pytest.mark.parametrize(
    ("path", "options", "reason"),
    [
        ("/error", {}, "http 500"),
        ("/missing", {}, "http 404"),
        ("/sleepy", {"read_timeout": 0.3}, "timeout"),
        ("/trickle", {"read_timeout": 1.0, "total_timeout": 0.5}, "timeout"),
        ("/oversized", {"max_bytes": len(CALENDAR) * 2}, "too large"),
        ("/oversized-no-length", {"max_bytes": len(CALENDAR) * 2}, "too large"),
        ("/gzip-bomb", {"max_bytes": 100_000}, "too large"),
        ("/loop", {}, "too many redirects"),
        ("/moved", {"max_redirects": 0}, "too many redirects"),
    ],
)
def test_failures_have_a_short_reason(server: str, path: str, options: dict[str, object], reason: str) -> None:
    with pytest.raises(FeedFetchError) as raised:
        fetch(f"{server}{path}", **options)

    assert raised.value.reason == reason


def test_nothing_listening_is_a_network_failure() -> None:
    # Given a port that was free a moment ago
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(FeedFetchError) as raised:
        fetch(f"http://127.0.0.1:{port}/feed.ics")

    assert raised.value.reason == "connection refused"


@pytest.mark.parametrize("path", ["/html", "/truncated"])
def test_not_a_calendar_is_fetched_as_is_and_refused_by_the_parser(server: str, path: str) -> None:
    # Given a server that answers 200 with a login page or half a calendar
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from skill.adapters.ics_parse import FeedParseError, parse_feed

    body = fetch(f"{server}{path}").body
    assert body

    # Then the parser refuses it, so stored busy time is not replaced by nothing
    tokyo = ZoneInfo("Asia/Tokyo")
    with pytest.raises(FeedParseError):
        parse_feed(
            body,
            default_tz="Asia/Tokyo",
            start=datetime(2026, 3, 1, tzinfo=tokyo),
            end=datetime(2026, 4, 1, tzinfo=tokyo),
        )


def test_file_path_and_file_url(tmp_path: Path) -> None:
    # Given a feed on disk
    path = tmp_path / "room.ics"
    path.write_bytes(CALENDAR)

    # When it is read by path and by file:// URL
    by_path = fetch(str(path))
    by_url = fetch(path.as_uri())

    # Then both give the body and the file's modification time as Last-Modified
    assert by_path.body == by_url.body == CALENDAR
    assert by_path.last_modified is not None
    # And an unchanged file is not read again
    assert fetch(str(path), last_modified=by_path.last_modified).not_modified
    # Until it changes
    os.utime(path, (time.time() + 60, time.time() + 60))
    assert fetch(str(path), last_modified=by_path.last_modified).body == CALENDAR


def test_file_failures(tmp_path: Path) -> None:
    big = tmp_path / "big.ics"
    big.write_bytes(CALENDAR * 3)

    with pytest.raises(FeedFetchError, match="not found"):
        fetch(str(tmp_path / "missing.ics"))
    with pytest.raises(FeedFetchError, match="too large"):
        fetch(str(big), max_bytes=len(CALENDAR))
    with pytest.raises(FeedFetchError, match="unsupported scheme"):
        fetch("ftp://127.0.0.1/feed.ics")
