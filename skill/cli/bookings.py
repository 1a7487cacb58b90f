"""`office-admin bookings list`: voice bookings of every room (or one) in a time window, any status."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from skill.cli.base import GROUP_HELP, BadInput, Context, command, in_zone, site_arg

GROUP_HELP.setdefault("bookings", "meeting-room bookings made by voice")
BOOKING_COLUMNS = ("id", "room", "start", "end", "status", "organizer", "device")
DEFAULT_DAYS = 7


def _list_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--room", metavar="ROOM", help="only this room's bookings")
    parser.add_argument(
        "--from", dest="start", metavar="ISO", help="window start (site time when no offset; default: today 00:00)"
    )
    parser.add_argument(
        "--to",
        dest="end",
        metavar="ISO",
        help=f"window end (site time when no offset; default: from + {DEFAULT_DAYS} days)",
    )
    site_arg(parser)


@command("bookings", "list", summary="bookings: id, room, start, end, status, organizer, device", configure=_list_args)
def bookings_list(ctx: Context) -> None:
    """Times without an offset, and the default window, are read in `--site`'s zone (or the first site's);
    each booking is shown in its room's site's zone."""
    wanted = ctx.only_site()
    zone = ZoneInfo(ctx.site_of(wanted).timezone)
    if ctx.args.start:
        start = in_zone(ctx.args.start, "--from", zone)
    else:
        start = ctx.now().astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    end = in_zone(ctx.args.end, "--to", zone) if ctx.args.end else start + timedelta(days=DEFAULT_DAYS)
    if end <= start:
        raise BadInput("--to: must be after --from")
    rooms = {room.id: room for room in ctx.services.rooms.all() if wanted is None or room.site_id == wanted}
    if ctx.args.room is not None:
        if ctx.args.room not in rooms:
            raise BadInput(f"--room: unknown room {ctx.args.room!r}" + (f" at site {wanted!r}" if wanted else ""))
        rooms = {ctx.args.room: rooms[ctx.args.room]}
    by_site: dict[str, list[str]] = {}
    for room in rooms.values():
        by_site.setdefault(room.site_id, []).append(room.id)
    found: list[tuple[datetime, dict[str, Any]]] = []
    for site_id, room_ids in by_site.items():
        site = ctx.site_of(site_id)
        local = ZoneInfo(site.timezone)
        found += [
            (
                booking.start,
                {
                    "id": booking.id,
                    "room": booking.room_id,
                    "start": booking.start.astimezone(local).isoformat(),
                    "end": booking.end.astimezone(local).isoformat(),
                    "status": booking.status.value,
                    "organizer": booking.organizer,
                    "device": booking.device,
                    "request_id": booking.request_id,
                    "site": site_id,
                },
            )
            for booking in ctx.services.rooms.bookings_between(room_ids, start, end, site.timezone)
        ]
    found.sort(key=lambda pair: (pair[0], pair[1]["room"]))
    ctx.out([row for _, row in found], BOOKING_COLUMNS)
