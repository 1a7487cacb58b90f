"""`office-admin calendars …`: refresh feeds now, show a room's merged busy time, print a feed's subscription URL."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from skill.cli.base import GROUP_HELP, BadInput, Context, command, in_zone
from skill.domain.errors import NotFoundError

if TYPE_CHECKING:
    from skill.domain.model import Room, Site
    from skill.services.calendars import RefreshResult

GROUP_HELP.setdefault("calendars", "calendar feeds: refresh, busy time, published feeds")
DEFAULT_BASE = "http://127.0.0.1:9000"


def _room(ctx: Context, room_id: str) -> tuple[Site, Room]:
    room = ctx.services.rooms.get(room_id)
    if room is None:
        raise BadInput(f"ROOM: unknown room {room_id!r}")
    return ctx.site_of(room.site_id), room


# ---------------------------------------------------------------- refresh


def _refresh_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--room", metavar="ROOM", help="only this room's feed (default: every room and user)")


@command(
    "calendars", "refresh", summary="fetch the calendar feeds now and store their busy time", configure=_refresh_args
)
def calendars_refresh(ctx: Context) -> int:
    try:
        results = ctx.services.calendars.refresh_all(ctx.now(), ctx.args.room, ctx.progress("refreshing feeds"))
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
    site, room = _room(ctx, ctx.args.room)
    zone = ZoneInfo(site.timezone)
    start, end = in_zone(ctx.args.start, "--from", zone), in_zone(ctx.args.end, "--to", zone)
    if end <= start:
        raise BadInput("--to: must be after --from")
    rows = []
    for busy in ctx.services.rooms.busy(room.id, start, end, site.timezone):
        row: dict[str, str | None] = {
            "source": busy.source,
            "start": busy.start.astimezone(zone).isoformat(),
            "end": busy.end.astimezone(zone).isoformat(),
        }
        if not busy.private:
            row["subject"] = busy.subject
        rows.append(row)
    ctx.out(rows, ("source", "start", "end", "subject"))


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
    if urlsplit(ctx.args.base).scheme not in ("http", "https") or not urlsplit(ctx.args.base).netloc:
        raise BadInput(f"--base: not an http(s) URL: {ctx.args.base!r}")
    try:
        url = ctx.services.calendars.publish_url(ctx.args.room, ctx.args.base, rotate=ctx.args.rotate)
    except NotFoundError:
        raise BadInput(f"ROOM: unknown room {ctx.args.room!r}") from None
    ctx.result(url, {"room": ctx.args.room, "url": url})
