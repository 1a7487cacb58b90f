"""`office-admin` fleet commands: apply and export a fleet file, list what the fleet holds, and register,
claim or remove one device."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skill.cli.base import PROG, BadInput, Configure, Context, command, site_arg, unreadable
from skill.domain.errors import ClaimError, FleetValidationError, NotFoundError

if TYPE_CHECKING:
    from skill.domain.egress import EgressPolicy
    from skill.domain.model import Device, Fleet
    from skill.services.fleet import Change


# ---------------------------------------------------------------- apply and export


def _apply_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fleet_file", metavar="FLEET.yaml", help="the fleet file")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
    parser.add_argument("--prune", action="store_true", help="also delete what the file no longer declares")


SYMBOL = {"create": "+", "update": "~", "delete": "-"}
MIGRATING = "the stored fleet is in the layout of the version before sites: this apply converts it"
KIND_NAME = {"group": "skill-group"}


@command("apply", summary="validate a fleet file, print the plan, apply it", configure=_apply_args)
def apply(ctx: Context) -> int:
    path = Path(ctx.args.fleet_file)
    try:
        fleet = read_fleet(path, egress=ctx.services.egress)
    except FleetValidationError as exc:
        for problem in exc.problems:
            print(problem, file=ctx.stderr)
        print(f"{PROG}: {path}: {len(exc.problems)} problem(s), nothing written", file=ctx.stderr)
        return 2
    service = ctx.services.fleet
    plan = service.plan(fleet, prune=ctx.args.prune)
    write = not plan.empty and not ctx.args.dry_run
    if not ctx.json:
        if plan.migrating:
            print(MIGRATING, file=ctx.stdout)
        for change in plan.changes:
            print(_change_line(change), file=ctx.stdout)
        print("nothing to change" if plan.empty else plan.summary, file=ctx.stdout)
    if write:
        service.apply(plan, ctx.progress("applying"))
    if ctx.json:
        ctx.out(
            {
                "changes": [
                    {"action": c.action, "kind": KIND_NAME.get(c.kind, c.kind), "id": c.id, "fields": c.changed_fields}
                    for c in plan.changes
                ],
                **{a: plan.count(a) for a in ("create", "update", "delete")},
                "index": {"write": len(plan.index_puts), "delete": len(plan.index_deletes)},
                "migrating": plan.migrating,
                "applied": write,
            }
        )
    elif not plan.empty and ctx.args.dry_run:
        print("dry run: nothing written", file=ctx.stdout)
    return 0


def _change_line(change: Change) -> str:
    line = f"{SYMBOL[change.action]} {KIND_NAME.get(change.kind, change.kind)}"
    if change.kind not in ("calling", "limits"):
        line += f" {change.id}"
    if change.action == "update":
        line += f" ({', '.join(change.changed_fields)})"
    return line


def read_fleet(path: Path, *, egress: EgressPolicy) -> Fleet:
    """The validated fleet in a YAML file, its URLs checked against `egress`; BadInput when it cannot be
    read or parsed, FleetValidationError naming every bad field."""
    import yaml

    from skill.domain.fleet import parse_fleet

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise unreadable(path, exc, "a fleet file") from None
    try:
        # A safe loader: libyaml's when PyYAML has it (a 10,000-entity file parses in a second, not ten).
        loader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
        doc = yaml.load(text, Loader=loader)  # noqa: S506
    except yaml.YAMLError as exc:
        raise BadInput(f"{path}: not valid YAML: {_yaml_problem(exc)}") from None
    return parse_fleet(doc, egress=egress)


def _yaml_problem(exc: Exception) -> str:
    import yaml

    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"line {mark.line + 1}, column {mark.column + 1}: {exc.problem}"
    return str(exc)


@command("export", summary="print the current fleet as a fleet file (YAML, or JSON with --json)")
def export(ctx: Context) -> None:
    ctx.out(ctx.services.fleet.export())


# ---------------------------------------------------------------- lists


def _sorted_docs(ctx: Context, kind: str) -> list[dict[str, Any]]:
    return sorted(ctx.services.fleet.docs(kind).values(), key=lambda doc: str(doc["id"]))


def _list_of_site(ctx: Context, kind: str, columns: tuple[str, ...]) -> None:
    """The stored entries of `kind` with their `site` (a room's, a device's, a user's home site; the first
    site for a user without one), only those of `--site` when given; the table shows the site column when
    the fleet has several."""
    wanted = ctx.only_site()
    rows = [{**doc, "site": ctx.site_of(doc.get("site")).id} for doc in _sorted_docs(ctx, kind)]
    shown = (*columns[:2], "site", *columns[2:]) if len(ctx.sites) > 1 else columns
    ctx.out([row for row in rows if wanted is None or row["site"] == wanted], shown)


@command("rooms", "list", summary="list rooms", configure=site_arg)
def rooms_list(ctx: Context) -> None:
    _list_of_site(ctx, "room", ("id", "name", "floor", "capacity", "bookable", "features"))


@command("devices", "list", summary="list devices", configure=site_arg)
def devices_list(ctx: Context) -> None:
    _list_of_site(ctx, "device", ("id", "kind", "room", "user", "skill_group"))


@command("users", "list", summary="list users (phone numbers only with --json)", configure=site_arg)
def users_list(ctx: Context) -> None:
    _list_of_site(ctx, "user", ("id", "name", "email"))


@command("contacts", "list", summary="list contacts (phone numbers only with --json)")
def contacts_list(ctx: Context) -> None:
    ctx.out(_sorted_docs(ctx, "contact"), ("id", "name", "phones"))


@command("skill-groups", "list", summary="list skill groups")
def skill_groups_list(ctx: Context) -> None:
    ctx.out(_sorted_docs(ctx, "group"), ("id", "features"))


# ---------------------------------------------------------------- one device


def _target_args(positional: str, metavar: str) -> Configure:
    def configure(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(positional, metavar=metavar)
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--room", help="the room a shared device stands in")
        target.add_argument("--user", help="the owner of a personal device")
        parser.add_argument("--skill-group", dest="skill_group", metavar="G", help="the device's skill group")

    return configure


TARGET_ARG = {"room": "--room", "user": "--user", "skill group": "--skill-group"}


@contextmanager
def _known_targets() -> Iterator[None]:
    """A room, user or skill group the fleet does not hold is bad input naming its argument."""
    try:
        yield
    except NotFoundError as exc:
        raise BadInput(f"{TARGET_ARG.get(exc.kind, exc.kind)}: {exc}") from None


def _report(ctx: Context, verb: str, device: Device) -> None:
    from skill.domain.fleet import device_to_doc

    doc = device_to_doc(device)
    where = f"room {doc['room']}" if doc.get("room") else f"user {doc['user']}"
    group = f", skill group {doc['skill_group']}" if doc.get("skill_group") else ""
    ctx.result(f"{verb} {doc['id']} ({doc['kind']}, {where}{group})", doc)


@command(
    "devices",
    "register",
    summary="register a device in a room or for a user",
    configure=_target_args("device_id", "DEVICE_ID"),
)
def devices_register(ctx: Context) -> None:
    from skill.domain.model import Device

    device_id = ctx.args.device_id.strip()
    if not device_id or any(ch.isspace() for ch in device_id):
        raise BadInput(f"DEVICE_ID: invalid device id {ctx.args.device_id!r}")
    device = Device.placed(device_id, room=ctx.args.room, user=ctx.args.user, skill_group=ctx.args.skill_group)
    with _known_targets():
        ctx.services.identity.register(device)
    _report(ctx, "registered", device)


def _device_id_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("device_id", metavar="DEVICE_ID")


@command("devices", "remove", summary="remove a device", configure=_device_id_arg)
def devices_remove(ctx: Context) -> None:
    doc = ctx.services.identity.remove(ctx.args.device_id)
    if doc is None:
        raise BadInput(f"DEVICE_ID: unknown device {ctx.args.device_id!r}")
    ctx.result(f"removed {doc['id']}", {"removed": doc})


@command(
    "devices",
    "claim",
    summary="bind the device that spoke an enrolment CODE to a room or a user",
    configure=_target_args("code", "CODE"),
)
def devices_claim(ctx: Context) -> None:
    args = ctx.args
    try:
        with _known_targets():
            device = ctx.services.identity.claim(
                args.code, ctx.now(), room=args.room, user=args.user, skill_group=args.skill_group
            )
    except ClaimError:
        raise BadInput(f"CODE: unknown or expired code {args.code!r}") from None
    _report(ctx, "claimed", device)
