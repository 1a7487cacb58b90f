"""`office-admin`: manage the office fleet (apply/export a fleet file, list and register devices, calendars,
bookings, calls, visitors, problems...). This module builds the parser from the commands the command modules
register (skill/cli/base.py) and runs one."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

# Each command module registers its commands on import.
from skill.cli import bookings, calendars, calls, facilities, fleet, report, visitors
from skill.cli.base import COMMANDS, GROUP_HELP, PROG, BadInput, Context
from skill.domain.errors import DomainError, FleetValidationError

COMMAND_MODULES = (fleet, bookings, calendars, calls, visitors, facilities, report)


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


if __name__ == "__main__":
    sys.exit(main())
