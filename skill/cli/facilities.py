"""`office-admin problems ...`: room problems reported by voice, listed and resolved.

A problem's times are shown in its site's zone. The list is one index query (`GSI1PK = PROBLEMS`).
"""

from __future__ import annotations

import argparse
from typing import Any
from zoneinfo import ZoneInfo

from skill.cli.base import BadInput, Context, command, required, site_arg
from skill.domain.errors import NotFoundError
from skill.domain.facilities import Problem

PROBLEM_COLUMNS = ("id", "room", "site", "problem", "reported_at", "status")


def _row(problem: Problem, tz: ZoneInfo) -> dict[str, Any]:
    """A problem as listed: the contract's columns and when it was resolved, its times in `tz` (its site's zone)."""
    row: dict[str, Any] = {name: getattr(problem, name) for name in (*PROBLEM_COLUMNS, "resolved_at")}
    for name in ("reported_at", "resolved_at"):
        row[name] = row[name] and row[name].astimezone(tz)
    return row


def _zone(ctx: Context, site_id: str) -> ZoneInfo:
    return ZoneInfo(ctx.site_of(site_id).timezone)


def _list_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--open", dest="open_only", action="store_true", help="only problems not resolved yet")
    site_arg(parser)


@command("problems", "list", summary="room problems reported by voice, oldest first", configure=_list_args)
def problems_list(ctx: Context) -> None:
    problems = ctx.services.facilities.list_problems(open_only=ctx.args.open_only, site=ctx.only_site())
    ctx.out([_row(problem, _zone(ctx, problem.site)) for problem in problems], PROBLEM_COLUMNS)


def _id_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("problem_id", metavar="ID", help="the problem's id, as `problems list` shows it")


@command("problems", "resolve", summary="mark a room problem resolved", configure=_id_arg)
def problems_resolve(ctx: Context) -> None:
    wanted = required(ctx.args.problem_id, "ID").lower()
    try:
        problem, changed = ctx.services.facilities.resolve(wanted, ctx.now())
    except NotFoundError:
        raise BadInput(f"ID: unknown problem {wanted!r}") from None
    row = _row(problem, _zone(ctx, problem.site))
    said = "resolved" if changed else "was already resolved"
    ctx.result(f"problem {problem.id} ({problem.room}) {said}", {**row, "changed": changed})
