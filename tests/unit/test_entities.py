"""Dynamic entities: the site's rooms and the people a device may name, replacing what Alexa knew."""

from __future__ import annotations

from typing import Any

from ask_sdk_core.serialize import DefaultSerializer

from skill.alexa.entities import dynamic_entities
from skill.domain.fleet_index import SiteNames, site_names
from skill.domain.model import Caller, CallerKind, Contact, Fleet, Room, User

FUJI = Room(id="fuji", name="Fuji", aliases=("mount fuji", "room 5a"))
LOBBY = Room(id="lobby", name="Lobby", bookable=False)
ALICE = User(id="alice", name="Alice Tanaka")
ACME = Contact(id="acme", name="Acme Support")
FLEET = Fleet(rooms=(FUJI, LOBBY), users=(ALICE,), contacts=(ACME,))


def names(fleet: Fleet) -> SiteNames:
    """The names apply stores for the fleet's one site."""
    return site_names(fleet, fleet.site.id)


def sent(caller: Caller, locale: str = "en-US") -> dict[str, Any]:
    serialized = DefaultSerializer().serialize(dynamic_entities(names(FLEET), caller, locale))
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


SATO = User(id="ksato", name="佐藤 健", reading="さとう けん")
SUZUKI = User(id="asuzuki", name="Alice Suzuki", reading="すずき ありす")
ACME_KANA = Contact(id="acme", name="Acme Support", reading="アクメ サポート")
READINGS = Fleet(rooms=(FUJI,), users=(SATO, SUZUKI), contacts=(ACME_KANA,))


def test_japanese_names_carry_their_readings_as_synonyms() -> None:
    # Given people with kana readings, on a personal device in Japanese
    personal = Caller(CallerKind.PERSONAL, "d", user=SATO, features=frozenset({"calling"}))
    directive = DefaultSerializer().serialize(dynamic_entities(names(READINGS), personal, "ja-JP"))

    # When Alexa learns the people
    people = values(directive, "CONTACT_NAME")

    # Then each reading is a way to say the name: whole, run together, in parts and with さん
    assert {"さとう けん", "さとうけん", "さとう", "けん", "さとうさん"} <= set(people["ksato"]["synonyms"])
    assert {"すずき ありす", "ありす", "ありすさん", "Alice", "Suzuki"} <= set(people["asuzuki"]["synonyms"])
    assert {"アクメ サポート", "アクメ", "アクメさん"} <= set(people["acme"]["synonyms"])


def test_english_names_carry_no_kana() -> None:
    personal = Caller(CallerKind.PERSONAL, "d", user=SATO, features=frozenset({"calling"}))
    directive = DefaultSerializer().serialize(dynamic_entities(names(READINGS), personal, "en-US"))
    synonyms = [s for entity in values(directive, "CONTACT_NAME").values() for s in entity["synonyms"]]
    assert not [s for s in synonyms if "さ" in s or "ア" in s or "す" in s]


def test_sending_readings_never_loads_the_japanese_reader() -> None:
    import subprocess
    import sys

    # Given a fresh interpreter that loads the skill and sends Japanese entities with readings, as a launch does
    code = (
        "import sys; from skill.alexa.builder import request_handlers; request_handlers(); "
        "from skill.alexa.entities import dynamic_entities; from skill.domain.model import Caller, CallerKind, "
        "User; from skill.domain.fleet_index import NamedPerson, SiteNames; "
        "sato = User(id='ksato', name='佐藤 健', reading='さとう けん'); "
        "names = SiteNames(people=(NamedPerson('ksato', '佐藤 健', (), 'さとう けん'),)); "
        "dynamic_entities(names, Caller(CallerKind.PERSONAL, 'd', user=sato), 'ja-JP'); "
        "print('pykakasi' in sys.modules)"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()

    # Then the romaniser and its dictionary are not imported
    assert loaded == "False"
