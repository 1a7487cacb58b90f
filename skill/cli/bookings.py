"""`office-admin bookings list`: voice bookings of every room (or one) in a time window, any status."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from skill.cli.main import GROUP_HELP, BadInput, Context, command

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


def _moment(value: str, argument: str, zone: ZoneInfo) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{argument}: not an ISO 8601 date or date-time: {value!r}") from None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


@command("bookings", "list", summary="bookings: id, room, start, end, status, organizer, device", configure=_list_args)
def bookings_list(ctx: Context) -> None:
    from skill.domain.fleet import site_from_doc
    from skill.services.rooms import all_rooms

    site_doc = ctx.container.fleet.docs("site").get("site")
    tz = site_from_doc(site_doc).timezone if site_doc else "UTC"
    zone = ZoneInfo(tz)
    if ctx.args.start:
        start = _moment(ctx.args.start, "--from", zone)
    else:
        start = ctx.now().astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    end = _moment(ctx.args.end, "--to", zone) if ctx.args.end else start + timedelta(days=DEFAULT_DAYS)
    if end <= start:
        raise BadInput("--to: must be after --from")
    room_ids = [room.id for room in all_rooms(ctx.container.fleet)]
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
        for booking in ctx.container.bookings.list_bookings_for_rooms(room_ids, start, end, tz)
    ]
    ctx.out(rows, BOOKING_COLUMNS)
