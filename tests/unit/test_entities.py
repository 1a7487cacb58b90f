"""Dynamic entities: the fleet's rooms and the people a device may name, replacing what Alexa knew."""

from __future__ import annotations

from typing import Any

from ask_sdk_core.serialize import DefaultSerializer

from skill.alexa.entities import dynamic_entities
from skill.domain.model import Caller, CallerKind, Contact, Fleet, Room, User

FUJI = Room(id="fuji", name="Fuji", aliases=("mount fuji", "room 5a"))
LOBBY = Room(id="lobby", name="Lobby", bookable=False)
ALICE = User(id="alice", name="Alice Tanaka")
ACME = Contact(id="acme", name="Acme Support")
FLEET = Fleet(rooms=(FUJI, LOBBY), users=(ALICE,), contacts=(ACME,))


def sent(caller: Caller, locale: str = "en-US") -> dict[str, Any]:
    serialized = DefaultSerializer().serialize(dynamic_entities(FLEET, caller, locale))
    assert isinstance(serialized, dict)
    return serialized


def values(directive: dict[str, Any], slot_type: str) -> dict[str, dict[str, Any]]:
    [entities] = [t["values"] for t in directive["types"] if t["name"] == slot_type]
    return {entity["id"]: entity["name"] for entity in entities}


def test_rooms_and_people_replace_what_alexa_knew_on_a_meeting_room_device() -> None:
    # Given a meeting-room device
    room = Caller(CallerKind.SHARED, "d", room=FUJI, features=frozenset({"booking", "calling"}))

    # When the entities are built
    directive = sent(room)

    # Then every room with its aliases, every user and every contact is sent, replacing earlier entities
    assert directive["type"] == "Dialog.UpdateDynamicEntities"
    assert directive["updateBehavior"] == "REPLACE"
    assert values(directive, "ROOM_NAME")["fuji"] == {"value": "Fuji", "synonyms": ["mount fuji", "room 5a"]}
    assert set(values(directive, "CONTACT_NAME")) == {"alice", "acme"}
    assert "tanaka san" in [s.lower() for s in values(directive, "CONTACT_NAME")["alice"]["synonyms"]]


def test_a_lobby_device_learns_employees_only() -> None:
    # Given the lobby's shared device
    lobby = Caller(CallerKind.SHARED, "d", room=LOBBY, features=frozenset({"reception"}))

    # Then contacts of the address book are not sent to it
    assert set(values(sent(lobby), "CONTACT_NAME")) == {"alice"}


def test_japanese_names_carry_the_honorific_people_say() -> None:
    personal = Caller(CallerKind.PERSONAL, "d", user=ALICE, features=frozenset({"calling"}))
    assert "Tanakaさん" in values(sent(personal, "ja-JP"), "CONTACT_NAME")["alice"]["synonyms"]
