"""What apply derives from the fleet: each device's site, each site's names for Alexa and room list, the
directory's name keys, and the Alexa id index."""

from __future__ import annotations

import pytest

from skill.domain.fleet_index import (
    MAX_KEY_ENTRIES,
    MAX_SLOT_VALUES,
    ROOMS_PER_PART,
    derived_docs,
    device_sites,
    digest,
    directory_postings,
    entries_of,
    names_from_doc,
    names_to_doc,
    site_names,
)
from skill.domain.model import Contact, Device, DeviceKind, Fleet, Room, Site, User

TOKYO, NYC = Site(id="tokyo", timezone="Asia/Tokyo"), Site(id="nyc", timezone="America/New_York")
FLEET = Fleet(
    sites=(TOKYO, NYC),
    rooms=(
        Room("fuji", "Fuji", site="tokyo"),
        Room("lobby", "Lobby", site="tokyo", bookable=False),
        Room("hudson", "Hudson", site="nyc"),
    ),
    users=(
        User("alice", "Alice Tanaka", site="tokyo", alexa_user_ids=("amzn1.ask.account.A",)),
        User("bob", "Bob Chen", site="nyc", alexa_person_ids=("amzn1.ask.person.B",)),
        User("erin", "Erin Lee"),
    ),
    contacts=(Contact("acme", "Acme Support", phones={"office": "+12065550100"}),),
    devices=(
        Device("d-fuji", DeviceKind.SHARED, room="fuji"),
        Device("d-hudson", DeviceKind.SHARED, room="hudson"),
        Device("d-bob", DeviceKind.PERSONAL, user="bob"),
        Device("d-erin", DeviceKind.PERSONAL, user="erin"),
    ),
)


def test_a_device_is_at_its_rooms_site_or_its_users_home_site_or_the_first_site() -> None:
    assert device_sites(FLEET) == {"d-fuji": "tokyo", "d-hudson": "nyc", "d-bob": "nyc", "d-erin": "tokyo"}


def test_a_sites_names_hold_its_rooms_and_its_people_first() -> None:
    # When the names of each site are worked out
    tokyo, nyc = site_names(FLEET, "tokyo"), site_names(FLEET, "nyc")

    # Then each site has its own rooms, bookable first; its own employees come first (Erin, without a home
    # site, is the first site's), then the company's contacts, then the other sites' employees; a lobby's
    # list has the employees only
    assert [r.id for r in tokyo.rooms] == ["fuji", "lobby"] and [r.id for r in nyc.rooms] == ["hudson"]
    assert [p.id for p in tokyo.people] == ["alice", "erin", "acme", "bob"]
    assert [p.id for p in nyc.people] == ["bob", "acme", "alice", "erin"]
    assert [p.id for p in nyc.employees] == ["bob", "alice", "erin"]
    assert (tokyo.room_parts, nyc.room_parts) == (1, 1)


def test_a_large_site_sends_at_most_100_values_per_slot_type_its_own_first() -> None:
    # Given a site of 150 rooms and 150 employees, and 150 employees elsewhere
    rooms = tuple(Room(f"r{n:03d}", f"Room {n:03d}", site="tokyo", bookable=n % 2 == 0) for n in range(150))
    own = tuple(User(f"t{n:03d}", f"Taro {n:03d}", site="tokyo") for n in range(150))
    others = tuple(User(f"n{n:03d}", f"Nancy {n:03d}", site="nyc") for n in range(150))
    fleet = Fleet(sites=(TOKYO, NYC), rooms=rooms, users=own + others)

    # When Tokyo's names are worked out
    names = site_names(fleet, "tokyo")

    # Then 100 of each at most: the bookable rooms first, the site's own employees only
    assert len(names.rooms) == len(names.people) == len(names.employees) == MAX_SLOT_VALUES
    assert all(int(r.id[1:]) % 2 == 0 for r in names.rooms[:75]) and names.rooms[75].id == "r001"
    assert {p.id[0] for p in names.people} == {"t"}


def test_a_sites_room_list_is_stored_in_parts() -> None:
    # Given a site with more rooms than one part holds
    rooms = tuple(Room(f"r{n:04d}", f"Room {n}", site="tokyo") for n in range(ROOMS_PER_PART + 1))
    docs = derived_docs(Fleet(sites=(TOKYO,), rooms=rooms))

    # Then its names say how many parts, and the parts hold every room once
    assert names_from_doc(docs[("names", "tokyo")]).room_parts == 2
    stored = [room["id"] for part in ("tokyo#0", "tokyo#1") for room in docs[("siterooms", part)]["rooms"]]
    assert stored == [room.id for room in rooms]


def test_alexa_ids_point_to_the_user_and_their_site() -> None:
    docs = derived_docs(FLEET)
    assert docs[("alexauser", "amzn1.ask.account.A")] == {"user": "alice", "site": "tokyo"}
    assert docs[("person", "amzn1.ask.person.B")] == {"user": "bob", "site": "nyc"}


def test_names_round_trip_through_their_document() -> None:
    names = site_names(FLEET, "tokyo")
    assert names_from_doc(names_to_doc(names)) == names


def test_derived_documents_and_their_digests_are_the_same_every_time() -> None:
    # When the same fleet is derived twice
    first, second = derived_docs(FLEET), derived_docs(FLEET)

    # Then the documents and their digests are equal, and a change shows in the digest
    assert first == second
    assert {k: digest(d) for k, d in first.items()} == {k: digest(d) for k, d in second.items()}
    assert digest({"user": "alice"}) != digest({"user": "bob"})


def test_a_key_shared_by_very_many_keeps_a_bounded_list() -> None:
    # Given more people called Sam than a key keeps
    sams = [User(f"sam-{n:05d}", f"Sam Number{n}") for n in range(MAX_KEY_ENTRIES + 10)]

    # When the directory is filed
    postings = directory_postings(sams)

    # Then "sam" keeps MAX_KEY_ENTRIES entries, while each Sam is still filed under a key of their own
    assert len(postings["w:sam"]["entries"]) == MAX_KEY_ENTRIES
    assert [e.id for e in entries_of(postings["w:number1009"])] == ["user:sam-01009"]


READ_IN_A_FRESH_PROCESS = """
import json, sys
from skill.domain.directory import filed_under, match_names
from skill.domain.fleet_index import entries_of, sort_candidates
postings = json.loads(sys.stdin.read())
def read(keys):
    return sort_candidates(e for k in keys if k in postings for e in entries_of(postings[k]))
found = match_names(sys.argv[1], filed_under(sys.argv[1], read)).candidates
import pykakasi.kanji
print(json.dumps({"ids": [e.id for e in found],
                  "dictionary": pykakasi.kanji.Kanwa._shared_state["_jisyo_table"] is not None}))
"""


@pytest.mark.parametrize(
    ("query", "expected", "dictionary"),
    [
        ("佐藤さん", ["user:ksato"], False),  # written so in the directory: its reading was stored
        ("田中さん", ["user:ttanaka", "user:atanaka"], False),  # 田中 is someone's name: the Latin Tanaka too
        ("さとう", ["user:ksato"], False),  # kana needs no dictionary
        ("Sato", ["user:ksato"], False),
        ("鈴木", ["user:bsuzuki"], True),  # kanji nobody's name is written with: read with the dictionary
    ],
)
def test_a_request_reads_kanji_with_the_readings_apply_stored(
    query: str, expected: list[str], dictionary: bool
) -> None:
    import json
    import subprocess
    import sys

    # Given the directory filed at apply (a kanji name, a Latin Tanaka, a 田中 in kanji, a Latin Suzuki)
    people = [
        User("ksato", "佐藤 健", reading="さとう けん"),
        User("atanaka", "Alice Tanaka"),
        User("ttanaka", "田中 太郎"),
        User("bsuzuki", "Bob Suzuki"),
    ]
    postings = json.dumps(directory_postings(people), ensure_ascii=False)

    # When a fresh process looks the name up as a request does
    done = subprocess.run(
        [sys.executable, "-c", READ_IN_A_FRESH_PROCESS, query],
        input=postings,
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(done.stdout)

    # Then it finds whom the whole directory's matching finds, loading the kanji dictionary only when it must
    assert found["ids"] == expected and found["dictionary"] is dictionary
