"""Calendar feeds in and out: refresh busy time from rooms' and users' ICS feeds, publish rooms' bookings.

Refreshing is off the voice path (a schedule in AWS, a timer in `office-skill serve`, or
`office-admin calendars refresh`). A refresh is as cheap as the feed allows: a 304 costs no parse and
no busy-time write, an unchanged digest costs no busy-time write, and only days whose busy time changed
are rewritten. A failed fetch or parse keeps the last good busy time and marks it stale.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from skill.domain.calendar import FeedError, busy_by_day, busy_digest, local_midnight, user_owner, window, window_days
from skill.domain.errors import NotFoundError
from skill.observability import logger

if TYPE_CHECKING:
    from skill.domain.model import Booking, Room
    from skill.ports import BookingStore, FeedFetcher, FeedParser, FeedStateStore, FleetStore, Progress

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
PUBLISHED_PAST_DAYS = 7
FEED_PATH = re.compile(r"^/rooms/(?P<room>[^/]+)/calendar\.ics$")
ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"
# Feeds refreshed at once, each in its own thread: a feed waits mostly on its own server, and only this
# many slow feeds together could make another wait (each at most its own fetch and parse budget).
PARALLEL_FEEDS = 16

Status = Literal["updated", "unchanged", "not_modified", "failed"]
Publish = Callable[["Room", Sequence["Booking"]], bytes]


@dataclass(frozen=True)
class RefreshResult:
    owner: str  # a room id or `user:{id}`
    status: Status
    events: int = 0
    skipped: int = 0
    reason: str | None = None  # why it failed: short and safe to log ("http 500", "not a calendar")


# ---------------------------------------------------------------- refresh


def refresh_owner(
    owner_id: str,
    url: str,
    tz: str,
    *,
    store: BookingStore,
    feeds: FeedStateStore,
    now: datetime,
    lookahead_days: int,
    fetch: FeedFetcher,
    parse: FeedParser,
) -> RefreshResult:
    """Fetch one feed and store its busy time for [start of today in `tz`, + lookahead_days).

    The stored validators are only sent when the stored busy time covers today's window and the last
    fetch succeeded: otherwise the feed must be parsed again to fill the new days or clear the stale mark.
    """
    days = window_days(now, tz, lookahead_days)
    start, end = window(now, tz, lookahead_days)
    window_key = f"{days[0].isoformat()}/{len(days)}"
    state = feeds.get(owner_id)
    current = state if state is not None and not state.stale and state.window == window_key else None
    try:
        fetched = fetch(
            url,
            etag=current.etag if current else None,
            last_modified=current.last_modified if current else None,
        )
        if fetched.not_modified and current is not None:
            feeds.record_success(owner_id, now, etag=fetched.etag, last_modified=fetched.last_modified)
            return RefreshResult(owner_id, "not_modified")
        parsed = parse(fetched.body or b"", default_tz=tz, start=start, end=end)
    except FeedError as error:
        for day in days:
            store.mark_feed_stale(owner_id, day)
        feeds.record_failure(owner_id, error.reason)
        return RefreshResult(owner_id, "failed", reason=error.reason)
    if current is not None and parsed.digest == current.digest:
        feeds.record_success(owner_id, now, etag=fetched.etag, last_modified=fetched.last_modified)
        return RefreshResult(owner_id, "unchanged", len(parsed.events), parsed.skipped)
    written = [
        store.replace_feed_busy(owner_id, day, intervals, now, busy_digest(intervals))
        for day, intervals in busy_by_day(parsed.events, tz, days).items()
    ]
    feeds.record_success(
        owner_id, now, etag=fetched.etag, last_modified=fetched.last_modified, digest=parsed.digest, window=window_key
    )
    status: Status = "updated" if any(written) else "unchanged"
    return RefreshResult(owner_id, status, len(parsed.events), parsed.skipped)


def summarize(results: Sequence[RefreshResult]) -> dict[str, int | list[str]]:
    """Counts per status and the ids of failed owners: what a refresh round logs (no URLs, no subjects)."""
    counts: dict[str, int | list[str]] = {"feeds": len(results)}
    for status in ("updated", "unchanged", "not_modified", "failed"):
        counts[status] = sum(r.status == status for r in results)
    counts["failed_owners"] = [r.owner for r in results if r.status == "failed"]
    return counts


def resolve_calendar(url: str, cwd: Path | None = None) -> str:
    """A fleet `calendar` value as fetch_feed takes it: a relative path is looked for in the working
    directory, then in the package's data folder (where the demo feeds are)."""
    if urllib.parse.urlsplit(url).scheme in ("http", "https", "file") or Path(url).is_absolute():
        return url
    here = (cwd or Path.cwd()) / url
    if here.exists():
        return str(here)
    bundled = DATA_DIR / url
    return str(bundled if bundled.exists() else here)


# ---------------------------------------------------------------- publish


@dataclass(frozen=True)
class FeedResponse:
    """An HTTP answer for a published-feed request, the same for the local server and the function URL."""

    status: int
    body: bytes = b""
    etag: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        if self.status not in (200, 304):
            return {"Content-Type": "text/plain; charset=utf-8"}
        headers = {"Cache-Control": "private, max-age=300"}
        if self.etag:
            headers["ETag"] = self.etag
        if self.status == 200:
            headers["Content-Type"] = ICS_CONTENT_TYPE
        return headers


FORBIDDEN = FeedResponse(403, b"forbidden\n")
NOT_FOUND = FeedResponse(404, b"not found\n")


def feed_token(secret: bytes, room_id: str, version: int = 0) -> str:
    """The per-room token a subscription URL carries; each rotation (`version`) gives a new one."""
    label = f"room-feed:{room_id}" + (f":v{version}" if version else "")
    return hmac.new(secret, label.encode(), hashlib.sha256).hexdigest()[:32]


def _token_matches(secret: bytes, room_id: str, version: int, token: str) -> bool:
    return hmac.compare_digest(feed_token(secret, room_id, version).encode(), token.encode())


def _etag_matches(header: str, etag: str) -> bool:
    """If-None-Match uses weak comparison: `W/` prefixes are ignored, `*` matches any current feed."""
    wanted = etag.removeprefix("W/")
    return any(tag.strip() == "*" or tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


@dataclass(frozen=True)
class CalendarService:
    """The calendar use cases, on the fleet, the bookings store, the feed-state store, a feed source (fetch and
    parse) and the published-feed writer."""

    fleet: FleetStore
    bookings: BookingStore
    feeds: FeedStateStore
    fetch: FeedFetcher = field(kw_only=True)
    parse: FeedParser = field(kw_only=True)
    publish: Publish = field(kw_only=True)
    lookahead_days: int = field(kw_only=True)

    def refresh_all(
        self, now: datetime, room: str | None = None, progress: Progress | None = None
    ) -> list[RefreshResult]:
        """Refresh every room's and every user's feed (or only `room`'s), each in the zone of its site (a user's
        home site, or the first); one failing feed never stops the others. Raises NotFoundError for an
        unknown `room`."""
        fleet = self.fleet.load_fleet()
        zones = {site.id: site.timezone for site in fleet.every_site}
        default = fleet.site.timezone
        rooms = [r for r in fleet.rooms if room in (None, r.id)]
        if room is not None and not rooms:
            raise NotFoundError("room", room)
        users = fleet.users if room is None else ()
        targets = [(r.id, r.calendar, zones.get(r.site_id, default)) for r in rooms if r.calendar]
        targets += [(user_owner(u.id), u.calendar, zones.get(u.site or "", default)) for u in users if u.calendar]
        if not targets:
            return []
        from concurrent.futures import ThreadPoolExecutor, as_completed

        # Side by side, so one feed's slow server or costly rules never hold up another's (each is bounded
        # by its own budget: the fetch's time and size caps, the parse's time and occurrence caps).
        with ThreadPoolExecutor(max_workers=min(len(targets), PARALLEL_FEEDS), thread_name_prefix="feed") as pool:
            futures = {
                pool.submit(self._refresh_safely, owner, url, tz, now): n for n, (owner, url, tz) in enumerate(targets)
            }
            results: list[RefreshResult | None] = [None] * len(targets)
            for done, future in enumerate(as_completed(futures), start=1):
                results[futures[future]] = future.result()
                if progress is not None:
                    progress(done, len(targets))
        return [result for result in results if result is not None]

    def _refresh_safely(self, owner: str, url: str, tz: str, now: datetime) -> RefreshResult:
        try:
            return refresh_owner(
                owner,
                resolve_calendar(url),
                tz,
                store=self.bookings,
                feeds=self.feeds,
                now=now,
                lookahead_days=self.lookahead_days,
                fetch=self.fetch,
                parse=self.parse,
            )
        except Exception:
            logger.exception("calendar refresh failed", extra={"owner": owner})
            return RefreshResult(owner, "failed", reason="internal error")

    # ---------------------------------------------------------------- publish

    def serve(
        self, path: str, token: str | None, now: datetime, if_none_match: str | None = None
    ) -> FeedResponse | None:
        """The answer to `GET {path}?token=…`, or None when `path` is not a published-feed path."""
        match = FEED_PATH.match(path)
        if match is None:
            return None
        return self.room_feed(urllib.parse.unquote(match["room"]), token, now, if_none_match)

    def room_feed(
        self, room_id: str, token: str | None, now: datetime, if_none_match: str | None = None
    ) -> FeedResponse:
        """The room's voice bookings from a week ago to the end of the look-ahead window, as ICS.

        A wrong or missing token is 403 whether or not the room exists; only a valid token learns of a 404.
        A token revoked by a rotation gets 404: the feed is gone for that URL.
        """
        secret, version = self.feeds.feed_keys(room_id)
        if not token or not token.isascii():
            return FORBIDDEN
        if not _token_matches(secret, room_id, version, token):
            revoked = any(_token_matches(secret, room_id, old, token) for old in range(version))
            return NOT_FOUND if revoked else FORBIDDEN
        site, room = self.fleet.site_and_room(room_id)
        if room is None:
            return NOT_FOUND
        today = now.astimezone(ZoneInfo(site.timezone)).date()
        start = local_midnight(today - timedelta(days=PUBLISHED_PAST_DAYS), site.timezone)
        end = local_midnight(today + timedelta(days=self.lookahead_days), site.timezone)
        body = self.publish(room, self.bookings.list_bookings(room.id, start, end, site.timezone))
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        if if_none_match is not None and _etag_matches(if_none_match, etag):
            return FeedResponse(304, etag=etag)
        return FeedResponse(200, body, etag)

    def publish_url(self, room_id: str, base: str, *, rotate: bool = False) -> str:
        """The subscription URL of a room's published feed; NotFoundError for an unknown room. `rotate`
        issues a new token for the room first: every earlier URL of the room then gets 404."""
        if self.fleet.get_room(room_id) is None:
            raise NotFoundError("room", room_id)
        if rotate:
            self.feeds.rotate_feed_token(room_id)
        secret, version = self.feeds.feed_keys(room_id)
        token = feed_token(secret, room_id, version)
        return f"{base.rstrip('/')}/rooms/{urllib.parse.quote(room_id)}/calendar.ics?token={token}"
