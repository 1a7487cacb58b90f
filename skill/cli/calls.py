"""`office-admin calls list` (the call log) and `office-admin contacts import FILE` (address books)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from skill.cli.base import GROUP_HELP, BadInput, Context, command, unreadable

GROUP_HELP.setdefault("calls", "dial attempts placed by voice, with their status")
CALL_COLUMNS = ("id", "device", "to", "contact", "status", "provider", "created_at")


def _list_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, default=100, help="at most this many, newest first (default 100)")


@command(
    "calls",
    "list",
    summary="dial attempts, newest first: id, device, to, contact, status, provider",
    configure=_list_args,
)
def calls_list(ctx: Context) -> None:
    if ctx.args.limit < 1:
        raise BadInput(f"--limit: must be at least 1, not {ctx.args.limit}")
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
        }
        for call in ctx.services.calling.log(ctx.args.limit)
    ]
    ctx.out(rows, CALL_COLUMNS)


def _import_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="an address book: .csv (Outlook, Google, plain) or .vcf")


@command("contacts", "import", summary="import contacts from a CSV or vCard file", configure=_import_args)
def contacts_import(ctx: Context) -> int:
    path = Path(ctx.args.file)
    try:
        result = ctx.services.fleet.import_contacts(path, ctx.progress("importing"))
    except OSError as exc:
        raise unreadable(path, exc, "an address book", "FILE: ") from None
    for problem in result.problems:
        print(f"{path}: {problem}", file=ctx.stderr)
    ids = [contact.id for contact in result.contacts]
    ctx.result(
        f"imported {len(ids)} contact(s) from {path}"
        + (f", {len(result.problems)} problem(s)" if result.problems else ""),
        {"imported": ids, "problems": result.problems},
    )
    return 2 if result.problems and not ids else 0
