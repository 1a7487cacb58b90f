"""What `apply` works out from the whole fleet, so that a voice request reads a few small items by key:

- each device's site (its room's, or its user's home site, or the first site for a user without one);
- each site's names for Alexa's dynamic entities, at most 100 per slot type as Alexa allows: the site's rooms
  (bookable ones first), and the people a device of the site may name (the site's own employees first, then
  the company's contacts, then employees of other sites; a lobby device's list holds employees only), each
  group in order of name;
- each site's rooms with their booking rules, for "find a room" and a room named by voice, in parts of
  ROOMS_PER_PART rooms;
- the directory (employees and contacts of the whole company) filed under name keys
  (`skill.domain.directory.name_keys`): one entry list per key, at most MAX_KEY_ENTRIES long;
- the Alexa account and voice ids enrolled for users, with the user's site.

Every derived document is compared by its digest, so an apply writes only those that changed and a re-run
after an interrupted apply writes what is still missing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from skill.domain.fleet import room_to_doc
from skill.domain.model import Contact, Device, DeviceKind, Fleet, Room, User

if TYPE_CHECKING:
    from skill.domain.directory import DirectoryEntry

# The directory's name matching and readings are imported where names are filed or looked up, not by a launch.

MAX_SLOT_VALUES = 100  # Alexa's limit of dynamic entity values per slot type
ROOMS_PER_PART = 400  # rooms per stored part of a site's room list (each part far below 400 KB)
MAX_KEY_ENTRIES = 1000  # entries kept under one name key; a key shared by more is a weak one anyway
DERIVED_KINDS = ("alexauser", "person", "names", "siterooms", "namekey")

DocKey = tuple[str, str]  # (kind, id)
Put = tuple[str, str, Mapping[str, Any]]  # (kind, id, document)


@dataclass(frozen=True)
class NamedRoom:
    id: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class NamedPerson:
    id: str  # the user's or the contact's id
    name: str
    aliases: tuple[str, ...] = ()
    reading: str | None = None


@dataclass(frozen=True)
class SiteNames:
    """A site's names for Alexa's dynamic entities, and how many parts its room list is stored in."""

    rooms: tuple[NamedRoom, ...] = ()
    people: tuple[NamedPerson, ...] = ()  # what a device of the site may name: employees and contacts
    employees: tuple[NamedPerson, ...] = ()  # what a lobby device may name
    room_parts: int = 0


# ---------------------------------------------------------------- who is where


def home_site(user: User, fleet: Fleet) -> str:
    """The site a user belongs to: their home site, or the fleet's first."""
    return user.site or fleet.site.id


def device_site(device: Device, rooms: Mapping[str, Room], users: Mapping[str, User], default: str) -> str:
    """A device's site: its room's (shared), or its user's home site (personal); `default` when unknown."""
    if device.kind is DeviceKind.SHARED:
        room = rooms.get(device.room or "")
        return room.site_id if room else default
    user = users.get(device.user or "")
    return (user.site or default) if user else default


def device_sites(fleet: Fleet) -> dict[str, str]:
    rooms = {room.id: room for room in fleet.rooms}
    users = {user.id: user for user in fleet.users}
    return {device.id: device_site(device, rooms, users, fleet.site.id) for device in fleet.devices}


# ---------------------------------------------------------------- names and rooms per site


def _by_name(people: Iterable[User | Contact]) -> list[User | Contact]:
    return sorted(people, key=lambda p: (p.name.casefold(), p.id))


def _named(person: User | Contact) -> NamedPerson:
    return NamedPerson(person.id, person.name, person.aliases, person.reading)


def site_names(fleet: Fleet, site_id: str) -> SiteNames:
    """The names devices of `site_id` are given (see the module's docstring for which, when there are more)."""
    rooms = [room for room in fleet.rooms if room.site_id == site_id]
    rooms.sort(key=lambda room: (not room.bookable, room.name.casefold(), room.id))
    own = _by_name(u for u in fleet.users if home_site(u, fleet) == site_id)
    others = _by_name(u for u in fleet.users if home_site(u, fleet) != site_id)
    contacts = _by_name(fleet.contacts)
    return SiteNames(
        rooms=tuple(NamedRoom(r.id, r.name, r.aliases) for r in rooms[:MAX_SLOT_VALUES]),
        people=tuple(_named(p) for p in [*own, *contacts, *others][:MAX_SLOT_VALUES]),
        employees=tuple(_named(p) for p in [*own, *others][:MAX_SLOT_VALUES]),
        room_parts=-(-len(rooms) // ROOMS_PER_PART),
    )


def site_rooms(fleet: Fleet, site_id: str) -> list[Room]:
    """A site's rooms in order of id."""
    return sorted((room for room in fleet.rooms if room.site_id == site_id), key=lambda room: room.id)


def names_to_doc(names: SiteNames) -> dict[str, Any]:
    def person(p: NamedPerson) -> list[Any]:
        return [p.id, p.name, list(p.aliases), p.reading]

    return {
        "rooms": [[r.id, r.name, list(r.aliases)] for r in names.rooms],
        "people": [person(p) for p in names.people],
        "employees": [person(p) for p in names.employees],
        "room_parts": names.room_parts,
    }


def names_from_doc(doc: Mapping[str, Any]) -> SiteNames:
    def person(entry: Sequence[Any]) -> NamedPerson:
        return NamedPerson(entry[0], entry[1], tuple(entry[2]), entry[3])

    return SiteNames(
        rooms=tuple(NamedRoom(entry[0], entry[1], tuple(entry[2])) for entry in doc.get("rooms", ())),
        people=tuple(person(entry) for entry in doc.get("people", ())),
        employees=tuple(person(entry) for entry in doc.get("employees", ())),
        room_parts=int(doc.get("room_parts", 0)),
    )


def room_parts_ids(site_id: str, parts: int) -> list[str]:
    return [f"{site_id}#{n}" for n in range(parts)]


# ---------------------------------------------------------------- the directory


def directory_entry(party: User | Contact) -> DirectoryEntry:
    """A user (`user:id`, an employee) or a contact (`contact:id`) as the directory lists them."""
    from skill.domain.directory import DirectoryEntry

    if isinstance(party, User):
        return DirectoryEntry(f"user:{party.id}", party.name, party.aliases, "employee", party.reading)
    return DirectoryEntry(f"contact:{party.id}", party.name, party.aliases, "contact", party.reading)


def entry_to_doc(entry: DirectoryEntry) -> list[Any]:
    """An entry as its name keys list it, with the readings of its words in kanji (read once, at apply)."""
    from skill.domain import readings
    from skill.domain.directory import kanji_words

    doc: list[Any] = [entry.id, entry.name, list(entry.aliases), entry.kind, entry.reading]
    read = {word: readings.romanised(word) for word in sorted(kanji_words(entry))}
    return [*doc, read] if read else doc


def entry_from_doc(doc: Sequence[Any]) -> DirectoryEntry:
    """An entry from its document, learning the readings of its words in kanji (`skill.domain.readings`)."""
    from skill.domain import readings
    from skill.domain.directory import DirectoryEntry

    for word, spoken in (doc[5] if len(doc) > 5 else {}).items():
        readings.learn(word, spoken)
    return DirectoryEntry(doc[0], doc[1], tuple(doc[2]), doc[3], doc[4])


def entries_of(doc: Mapping[str, Any]) -> list[DirectoryEntry]:
    """The entries a name key's document lists; a key that is a word in kanji teaches its reading."""
    if "word" in doc:
        from skill.domain import readings

        readings.learn(doc["word"], doc["reading"])
    return [entry_from_doc(entry) for entry in doc["entries"]]


def directory_postings(parties: Iterable[User | Contact]) -> dict[str, dict[str, Any]]:
    """Per name key, the document listing the entries filed under it (in order of id, at most
    MAX_KEY_ENTRIES). A word in kanji keeps its reading, and lists also those filed under that reading in
    Latin letters, so a name heard in kanji finds "Alice Tanaka" under 田中 with no dictionary at hand."""
    from skill.domain import readings
    from skill.domain.directory import kanji_words, name_keys

    filed: dict[str, dict[str, list[Any]]] = {}
    words: set[str] = set()
    for party in parties:
        entry = directory_entry(party)
        doc = entry_to_doc(entry)
        words |= kanji_words(entry)
        for key in name_keys(entry):
            filed.setdefault(key, {})[entry.id] = doc
    docs: dict[str, dict[str, Any]] = {}
    for word in words:
        spoken = readings.romanised(word)
        under = filed.setdefault("w:" + word, {})
        for latin in readings.sounds(word).split():
            under.update(filed.get("w:" + latin, {}))
        docs["w:" + word] = {"word": word, "reading": spoken}
    for key, entries in filed.items():
        listed = [entries[ref] for ref in sorted(entries)][:MAX_KEY_ENTRIES]
        docs[key] = {**docs.get(key, {}), "entries": listed}
    return docs


def sort_candidates(entries: Iterable[DirectoryEntry]) -> list[DirectoryEntry]:
    """Entries found under several keys, once each: employees first, each kind in order of id."""
    unique = {entry.id: entry for entry in entries}
    return sorted(unique.values(), key=lambda entry: (entry.kind != "employee", entry.id))


# ---------------------------------------------------------------- everything derived


def derived_docs(fleet: Fleet) -> dict[DocKey, dict[str, Any]]:
    """Every derived document of `fleet` by (kind, id): Alexa id index entries, site names and room lists,
    and the directory's name keys."""
    docs: dict[DocKey, dict[str, Any]] = {}
    for user in fleet.users:
        pointer = {"user": user.id, "site": home_site(user, fleet)}
        docs.update({("alexauser", alexa_id): pointer for alexa_id in user.alexa_user_ids})
        docs.update({("person", person_id): pointer for person_id in user.alexa_person_ids})
    for site in fleet.every_site:
        names = site_names(fleet, site.id)
        docs[("names", site.id)] = names_to_doc(names)
        rooms = site_rooms(fleet, site.id)
        for n, part_id in enumerate(room_parts_ids(site.id, names.room_parts)):
            part = rooms[n * ROOMS_PER_PART : (n + 1) * ROOMS_PER_PART]
            docs[("siterooms", part_id)] = {"rooms": [room_to_doc(room) for room in part]}
    for key, doc in directory_postings([*fleet.users, *fleet.contacts]).items():
        docs[("namekey", key)] = doc
    return docs


def canonical(doc: Mapping[str, Any]) -> str:
    """A document as compact JSON, keys sorted: equal documents, equal text (how the store keeps them)."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def digest(doc: Mapping[str, Any]) -> str:
    """A short fingerprint of a document: equal documents, equal digests."""
    return hashlib.sha256(canonical(doc).encode()).hexdigest()[:20]
