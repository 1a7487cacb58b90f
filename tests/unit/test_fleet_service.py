"""Planning, applying and exporting a fleet against the in-memory store."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from fakes import InMemoryFleetStore, read_no_contacts

from skill.domain.fleet import parse_fleet
from skill.domain.model import Fleet
from skill.services.fleet import FleetService


def service(store: InMemoryFleetStore) -> FleetService:
    return FleetService(store, read_contacts=read_no_contacts)


def office(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "site": {"name": "HQ", "timezone": "Asia/Tokyo", "country": "JP"},
        "rooms": [{"id": "fuji", "name": "Fuji", "capacity": 8}, {"id": "aso", "name": "Aso"}],
        "skill_groups": [{"id": "lobby", "features": ["reception"]}],
        "devices": [
            {"id": "amzn1.ask.device.FUJI", "room": "fuji"},
            {"id": "amzn1.ask.device.ALICE", "kind": "personal", "user": "alice"},
        ],
        "users": [
            {"id": "alice", "name": "Alice Tanaka", "alexa_user_ids": ["amzn1.ask.account.A"]},
            {"id": "bob", "name": "Bob Suzuki", "phones": {"mobile": "090-1234-5678"}},
        ],
        "contacts": [{"id": "acme", "name": "Acme", "phones": {"office": "+1 206 555 0100"}}],
    }
    doc.update(overrides)
    return doc


def fleet(**overrides: Any) -> Fleet:
    return parse_fleet(office(**overrides))


def actions(store: InMemoryFleetStore, desired: Fleet, *, prune: bool = False) -> list[tuple[str, str, str]]:
    return [(c.action, c.kind, c.id) for c in service(store).plan(desired, prune=prune).changes]


def test_an_empty_store_plans_a_create_for_every_entity() -> None:
    # Given an empty store
    store = InMemoryFleetStore()

    # When the office is planned
    result = service(store).plan(fleet(), prune=False)

    # Then everything is created (the one site as `main`, the calling policy under the id "site"), with the
    # index documents derived from it, and nothing is written yet
    assert {(c.kind, c.id) for c in result.changes} == {
        ("site", "main"),
        ("calling", "site"),
        ("limits", "site"),
        ("group", "lobby"),
        ("room", "fuji"),
        ("room", "aso"),
        ("user", "alice"),
        ("user", "bob"),
        ("contact", "acme"),
        ("device", "amzn1.ask.device.FUJI"),
        ("device", "amzn1.ask.device.ALICE"),
    }
    assert all(c.action == "create" and c.old_doc is None for c in result.changes)
    assert result.summary.startswith("11 to create, 0 to update, 0 to delete; index: ")
    assert ("names", "main") in {(kind, i) for kind, i, _ in result.index_puts}
    assert store.log == []


def test_applying_the_same_fleet_twice_changes_nothing_the_second_time() -> None:
    # Given the office applied once
    store = InMemoryFleetStore()
    service(store).apply(service(store).plan(fleet(), prune=True))

    # When it is planned again
    second = service(store).plan(fleet(), prune=True)

    # Then the plan is empty, index documents included
    assert second.empty
    assert second.summary == "0 to create, 0 to update, 0 to delete"


def test_a_changed_field_is_one_update_naming_the_field() -> None:
    # Given the office applied
    store = InMemoryFleetStore()
    service(store).apply(service(store).plan(fleet(), prune=False))
    rooms = office()["rooms"]
    rooms[0]["capacity"] = 10

    # When Fuji's capacity changes
    result = service(store).plan(fleet(rooms=rooms), prune=False)

    # Then only Fuji is updated, with its old and new documents
    assert [(c.action, c.kind, c.id, c.changed_fields) for c in result.changes] == [
        ("update", "room", "fuji", ["capacity"])
    ]
    change = result.changes[0]
    assert change.old_doc is not None and change.old_doc["capacity"] == 8
    assert change.new_doc is not None and change.new_doc["capacity"] == 10


def test_entities_missing_from_the_file_are_deleted_only_with_prune() -> None:
    # Given the office applied
    store = InMemoryFleetStore()
    service(store).apply(service(store).plan(fleet(), prune=False))
    smaller = fleet(users=office()["users"][:1], contacts=[])

    # When bob and the contact are left out of the file
    kept = actions(store, smaller, prune=False)
    pruned = actions(store, smaller, prune=True)

    # Then only a pruning plan deletes them
    assert kept == []
    assert sorted(pruned) == [("delete", "contact", "acme"), ("delete", "user", "bob")]


def test_apply_writes_what_a_device_refers_to_before_the_device() -> None:
    # Given an empty store
    store = InMemoryFleetStore()

    # When the office is applied
    service(store).apply(service(store).plan(fleet(), prune=False))

    # Then rooms, groups and users are written before any device
    kinds = [kind for _, kind, _ in store.entity_log()]
    first_device = kinds.index("device")
    assert {"room", "group", "user"} <= set(kinds[:first_device])
    assert set(kinds[first_device:]) == {"device"}


def test_apply_deletes_devices_before_the_rooms_and_users_they_refer_to() -> None:
    # Given the office applied
    store = InMemoryFleetStore()
    service(store).apply(service(store).plan(fleet(), prune=False))

    # When a file without Fuji, alice and their devices is applied with prune
    emptier = fleet(rooms=office()["rooms"][1:], users=office()["users"][1:], devices=[])
    store.log.clear()
    service(store).apply(service(store).plan(emptier, prune=True))

    # Then both devices go first, then the room and the user
    deleted = [(kind, entity_id) for op, kind, entity_id in store.entity_log() if op == "delete"]
    assert {k for k, _ in deleted[:2]} == {"device"}
    assert set(deleted[2:]) == {("room", "fuji"), ("user", "alice")}


def test_apply_moves_a_device_before_deleting_its_old_room() -> None:
    # Given the office applied
    store = InMemoryFleetStore()
    service(store).apply(service(store).plan(fleet(), prune=False))
    devices = office()["devices"]
    devices[0]["room"] = "aso"

    # When Fuji's device moves to Aso and Fuji is dropped
    service(store).apply(service(store).plan(fleet(rooms=office()["rooms"][1:], devices=devices), prune=True))

    # Then the device stands in Aso and Fuji is gone
    assert store.docs("device")["amzn1.ask.device.FUJI"]["room"] == "aso"
    assert "fuji" not in store.docs("room")
    log = store.entity_log()
    assert log.index(("put", "device", "amzn1.ask.device.FUJI")) < log.index(("delete", "room", "fuji"))


@pytest.mark.parametrize(("giver", "taker"), [(0, 1), (1, 0)])
def test_an_alexa_account_moved_to_another_user_resolves_to_the_new_user(giver: int, taker: int) -> None:
    # Given one user enrolled with Alexa account X (alice is written before bob)
    users = office()["users"]
    users[0]["alexa_user_ids"] = []
    users[giver]["alexa_user_ids"] = ["amzn1.ask.account.X"]
    store = InMemoryFleetStore()
    service(store).apply(service(store).plan(fleet(users=users), prune=False))

    # When the account moves to the other user
    users[giver]["alexa_user_ids"] = []
    users[taker]["alexa_user_ids"] = ["amzn1.ask.account.X"]
    service(store).apply(service(store).plan(fleet(users=users), prune=False))

    # Then account X is the new user's
    assert store.account_user("amzn1.ask.account.X") == users[taker]["id"]


def test_an_alexa_account_taken_over_from_a_pruned_user_resolves_to_the_new_user() -> None:
    # Given alice enrolled with Alexa account A
    store = InMemoryFleetStore()
    service(store).apply(service(store).plan(fleet(), prune=False))
    carol = {"id": "carol", "name": "Carol Sato", "alexa_user_ids": ["amzn1.ask.account.A"]}

    # When alice leaves and carol, who gets account A, joins
    service(store).apply(service(store).plan(fleet(users=[office()["users"][1], carol], devices=[]), prune=True))

    # Then account A is carol's
    assert store.account_user("amzn1.ask.account.A") == "carol"


def test_apply_reports_progress_after_each_change() -> None:
    # Given a plan of eleven entity changes and their index documents
    store = InMemoryFleetStore()
    the_plan = service(store).plan(fleet(), prune=False)
    seen: list[tuple[int, int]] = []

    # When it is applied with a progress reporter
    service(store).apply(the_plan, progress=lambda done, total: seen.append((done, total)))

    # Then every write is reported, counting up to the total
    total = 11 + len(the_plan.index_puts)
    assert seen == [(i, total) for i in range(1, total + 1)]


def test_export_applies_back_as_an_empty_plan() -> None:
    # Given the office applied
    store = InMemoryFleetStore()
    service(store).apply(service(store).plan(fleet(), prune=False))

    # When the store is exported, written as YAML and read back
    exported = yaml.safe_load(yaml.safe_dump(service(store).export(), sort_keys=False))

    # Then the export is a valid fleet file that changes nothing, even with prune
    assert service(store).plan(parse_fleet(exported), prune=True).changes == []
    assert [r["id"] for r in exported["rooms"]] == ["aso", "fuji"]
    assert exported["users"][1]["phones"] == {"mobile": "+819012345678"}
