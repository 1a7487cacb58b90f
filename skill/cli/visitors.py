"""`office-admin visitors ...`, `notifications list` and `users forget`: the visitor log, announced
visitors, host notifications and erasure.

Notifications show who was told by user id and channel, never the address.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from skill.cli.base import BadInput, Context, command, in_zone, required, site_arg
from skill.domain.reception import Visit

VISIT_COLUMNS = ("id", "name", "company", "host", "checked_in_at", "checked_out_at", "status")
NOTIFICATION_COLUMNS = ("id", "visit", "to", "channel", "status", "attempts")


def _visit_row(visit: Visit, tz: ZoneInfo) -> dict[str, Any]:
    """A visit as listed, its times in `tz` (its site's zone)."""
    return {
        "id": visit.id,
        "name": visit.visitor_name,
        "company": visit.company,
        "host": visit.host_id,
        "checked_in_at": visit.checked_in_at.astimezone(tz),
        "checked_out_at": visit.checked_out_at.astimezone(tz) if visit.checked_out_at else None,
        "status": visit.status.value,
        "site": visit.site,
    }


def _list_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--on-site", dest="on_site", action="store_true", help="only visitors on site now")
    parser.add_argument("--date", metavar="DATE", help="visits of one local day, YYYY-MM-DD (default: today)")
    site_arg(parser)


def _zone(ctx: Context, site_id: str | None) -> ZoneInfo:
    return ZoneInfo(ctx.site_of(site_id).timezone)


@command("visitors", "list", summary="visits of a day, or everyone on site (the evacuation list)", configure=_list_args)
def visitors_list(ctx: Context) -> None:
    """Each visit in its site's zone; a day is a local date at each site (today: at `--site`, or the first)."""
    wanted = ctx.only_site()
    store = ctx.services.reception
    if ctx.args.on_site:
        if ctx.args.date:
            raise BadInput("--date: not with --on-site (the on-site list is always now)")
        visits = store.on_site(wanted)
    else:
        try:
            today = ctx.now().astimezone(_zone(ctx, wanted)).date()
            day = date.fromisoformat(ctx.args.date) if ctx.args.date else today
        except ValueError:
            raise BadInput(f"--date: expected YYYY-MM-DD, got {ctx.args.date!r}") from None
        visits = store.visits_on(day, wanted)
    rows = [_visit_row(v, _zone(ctx, v.site)) for v in sorted(visits, key=lambda v: v.checked_in_at)]
    ctx.out(rows, VISIT_COLUMNS)


def _expect_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the visitor's name")
    parser.add_argument("--host", required=True, metavar="USER", help="the user id the visitor comes to see")
    parser.add_argument("--at", required=True, metavar="ISO", help="expected arrival, e.g. 2026-12-01T10:00+09:00")
    parser.add_argument("--company", metavar="C", help="the visitor's company")


@command("visitors", "expect", summary="announce a visitor, greeted by name at check-in", configure=_expect_args)
def visitors_expect(ctx: Context) -> None:
    """The visitor is expected at the host's home site (the first site for a host without one)."""
    name = required(ctx.args.name, "NAME")
    host = ctx.services.fleet.user(ctx.args.host)
    if host is None:
        raise BadInput(f"--host: unknown user {ctx.args.host!r}")
    site = ctx.site_of(host.site)
    tz = ZoneInfo(site.timezone)
    at = in_zone(ctx.args.at, "--at", tz)
    expected = ctx.services.reception.expect(host, name, ctx.args.company, at, site)
    local_at = expected.expected_at.astimezone(tz)
    data = {
        "id": expected.id,
        "name": expected.visitor_name,
        "company": expected.company,
        "host": expected.host_id,
        "expected_at": local_at,
    }
    ctx.result(f"expecting {expected.visitor_name} for {host.id} at {local_at.isoformat()}", data)


def _name_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the visitor's name, as stored")


@command("visitors", "forget", summary="erase every visit and announcement under a visitor's name", configure=_name_arg)
def visitors_forget(ctx: Context) -> None:
    erased = ctx.services.reception.forget_visitor(required(ctx.args.name, "NAME"))
    ctx.result(f"erased {erased} visit record(s)", {"erased": erased})


@command("notifications", "list", summary="host notifications: who was told, on which channel, how", configure=site_arg)
def notifications_list(ctx: Context) -> None:
    rows = [
        {
            "id": record.key,
            "visit": record.visit_id,
            "to": f"{record.recipient_id} ({record.channel})",
            "recipient": record.recipient_id,
            "role": record.role,
            "channel": record.channel,
            "status": record.status,
            "attempts": record.attempts,
            "reason": record.reason,
            "updated_at": record.updated_at.astimezone(_zone(ctx, record.site)),
            "site": record.site,
        }
        for record in ctx.services.reception.notifications(ctx.only_site())
    ]
    ctx.out(rows, NOTIFICATION_COLUMNS)


def _user_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("user", metavar="USER", help="the user id")


@command("users", "forget", summary="erase a user's personal data held outside the fleet file", configure=_user_arg)
def users_forget(ctx: Context) -> None:
    # A user already removed from the fleet may still have data to erase: the id is not looked up.
    erased = ctx.services.fleet.forget_user(required(ctx.args.user, "USER"))
    summary = ", ".join(f"{name}: {count}" for name, count in erased.items())
    ctx.result(f"erased data of {ctx.args.user} ({summary})", {"user": ctx.args.user, "erased": erased})
