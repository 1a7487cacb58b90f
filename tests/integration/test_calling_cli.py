"""`office-admin calls list` and `office-admin contacts import` against moto's DynamoDB."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from skill.adapters.dynamodb.calls import DynamoCallLog
from skill.adapters.dynamodb.fleet import DynamoFleetStore
from skill.adapters.dynamodb.table import Table
from skill.cli.main import main
from skill.domain.calls import CallRecord, CallStatus
from skill.domain.fleet import site_to_doc
from skill.domain.model import Site

CONTACTS = Path(__file__).resolve().parents[1] / "fixtures" / "contacts"
AT = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
def tbl(aws_endpoint: str, table: str) -> Table:
    return Table(boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1"), table)


def run(capsys: pytest.CaptureFixture[str], aws_endpoint: str, table: str, *argv: str) -> tuple[int, str, str]:
    code = main(["--endpoint-url", aws_endpoint, "--table", table, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_calls_list_shows_each_attempt_newest_first(
    tbl: Table, aws_endpoint: str, table: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given two logged attempts
    log = DynamoCallLog(tbl)
    for n, status in enumerate((CallStatus.ENDED, CallStatus.REFUSED)):
        log.start(
            CallRecord(
                id=f"call-{n}",
                device="amzn1.ask.device.ROOM",
                to="+81312345678",
                status=status,
                provider="local",
                created_at=AT + timedelta(minutes=n),
                contact="user:bob" if n == 0 else None,
            )
        )

    # When they are listed as JSON and as a table
    code, out, _ = run(capsys, aws_endpoint, table, "calls", "list", "--json")
    table_code, table_out, _ = run(capsys, aws_endpoint, table, "calls", "list")

    # Then both show every field, newest first, times with an offset
    assert code == table_code == 0
    rows = json.loads(out)
    assert [(r["id"], r["status"], r["contact"]) for r in rows] == [
        ("call-1", "refused", None),
        ("call-0", "ended", "user:bob"),
    ]
    assert rows[0]["to"] == "+81312345678" and rows[0]["provider"] == "local" and rows[0]["device"]
    assert rows[0]["created_at"] == "2026-12-01T01:01:00+00:00"
    header, *lines = table_out.splitlines()
    assert header.split() == ["ID", "DEVICE", "TO", "CONTACT", "STATUS", "PROVIDER", "CREATED", "AT"]
    assert lines[0].startswith("call-1")


def test_contacts_import_writes_fleet_contacts_and_reports_problems(
    tbl: Table, aws_endpoint: str, table: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Given a Japanese site and an address book with one good and one unusable entry
    store = DynamoFleetStore(tbl, cache_ttl=0)
    store.put_doc("site", site_to_doc(Site(name="HQ", timezone="Asia/Tokyo", country="JP")))
    book = tmp_path / "book.csv"
    book.write_text("name,office\nFuji Taxi,03-1234-5678\nNobody Useful,not a number\n", encoding="utf-8")

    # When it is imported
    code, out, err = run(capsys, aws_endpoint, table, "contacts", "import", str(book), "--json")

    # Then the good entry is a fleet contact with its number in E.164, the bad one is named on stderr
    assert code == 0
    assert json.loads(out)["imported"] == ["fuji-taxi"]
    assert "line 3" in err
    assert store.docs("contact")["fuji-taxi"]["phones"] == {"office": "+81312345678"}


def test_contacts_import_of_a_vcard_file(
    tbl: Table, aws_endpoint: str, table: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, aws_endpoint, table, "contacts", "import", str(CONTACTS / "contacts-v4.vcf"))
    assert code == 0 and out.startswith("imported ")
    assert DynamoFleetStore(tbl, cache_ttl=0).docs("contact")


def test_contacts_import_of_an_unreadable_file_exits_2_and_writes_nothing(
    tbl: Table, aws_endpoint: str, table: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing_code, _, missing_err = run(capsys, aws_endpoint, table, "contacts", "import", str(tmp_path / "nope.csv"))
    directory_code, _, _ = run(capsys, aws_endpoint, table, "contacts", "import", str(tmp_path))
    assert missing_code == directory_code == 2
    assert "FILE" in missing_err and "Traceback" not in missing_err
    assert DynamoFleetStore(tbl, cache_ttl=0).docs("contact") == {}
