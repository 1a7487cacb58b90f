"""`office-admin calendars …`: refresh feeds now, show a room's merged busy time, print a feed's subscription URL."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from skill.cli.main import GROUP_HELP, BadInput, Context, command
from skill.domain.errors import NotFoundError

if TYPE_CHECKING:
    from skill.domain.model import Room, Site
    from skill.services.calendars import RefreshResult

GROUP_HELP.setdefault("calendars", "calendar feeds: refresh, busy time, published feeds")
DEFAULT_BASE = "http://127.0.0.1:9000"


def _room(ctx: Context, room_id: str) -> tuple[Site, Room]:
    site, room, _, _ = ctx.container.fleet.profile(room_id, None, ())
    if room is None:
        raise BadInput(f"ROOM: unknown room {room_id!r}")
    return site, room


# ---------------------------------------------------------------- refresh


def _refresh_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--room", metavar="ROOM", help="only this room's feed (default: every room and user)")


@command(
    "calendars", "refresh", summary="fetch the calendar feeds now and store their busy time", configure=_refresh_args
)
def calendars_refresh(ctx: Context) -> int:
    from skill.services.calendars import refresh_all

    try:
        results = refresh_all(ctx.container, room=ctx.args.room, progress=ctx.progress("refreshing feeds"))
    except NotFoundError:
        raise BadInput(f"--room: unknown room {ctx.args.room!r}") from None
    if ctx.json:
        ctx.out([asdict(result) for result in results])
    else:
        for result in results:
            print(_summary(result), file=ctx.stdout)
        if not results:
            print("no calendar feeds to refresh", file=ctx.stdout)
    return 1 if any(result.status == "failed" for result in results) else 0


def _summary(result: RefreshResult) -> str:
    if result.status == "failed":
        return f"{result.owner}: failed ({result.reason}); last busy time kept, marked stale"
    if result.status == "not_modified":
        return f"{result.owner}: not modified"
    skipped = f", {result.skipped} skipped" if result.skipped else ""
    return f"{result.owner}: {result.status}, {result.events} events{skipped}"


# ---------------------------------------------------------------- busy


def _busy_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("room", metavar="ROOM")
    parser.add_argument("--from", dest="start", required=True, metavar="ISO", help="start (site time when no offset)")
    parser.add_argument("--to", dest="end", required=True, metavar="ISO", help="end (site time when no offset)")


@command("calendars", "busy", summary="a room's busy time from its feed and voice bookings", configure=_busy_args)
def calendars_busy(ctx: Context) -> None:
    start, end = _moment(ctx.args.start, "--from"), _moment(ctx.args.end, "--to")
    site, room = _room(ctx, ctx.args.room)
    zone = ZoneInfo(site.timezone)
    start, end = _in_zone(start, zone), _in_zone(end, zone)
    if end <= start:
        raise BadInput("--to: must be after --from")
    rows = []
    for busy in ctx.container.bookings.busy_between(room.id, start, end, site.timezone):
        row: dict[str, str | None] = {
            "source": busy.source,
            "start": busy.start.astimezone(zone).isoformat(),
            "end": busy.end.astimezone(zone).isoformat(),
        }
        if not busy.private:
            row["subject"] = busy.subject
        rows.append(row)
    ctx.out(rows, ("source", "start", "end", "subject"))


def _moment(value: str, argument: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{argument}: not an ISO 8601 date or date-time: {value!r}") from None


def _in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


# ---------------------------------------------------------------- publish-url


def _publish_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("room", metavar="ROOM")
    parser.add_argument(
        "--base", default=DEFAULT_BASE, metavar="URL", help=f"where the feed is served (default: {DEFAULT_BASE})"
    )
    parser.add_argument(
        "--rotate", action="store_true", help="issue a new token for the room; its earlier URLs then get 404"
    )


@command("calendars", "publish-url", summary="the subscription URL of a room's booking feed", configure=_publish_args)
def calendars_publish_url(ctx: Context) -> None:
    from skill.services.calendars import publish_url

    if urlsplit(ctx.args.base).scheme not in ("http", "https") or not urlsplit(ctx.args.base).netloc:
        raise BadInput(f"--base: not an http(s) URL: {ctx.args.base!r}")
    try:
        url = publish_url(ctx.container, ctx.args.room, ctx.args.base, rotate=ctx.args.rotate)
    except NotFoundError:
        raise BadInput(f"ROOM: unknown room {ctx.args.room!r}") from None
    ctx.result(url, {"room": ctx.args.room, "url": url})
