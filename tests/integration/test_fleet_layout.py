"""How `apply` writes the fleet, on moto's DynamoDB: in bulk (BatchWriteItem, the items DynamoDB leaves
unprocessed sent again), finished by the next apply when one is killed midway, and from the layout of the
version before sites (one SITE#site item, no index items), which voice requests keep reading until the next
apply converts it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from fakes import FixedClock, read_no_contacts
from support import Conversation, serving, speech

from skill.adapters.dynamodb import table as table_module
from skill.adapters.dynamodb.fleet import DynamoFleetStore
from skill.adapters.dynamodb.schema import ensure_table
from skill.adapters.dynamodb.table import Table, UnprocessedItemsError
from skill.bootstrap import Container, Services, build
from skill.cli.main import main
from skill.config import LOCAL_SKILL_ID, Settings
from skill.domain import fleet as codec
from skill.domain.directory import query_keys
from skill.domain.fleet import parse_fleet
from skill.domain.model import Fleet
from skill.local.faultproxy import FaultProxy
from skill.services.fleet import FleetService

ROOT = Path(__file__).resolve().parents[2]
OFFICE = ROOT / "tests" / "fixtures" / "office.yaml"


def client(endpoint: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")


def admin(endpoint: str, table: str, *argv: str) -> int:
    return main([*argv, "--table", table, "--endpoint-url", endpoint])


def items(endpoint: str, table: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Every item of the table by key."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    args: dict[str, Any] = {"TableName": table}
    while True:
        page = client(endpoint).scan(**args)
        found.update({(i["PK"]["S"], i["SK"]["S"]): i for i in page["Items"]})
        if "LastEvaluatedKey" not in page:
            return found
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]


# ---------------------------------------------------------------- bulk writes


def test_items_left_unprocessed_are_sent_again_until_written(aws_endpoint: str, table: str) -> None:
    # Given DynamoDB (behind a proxy) leaving half of two batches unprocessed
    with FaultProxy(aws_endpoint, operations={"BatchWriteItem"}) as proxy:
        proxy.fail_next("unprocessed", "unprocessed")
        writer = Table(client(proxy.url), table)
        puts = [{"PK": f"TEST#{n:03d}", "SK": "META", "n": n} for n in range(60)]
        done: list[int] = []

        # When 60 items are written (three batches, a few at once)
        writer.batch_write(puts, progress=done.append)

    # Then every item is stored, the unprocessed ones sent again, and progress counted every item once
    stored = items(aws_endpoint, table)
    assert {(f"TEST#{n:03d}", "META") for n in range(60)} <= set(stored)
    assert proxy.injected["unprocessed"] == 2 and proxy.seen["BatchWriteItem"] == 3 + 2
    assert sum(done) == 60


def test_items_that_stay_unprocessed_fail_the_write_for_the_next_apply_to_finish(
    aws_endpoint: str, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given DynamoDB leaving part of every batch unprocessed, and quick pauses between rounds
    monkeypatch.setattr(table_module, "BACKOFF_CAP_SECONDS", 0.01)
    with FaultProxy(aws_endpoint, operations={"BatchWriteItem"}) as proxy:
        proxy.fail_randomly(["unprocessed"], 1.0, limit=100)
        writer = Table(client(proxy.url), table)

        # When a batch is written / Then the write fails once the retries are spent
        with pytest.raises(UnprocessedItemsError, match="unprocessed after 8 retries"):
            writer.batch_write([{"PK": f"TEST#{n}", "SK": "META"} for n in range(4)])
    assert proxy.seen["BatchWriteItem"] == 1 + table_module.UNPROCESSED_RETRIES


# ---------------------------------------------------------------- an apply killed midway


def generated(people: int) -> dict[str, Any]:
    """The test office with `people` more employees, each with an Alexa account."""
    doc = yaml.safe_load(OFFICE.read_text(encoding="utf-8"))
    first, last = ("Aki", "Ben", "Chika", "Dan", "Emi", "Fumio"), ("Abe", "Baker", "Chiba", "Doyle", "Endo")
    doc["users"] += [
        {
            "id": f"p{n:04d}",
            "name": f"{first[n % 6]} {last[n % 5]}{n}",
            "alexa_user_ids": [f"amzn1.ask.account.P{n:04d}"],
        }
        for n in range(people)
    ]
    return doc


@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    path = tmp_path / "fleet.yaml"
    path.write_text(yaml.safe_dump(generated(300)), encoding="utf-8")
    return path


def apply_killed_midway(proxy: FaultProxy, table: str, fleet_file: Path, batches: int) -> None:
    """`office-admin apply` in its own process through the proxy, killed once `batches` BatchWriteItems went
    through and the next is held."""
    proxy.fail_next(*(["forward"] * batches), *(["stall"] * 1000))
    env = {**os.environ, "AWS_ENDPOINT_URL_DYNAMODB": proxy.url}
    command = [sys.executable, "-m", "skill.cli.main", "--table", table, "apply", str(fleet_file)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while proxy.seen["BatchWriteItem"] <= batches and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert proxy.seen["BatchWriteItem"] > batches, "the apply ended before it was killed"


def test_an_apply_killed_midway_is_finished_by_the_next(
    aws_endpoint: str, table: str, big_file: Path, request: pytest.FixtureRequest
) -> None:
    # Given an apply of 300 more people killed after 12 batches were written
    with FaultProxy(aws_endpoint, operations={"BatchWriteItem"}) as proxy:
        apply_killed_midway(proxy, table, big_file, batches=12)
    half = len(items(aws_endpoint, table))

    # When the same file is applied again, and once more
    second = admin(aws_endpoint, table, "apply", str(big_file))
    store = DynamoFleetStore(Table(client(aws_endpoint), table), cache_ttl=0)
    third = FleetService(store, read_contacts=read_no_contacts).plan(
        parse_fleet(yaml.safe_load(big_file.read_text())), prune=True
    )

    # Then the second apply finished it: nothing is left to change, and the table holds exactly what one
    # apply to an empty table writes, every person found by name and by Alexa account
    assert half > 0 and second == 0 and third.empty
    clean = f"{table}-clean"
    ensure_table(client(aws_endpoint), clean)
    assert admin(aws_endpoint, clean, "apply", str(big_file)) == 0
    assert set(items(aws_endpoint, table)) == set(items(aws_endpoint, clean))
    assert store.derived_digests() == DynamoFleetStore(Table(client(aws_endpoint), clean)).derived_digests()
    assert store.identify(None, "amzn1.ask.account.P0299", None).account_user == "p0299"
    assert "user:p0299" in {e.id for e in store.directory(query_keys("Fumio Endo299"))}


# ---------------------------------------------------------------- the layout before sites


def write_as_before_sites(endpoint: str, table: str, fleet: Fleet) -> None:
    """The items the version before sites wrote for a fleet: each entity `KIND#id / META` with its document
    (the site under SITE#site, without an id; devices without a site) listed by `GSI1PK = FLEET`, and Alexa
    id items pointing to their user; nothing derived."""
    docs: list[tuple[str, str, dict[str, Any]]] = [
        ("site", "SITE#site", {k: v for k, v in codec.site_to_doc(fleet.site).items() if k != "id"}),
        ("calling", "CALLING#site", codec.calling_to_doc(fleet.calling)),
    ]
    docs += [("group", f"GROUP#{g.id}", codec.group_to_doc(g)) for g in fleet.skill_groups]
    docs += [("room", f"ROOM#{r.id}", codec.room_to_doc(r)) for r in fleet.rooms]
    docs += [("user", f"USER#{u.id}", codec.user_to_doc(u)) for u in fleet.users]
    docs += [("contact", f"CONTACT#{c.id}", codec.contact_to_doc(c)) for c in fleet.contacts]
    docs += [("device", f"DEVICE#{d.id}", codec.device_to_doc(d)) for d in fleet.devices]
    writer = Table(client(endpoint), table)
    for kind, pk, doc in docs:
        encoded = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        writer.put({"PK": pk, "SK": "META", "GSI1PK": "FLEET", "GSI1SK": pk, "kind": kind, "doc": encoded})
    for user in fleet.users:
        for prefix, ids in (("ALEXAUSER#", user.alexa_user_ids), ("PERSON#", user.alexa_person_ids)):
            for alexa_id in ids:
                writer.put({"PK": prefix + alexa_id, "SK": "META", "user": user.id})


@pytest.fixture
def earlier(aws_endpoint: str, table: str, office_fleet: Fleet) -> Container:
    """A table holding the test office as the version before sites wrote it, and the skill's adapters on it."""
    write_as_before_sites(aws_endpoint, table, office_fleet)
    settings = Settings(skill_id=LOCAL_SKILL_ID, table=table, cache_ttl_seconds=30)
    built = build(settings, dynamodb_client=client(aws_endpoint))
    built.clock = FixedClock()  # type: ignore[assignment]
    return built


@pytest.fixture
def voice(earlier: Container) -> Iterator[Any]:
    from skill import app

    with serving(Services(earlier)):
        yield lambda device, **kwargs: Conversation(app.handle_skill_event, device, **kwargs)


def day_at_the_office(voice: Any) -> list[str]:
    """What a room, the lobby and a desk hear through a morning: the launch, a status, a call by name, a
    visitor for Alice, and Alice's own desk."""
    room, lobby = voice("amzn1.ask.device.TESTROOM"), voice("amzn1.ask.device.TESTLOBBY")
    desk = voice("amzn1.ask.device.ELSEWHERE", user="amzn1.ask.account.TESTALICE")
    lobby.say("VisitorCheckInIntent", visitorName="Ken Sato", host="Alice")
    return [
        speech(room.say("RoomStatusIntent")),
        speech(room.say("CallContactIntent", contact="Bob Chen")),
        speech(lobby.say("VisitorCheckInIntent", "CONFIRMED", visitorName="Ken Sato", host="Alice")),
        speech(desk.say("AMAZON.HelpIntent")),
    ]


def test_voice_requests_read_a_table_in_the_layout_before_sites(voice: Any, earlier: Container) -> None:
    from skill import app
    from skill.local.envelopes import launch_request

    # Given the test office stored as the version before sites stored it
    # When the room launches and a morning goes by
    launch = app.handle_skill_event(
        launch_request(application_id=LOCAL_SKILL_ID, device_id="amzn1.ask.device.TESTROOM", user_id="x")
    )
    heard = day_at_the_office(voice)

    # Then everything is answered as before: the room, its site's names, a call by name, a visitor for Alice
    # (the directory read whole), and Alice's own account
    assert "Fuji" in speech(launch)
    [entities] = [d for d in launch["response"]["directives"] if d["type"] == "Dialog.UpdateDynamicEntities"]
    assert {v["id"] for t in entities["types"] for v in t["values"]} >= {"fuji", "everest", "alice", "acme"}
    assert "Fuji is free" in heard[0]
    assert "Call Bob Chen's mobile?" in heard[1]
    assert "Thanks, Ken. Alice knows you're here." in heard[2]
    assert "You can say" in heard[3]
    assert [(v.visitor_name, v.host_id, v.site) for v in earlier.visits.on_site()] == [("Ken Sato", "alice", "main")]


def test_the_next_apply_brings_the_earlier_layout_to_the_current_one(
    aws_endpoint: str, table: str, earlier: Container, voice: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the test office stored as the version before sites stored it
    before = items(aws_endpoint, table)

    # When the same file is applied, then again
    first = admin(aws_endpoint, table, "apply", str(OFFICE))
    first_out = capsys.readouterr().out
    second = admin(aws_endpoint, table, "apply", str(OFFICE))
    second_out = capsys.readouterr().out

    # Then the first converts the table (the site moves to SITE#main, devices learn their site, the Alexa ids
    # theirs, the index items are written), the second has nothing to change, and the day is the same
    after = items(aws_endpoint, table)
    assert ("SITE#site", "META") in before and ("SITE#site", "META") not in after
    assert json.loads(after[("SITE#main", "META")]["doc"]["S"])["name"] == "Test HQ"
    assert json.loads(after[("DEVICE#amzn1.ask.device.TESTROOM", "META")]["doc"]["S"])["site"] == "main"
    assert json.loads(after[("ALEXAUSER#amzn1.ask.account.TESTALICE", "META")]["doc"]["S"]) == {
        "user": "alice",
        "site": "main",
    }
    assert ("SITE#main", "NAMES") in after and ("NAMEKEY#w:tanaka", "META") in after
    assert (first, second) == (0, 0)
    assert "this apply converts it" in first_out and "~ site main (id, position)" in first_out
    assert second_out.strip() == "nothing to change"
    earlier.fleet.invalidate()
    heard = day_at_the_office(voice)
    assert "Call Bob Chen's mobile?" in heard[1] and "Thanks, Ken." in heard[2]
