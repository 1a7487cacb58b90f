"""What every `office-admin` command shares: the command registry, the context a command runs in, output.

A command is one function registered with `@command("group", "verb", summary=..., configure=...)`:
`configure` adds its arguments to its argparse parser, the function gets a `Context` (parsed arguments,
`.services` (the use cases), `.out()`, `.result()`, `.now()`, `.progress()`) and returns an exit code or
None for 0. Raise `BadInput` (or let a DomainError through) for exit 2; botocore errors become exit 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from skill.bootstrap import Services
    from skill.config import Settings
    from skill.domain.model import Site
    from skill.ports import Progress

PROG = "office-admin"
BAR_WIDTH = 30
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
    "problems": "room problems reported by voice: list, resolve",
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
    def services(self) -> Services:
        """The use cases, on DynamoDB clients with the patient settings of off-voice work."""
        import boto3

        from skill.adapters import aws
        from skill.bootstrap import Services, build

        session = boto3.Session(profile_name=self.args.profile)
        try:
            client = aws.client(
                "dynamodb", "jobs", region=self.settings.region, session=session, endpoint_url=self.args.endpoint_url
            )
        except ValueError as exc:
            raise BadInput(f"--endpoint-url: {exc}") from None
        return Services(build(self.settings, client, kind="jobs"))

    def now(self) -> datetime:
        return self.services.now()

    def site(self) -> Site:
        """The fleet's first site (its only one in the one-site form)."""
        return self.services.fleet.site()

    @cached_property
    def sites(self) -> dict[str, Site]:
        """Every site by id, in the order the fleet file lists them (a default site when none is stored)."""
        from skill.domain.model import Site

        return {site.id: site for site in self.services.fleet.sites()} or {Site().id: Site()}

    def site_of(self, site_id: str | None) -> Site:
        """A site by id; the first site for none, or for an id the fleet no longer holds."""
        return self.sites.get(site_id or "", next(iter(self.sites.values())))

    def only_site(self) -> str | None:
        """The site `--site` names (None when not given); BadInput for a site the fleet does not hold."""
        wanted: str | None = getattr(self.args, "site", None)
        if wanted is not None and wanted not in self.sites:
            raise BadInput(f"--site: unknown site {wanted!r} (one of: {', '.join(self.sites)})")
        return wanted

    def out(self, data: Rows | Mapping[str, Any], columns: Sequence[str] = ()) -> None:
        """Rows as an aligned table (only `columns`) or an object as YAML; either as JSON with --json."""
        if self.json:
            print(json.dumps(data, indent=2, ensure_ascii=False, default=_json_value), file=self.stdout)
        elif isinstance(data, Mapping):
            import yaml

            dumper = yaml.CSafeDumper if yaml.__with_libyaml__ else yaml.SafeDumper
            print(yaml.dump(dict(data), Dumper=dumper, sort_keys=False, allow_unicode=True), end="", file=self.stdout)
        else:
            print(_table(data, columns), file=self.stdout)

    def result(self, message: str, data: Mapping[str, Any]) -> None:
        """What a command did: `message` for a person, `data` with --json."""
        if self.json:
            self.out(data)
        else:
            print(message, file=self.stdout)

    def progress(self, label: str) -> Progress | None:
        """A progress bar on a terminal's stderr, `(done, total)` redrawn at most ten times a second; None
        when piped or with --json."""
        if self.json or not self.stderr.isatty():
            return None
        import time

        drawn = [0.0]

        def report(done: int, total: int) -> None:
            now = time.monotonic()
            if done < total and now - drawn[0] < 0.1:
                return
            drawn[0] = now
            filled = BAR_WIDTH * done // max(total, 1)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            self.stderr.write(f"\r{label} [{bar}] {100 * done // max(total, 1):3d}% {done}/{total}")
            self.stderr.write("\n" if done >= total else "")
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


def site_arg(parser: argparse.ArgumentParser) -> None:
    """`--site SITE`: only what belongs to one site."""
    parser.add_argument("--site", metavar="SITE", help="only this site's (a site id of the fleet file)")


def required(value: str, argument: str) -> str:
    """`value` without surrounding blanks; BadInput naming `argument` when nothing is left."""
    if not value.strip():
        raise BadInput(f"{argument}: must not be empty")
    return value.strip()


def unreadable(path: Path, error: OSError | UnicodeDecodeError, what: str, argument: str = "") -> BadInput:
    """Bad input naming a file that could not be read as `what` ("a fleet file"), and why."""
    if isinstance(error, FileNotFoundError):
        problem = "no such file"
    elif isinstance(error, IsADirectoryError):
        problem = f"is a directory, not {what}"
    elif isinstance(error, UnicodeDecodeError):
        problem = "not UTF-8 text"
    else:
        problem = f"cannot read ({error.strerror})"
    return BadInput(f"{argument}{path}: {problem}")


def in_zone(value: str, argument: str, zone: Any) -> datetime:
    """An ISO 8601 date or date-time from the command line, read in `zone` when it has no offset."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{argument}: not an ISO 8601 date or date-time: {value!r}") from None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment
