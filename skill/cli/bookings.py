"""`office-admin bookings list`: voice bookings of every room (or one) in a time window, any status."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from skill.cli.base import GROUP_HELP, BadInput, Context, command, in_zone

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


@command("bookings", "list", summary="bookings: id, room, start, end, status, organizer, device", configure=_list_args)
def bookings_list(ctx: Context) -> None:
    tz = ctx.site().timezone
    zone = ZoneInfo(tz)
    if ctx.args.start:
        start = in_zone(ctx.args.start, "--from", zone)
    else:
        start = ctx.now().astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    end = in_zone(ctx.args.end, "--to", zone) if ctx.args.end else start + timedelta(days=DEFAULT_DAYS)
    if end <= start:
        raise BadInput("--to: must be after --from")
    rooms = ctx.services.rooms
    room_ids = [room.id for room in rooms.all()]
    if ctx.args.room is not None:
        if ctx.args.room not in room_ids:
            raise BadInput(f"--room: unknown room {ctx.args.room!r}")
        room_ids = [ctx.args.room]
    rows: list[dict[str, Any]] = [
        {
            "id": booking.id,
            "room": booking.room_id,
            "start": booking.start.astimezone(zone).isoformat(),
            "end": booking.end.astimezone(zone).isoformat(),
            "status": booking.status.value,
            "organizer": booking.organizer,
            "device": booking.device,
            "request_id": booking.request_id,
        }
        for booking in rooms.bookings_between(room_ids, start, end, tz)
    ]
    ctx.out(rows, BOOKING_COLUMNS)
