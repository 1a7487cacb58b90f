"""`office-admin calls list` (the call log) and `office-admin contacts import FILE` (address books)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from skill.cli.base import GROUP_HELP, PROG, BadInput, Context, command, site_arg, unreadable
from skill.domain.errors import ImportProblems
from skill.domain.model import DEFAULT_SITE

GROUP_HELP.setdefault("calls", "dial attempts placed by voice, with their status")
CALL_COLUMNS = ("id", "device", "to", "contact", "status", "provider", "created_at")


def _list_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, default=100, help="at most this many, newest first (default 100)")
    site_arg(parser)


@command(
    "calls",
    "list",
    summary="dial attempts, newest first: id, device, to, contact, status, provider",
    configure=_list_args,
)
def calls_list(ctx: Context) -> None:
    if ctx.args.limit < 1:
        raise BadInput(f"--limit: must be at least 1, not {ctx.args.limit}")
    wanted = ctx.only_site()
    rows: list[dict[str, Any]] = [
        {
            "id": call.id,
            "device": call.device,
            "to": call.to,
            "contact": call.contact,
            "status": call.status.value,
            "provider": call.provider,
            "created_at": call.created_at,
            "request_id": call.request_id,
            "site": call.site or DEFAULT_SITE,
        }
        for call in ctx.services.calling.log(ctx.args.limit, site=wanted)
    ]
    ctx.out(rows, CALL_COLUMNS)


def _import_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="an address book: .csv (Outlook, Google, plain) or .vcf")
    parser.add_argument("--replace", action="store_true", help="also overwrite existing contacts that differ")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")


@command(
    "contacts",
    "import",
    summary="import contacts from a CSV or vCard file: plan (create, update, unchanged), then write",
    configure=_import_args,
)
def contacts_import(ctx: Context) -> int:
    from skill.adapters.contacts_import import VCardSupportMissing

    path = Path(ctx.args.file)
    try:
        result = ctx.services.fleet.import_contacts(
            path, replace=ctx.args.replace, dry_run=ctx.args.dry_run, progress=ctx.progress("importing")
        )
    except OSError as exc:
        raise unreadable(path, exc, "an address book", "FILE: ") from None
    except ImportProblems as exc:
        for problem in exc.problems:
            print(f"{path}: {problem}", file=ctx.stderr)
        raise BadInput(f"FILE: {path}: {len(exc.problems)} problem(s), nothing imported") from None
    except VCardSupportMissing as exc:
        print(f"{PROG}: {exc}", file=ctx.stderr)
        return 1
    for note in result.notes:
        print(f"{path}: {note}", file=ctx.stderr)
    changes = result.changes
    if ctx.json:
        ctx.out(
            {
                "create": [c.id for c in changes if c.action == "create"],
                "update": [c.id for c in changes if c.action == "update"],
                "unchanged": result.unchanged,
                "kept": result.kept,
                "imported": [c.id for c in result.writes] if result.applied else [],
                "notes": result.notes,
                "applied": result.applied,
            }
        )
        return 0
    for change in changes:
        line = f"{'+' if change.action == 'create' else '~'} contact {change.id}"
        if change.action == "update":
            line += f" ({', '.join(change.changed_fields)})" + ("" if ctx.args.replace else ": kept, see --replace")
        print(line, file=ctx.stdout)
    creates = sum(c.action == "create" for c in changes)
    print(
        f"{creates} to create, {len(changes) - creates} to update, {len(result.unchanged)} unchanged", file=ctx.stdout
    )
    if result.kept:
        print(f"{len(result.kept)} existing contact(s) kept as they are: --replace overwrites them", file=ctx.stdout)
    if ctx.args.dry_run and result.writes:
        print("dry run: nothing written", file=ctx.stdout)
    elif result.applied:
        print(f"imported {len(result.writes)} contact(s) from {path}", file=ctx.stdout)
    return 0
