"""DynamoFleetStore against moto's DynamoDB: documents, Alexa-id index items, identification, claims."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
import yaml
from fakes import read_no_contacts

from skill.adapters.dynamodb.fleet import DynamoFleetStore
from skill.adapters.dynamodb.table import Table
from skill.domain.egress import LOCAL  # the demo is applied by the local runtime
from skill.domain.fleet import parse_fleet
from skill.services.fleet import FleetService

DEMO = Path(__file__).resolve().parents[2] / "skill" / "data" / "demo-fleet.yaml"


def admin(store: DynamoFleetStore) -> FleetService:
    return FleetService(store, read_contacts=read_no_contacts)


@pytest.fixture
def store(aws_endpoint: str, table: str) -> DynamoFleetStore:
    client = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1")
    return DynamoFleetStore(Table(client, table), cache_ttl=60)


@pytest.fixture
def demo_store(store: DynamoFleetStore) -> DynamoFleetStore:
    fleet = parse_fleet(yaml.safe_load(DEMO.read_text(encoding="utf-8")), egress=LOCAL)
    admin(store).apply(admin(store).plan(fleet, prune=False))
    return store


def test_applied_documents_read_back_equal_and_the_second_plan_is_empty(store: DynamoFleetStore) -> None:
    # Given the demo office
    fleet = parse_fleet(yaml.safe_load(DEMO.read_text(encoding="utf-8")), egress=LOCAL)

    # When it is applied to an empty table
    admin(store).apply(admin(store).plan(fleet, prune=False))

    # Then every document reads back as written: nothing left to change, and the export is the file's content
    assert admin(store).plan(fleet, prune=True).changes == []
    assert sorted(store.docs("room")) == ["aso", "fuji", "hotaka", "lobby", "yari"]
    assert store.docs("site")["site"]["timezone"] == "Asia/Tokyo"
    assert store.docs("room")["lobby"]["bookable"] is False
    assert parse_fleet(admin(store).export(), egress=LOCAL) == store.load_fleet()
    assert {u.id for u in store.load_fleet().users} == {u.id for u in fleet.users}


def test_a_shared_device_is_identified_with_its_room_group_and_recognised_person(demo_store: DynamoFleetStore) -> None:
    # Given the demo office
    # When the Fuji device asks, with bob's voice recognised
    ident = demo_store.identify("amzn1.ask.device.DEMO-FUJI", "amzn1.ask.account.SOMEONE", "amzn1.ask.person.DEMO-BOB")
    site, room, group, users = demo_store.profile("fuji", "meeting-rooms", ["bob"])

    # Then the device, the person and the profile are found
    assert ident.device is not None and ident.device.room == "fuji"
    assert ident.person_user == "bob"
    assert ident.account_user is None
    assert site.name == "Example HQ"
    assert room is not None and room.name == "Fuji"
    assert group is not None and "booking" in group.features
    assert users["bob"].email == "bob@example.com"


def test_changing_a_users_alexa_ids_moves_the_index_items(demo_store: DynamoFleetStore) -> None:
    # Given alice enrolled with an account and a voice
    old = demo_store.docs("user")["alice"]
    new = {**old, "alexa_user_ids": ["amzn1.ask.account.NEW"], "alexa_person_ids": []}

    # When her enrolment changes
    demo_store.put_doc("user", new, old)

    # Then the old ids no longer resolve and the new one does
    assert demo_store.identify(None, "amzn1.ask.account.DEMO-ALICE", "amzn1.ask.person.DEMO-ALICE").account_user is None
    assert demo_store.identify(None, None, "amzn1.ask.person.DEMO-ALICE").person_user is None
    assert demo_store.identify(None, "amzn1.ask.account.NEW", None).account_user == "alice"


def test_deleting_a_user_removes_their_index_items(demo_store: DynamoFleetStore) -> None:
    # Given alice enrolled with an Alexa account
    old = demo_store.docs("user")["alice"]

    # When she is deleted
    demo_store.delete_doc("user", "alice", old)

    # Then neither her document nor her account resolves
    assert "alice" not in demo_store.docs("user")
    assert demo_store.identify(None, "amzn1.ask.account.DEMO-ALICE", None).account_user is None


def test_a_device_registered_after_a_cached_miss_is_recognised_at_once(demo_store: DynamoFleetStore) -> None:
    # Given a device the store has just looked up and not found
    assert demo_store.identify("amzn1.ask.device.NEW", None, None).device is None

    # When it is registered
    demo_store.put_doc("device", {"id": "amzn1.ask.device.NEW", "kind": "shared", "room": "aso"})

    # Then the next request finds it
    device = demo_store.identify("amzn1.ask.device.NEW", None, None).device
    assert device is not None and device.room == "aso"


def test_a_room_added_by_another_process_is_found_while_the_snapshot_is_cached(
    demo_store: DynamoFleetStore, aws_endpoint: str, table: str
) -> None:
    # Given a warm store that has its fleet snapshot cached
    demo_store.profile("aso", None, [])
    # When another process (office-admin) adds a room
    other = DynamoFleetStore(Table(boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1"), table))
    other.put_doc("room", {"id": "denali", "name": "Denali"})
    # Then the warm store finds it at once: what the snapshot lacks is read by key
    _, room, _, _ = demo_store.profile("denali", None, [])
    assert room is not None and room.name == "Denali"


def test_a_claim_is_taken_once_and_then_forgotten(store: DynamoFleetStore) -> None:
    # Given a code issued to a device
    now = datetime.now(UTC)
    assert store.create_claim("123456", "amzn1.ask.device.X", now + timedelta(minutes=15))

    # When the code is taken twice
    first = store.take_claim("123456", now)
    second = store.take_claim("123456", now)

    # Then the device is returned once, and the code is gone, also from the device's pointer
    assert (first, second) == ("amzn1.ask.device.X", None)
    assert store.identify("amzn1.ask.device.X", None, None).claim_code is None


def test_a_live_code_is_not_issued_twice_and_an_expired_one_is_refused(store: DynamoFleetStore) -> None:
    # Given a live code for one device and an expired one for another
    now = datetime.now(UTC)
    assert store.create_claim("111111", "amzn1.ask.device.A", now + timedelta(minutes=15))
    assert store.create_claim("222222", "amzn1.ask.device.B", now - timedelta(minutes=1))

    # When the live code is requested for another device, and the expired one is taken
    reused = store.create_claim("111111", "amzn1.ask.device.C", now + timedelta(minutes=15))
    expired = store.take_claim("222222", now)

    # Then both are refused, and the first device still has its code
    assert (reused, expired) == (False, None)
    assert store.identify("amzn1.ask.device.A", None, None).claim_code == "111111"


def test_the_whole_fleet_is_read_in_one_request_and_kept_until_this_store_writes(
    demo_store: DynamoFleetStore, aws_endpoint: str
) -> None:
    # Given a warm store and another process's store on the same table
    requests: list[str] = []
    demo_store.table.client.meta.events.register("before-send.dynamodb", lambda request, **_: requests.append("x"))
    other_client = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1")
    other = DynamoFleetStore(Table(other_client, demo_store.table.name), cache_ttl=0)
    demo_store.invalidate()

    # When the fleet is listed, then listed again by kind
    fleet = demo_store.load_fleet()
    rooms, users, policy = demo_store.docs("room"), demo_store.docs("user"), demo_store.docs("calling")
    first_reads = len(requests)

    # Then it took one request, and a room added elsewhere shows only after this store writes (or the TTL ends)
    assert first_reads == 1
    assert sorted(rooms) == sorted(room.id for room in fleet.rooms)
    assert set(users) == {user.id for user in fleet.users} and "site" in policy
    other.put_doc("room", {"id": "annex", "name": "Annex"})
    assert "annex" not in demo_store.docs("room")
    demo_store.put_doc("room", {"id": "kita", "name": "Kita"})
    assert {"annex", "kita"} <= set(demo_store.docs("room"))


def test_a_known_device_is_identified_again_without_a_request(demo_store: DynamoFleetStore) -> None:
    # Given the Fuji device identified once in a warm container
    requests: list[str] = []
    demo_store.table.client.meta.events.register("before-send.dynamodb", lambda request, **_: requests.append("x"))
    demo_store.identify("amzn1.ask.device.DEMO-FUJI", "amzn1.ask.account.SOMEONE", None)
    first = len(requests)

    # When it asks again, and an unknown device asks twice
    again = demo_store.identify("amzn1.ask.device.DEMO-FUJI", "amzn1.ask.account.SOMEONE", None)
    after_known = len(requests)
    code = "123456"
    demo_store.create_claim(code, "amzn1.ask.device.STRANGER", datetime.now(UTC) + timedelta(minutes=5))
    stranger = demo_store.identify("amzn1.ask.device.STRANGER", None, None)

    # Then the known device costs nothing the second time; the unknown one still finds its code
    assert first == 1 and after_known == first
    assert again.device is not None and again.device.room == "fuji"
    assert stranger.device is None and stranger.claim_code == code


def test_a_document_is_stored_as_one_string_and_map_documents_written_before_are_still_read(
    store: DynamoFleetStore,
) -> None:
    # Given a room written by this store, and a room and a device whose documents are attribute maps (the
    # form earlier versions wrote)
    store.put_doc("room", {"id": "fuji", "name": "Fuji", "floor": 5, "aliases": ["富士", "room 5a"]})
    client, name = store.table.client, store.table.name
    for pk, kind, doc in (
        ("ROOM#aso", "room", {"M": {"id": {"S": "aso"}, "name": {"S": "Aso"}, "capacity": {"N": "6"}}}),
        (
            "DEVICE#amzn1.ask.device.OLD",
            "device",
            {"M": {"id": {"S": "amzn1.ask.device.OLD"}, "kind": {"S": "shared"}, "room": {"S": "aso"}}},
        ),
    ):
        item = {"PK": {"S": pk}, "SK": {"S": "META"}, "GSI1PK": {"S": "FLEET"}, "GSI1SK": {"S": pk}}
        client.put_item(TableName=name, Item={**item, "kind": {"S": kind}, "doc": doc})

    # When the fleet is read, by snapshot and by key
    store.invalidate()
    rooms = store.docs("room")
    device = store.identify("amzn1.ask.device.OLD", None, None).device
    by_key = store.get_room("aso")

    # Then both forms read the same way, and the new document is one string attribute holding its JSON
    raw = client.get_item(TableName=name, Key={"PK": {"S": "ROOM#fuji"}, "SK": {"S": "META"}})["Item"]["doc"]
    assert list(raw) == ["S"] and '"aliases":["富士","room 5a"]' in raw["S"]
    assert rooms["fuji"] == {"id": "fuji", "name": "Fuji", "floor": 5, "aliases": ["富士", "room 5a"]}
    assert rooms["aso"] == {"id": "aso", "name": "Aso", "capacity": 6}
    assert device is not None and device.room == "aso"
    assert by_key is not None and by_key.capacity == 6


def test_a_room_user_or_contact_by_id_comes_from_the_cached_fleet_and_a_new_one_by_key(
    demo_store: DynamoFleetStore, aws_endpoint: str, table: str
) -> None:
    # Given a warm store whose fleet snapshot is cached, and a room another process adds afterwards
    demo_store.load_fleet()
    requests: list[str] = []
    demo_store.table.client.meta.events.register("before-send.dynamodb", lambda request, **_: requests.append("x"))
    other = DynamoFleetStore(Table(boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1"), table))
    other.put_doc("room", {"id": "denali", "name": "Denali"})

    # When rooms, a user and the new room are asked for by id
    fuji, bob = demo_store.get_room("fuji"), demo_store.get_user("bob")
    known_reads = len(requests)
    denali, nowhere = demo_store.get_room("denali"), demo_store.get_room("nowhere")

    # Then the known ones cost no request; the new room and a missing one are read by key
    assert fuji is not None and fuji.name == "Fuji" and bob is not None
    assert known_reads == 0
    assert denali is not None and denali.name == "Denali" and nowhere is None
    assert len(requests) == 2
