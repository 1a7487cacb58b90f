"""`office-admin calls list` (the call log) and `office-admin contacts import FILE` (address books)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from skill.cli.main import GROUP_HELP, BadInput, Context, command

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
        for call in ctx.container.calls.list_calls(ctx.args.limit)
    ]
    ctx.out(rows, CALL_COLUMNS)


def _import_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="an address book: .csv (Outlook, Google, plain) or .vcf")


@command("contacts", "import", summary="import contacts from a CSV or vCard file", configure=_import_args)
def contacts_import(ctx: Context) -> int:
    from skill.adapters.contacts_import import read_contacts
    from skill.domain.fleet import contact_to_doc, site_from_doc

    path = Path(ctx.args.file)
    store = ctx.container.fleet
    site_doc = store.docs("site").get("site")
    country = site_from_doc(site_doc).country if site_doc else "US"
    try:
        result = read_contacts(path, country)
    except FileNotFoundError:
        raise BadInput(f"FILE: {path}: no such file") from None
    except IsADirectoryError:
        raise BadInput(f"FILE: {path}: is a directory, not an address book") from None
    except OSError as exc:
        raise BadInput(f"FILE: {path}: cannot read ({exc.strerror})") from None
    for problem in result.problems:
        print(f"{path}: {problem}", file=ctx.stderr)
    existing = store.docs("contact")
    progress = ctx.progress("importing")
    for done, contact in enumerate(result.contacts, start=1):
        store.put_doc("contact", contact_to_doc(contact), existing.get(contact.id))
        if progress is not None:
            progress(done, len(result.contacts))
    ids = [contact.id for contact in result.contacts]
    ctx.result(
        f"imported {len(ids)} contact(s) from {path}"
        + (f", {len(result.problems)} problem(s)" if result.problems else ""),
        {"imported": ids, "problems": result.problems},
    )
    return 2 if result.problems and not ids else 0
