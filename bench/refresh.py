"""Calendar refresh of the 2,000-event feed: parse and full refresh beside bare icalendar parsing, and
what an unchanged feed costs (a 304 with its ETag, or the same events with new DTSTAMPs)."""

from __future__ import annotations

import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench import office
from bench.feed import build_feed, poisonous_feed, restamp
from bench.stats import median, ms, ratio

ETAG = '"bench-feed-1"'


def measure(work: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median seconds over `repeat` runs, and the peak traced memory of one run in MiB."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    try:
        work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return median(times), peak / 2**20


@contextmanager
def feed_server(body: bytes) -> Iterator[tuple[str, dict[str, Any]]]:
    """A feed on 127.0.0.1: `/etag.ics` answers 304 to its ETag, `/plain.ics` sends new DTSTAMPs every time."""
    served: dict[str, Any] = {"200": 0, "304": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/etag.ics" and self.headers.get("If-None-Match") == ETAG:
                served["304"] += 1
                self.send_response(304)
                self.send_header("ETag", ETAG)
                self.end_headers()
                return
            payload = body if self.path == "/etag.ics" else restamp(body, datetime.now(UTC))
            served["200"] += 1
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("Content-Length", str(len(payload)))
            if self.path == "/etag.ics":
                self.send_header("ETag", ETAG)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", served
    finally:
        server.shutdown()
        server.server_close()


def run(repeat: int = 3, endpoint: str | None = None, body: bytes | None = None) -> dict[str, Any]:
    """Figures for the feed (`body`, default the 2,000-event one) against a fresh table."""
    if endpoint is None:
        with office.aws() as local:
            return run(repeat, local, body)
    from icalendar import Calendar

    from skill.adapters.ics_fetch import fetch_feed
    from skill.adapters.ics_parse import FeedParseError, ParsedFeed, parse_feed
    from skill.domain.calendar import window
    from skill.services.calendars import refresh_owner

    now = datetime.now(UTC)
    feed = body if body is not None else build_feed(now)
    tz = office.TIMEZONE
    start, end = window(now, tz, 14)
    parsed: list[ParsedFeed] = []

    def parse(data: bytes, **kwargs: Any) -> ParsedFeed:
        result = parse_feed(data, **{**kwargs, "time_cap_s": 120.0})
        parsed.append(result)
        return result

    poison = poisonous_feed(start - timedelta(days=1))
    refused: list[str] = []

    def refuse(data: bytes) -> None:
        try:
            parse_feed(data, default_tz=tz, start=start, end=end)
        except FeedParseError as error:
            refused.append(error.reason)

    poison_s, poison_mib = measure(lambda: refuse(poison), repeat)
    bare_s, bare_mib = measure(lambda: Calendar.from_ical(feed), repeat)
    parse_s, parse_mib = measure(lambda: parse(feed, default_tz=tz, start=start, end=end), repeat)
    events = parsed[-1].events

    rows: list[dict[str, Any]] = []
    with feed_server(feed) as (base, served):

        def refresh(path: str, table: str, case: str) -> dict[str, Any]:
            container, counter = office.container(endpoint, table, read_timeout=300)
            parsed.clear()
            fetched_before = served["200"]
            started = time.perf_counter()
            result = refresh_owner(
                office.ROOM,
                base + path,
                tz,
                store=container.bookings,
                feeds=container.feeds,
                now=now,
                lookahead_days=14,
                fetch=partial(fetch_feed, egress=container.egress),
                parse=parse,
            )
            elapsed = time.perf_counter() - started
            return {
                "case": case,
                "status": result.status,
                "seconds": round(elapsed, 3),
                "dynamodb_seconds": round(counter.seconds, 3),
                "bodies_fetched": served["200"] - fetched_before,
                "parses": len(parsed),
                "round_trips": counter.total,
                "writes": counter.writes,
                "busy_writes": counter.calls.get("TransactWriteItems", 0),
            }

        for path, first, again in (
            ("/etag.ics", "first refresh (ETag feed)", "unchanged: 304"),
            ("/plain.ics", "first refresh (no validators)", "unchanged: same events, new DTSTAMPs"),
        ):
            table = office.create_office(endpoint)
            rows += [refresh(path, table, first), refresh(path, table, again)]
        tracemalloc.start()
        refresh("/etag.ics", office.create_office(endpoint), "peak memory run")
        _, refresh_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    first_run = rows[0]
    beside_store = first_run["seconds"] - first_run["dynamodb_seconds"]
    return {
        "feed_bytes": len(feed),
        "vevents": feed.count(b"BEGIN:VEVENT"),
        "busy_intervals": len(events),
        "bare_s": round(bare_s, 3),
        "bare_peak_mib": round(bare_mib, 1),
        "parse_s": round(parse_s, 3),
        "parse_peak_mib": round(parse_mib, 1),
        "parse_ratio": ratio(parse_s, bare_s),
        "parse_ms": ms(parse_s),
        "refresh": rows,
        "refresh_peak_mib": round(refresh_peak / 2**20, 1),
        "refresh_without_dynamodb_s": round(beside_store, 3),
        "refresh_ratio": ratio(beside_store, bare_s),
        "poison_bytes": len(poison),
        "poison_reason": refused[-1] if refused else "accepted",
        "poison_s": round(poison_s, 3),
        "poison_peak_mib": round(poison_mib, 1),
    }
