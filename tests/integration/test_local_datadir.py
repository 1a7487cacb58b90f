"""The embedded server's data directory, with the server in a process of its own: what it acknowledged
comes back after a polite stop or `kill -9`; a torn last write is dropped; anything else it cannot trust
stops the start with a clear message and leaves the directory as it was."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from durable_aws import DurableAws, refused

from skill.adapters.dynamodb.schema import ensure_table

TABLE = "office"


def booking(n: int) -> dict[str, Any]:
    key = f"BOOKING#{n:05d}"
    return {
        "PK": {"S": "ROOMDAY#fuji#2026-12-01"},
        "SK": {"S": key},
        "GSI1PK": {"S": "USER#alice"},
        "GSI1SK": {"S": key},
    }


def write_an_office(server: DurableAws) -> None:
    """A table with items written every way the skill writes, an SSM parameter, an SES identity."""
    dynamodb = server.client("dynamodb")
    ensure_table(dynamodb, TABLE)
    dynamodb.put_item(TableName=TABLE, Item=booking(1))
    dynamodb.batch_write_item(RequestItems={TABLE: [{"PutRequest": {"Item": booking(n)}} for n in range(2, 27)]})
    dynamodb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": TABLE, "Item": booking(100), "ConditionExpression": "attribute_not_exists(PK)"}},
            {"Put": {"TableName": TABLE, "Item": {**booking(101), "slot": {"S": "0100"}}}},
        ]
    )
    dynamodb.update_item(
        TableName=TABLE,
        Key={"PK": booking(1)["PK"], "SK": booking(1)["SK"]},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "checked_in"}},
    )
    dynamodb.delete_item(TableName=TABLE, Key={"PK": booking(2)["PK"], "SK": booking(2)["SK"]})
    server.client("ssm").put_parameter(
        Name="/office/hooks/alice", Value="https://hooks.example.com/a", Type="SecureString"
    )
    server.client("sesv2").create_email_identity(EmailIdentity="reception@example.com")


def assert_the_office_is_there(server: DurableAws) -> None:
    dynamodb = server.client("dynamodb")
    table = dynamodb.describe_table(TableName=TABLE)["Table"]
    assert table["ItemCount"] == 27
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert dynamodb.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]["AttributeName"] == "expires_at"
    first = dynamodb.get_item(TableName=TABLE, Key={"PK": booking(1)["PK"], "SK": booking(1)["SK"]})["Item"]
    assert first["status"] == {"S": "checked_in"}
    assert "Item" not in dynamodb.get_item(TableName=TABLE, Key={"PK": booking(2)["PK"], "SK": booking(2)["SK"]})
    by_user = dynamodb.query(
        TableName=TABLE,
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :u",
        ExpressionAttributeValues={":u": {"S": "USER#alice"}},
    )
    assert by_user["Count"] == 27
    parameter = server.client("ssm").get_parameter(Name="/office/hooks/alice", WithDecryption=True)["Parameter"]
    assert parameter["Value"] == "https://hooks.example.com/a"
    identities = server.client("sesv2").list_email_identities()["EmailIdentities"]
    assert [i["IdentityName"] for i in identities] == ["reception@example.com"]


def office_left_in(directory: Path, by: str) -> None:
    """An office written through a server on `directory`, which is then "killed" or "stopped"."""
    server = DurableAws.start(directory)
    write_an_office(server)
    if by == "killed":
        server.kill()
    else:
        server.stop()


def fingerprint(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir()) if p.name != "LOCK"}


def journal(directory: Path) -> Path:
    """The live journal (a kill during a snapshot can leave the one before it too)."""
    return max(directory.glob("journal-*.wal"))


def test_what_was_acknowledged_is_there_after_kill_9(tmp_path: Path) -> None:
    # Given an office written through the embedded server
    # When the server is killed without a chance to save anything
    office_left_in(tmp_path, "killed")

    # Then the next start replays the journal and everything is there
    second = DurableAws.start(tmp_path)
    assert second.replayed == 9  # the nine write requests; the reads were never journaled
    assert_the_office_is_there(second)
    second.stop()


def test_a_polite_stop_leaves_a_snapshot_to_start_from(tmp_path: Path) -> None:
    # Given an office written, and the server stopped politely
    office_left_in(tmp_path, "stopped")

    # Then the directory holds one snapshot and an empty journal after it
    [snapshot] = tmp_path.glob("snapshot-*.snap")
    assert snapshot.stem[9:] == journal(tmp_path).stem[8:]
    assert len(journal(tmp_path).read_bytes().splitlines()) == 1  # the journal's header only

    # When it starts again, from the snapshot alone
    second = DurableAws.start(tmp_path)

    # Then the office is there, its 27 items written back in two batches
    assert second.replayed == 6  # CreateTable, UpdateTimeToLive, 2 BatchWriteItem, the SSM and SES writes
    assert_the_office_is_there(second)
    second.stop()


def test_a_torn_last_write_was_never_acknowledged_and_is_dropped(tmp_path: Path) -> None:
    # Given an office written, the server killed while appending one more record
    office_left_in(tmp_path, "killed")
    with journal(tmp_path).open("ab") as torn:
        torn.write(b'0badc0de {"m":"POST","p":"/","q":"","h":{},"b":"{\\"TableName')

    # When it starts again
    second = DurableAws.start(tmp_path)

    # Then the torn line is dropped, and every acknowledged write is there
    assert second.torn == 1
    assert_the_office_is_there(second)
    second.stop()


def test_a_damaged_record_stops_the_start_and_changes_nothing(tmp_path: Path) -> None:
    # Given an office written, the server killed, then one journal line damaged in the middle
    office_left_in(tmp_path, "killed")
    lines = journal(tmp_path).read_bytes().splitlines(keepends=True)
    lines[3] = lines[3].replace(b"BOOKING", b"BOOKINH", 1)
    journal(tmp_path).write_bytes(b"".join(lines))
    before = fingerprint(tmp_path)

    # When it starts again
    status, said = refused(tmp_path)

    # Then it refuses, naming the file and line and what to do, and the directory is as it was
    assert status == 1
    assert f"{journal(tmp_path)}: line 4 is damaged" in said and "--fresh" in said
    assert fingerprint(tmp_path) == before


def test_a_directory_written_in_another_format_is_refused(tmp_path: Path) -> None:
    # Given a data directory whose format marker says a later version wrote it
    first = DurableAws.start(tmp_path)
    first.stop()
    (tmp_path / "FORMAT").write_text(json.dumps({"format": "office-skill data directory", "version": 2}))

    # When the server starts on it
    status, said = refused(tmp_path)

    # Then it says which format it found and which it reads
    assert status == 1
    assert "data format 2" in said and "reads format 1" in said


def test_journal_files_without_a_format_marker_are_refused(tmp_path: Path) -> None:
    # Given a directory with a journal but no format marker (half copied, say)
    office_left_in(tmp_path, "killed")
    (tmp_path / "FORMAT").unlink()

    # When the server starts on it
    status, said = refused(tmp_path)

    # Then it refuses rather than starting empty beside them
    assert status == 1
    assert "no FORMAT" in said


def test_a_directory_in_use_is_refused(tmp_path: Path) -> None:
    # Given a server running on a data directory
    first = DurableAws.start(tmp_path)

    # When a second one starts on the same directory
    status, said = refused(tmp_path)

    # Then it is refused, and the first keeps serving
    assert status == 1
    assert "in use by another office-skill serve" in said
    assert first.client("dynamodb").list_tables()["TableNames"] == []
    first.stop()


def test_fresh_starts_empty(tmp_path: Path) -> None:
    # Given an office kept in a data directory
    office_left_in(tmp_path, "stopped")

    # When the server starts with --fresh
    second = DurableAws.start(tmp_path, "--fresh")

    # Then nothing of it is left
    assert second.client("dynamodb").list_tables()["TableNames"] == []
    assert second.client("ssm").describe_parameters()["Parameters"] == []
    second.stop()


def test_concurrent_writes_across_background_snapshots_are_all_kept(tmp_path: Path) -> None:
    # Given a server that takes a snapshot every 20 records
    first = DurableAws.start(tmp_path, "--snapshot-every", "20")
    dynamodb = first.client("dynamodb")
    ensure_table(dynamodb, TABLE)

    # When 8 clients write 200 items between them, and the server is killed right after
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: dynamodb.put_item(TableName=TABLE, Item=booking(n)), range(200)))
    first.kill()

    # Then snapshots were taken while they wrote, and all 200 items are there after a restart
    assert int(journal(tmp_path).name[8:14]) > 5
    second = DurableAws.start(tmp_path)
    assert second.client("dynamodb").describe_table(TableName=TABLE)["Table"]["ItemCount"] == 200
    second.stop()


@pytest.mark.parametrize("operation", ["GetItem", "Query", "DescribeTable"])
def test_reads_are_not_journaled(tmp_path: Path, operation: str) -> None:
    # Given a table with one item
    server = DurableAws.start(tmp_path)
    dynamodb = server.client("dynamodb")
    ensure_table(dynamodb, TABLE)
    dynamodb.put_item(TableName=TABLE, Item=booking(1))
    size = journal(tmp_path).stat().st_size

    # When it is only read
    calls = {
        "GetItem": lambda: dynamodb.get_item(TableName=TABLE, Key={"PK": booking(1)["PK"], "SK": booking(1)["SK"]}),
        "Query": lambda: dynamodb.query(
            TableName=TABLE, KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": booking(1)["PK"]}
        ),
        "DescribeTable": lambda: dynamodb.describe_table(TableName=TABLE),
    }
    calls[operation]()

    # Then the journal did not grow
    assert journal(tmp_path).stat().st_size == size
    server.stop()


# --- which requests are journaled, and how (no server needed) --------------------------------------


def environ(
    target: str | None = None, *, method: str = "POST", path: str = "/", body: bytes = b"", **headers: str
) -> dict[str, Any]:
    built: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": ""}
    if target:
        built["HTTP_X_AMZ_TARGET"] = target
    for name, value in headers.items():
        built[name] = value
    return built


SIGNED = (
    "AWS4-HMAC-SHA256 Credential=AKIAREALKEYID/20261201/us-east-1/{service}/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=3f1c0ffee"
)


@pytest.mark.parametrize(
    ("request_environ", "body", "writes"),
    [
        (environ("DynamoDB_20120810.PutItem"), b"{}", True),
        (environ("DynamoDB_20120810.TransactWriteItems"), b"{}", True),
        (environ("DynamoDB_20120810.GetItem"), b"{}", False),
        (environ("DynamoDB_20120810.BatchGetItem"), b"{}", False),
        (environ("DynamoDBStreams_20120810.GetRecords"), b"{}", False),
        (environ("AmazonSSM.PutParameter"), b"{}", True),
        (environ("AmazonSSM.GetParametersByPath"), b"{}", False),
        (environ(CONTENT_TYPE="application/x-www-form-urlencoded"), b"Action=Publish&PhoneNumber=%2B8190", True),
        (environ(CONTENT_TYPE="application/x-www-form-urlencoded"), b"Action=ListTopics", False),
        (environ(path="/v2/email/outbound-emails"), b"{}", True),
        (environ(method="GET", path="/v2/email/identities"), b"", False),
    ],
)
def test_writes_are_told_from_reads_by_operation_or_method(
    request_environ: dict[str, Any], body: bytes, writes: bool
) -> None:
    from skill.local.datadir import Request

    assert Request.from_environ(request_environ, body).writes is writes


def test_a_journaled_request_keeps_its_scope_but_not_the_key_id_or_signature() -> None:
    from skill.local.datadir import Request

    # Given a signed request from a client holding real credentials
    signed = environ(
        "DynamoDB_20120810.PutItem",
        HTTP_AUTHORIZATION=SIGNED.format(service="dynamodb"),
        HTTP_X_AMZ_SECURITY_TOKEN="FwoGZXIvYXdzEXAMPLE",
        CONTENT_TYPE="application/x-amz-json-1.0",
    )

    # When it is turned into a journal record
    record = json.dumps(Request.from_environ(signed, b"{}").to_json())

    # Then the region and service that route it are kept, and nothing of the credentials
    assert "us-east-1/dynamodb/aws4_request" in record
    assert "AKIAREALKEYID" not in record and "3f1c0ffee" not in record and "FwoGZXIvYXdz" not in record


def test_a_described_table_is_created_again_as_it_was() -> None:
    from skill.local.datadir import create_table_request

    # Given what DescribeTable says of an on-demand table with a stream and an index
    described = {
        "TableName": "office",
        "AttributeDefinitions": [{"AttributeName": "PK", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}],
        "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
        "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0},
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "GSI1",
                "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
                "IndexStatus": "ACTIVE",
            }
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        "TableStatus": "ACTIVE",
    }

    # Then the CreateTable request holds its definition and nothing of its state
    assert create_table_request(described) == {
        "TableName": "office",
        "AttributeDefinitions": [{"AttributeName": "PK", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "GSI1",
                "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }


def test_a_write_that_cannot_reach_the_disk_is_not_acknowledged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from skill.local.datadir import DataDir

    # Given a data directory in front of a server that accepts everything
    applied: list[str] = []

    def server(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        applied.append(environ.get("HTTP_X_AMZ_TARGET", environ["REQUEST_METHOD"]))
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]

    store = DataDir.open(tmp_path, lambda: [])
    store.restore(server)
    app = store.middleware(server)

    def send(target: str) -> str:
        statuses: list[str] = []
        request = environ(target, CONTENT_LENGTH="2")
        request["wsgi.input"] = io.BytesIO(b"{}")
        b"".join(app(request, lambda status, headers, exc=None: statuses.append(status)))
        return statuses[0]

    # When the disk refuses to sync a write
    with monkeypatch.context() as disk:
        disk.setattr("os.fsync", lambda fd: (_ for _ in ()).throw(OSError(28, "No space left on device")))
        failed = send("DynamoDB_20120810.PutItem")

    # Then that write is answered with a failure, later writes are refused before they reach the server,
    # and reads still work
    later = send("DynamoDB_20120810.PutItem")
    read = send("DynamoDB_20120810.GetItem")
    store.close()
    assert (failed, later, read) == ("500 Internal Server Error", "503 Service Unavailable", "200 OK")
    assert applied == ["DynamoDB_20120810.PutItem", "DynamoDB_20120810.GetItem"]


def test_a_stop_that_cannot_wait_for_the_last_snapshot_keeps_every_write_and_refuses_later_ones(
    tmp_path: Path,
) -> None:
    import io

    from skill.local.datadir import DataDir, DataDirError

    # Given a data directory in front of a server that accepts everything, whose last snapshot will be slow
    applied: list[str] = []
    slow, release = threading.Event(), threading.Event()

    def server(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        applied.append(environ.get("HTTP_X_AMZ_TARGET", environ["REQUEST_METHOD"]))
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]

    def dump() -> list[Any]:
        if slow.is_set():
            release.wait(30)
        return []

    def send(app: Any, target: str) -> str:
        statuses: list[str] = []
        request = environ(target, CONTENT_LENGTH="2")
        request["wsgi.input"] = io.BytesIO(b"{}")
        b"".join(app(request, lambda status, headers, exc=None: statuses.append(status)))
        return statuses[0]

    store = DataDir.open(tmp_path, dump)
    store.restore(server)
    app = store.middleware(server)
    assert send(app, "AmazonSSM.PutParameter") == "200 OK"

    # When it is closed with a fifth of a second to spare while the snapshot cannot be written
    slow.set()
    started = time.monotonic()
    finished = store.close(timeout=0.2)
    waited = time.monotonic() - started

    # Then the close comes back unfinished rather than waiting for the snapshot
    assert (finished, waited < 5) == (False, True)
    # And once the snapshot can go on, the closing ends by itself and lets the directory go
    release.set()
    again = None
    deadline = time.monotonic() + 10
    while again is None and time.monotonic() < deadline:
        try:
            again = DataDir.open(tmp_path, lambda: [])
        except DataDirError:
            time.sleep(0.05)
    assert again is not None
    # And a write that comes after is refused, never applied, while the one acknowledged before is kept
    assert send(app, "AmazonSSM.PutParameter") == "503 Service Unavailable"
    applied.clear()
    again.restore(server)
    again.close()
    assert applied == ["AmazonSSM.PutParameter"]


def test_a_data_directory_is_created_private_and_a_file_in_its_place_is_refused(tmp_path: Path) -> None:
    # Given a place for a data directory, and a file where another would go
    from skill.local.datadir import DataDirError, make_directory

    (tmp_path / "taken").write_text("not a directory")
    # When both are made
    made = make_directory(tmp_path / "new" / "data")
    with pytest.raises(DataDirError) as refusal:
        make_directory(tmp_path / "taken")
    # Then the new one is readable by its owner alone, and the file is named in a clear error
    assert made.stat().st_mode & 0o777 == 0o700
    assert str(tmp_path / "taken") in str(refusal.value)
