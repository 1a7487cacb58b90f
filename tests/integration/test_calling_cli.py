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


def test_contacts_import_writes_fleet_contacts_in_e164(
    tbl: Table, aws_endpoint: str, table: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Given a Japanese site and an address book with a taxi company and an email-only entry
    store = DynamoFleetStore(tbl, cache_ttl=0)
    store.put_doc("site", site_to_doc(Site(name="HQ", timezone="Asia/Tokyo", country="JP")))
    book = tmp_path / "book.csv"
    book.write_text("name,office\nFuji Taxi,03-1234-5678\nNewsletter,\n", encoding="utf-8")

    # When it is imported
    code, out, err = run(capsys, aws_endpoint, table, "contacts", "import", str(book), "--json")

    # Then the taxi is a fleet contact with its number in E.164; the entry without a number is a note
    assert code == 0, err
    assert json.loads(out)["imported"] == ["fuji-taxi"] == json.loads(out)["create"]
    assert f"{book}: line 3: no phone number, skipped" in err
    assert store.docs("contact")["fuji-taxi"]["phones"] == {"office": "+81312345678"}


def test_contacts_import_with_a_bad_line_exits_2_names_it_and_writes_nothing(
    tbl: Table, aws_endpoint: str, table: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Given a Japanese site, and an address book with one good entry and one whose number is not a number
    DynamoFleetStore(tbl, cache_ttl=0).put_doc("site", site_to_doc(Site(name="HQ", country="JP")))
    book = tmp_path / "book.csv"
    book.write_text("name,office\nFuji Taxi,03-1234-5678\nNobody Useful,not a number\n", encoding="utf-8")

    # When it is imported
    code, out, err = run(capsys, aws_endpoint, table, "contacts", "import", str(book))

    # Then it exits 2, naming the file and the line, with no traceback, and nothing is written
    assert (code, out) == (2, "")
    assert f"{book}: line 3: office number not usable (unparsable)" in err and "nothing imported" in err
    assert "Traceback" not in err
    assert DynamoFleetStore(tbl, cache_ttl=0).docs("contact") == {}


def test_contacts_import_shows_its_plan_and_overwrites_only_with_replace(
    tbl: Table, aws_endpoint: str, table: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Given two contacts already in the fleet: Acme as the file has it, Fuji Taxi with another number
    store = DynamoFleetStore(tbl, cache_ttl=0)
    store.put_doc("site", site_to_doc(Site(name="HQ", timezone="Asia/Tokyo", country="JP")))
    store.put_doc("contact", {"id": "acme", "name": "Acme", "phones": {"office": "+12065550100"}})
    store.put_doc("contact", {"id": "fuji-taxi", "name": "Fuji Taxi", "phones": {"office": "+81399998888"}})
    book = tmp_path / "book.csv"
    book.write_text("name,office\nAcme,+1 206 555 0100\nFuji Taxi,03-1234-5678\nHakone Inn,0460-12-3456\n")

    # When it is imported without --replace, as a dry run with it, then with it
    plain = run(capsys, aws_endpoint, table, "contacts", "import", str(book))
    taxi_after_plain = store.docs("contact")["fuji-taxi"]["phones"]
    dry = run(capsys, aws_endpoint, table, "contacts", "import", str(book), "--replace", "--dry-run", "--json")
    taxi_after_dry = store.docs("contact")["fuji-taxi"]["phones"]
    replaced = run(capsys, aws_endpoint, table, "contacts", "import", str(book), "--replace", "--json")

    # Then the plan names what is new, what would change and what is unchanged; the existing taxi is kept
    # until --replace, the dry run writes nothing, and --replace overwrites it
    assert plain[0] == 0 and plain[1].splitlines() == [
        "~ contact fuji-taxi (phones): kept, see --replace",
        "+ contact hakone-inn",
        "1 to create, 1 to update, 1 unchanged",
        "1 existing contact(s) kept as they are: --replace overwrites them",
        "imported 1 contact(s) from " + str(book),
    ]
    assert taxi_after_plain == {"office": "+81399998888"} == taxi_after_dry
    assert json.loads(dry[1])["applied"] is False and json.loads(dry[1])["update"] == ["fuji-taxi"]
    assert json.loads(replaced[1]) | {"notes": []} == {
        "create": [],
        "update": ["fuji-taxi"],
        "unchanged": ["acme", "hakone-inn"],
        "kept": [],
        "imported": ["fuji-taxi"],
        "notes": [],
        "applied": True,
    }
    assert store.docs("contact")["fuji-taxi"]["phones"] == {"office": "+81312345678"}


def test_contacts_import_of_a_vcard_file(
    tbl: Table, aws_endpoint: str, table: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, aws_endpoint, table, "contacts", "import", str(CONTACTS / "contacts-v4.vcf"))
    assert code == 0 and out.splitlines()[-1] == f"imported 2 contact(s) from {CONTACTS / 'contacts-v4.vcf'}"
    assert DynamoFleetStore(tbl, cache_ttl=0).docs("contact")


def test_contacts_import_of_an_unreadable_file_exits_2_and_writes_nothing(
    tbl: Table, aws_endpoint: str, table: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing_code, _, missing_err = run(capsys, aws_endpoint, table, "contacts", "import", str(tmp_path / "nope.csv"))
    directory_code, _, _ = run(capsys, aws_endpoint, table, "contacts", "import", str(tmp_path))
    assert missing_code == directory_code == 2
    assert "FILE" in missing_err and "Traceback" not in missing_err
    assert DynamoFleetStore(tbl, cache_ttl=0).docs("contact") == {}
