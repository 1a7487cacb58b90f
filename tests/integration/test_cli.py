"""`office-admin` against moto's DynamoDB: apply/export, lists, devices; exit codes and messages."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from admin_cli import CliResult, OfficeAdmin

from skill.adapters.dynamodb.fleet import DynamoFleetStore
from skill.adapters.dynamodb.table import Table
from skill.cli.main import main
from skill.local.awsserver import free_port
from skill.services.identity import IdentityService

FLEETS = Path(__file__).resolve().parents[1] / "fixtures" / "fleets"
SMALL = str(FLEETS / "small.yaml")
JAPANESE_NAMES = str(FLEETS / "japanese-names.yaml")
OFFICE_ADMIN = Path(sys.executable).parent / "office-admin"


Admin = OfficeAdmin


@pytest.fixture
def admin(office_admin: OfficeAdmin, table: str) -> Admin:
    """Runs `office-admin --endpoint-url … --table … ARGS` in this process."""
    return lambda *argv: office_admin(table, *argv)


@pytest.fixture
def store(aws_endpoint: str, table: str) -> DynamoFleetStore:
    client = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1")
    return DynamoFleetStore(Table(client, table), cache_ttl=0)


def ids(result: CliResult) -> list[str]:
    assert result.code == 0, result.err
    return [entry["id"] for entry in result.json()]


# ---------------------------------------------------------------- apply


def test_apply_prints_the_plan_and_writes_it(admin: Admin) -> None:
    # Given an empty table
    # When the small office is applied
    result = admin("apply", SMALL)

    # Then the plan is printed, one line per entity, with its summary, and the rooms exist
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert {
        "+ site main",
        "+ limits",
        "+ room fuji",
        "+ skill-group meeting-rooms",
        "+ device amzn1.ask.device.FUJI",
        "+ user bob",
    } <= set(lines)
    assert [line for line in lines if line.startswith("12 to create, 0 to update, 0 to delete; index: ")]
    assert ids(admin("--json", "rooms", "list")) == ["fuji", "kitchen"]


def test_applying_the_same_file_again_changes_nothing(admin: Admin) -> None:
    # Given the small office applied
    admin("apply", SMALL)

    # When it is applied again
    result = admin("apply", SMALL)

    # Then there is nothing to change
    assert (result.code, result.out.strip()) == (0, "nothing to change")


def test_an_invalid_file_names_every_problem_and_writes_nothing(admin: Admin) -> None:
    # Given a file with a bad time zone, a misspelt room and a bad phone number
    # When it is applied
    result = admin("apply", str(FLEETS / "invalid.yaml"))

    # Then each problem is on its own line of stderr, the exit code is 2 and the table stays empty
    assert result.code == 2
    err_lines = result.err.splitlines()
    assert "devices[2].room: unknown room 'fujii'" in err_lines
    assert any(line.startswith("site.timezone: unknown IANA time zone 'Europe/Berlinn'") for line in err_lines)
    assert any(line.startswith("users[0].phones.mobile: invalid phone number '12'") for line in err_lines)
    assert "Traceback" not in result.err
    assert result.out == ""
    assert ids(admin("--json", "rooms", "list")) == []


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (str(FLEETS / "broken-syntax.yaml"), "broken-syntax.yaml: not valid YAML: line 2, column 6"),
        (str(FLEETS / "missing.yaml"), "missing.yaml: no such file"),
        (str(FLEETS), "is a directory"),
    ],
)
def test_a_file_that_cannot_be_read_as_yaml_is_bad_input(admin: Admin, path: str, message: str) -> None:
    # Given a broken, a missing or a directory path
    # When it is applied
    result = admin("apply", path)

    # Then the exit code is 2 and the message says why, without a traceback
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err


def test_a_dry_run_prints_the_plan_and_writes_nothing(admin: Admin) -> None:
    # Given an empty table
    # When the small office is applied with --dry-run
    result = admin("apply", SMALL, "--dry-run")

    # Then the plan is shown and nothing is written
    assert result.code == 0
    assert "+ room fuji" in result.out.splitlines()
    assert "dry run: nothing written" in result.out
    assert ids(admin("--json", "devices", "list")) == []


def test_a_changed_file_updates_and_creates_and_prune_deletes(admin: Admin) -> None:
    # Given the small office applied
    admin("apply", SMALL)
    changed = str(FLEETS / "small-changed.yaml")

    # When the changed file is applied without and then with --prune
    kept = admin("apply", changed)
    pruned = admin("apply", changed, "--prune")

    # Then the first apply updates and creates, the second only deletes what the file dropped
    assert kept.code == 0
    assert {"~ room fuji (capacity)", "+ room aso", "+ contact facilities"} <= set(kept.out.splitlines())
    assert "2 to create, 1 to update, 0 to delete" in kept.out
    lines = pruned.out.splitlines()
    assert set(lines[:2]) == {"- device amzn1.ask.device.KITCHEN", "- user bob"}
    assert lines[2].startswith("0 to create, 0 to update, 2 to delete; index: ") and len(lines) == 3
    assert ids(admin("--json", "users", "list")) == ["alice"]
    assert "amzn1.ask.device.KITCHEN" not in ids(admin("--json", "devices", "list"))


def test_apply_with_json_reports_the_changes(admin: Admin) -> None:
    # Given an empty table
    # When the small office is applied with --json
    result = admin("--json", "apply", SMALL)

    # Then stdout is one JSON object with the changes and the counts
    report = result.json()
    assert (report["create"], report["update"], report["delete"], report["applied"]) == (12, 0, 0, True)
    assert ("create", "skill-group", "meeting-rooms") in {(c["action"], c["kind"], c["id"]) for c in report["changes"]}
    assert ids(admin("--json", "skill-groups", "list")) == ["meeting-rooms"]


def test_apply_shows_progress_on_a_terminal(
    aws_endpoint: str, table: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given stderr is a terminal
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)

    # When the small office is applied
    code = main(["--endpoint-url", aws_endpoint, "--table", table, "apply", SMALL])

    # Then a progress bar fills on stderr, ending full, and nothing of it is on stdout
    assert code == 0
    bars = terminal.getvalue().split("\r")
    assert re.fullmatch(r"applying \[#{30}\] 100% (\d+)/\1\n", bars[-1])
    assert "applying" not in capsys.readouterr().out


# ---------------------------------------------------------------- export


def test_export_round_trips_through_apply(admin: Admin, tmp_path: Path) -> None:
    # Given the small office applied and exported
    admin("apply", SMALL)
    exported = tmp_path / "export.yaml"
    exported.write_text(admin("export").out, encoding="utf-8")

    # When the export is applied with --prune
    result = admin("apply", str(exported), "--prune")

    # Then nothing changes, and the JSON export holds the same fleet
    assert (result.code, result.out.strip()) == (0, "nothing to change")
    assert admin("--json", "export").json() == yaml.safe_load(exported.read_text(encoding="utf-8"))


def test_readings_round_trip_through_apply_and_export(admin: Admin, tmp_path: Path) -> None:
    # Given an office whose kanji name and foreign names carry kana readings, applied and exported
    assert admin("apply", JAPANESE_NAMES).code == 0
    exported = tmp_path / "export.yaml"
    exported.write_text(admin("export").out, encoding="utf-8")

    # When the export is read and applied again
    doc = yaml.safe_load(exported.read_text(encoding="utf-8"))
    again = admin("apply", str(exported), "--prune")

    # Then every reading is in the export, as written, and applying it changes nothing
    readings = {user["id"]: user.get("reading") for user in doc["users"]}
    assert readings == {"asuzuki": "すずき ありす", "atanaka": None, "byamada": None, "ksato": "さとう けん"}
    assert doc["contacts"][0]["reading"] == "アクメ サポート"
    assert (again.code, again.out.strip()) == (0, "nothing to change")


# ---------------------------------------------------------------- lists


def test_every_list_prints_json_arrays(admin: Admin) -> None:
    # Given the small office applied
    admin("apply", SMALL)

    # When each list is asked for JSON
    # Then each is an array of documents sorted by id
    assert ids(admin("--json", "rooms", "list")) == ["fuji", "kitchen"]
    assert ids(admin("devices", "list", "--json")) == [
        "amzn1.ask.device.ALICE",
        "amzn1.ask.device.FUJI",
        "amzn1.ask.device.KITCHEN",
    ]
    assert ids(admin("--json", "users", "list")) == ["alice", "bob"]
    assert ids(admin("--json", "contacts", "list")) == ["acme"]
    assert ids(admin("--json", "skill-groups", "list")) == ["meeting-rooms"]


def test_the_users_table_shows_phone_numbers_only_in_json(admin: Admin) -> None:
    # Given the small office applied
    admin("apply", SMALL)

    # When users are listed as a table and as JSON
    table = admin("users", "list")
    as_json = admin("--json", "users", "list").json()

    # Then the table has names and emails in aligned columns, and the number only appears in JSON
    lines = table.out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "EMAIL"]
    assert lines[1].split() == ["alice", "Alice", "Weber", "alice@example.com"]
    assert lines[0].index("EMAIL") == lines[1].index("alice@example.com")
    assert "+4915123456789" not in table.out
    assert as_json[0]["phones"] == {"mobile": "+4915123456789"}


def test_a_missing_table_is_a_backend_failure_with_a_clear_message(aws_endpoint: str, capsys: Any) -> None:
    # Given a table name that does not exist
    # When rooms are listed
    code = main(["--endpoint-url", aws_endpoint, "--table", "no-such-table", "rooms", "list"])

    # Then the exit code is 1 and the message names the table
    err = capsys.readouterr().err
    assert code == 1
    assert "table 'no-such-table' does not exist" in err
    assert "Traceback" not in err


def test_an_unreachable_endpoint_is_a_backend_failure(capsys: Any) -> None:
    # Given nothing listens on the endpoint
    endpoint = f"http://127.0.0.1:{free_port()}"

    # When rooms are listed
    code = main(["--endpoint-url", endpoint, "rooms", "list"])

    # Then the exit code is 1 with a short message
    err = capsys.readouterr().err
    assert code == 1
    assert "Could not connect" in err
    assert "Traceback" not in err


# ---------------------------------------------------------------- one device


def test_a_device_is_registered_and_removed(admin: Admin) -> None:
    # Given the small office applied
    admin("apply", SMALL)

    # When a device is registered in Fuji, then removed
    registered = admin(
        "devices", "register", "amzn1.ask.device.NEW", "--room", "fuji", "--skill-group", "meeting-rooms"
    )
    listed = ids(admin("--json", "devices", "list"))
    removed = admin("devices", "remove", "amzn1.ask.device.NEW")

    # Then it was listed in between and is gone afterwards
    assert registered.code == 0, registered.err
    assert "amzn1.ask.device.NEW" in registered.out
    assert "amzn1.ask.device.NEW" in listed
    assert removed.code == 0
    assert "amzn1.ask.device.NEW" not in ids(admin("--json", "devices", "list"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["devices", "register", "amzn1.ask.device.NEW", "--room", "fujii"], "--room: unknown room 'fujii'"),
        (["devices", "register", "amzn1.ask.device.NEW", "--user", "carol"], "--user: unknown user 'carol'"),
        (
            ["devices", "register", "amzn1.ask.device.NEW", "--room", "fuji", "--skill-group", "x"],
            "--skill-group: unknown skill group 'x'",
        ),
        (["devices", "register", "amzn1.ask.device.NEW", "--room", "fuji", "--user", "alice"], "not allowed with"),
        (["devices", "register", "amzn1.ask.device.NEW"], "one of the arguments --room --user is required"),
        (["devices", "remove", "amzn1.ask.device.NOPE"], "DEVICE_ID: unknown device 'amzn1.ask.device.NOPE'"),
        (["rooms", "delete"], "invalid choice: 'delete'"),
    ],
)
def test_bad_device_arguments_exit_2_naming_the_argument(admin: Admin, argv: list[str], message: str) -> None:
    # Given the small office applied
    admin("apply", SMALL)

    # When a device command gets a bad argument
    result = admin(*argv)

    # Then the exit code is 2 and stderr names the argument, and no device was added
    assert result.code == 2
    assert message in result.err
    assert "amzn1.ask.device.NEW" not in ids(admin("--json", "devices", "list"))


def test_a_device_is_claimed_with_the_code_it_spoke(admin: Admin, store: DynamoFleetStore) -> None:
    # Given the small office, and an unknown device that heard an enrolment code
    admin("apply", SMALL)
    code = IdentityService(store, claim_ttl=timedelta(minutes=15)).enrolment_code(
        "amzn1.ask.device.SPOKE", datetime.now(UTC)
    )

    # When the admin claims the code for bob
    result = admin("--json", "devices", "claim", code, "--user", "bob")

    # Then the device is bob's personal device, and the code cannot be used again
    assert result.code == 0, result.err
    assert result.json() == {"id": "amzn1.ask.device.SPOKE", "kind": "personal", "user": "bob"}
    assert "amzn1.ask.device.SPOKE" in ids(admin("--json", "devices", "list"))
    again = admin("devices", "claim", code, "--room", "fuji")
    assert again.code == 2
    assert "unknown or expired code" in again.err


def test_an_expired_code_is_refused(admin: Admin, store: DynamoFleetStore) -> None:
    # Given a code that expired a minute ago
    admin("apply", SMALL)
    store.create_claim("424242", "amzn1.ask.device.LATE", datetime.now(UTC) - timedelta(minutes=1))

    # When the admin claims it
    result = admin("devices", "claim", "424242", "--room", "fuji")

    # Then it is refused and nothing is registered
    assert result.code == 2
    assert "unknown or expired code" in result.err
    assert "amzn1.ask.device.LATE" not in ids(admin("--json", "devices", "list"))


# ---------------------------------------------------------------- the installed entry point


def run_installed(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(OFFICE_ADMIN), *argv], capture_output=True, text=True, timeout=60, check=False)


def test_the_office_admin_script_applies_and_exports(aws_endpoint: str, table: str) -> None:
    # Given the installed office-admin script
    flags = ("--endpoint-url", aws_endpoint, "--table", table)

    # When it applies the small office and exports it as JSON
    applied = run_installed(*flags, "apply", SMALL)
    exported = run_installed(*flags, "--json", "export")

    # Then both succeed and the export holds the rooms
    assert applied.returncode == 0, applied.stderr
    assert "12 to create" in applied.stdout
    assert [r["id"] for r in json.loads(exported.stdout)["rooms"]] == ["fuji", "kitchen"]


def test_the_office_admin_script_rejects_an_invalid_file_without_a_traceback(aws_endpoint: str, table: str) -> None:
    # Given the installed office-admin script
    # When it applies an invalid file
    result = run_installed("--endpoint-url", aws_endpoint, "--table", table, "apply", str(FLEETS / "invalid.yaml"))

    # Then it exits 2 with the problems and no traceback
    assert result.returncode == 2
    assert "devices[2].room: unknown room 'fujii'" in result.stderr
    assert "Traceback" not in result.stderr
