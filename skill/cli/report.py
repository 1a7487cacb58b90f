"""`office-admin report`: room utilisation and the activity of each day, as a table, JSON, CSV or one HTML page."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path
from typing import Any

from skill.cli.base import BadInput, Context, command, site_arg
from skill.domain.usage import DAY_COLUMNS, PROBLEM_COLUMNS, ROOM_COLUMNS


def _args(parser: argparse.ArgumentParser) -> None:
    site_arg(parser)
    parser.add_argument("--from", dest="first", metavar="DATE", help="first local day, inclusive (YYYY-MM-DD)")
    parser.add_argument("--to", dest="end", metavar="DATE", help="the day after the last, exclusive (YYYY-MM-DD)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--csv", action="store_true", help="the rooms' numbers as CSV on stdout")
    output.add_argument("--html", metavar="FILE", help="write one self-contained page with charts to FILE")


@command(
    "report",
    summary="room utilisation, bookings, no-shows, visits, calls and problems per room and day "
    "(default: the last 7 days)",
    configure=_args,
)
def report(ctx: Context) -> None:
    if sum((ctx.json, ctx.args.csv, ctx.args.html is not None)) > 1:
        raise BadInput("--json, --csv and --html: choose one")
    target = Path(ctx.args.html) if ctx.args.html is not None else None
    if target is not None and (target.is_dir() or not target.parent.is_dir()):
        raise BadInput(f"--html: {target}: " + ("is a directory" if target.is_dir() else "no such directory"))
    report = ctx.services.usage.report(ctx.only_site(), ctx.args.first, ctx.args.end, ctx.now())
    data = report.data
    if target is not None:
        from skill.adapters.report_page import render_page

        partial = target.with_name(f".{target.name}.partial")
        partial.write_text(render_page(report), encoding="utf-8")
        partial.replace(target)
        print(f"wrote {target}", file=ctx.stdout)
    elif ctx.args.csv:
        writer = csv.DictWriter(ctx.stdout, fieldnames=ROOM_COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(data["rooms"])
    elif ctx.json:
        ctx.out(data)
    else:
        _print_tables(ctx, data)


def _print_tables(ctx: Context, data: dict[str, Any]) -> None:
    print(f"Rooms, {data['from']} to {data['to']} (exclusive)", file=ctx.stdout)
    ctx.out(data["rooms"], ROOM_COLUMNS)
    print("\nDays", file=ctx.stdout)
    ctx.out(data["days"], DAY_COLUMNS)
    print("\nProblems", file=ctx.stdout)
    if data["problems"]:
        ctx.out(data["problems"], PROBLEM_COLUMNS)
    else:
        print("none", file=ctx.stdout)
