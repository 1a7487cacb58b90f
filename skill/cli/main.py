"""`office-admin`: manage the office fleet (apply/export a fleet file, list and register devices...).

A command is one function registered with `@command("group", "verb", summary=..., configure=...)`:
`configure` adds its arguments to its argparse parser, the function gets a `Context` (parsed arguments,
`.container`, `.out()`, `.result()`, `.now()`, `.progress()`) and returns an exit code or None for 0.
Raise `BadInput` (or let a DomainError through) for exit 2; botocore errors become exit 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from skill.domain.errors import ClaimError, DomainError, FleetValidationError, NotFoundError
from skill.services import fleet as fleet_service

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from skill.bootstrap import Container
    from skill.config import Settings
    from skill.domain.egress import EgressPolicy
    from skill.domain.model import Fleet

PROG = "office-admin"
Run = Callable[["Context"], "int | None"]
Configure = Callable[[argparse.ArgumentParser], None]
Rows = Sequence[Mapping[str, Any]]


class BadInput(Exception):
    """Bad input from the command line or a file: exit 2 with this message (which names the argument)."""


# ---------------------------------------------------------------- the command registry


@dataclass(frozen=True)
class Command:
    path: tuple[str, ...]  # ("devices", "register")
    summary: str
    run: Run
    configure: Configure | None = None


COMMANDS: list[Command] = []
GROUP_HELP = {
    "rooms": "meeting rooms and other spaces",
    "devices": "Alexa devices: list, register, claim, remove",
    "users": "people in the fleet",
    "contacts": "outside contacts that can be called",
    "skill-groups": "feature sets for devices",
    "visitors": "visits at reception: list, expect, forget",
    "notifications": "host notifications about visitors",
}


def command(*path: str, summary: str, configure: Configure | None = None) -> Callable[[Run], Run]:
    """Register a command under `path` (e.g. "devices", "list")."""

    def register(run: Run) -> Run:
        COMMANDS.append(Command(path, summary, run, configure))
        return run

    return register


# ---------------------------------------------------------------- what a command gets


@dataclass
class Context:
    args: argparse.Namespace
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)

    @property
    def json(self) -> bool:
        return bool(self.args.json)

    @cached_property
    def settings(self) -> Settings:
        from skill.config import Settings

        env = Settings.from_env()
        return replace(env, table=self.args.table, region=self.args.region or env.region)

    @cached_property
    def container(self) -> Container:
        from skill.bootstrap import build

        return build(self.settings, self._dynamodb_client())

    def _dynamodb_client(self) -> DynamoDBClient:
        import boto3
        from botocore.config import Config

        session = boto3.Session(profile_name=self.args.profile)
        config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)
        try:
            client: DynamoDBClient = session.client(
                "dynamodb", region_name=self.settings.region, endpoint_url=self.args.endpoint_url, config=config
            )
        except ValueError as exc:
            raise BadInput(f"--endpoint-url: {exc}") from None
        return client

    def now(self) -> datetime:
        return self.container.clock.now()

    def out(self, data: Rows | Mapping[str, Any], columns: Sequence[str] = ()) -> None:
        """Rows as an aligned table (only `columns`) or an object as YAML; either as JSON with --json."""
        if self.json:
            print(json.dumps(data, indent=2, ensure_ascii=False, default=_json_value), file=self.stdout)
        elif isinstance(data, Mapping):
            import yaml

            print(yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True), end="", file=self.stdout)
        else:
            print(_table(data, columns), file=self.stdout)

    def result(self, message: str, data: Mapping[str, Any]) -> None:
        """What a command did: `message` for a person, `data` with --json."""
        if self.json:
            self.out(data)
        else:
            print(message, file=self.stdout)

    def progress(self, label: str) -> fleet_service.Progress | None:
        """A `(done, total)` reporter on a terminal's stderr; None when piped or with --json."""
        if self.json or not self.stderr.isatty():
            return None

        def report(done: int, total: int) -> None:
            self.stderr.write(f"\r{label} {done}/{total}" + ("\n" if done == total else ""))
            self.stderr.flush()

        return report


def _json_value(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return ", ".join(str(k) for k in value)
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    return str(value)


def _table(rows: Rows, columns: Sequence[str]) -> str:
    columns = list(columns) or list(dict.fromkeys(k for row in rows for k in row))
    cells = [[c.upper().replace("_", " ") for c in columns]]
    cells += [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in cells)


# ---------------------------------------------------------------- apply and export


def _apply_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("fleet_file", metavar="FLEET.yaml", help="the fleet file")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
    parser.add_argument("--prune", action="store_true", help="also delete what the file no longer declares")


SYMBOL = {"create": "+", "update": "~", "delete": "-"}
KIND_NAME = {"group": "skill-group"}


@command("apply", summary="validate a fleet file, print the plan, apply it", configure=_apply_args)
def apply(ctx: Context) -> int:
    path = Path(ctx.args.fleet_file)
    try:
        fleet = read_fleet(path, egress=ctx.container.egress)
    except FleetValidationError as exc:
        for problem in exc.problems:
            print(problem, file=ctx.stderr)
        print(f"{PROG}: {path}: {len(exc.problems)} problem(s), nothing written", file=ctx.stderr)
        return 2
    store = ctx.container.fleet
    plan = fleet_service.plan(fleet, store, prune=ctx.args.prune)
    write = bool(plan.changes) and not ctx.args.dry_run
    if not ctx.json:
        for change in plan.changes:
            print(_change_line(change), file=ctx.stdout)
        print(plan.summary if plan.changes else "nothing to change", file=ctx.stdout)
    if write:
        fleet_service.apply_plan(plan, store, ctx.progress("applying"))
    if ctx.json:
        ctx.out(
            {
                "changes": [
                    {"action": c.action, "kind": KIND_NAME.get(c.kind, c.kind), "id": c.id, "fields": c.changed_fields}
                    for c in plan.changes
                ],
                **{a: plan.count(a) for a in ("create", "update", "delete")},
                "applied": write,
            }
        )
    elif plan.changes and ctx.args.dry_run:
        print("dry run: nothing written", file=ctx.stdout)
    return 0


def _change_line(change: fleet_service.Change) -> str:
    line = f"{SYMBOL[change.action]} {KIND_NAME.get(change.kind, change.kind)}"
    if change.kind not in ("site", "calling"):
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
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except IsADirectoryError:
        raise BadInput(f"{path}: is a directory, not a fleet file") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read ({exc.strerror})") from None
    try:
        doc = yaml.safe_load(text)
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
    ctx.out(fleet_service.export(ctx.container.fleet))


# ---------------------------------------------------------------- lists


def _sorted_docs(ctx: Context, kind: str) -> list[dict[str, Any]]:
    return sorted(ctx.container.fleet.docs(kind).values(), key=lambda doc: str(doc["id"]))


@command("rooms", "list", summary="list rooms")
def rooms_list(ctx: Context) -> None:
    ctx.out(_sorted_docs(ctx, "room"), ("id", "name", "floor", "capacity", "bookable", "features"))


@command("devices", "list", summary="list devices")
def devices_list(ctx: Context) -> None:
    ctx.out(_sorted_docs(ctx, "device"), ("id", "kind", "room", "user", "skill_group"))


@command("users", "list", summary="list users (phone numbers only with --json)")
def users_list(ctx: Context) -> None:
    ctx.out(_sorted_docs(ctx, "user"), ("id", "name", "email"))


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


def _bad_target(exc: NotFoundError) -> BadInput:
    return BadInput(f"{TARGET_ARG.get(exc.kind, exc.kind)}: {exc}")


def _device_message(verb: str, doc: Mapping[str, Any]) -> str:
    where = f"room {doc['room']}" if doc.get("room") else f"user {doc['user']}"
    group = f", skill group {doc['skill_group']}" if doc.get("skill_group") else ""
    return f"{verb} {doc['id']} ({doc['kind']}, {where}{group})"


@command(
    "devices",
    "register",
    summary="register a device in a room or for a user",
    configure=_target_args("device_id", "DEVICE_ID"),
)
def devices_register(ctx: Context) -> None:
    from skill.domain.fleet import device_to_doc
    from skill.domain.model import Device, DeviceKind
    from skill.services.identity import register_device

    device_id = ctx.args.device_id.strip()
    if not device_id or any(ch.isspace() for ch in device_id):
        raise BadInput(f"DEVICE_ID: invalid device id {ctx.args.device_id!r}")
    kind = DeviceKind.SHARED if ctx.args.room else DeviceKind.PERSONAL
    device = Device(device_id, kind, room=ctx.args.room, user=ctx.args.user, skill_group=ctx.args.skill_group)
    try:
        register_device(ctx.container.fleet, device)
    except NotFoundError as exc:
        raise _bad_target(exc) from None
    doc = device_to_doc(device)
    ctx.result(_device_message("registered", doc), doc)


def _device_id_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("device_id", metavar="DEVICE_ID")


@command("devices", "remove", summary="remove a device", configure=_device_id_arg)
def devices_remove(ctx: Context) -> None:
    store = ctx.container.fleet
    doc = store.docs("device").get(ctx.args.device_id)
    if doc is None:
        raise BadInput(f"DEVICE_ID: unknown device {ctx.args.device_id!r}")
    store.delete_doc("device", doc["id"], doc)
    ctx.result(f"removed {doc['id']}", {"removed": doc})


@command(
    "devices",
    "claim",
    summary="bind the device that spoke an enrolment CODE to a room or a user",
    configure=_target_args("code", "CODE"),
)
def devices_claim(ctx: Context) -> None:
    from skill.domain.fleet import device_to_doc
    from skill.services.identity import claim_device

    try:
        device = claim_device(
            ctx.container.fleet,
            ctx.args.code,
            ctx.now(),
            room=ctx.args.room,
            user=ctx.args.user,
            skill_group=ctx.args.skill_group,
        )
    except NotFoundError as exc:
        raise _bad_target(exc) from None
    except ClaimError:
        raise BadInput(f"CODE: unknown or expired code {ctx.args.code!r}") from None
    doc = device_to_doc(device)
    ctx.result(_device_message("claimed", doc), doc)


# ---------------------------------------------------------------- the parser and the entry point


def _global_flags(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """The global flags; on sub-commands too (`rooms list --json`), where they only override when given."""

    def default(value: Any) -> Any:
        return value if defaults else argparse.SUPPRESS

    group = parser.add_argument_group("global options")
    group.add_argument("--json", action="store_true", default=default(False), help="machine-readable output on stdout")
    group.add_argument(
        "--table",
        default=default(os.environ.get("OFFICE_TABLE", "office-assistant")),
        help="DynamoDB table (default: $OFFICE_TABLE or office-assistant)",
    )
    group.add_argument("--region", default=default(None), help="AWS region (default: $AWS_REGION)")
    group.add_argument(
        "--endpoint-url",
        default=default(None),
        help="DynamoDB endpoint (default: boto3's AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL, else AWS)",
    )
    group.add_argument("--profile", default=default(None), help="AWS profile from ~/.aws/config")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Manage the office assistant's fleet.")
    _global_flags(parser, defaults=True)
    common = argparse.ArgumentParser(add_help=False)
    _global_flags(common, defaults=False)
    groups: dict[tuple[str, ...], Any] = {(): parser.add_subparsers(dest="command", required=True, metavar="COMMAND")}
    for cmd in COMMANDS:
        for depth in range(1, len(cmd.path)):
            prefix = cmd.path[:depth]
            if prefix not in groups:
                group = groups[prefix[:-1]].add_parser(prefix[-1], help=GROUP_HELP.get(prefix[-1]))
                groups[prefix] = group.add_subparsers(dest="_".join(prefix), required=True, metavar="COMMAND")
        leaf = groups[cmd.path[:-1]].add_parser(
            cmd.path[-1], help=cmd.summary, description=cmd.summary, parents=[common]
        )
        if cmd.configure is not None:
            cmd.configure(leaf)
        leaf.set_defaults(run=cmd.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2), already printed
        return exc.code if isinstance(exc.code, int) else 2
    ctx = Context(args)
    try:
        return args.run(ctx) or 0
    except BadInput as exc:
        return _fail(ctx, str(exc), 2)
    except FleetValidationError as exc:
        return _fail(ctx, "\n".join(exc.problems), 2)
    except DomainError as exc:
        return _fail(ctx, str(exc), 2)
    except ProfileNotFound as exc:
        return _fail(ctx, f"--profile: {exc}", 2)
    except ClientError as exc:
        return _fail(ctx, _client_error(ctx, exc), 1)
    except BotoCoreError as exc:
        return _fail(ctx, str(exc), 1)
    except KeyboardInterrupt:
        return _fail(ctx, "interrupted", 130)


def _fail(ctx: Context, message: str, code: int) -> int:
    for line in message.splitlines():
        print(f"{PROG}: {line}", file=ctx.stderr)
    return code


def _client_error(ctx: Context, exc: Any) -> str:
    error = exc.response.get("Error", {})
    if error.get("Code") == "ResourceNotFoundException":
        where = f"{ctx.settings.region}" + (f" at {ctx.args.endpoint_url}" if ctx.args.endpoint_url else "")
        return (
            f"table {ctx.settings.table!r} does not exist in {where}: deploy infra/template.yaml "
            "(or run `office-skill serve` locally), or pass --table"
        )
    return f"DynamoDB: {error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": ")


# Command groups kept in their own modules register themselves on import.
from skill.cli import bookings as _bookings  # noqa: E402, F401
from skill.cli import calendars as _calendars  # noqa: E402, F401
from skill.cli import calls as _calls  # noqa: E402, F401
from skill.cli import visitors as _visitors  # noqa: E402, F401

if __name__ == "__main__":
    sys.exit(main())
