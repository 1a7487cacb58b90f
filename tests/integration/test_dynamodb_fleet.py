"""DynamoFleetStore against moto's DynamoDB: documents and what apply derives from them, reads by key for a
voice request (identification, profile, site names, site rooms, the directory), bounded caches, claims."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
import yaml
from fakes import read_no_contacts
from support import apply_entities

from skill.adapters.dynamodb.fleet import CACHE_ITEMS, DynamoFleetStore
from skill.adapters.dynamodb.table import Table
from skill.domain.directory import query_keys
from skill.domain.egress import LOCAL  # the demo is applied by the local runtime
from skill.domain.fleet import parse_fleet
from skill.domain.model import Fleet, User
from skill.services.fleet import FleetService

DEMO = Path(__file__).resolve().parents[2] / "skill" / "data" / "demo-fleet.yaml"


def admin(store: DynamoFleetStore) -> FleetService:
    return FleetService(store, read_contacts=read_no_contacts)


def demo() -> Fleet:
    return parse_fleet(yaml.safe_load(DEMO.read_text(encoding="utf-8")), egress=LOCAL)


def apply(store: DynamoFleetStore, fleet: Fleet, *, prune: bool = False) -> None:
    admin(store).apply(admin(store).plan(fleet, prune=prune))


def other_store(store: DynamoFleetStore, aws_endpoint: str) -> DynamoFleetStore:
    """Another process's store on the same table (office-admin, say)."""
    client = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1")
    return DynamoFleetStore(Table(client, store.table.name), cache_ttl=0)


@pytest.fixture
def store(aws_endpoint: str, table: str) -> DynamoFleetStore:
    client = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1")
    return DynamoFleetStore(Table(client, table), cache_ttl=60)


@pytest.fixture
def demo_store(store: DynamoFleetStore) -> DynamoFleetStore:
    apply(store, demo())
    store.invalidate()
    return store


@pytest.fixture
def requests(demo_store: DynamoFleetStore) -> Iterator[list[str]]:
    """The DynamoDB operations the demo store sends from now on."""
    sent: list[str] = []

    def note(request, **_):  # type: ignore[no-untyped-def]
        sent.append(request.headers["X-Amz-Target"].decode().rpartition(".")[2])

    demo_store.table.client.meta.events.register("before-send.dynamodb", note)
    yield sent
    demo_store.table.client.meta.events.unregister("before-send.dynamodb", note)


def test_applied_documents_read_back_equal_and_the_second_plan_is_empty(store: DynamoFleetStore) -> None:
    # Given the demo office
    fleet = demo()

    # When it is applied to an empty table
    apply(store, fleet)

    # Then every document reads back as written: nothing left to change, derived ones included, and the export
    # is the file's content
    assert admin(store).plan(fleet, prune=True).empty
    assert sorted(store.docs("room")) == ["aso", "fuji", "hotaka", "lobby", "yari"]
    assert store.docs("site")["main"]["timezone"] == "Asia/Tokyo"
    assert store.docs("device")["amzn1.ask.device.DEMO-FUJI"]["site"] == "main"
    assert store.docs("room")["lobby"]["bookable"] is False
    assert parse_fleet(admin(store).export(), egress=LOCAL) == store.load_fleet()
    assert {u.id for u in store.load_fleet().users} == {u.id for u in fleet.users}


def test_a_shared_device_is_identified_then_profiled_in_two_round_trips(
    demo_store: DynamoFleetStore, requests: list[str]
) -> None:
    # Given the demo office and a cold store
    # When the Fuji device asks, with bob's voice recognised, and its site's names are wanted
    ident = demo_store.identify("amzn1.ask.device.DEMO-FUJI", "amzn1.ask.account.SOMEONE", "amzn1.ask.person.DEMO-BOB")
    device = ident.device
    assert device is not None
    site, room, group, users = demo_store.profile(
        ident.site, device.room, device.skill_group, [ident.person_user or ""]
    )
    names = demo_store.site_names(site.id)

    # Then the device, the person, the profile and the names came in two BatchGetItems
    assert requests == ["BatchGetItem", "BatchGetItem"]
    assert (device.room, ident.person_user, ident.account_user, ident.site) == ("fuji", "bob", None, "main")
    assert site.name == "Example HQ"
    assert room is not None and room.name == "Fuji"
    assert group is not None and "booking" in group.features
    assert users["bob"].email == "bob@example.com"
    assert "fuji" in {r.id for r in names.rooms} and "bob" in {p.id for p in names.people}


def test_a_profile_whose_site_is_gone_asks_once(demo_store: DynamoFleetStore, requests: list[str]) -> None:
    # Given a device whose stored site (say a site removed since) is not in the table
    # When its profile is read
    site, room, _, _ = demo_store.profile("gone", "fuji", None, [])

    # Then one BatchGetItem asked for everything, the missing site included, and the site is only its id
    assert requests == ["BatchGetItem"]
    assert site.id == "gone" and room is not None and room.id == "fuji"


def test_a_warm_store_answers_a_known_device_without_a_request(
    demo_store: DynamoFleetStore, requests: list[str]
) -> None:
    # Given the Fuji device identified and profiled once
    for _ in range(2):
        ident = demo_store.identify("amzn1.ask.device.DEMO-FUJI", "amzn1.ask.account.SOMEONE", None)
        demo_store.profile(ident.site, "fuji", "meeting-rooms", [])
        demo_store.site_names("main")
        demo_store.calling()

    # Then the second time cost nothing
    assert len(requests) == 2


def test_the_directory_is_searched_through_name_keys(demo_store: DynamoFleetStore, requests: list[str]) -> None:
    # Given the demo office applied (its name keys written with it)
    # When "Tanaka-san" and "たなか" are looked up
    latin = demo_store.directory(query_keys("Tanaka-san"))
    kana = demo_store.directory(query_keys("たなか"))

    # Then each look-up is one BatchGetItem of name keys, finding alice, and no more of the fleet was read
    assert requests == ["BatchGetItem", "BatchGetItem"]
    assert "user:alice" in {entry.id for entry in latin} and "user:alice" in {entry.id for entry in kana}
    assert len(latin) < len(demo().users) + len(demo().contacts)


def test_a_site_s_rooms_come_from_their_parts(demo_store: DynamoFleetStore) -> None:
    # When the demo site's rooms are read, as "find a room" does
    rooms = demo_store.site_rooms("main")

    # Then they are every room of the site, with their booking rules
    assert [room.id for room in rooms] == ["aso", "fuji", "hotaka", "lobby", "yari"]
    assert next(r for r in rooms if r.id == "lobby").bookable is False


def test_changing_a_users_alexa_ids_moves_the_index_items(demo_store: DynamoFleetStore) -> None:
    # Given alice enrolled with an account and a voice
    alice = next(u for u in demo().users if u.id == "alice")

    # When her enrolment changes and the fleet is applied
    apply_entities(demo_store, replace(alice, alexa_user_ids=("amzn1.ask.account.NEW",), alexa_person_ids=()))

    # Then the old ids no longer resolve and the new one does
    assert demo_store.identify(None, "amzn1.ask.account.DEMO-ALICE", "amzn1.ask.person.DEMO-ALICE").account_user is None
    assert demo_store.identify(None, None, "amzn1.ask.person.DEMO-ALICE").person_user is None
    assert demo_store.identify(None, "amzn1.ask.account.NEW", None).account_user == "alice"


def test_deleting_a_user_removes_their_index_items(demo_store: DynamoFleetStore) -> None:
    # Given alice enrolled with an Alexa account
    fleet = demo()
    without = replace(fleet, users=tuple(u for u in fleet.users if u.id != "alice"))
    without = replace(without, devices=tuple(d for d in fleet.devices if d.user != "alice"))

    # When she is pruned
    apply(demo_store, without, prune=True)

    # Then neither her document, her account nor her name resolves
    assert "alice" not in demo_store.docs("user")
    assert demo_store.identify(None, "amzn1.ask.account.DEMO-ALICE", None).account_user is None
    assert "user:alice" not in {e.id for e in demo_store.directory(query_keys("Alice Tanaka"))}


def test_a_device_registered_after_a_cached_miss_is_recognised_at_once(demo_store: DynamoFleetStore) -> None:
    # Given a device the store has just looked up and not found
    assert demo_store.identify("amzn1.ask.device.NEW", None, None).device is None

    # When it is registered
    demo_store.put_doc("device", {"id": "amzn1.ask.device.NEW", "kind": "shared", "room": "aso", "site": "main"})

    # Then the next request finds it
    device = demo_store.identify("amzn1.ask.device.NEW", None, None).device
    assert device is not None and device.room == "aso"


def test_a_room_added_by_another_process_is_read_by_key(demo_store: DynamoFleetStore, aws_endpoint: str) -> None:
    # Given a warm store
    demo_store.profile("main", "aso", None, [])
    # When another process (office-admin) adds a room
    other_store(demo_store, aws_endpoint).put_doc("room", {"id": "denali", "name": "Denali"})
    # Then the warm store finds it at once: what it has not seen is read by key
    _, room, _, _ = demo_store.profile("main", "denali", None, [])
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


def test_the_whole_fleet_is_listed_for_admin_in_one_request_and_kept_until_this_store_writes(
    demo_store: DynamoFleetStore, aws_endpoint: str, requests: list[str]
) -> None:
    # Given a warm store and another process's store on the same table
    other = other_store(demo_store, aws_endpoint)

    # When the fleet is listed, then listed again by kind
    fleet = demo_store.load_fleet()
    rooms, users, policy = demo_store.docs("room"), demo_store.docs("user"), demo_store.docs("calling")

    # Then it took one request, and a room added elsewhere shows only after this store writes (or the TTL ends)
    assert requests == ["Query"]
    assert sorted(rooms) == sorted(room.id for room in fleet.rooms)
    assert set(users) == {user.id for user in fleet.users} and "site" in policy
    other.put_doc("room", {"id": "annex", "name": "Annex"})
    assert "annex" not in demo_store.docs("room")
    demo_store.put_doc("room", {"id": "kita", "name": "Kita"})
    assert {"annex", "kita"} <= set(demo_store.docs("room"))


def test_a_known_device_is_identified_again_without_a_request(
    demo_store: DynamoFleetStore, requests: list[str]
) -> None:
    # Given the Fuji device identified once in a warm container
    demo_store.identify("amzn1.ask.device.DEMO-FUJI", "amzn1.ask.account.SOMEONE", None)
    first = len(requests)

    # When it asks again, and an unknown device asks
    again = demo_store.identify("amzn1.ask.device.DEMO-FUJI", "amzn1.ask.account.SOMEONE", None)
    after_known = len(requests)
    code = "123456"
    demo_store.create_claim(code, "amzn1.ask.device.STRANGER", datetime.now(UTC) + timedelta(minutes=5))
    stranger = demo_store.identify("amzn1.ask.device.STRANGER", None, None)

    # Then the known device costs nothing the second time; the unknown one still finds its code
    assert first == 1 and after_known == first
    assert again.device is not None and again.device.room == "fuji"
    assert stranger.device is None and stranger.claim_code == code


def test_the_cache_of_a_warm_store_holds_a_bounded_number_of_items(demo_store: DynamoFleetStore) -> None:
    # Given more users looked up than the cache holds
    for n in range(CACHE_ITEMS + 50):
        demo_store._cache.put((f"USER#u{n}", "META"), {"PK": f"USER#u{n}"})

    # Then the cache keeps the latest CACHE_ITEMS, the oldest gone
    assert len(demo_store._cache._items) == CACHE_ITEMS
    assert demo_store._cache.get(("USER#u0", "META")) is None
    assert demo_store._cache.get((f"USER#u{CACHE_ITEMS + 49}", "META")) is not None


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

    # When the fleet is read, listed and by key
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


def test_a_room_or_user_by_id_is_read_by_key_once_and_then_cached(
    demo_store: DynamoFleetStore, requests: list[str]
) -> None:
    # When rooms and a user are asked for by id, twice, and a missing room twice
    for _ in range(2):
        fuji, bob = demo_store.get_room("fuji"), demo_store.get_user("bob")
    known_reads = len(requests)
    demo_store.get_room("nowhere")
    nowhere = demo_store.get_room("nowhere")

    # Then each found one cost one read, the second time none; a missing one is read each time
    assert fuji is not None and fuji.name == "Fuji" and bob == next(u for u in demo().users if u.id == "bob")
    assert known_reads == 2
    assert nowhere is None and len(requests) == 4


def test_an_added_employee_is_found_by_name_after_apply(demo_store: DynamoFleetStore) -> None:
    # When a new employee is applied
    apply_entities(demo_store, User(id="zoe", name="Zoë Hartmann"))

    # Then the directory finds her by name, with or without the accent
    assert "user:zoe" in {entry.id for entry in demo_store.directory(query_keys("Zoe Hartmann"))}
