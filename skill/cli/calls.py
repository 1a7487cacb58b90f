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
    parser.add_argument("--replace", action="store_true", help="also overwrite existing contacts that differ")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")


@command(
    "contacts",
    "import",
    summary="import contacts from a CSV or vCard file: plan (create, update, unchanged), then write",
    configure=_import_args,
)
def contacts_import(ctx: Context) -> int:
    from skill.adapters.contacts_import import ImportProblems, VCardSupportMissing, read_contacts
    from skill.domain.fleet import contact_to_doc, site_from_doc
    from skill.services.fleet import Change, Plan, apply_plan

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
    except ImportProblems as exc:
        for problem in exc.problems:
            print(f"{path}: {problem}", file=ctx.stderr)
        raise BadInput(f"FILE: {path}: {len(exc.problems)} problem(s), nothing imported") from None
    except VCardSupportMissing as exc:
        print(f"office-admin: {exc}", file=ctx.stderr)
        return 1
    for note in result.notes:
        print(f"{path}: {note}", file=ctx.stderr)
    existing = store.docs("contact")
    changes, unchanged = [], []
    for contact in result.contacts:
        doc, old = contact_to_doc(contact), existing.get(contact.id)
        if old == doc:
            unchanged.append(contact.id)
        else:
            changes.append(Change("create" if old is None else "update", "contact", contact.id, old, doc))
    kept = [c.id for c in changes if c.action == "update" and not ctx.args.replace]
    writes = [c for c in changes if c.id not in kept]
    applied = bool(writes) and not ctx.args.dry_run
    if applied:
        apply_plan(Plan(writes), store, ctx.progress("importing"))
    if ctx.json:
        ctx.out(
            {
                "create": [c.id for c in changes if c.action == "create"],
                "update": [c.id for c in changes if c.action == "update"],
                "unchanged": unchanged,
                "kept": kept,
                "imported": [c.id for c in writes] if applied else [],
                "notes": result.notes,
                "applied": applied,
            }
        )
        return 0
    for change in changes:
        line = f"{'+' if change.action == 'create' else '~'} contact {change.id}"
        if change.action == "update":
            line += f" ({', '.join(change.changed_fields)})" + ("" if ctx.args.replace else ": kept, see --replace")
        print(line, file=ctx.stdout)
    creates = sum(c.action == "create" for c in changes)
    print(f"{creates} to create, {len(changes) - creates} to update, {len(unchanged)} unchanged", file=ctx.stdout)
    if kept:
        print(f"{len(kept)} existing contact(s) kept as they are: --replace overwrites them", file=ctx.stdout)
    if ctx.args.dry_run and writes:
        print("dry run: nothing written", file=ctx.stdout)
    elif applied:
        print(f"imported {len(writes)} contact(s) from {path}", file=ctx.stdout)
    return 0
