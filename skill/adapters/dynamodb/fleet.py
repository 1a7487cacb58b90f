"""Fleet items (sites, the calling policy, rooms, skill groups, devices, users, contacts), what `apply`
derives from them, and enrolment claims in the table.

Each entity is one item `KIND#id / META` holding its fleet-file document as compact JSON in `doc` (with
what apply derives for it: a site's `position` in the file, a device's `site`); `GSI1PK = FLEET` lists them
for the admin CLI and the jobs. A voice request never lists them: it reads by key, in one BatchGetItem per
step, items it found being cached for a short time (bounded, so memory stays flat whatever the fleet):

- `DEVICE#id`, `CLAIMDEV#id`, `ALEXAUSER#id`, `PERSON#id` / `META`: who is speaking (one round trip);
- `SITE#site / META`, `ROOM#id`, `GROUP#id`, `USER#id`, `SITE#site / NAMES` (the site's names for Alexa),
  `CALLING#site`, `LIMITS#site`: the request's profile (one round trip);
- `SITE#site / ROOMS#n`: the site's rooms, for "find a room";
- `NAMEKEY#key / META`: the directory's entries filed under one name key.

Derived items carry `GSI1PK = FLEETINDEX#n` (n: one of INDEX_SHARDS, by the item's key) and their `digest`,
so `apply` lists what is stored and writes only what changed. A table written before there were sites holds
its site under `SITE#site` (no id in its document) and none of the derived items: voice requests read such a
table as before (the whole fleet, cached), and the next `apply` brings it to this layout.
"""

from __future__ import annotations

import json
import time
import zlib
from collections import OrderedDict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from threading import Lock
from typing import TYPE_CHECKING, Any

from skill.adapters.dynamodb.table import Table, key, to_attrs
from skill.domain import fleet as codec
from skill.domain import fleet_index
from skill.domain.fleet_index import DocKey, Put, SiteNames
from skill.domain.model import DEFAULT_SITE, CallingPolicy, Identity, Site

if TYPE_CHECKING:
    from skill.domain.directory import DirectoryEntry
    from skill.domain.model import Contact, Fleet, Limits, Room, SkillGroup, User
    from skill.ports import Progress

META = "META"
FLEET_INDEX = "FLEET"
DERIVED_INDEX = "FLEETINDEX#"
INDEX_SHARDS = 8  # derived items spread over this many index partitions, listed side by side
# kind -> key prefix; the calling policy and the limits are singletons stored under the id "site".
PREFIX = {
    "site": "SITE#",
    "calling": "CALLING#",
    "limits": "LIMITS#",
    "room": "ROOM#",
    "group": "GROUP#",
    "device": "DEVICE#",
    "user": "USER#",
    "contact": "CONTACT#",
    "alexauser": "ALEXAUSER#",
    "person": "PERSON#",
    "namekey": "NAMEKEY#",
}
ENTITY_KINDS = codec.ENTITY_KINDS
SINGLETON_ID = codec.SINGLETON_ID
SINGLETONS = ("calling", "limits")
LEGACY_SITE = ("SITE#site", META)  # the one site, as the version before sites stored it
CACHE_ITEMS = 4096  # items a warm container keeps at most


def item_key(kind: str, entity_id: str) -> tuple[str, str]:
    """The (PK, SK) of a document."""
    if kind == "names":
        return "SITE#" + entity_id, "NAMES"
    if kind == "siterooms":
        site_id, _, part = entity_id.partition("#")
        return "SITE#" + site_id, "ROOMS#" + part
    return PREFIX[kind] + entity_id, META


@dataclass
class _Cache:
    """Items found, each for `ttl` seconds, at most `size` of them (the least recently used go first)."""

    ttl: float
    size: int = CACHE_ITEMS
    _items: OrderedDict[tuple[str, str], tuple[float, dict[str, Any]]] = field(default_factory=OrderedDict)
    _lock: Lock = field(default_factory=Lock)

    def get(self, k: tuple[str, str]) -> dict[str, Any] | None:
        with self._lock:
            hit = self._items.get(k)
            if hit is None:
                return None
            if hit[0] < time.monotonic():
                del self._items[k]
                return None
            self._items.move_to_end(k)
            return hit[1]

    def put(self, k: tuple[str, str], item: dict[str, Any]) -> None:
        with self._lock:
            self._items[k] = (time.monotonic() + self.ttl, item)
            self._items.move_to_end(k)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class DynamoFleetStore:
    """Reads and writes the fleet. Items found are cached for `cache_ttl` seconds in a warm container (at
    most CACHE_ITEMS of them), and so is the whole fleet once an admin path or a job listed it; missing items
    never are, so a device claimed a moment ago is recognised at once. Every write through the store drops
    both caches."""

    def __init__(self, table: Table, cache_ttl: float = 30.0) -> None:
        self.table = table
        self._cache = _Cache(cache_ttl)
        self._fleet: tuple[float, dict[str, dict[str, dict[str, Any]]], bool] | None = None
        self._legacy_until = 0.0  # while this monotonic time is ahead, the table is in the earlier layout

    # ------------------------------------------------------------ the request path: by key

    def _get_many(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        """Items by key, from the cache or in one BatchGetItem. A name key nobody is filed under is remembered
        as such too (a name is found after an apply within the cache's time, as a changed one is); any other
        missing item is read again next time."""
        wanted = list(dict.fromkeys(keys))
        cached = {k: item for k in wanted if (item := self._cache.get(k)) is not None}
        missing = [k for k in wanted if k not in cached]
        if missing:
            fetched = self.table.batch_get(missing)
            for k in missing:
                if k in fetched and not k[0].startswith("CLAIM"):
                    self._cache.put(k, fetched[k])
                elif k not in fetched and k[0].startswith(PREFIX["namekey"]):
                    self._cache.put(k, {})
            cached.update(fetched)
        return {k: item for k, item in cached.items() if item}

    def _docs_by_key(self, wanted: Iterable[DocKey]) -> dict[DocKey, dict[str, Any]]:
        wanted = list(wanted)
        items = self._get_many(item_key(kind, entity_id) for kind, entity_id in wanted)
        return {
            (kind, entity_id): _doc(item)
            for kind, entity_id in wanted
            if (item := items.get(item_key(kind, entity_id))) is not None
        }

    def get_doc(self, kind: str, entity_id: str) -> dict[str, Any] | None:
        return self._docs_by_key([(kind, entity_id)]).get((kind, entity_id))

    def identify(self, device_id: str | None, alexa_user_id: str | None, person_id: str | None) -> Identity:
        """The request's device and speaker, read by key in one BatchGetItem (none while cached): the device,
        and with an unknown one its pending enrolment code and the Alexa account's user; a recognised voice's
        user. A device claimed a moment ago is found at once (misses are never cached)."""
        device_key = item_key("device", device_id or "")
        known = self._cache.get(device_key) if device_id else None
        keys = [device_key, ("CLAIMDEV#" + device_id, META)] if device_id and known is None else []
        keys += [item_key("alexauser", alexa_user_id)] if alexa_user_id and known is None else []
        keys += [item_key("person", person_id)] if person_id else []
        items = self._get_many(keys) if keys else {}
        device_item = known or items.get(device_key)
        device_doc = _doc(device_item) if device_item else None
        account = items.get(item_key("alexauser", alexa_user_id or "")) if device_doc is None else None
        person = items.get(item_key("person", person_id or ""))
        claim = items.get(("CLAIMDEV#" + (device_id or ""), META))
        account_doc = _doc(account) if account else None
        return Identity(
            device=codec.device_from_doc(device_doc) if device_doc else None,
            account_user=account_doc["user"] if account_doc else None,
            person_user=_doc(person)["user"] if person else None,
            claim_code=claim["code"] if claim and claim.get("expires_at", 0) > time.time() else None,
            site=(device_doc or account_doc or {}).get("site"),
        )

    def profile(
        self, site_id: str | None, room_id: str | None, group_id: str | None, user_ids: Iterable[str]
    ) -> tuple[Site, Room | None, SkillGroup | None, dict[str, User]]:
        """The site, a room, a skill group and users, read by key in one BatchGetItem (none while cached),
        with the site's names, the calling policy and the limits, which the launch, a call or a booking read
        next. Without a site (a device stored before sites), the site is the room's, and the earlier one-site
        item is read too."""
        user_ids = list(dict.fromkeys(user_ids))
        wanted: list[DocKey] = [("calling", SINGLETON_ID), ("limits", SINGLETON_ID)]
        wanted += [("room", room_id)] if room_id else []
        wanted += [("group", group_id)] if group_id else []
        wanted += [("user", uid) for uid in user_ids]
        if site_id:
            wanted += [("site", site_id), ("names", site_id)]
        keys = [item_key(kind, entity_id) for kind, entity_id in wanted]
        if not site_id:
            keys += [item_key("site", DEFAULT_SITE), LEGACY_SITE]
        items = self._get_many(keys)

        def doc(kind: str, entity_id: str | None) -> dict[str, Any] | None:
            item = items.get(item_key(kind, entity_id)) if entity_id else None
            return _doc(item) if item else None

        room_doc = doc("room", room_id)
        site_id = site_id or (room_doc or {}).get("site") or DEFAULT_SITE
        return (
            self._site_of(site_id, items, asked=set(keys)) or Site(id=site_id),
            codec.room_from_doc(room_doc) if room_doc else None,
            codec.group_from_doc(group) if (group := doc("group", group_id)) else None,
            {uid: codec.user_from_doc(user) for uid in user_ids if (user := doc("user", uid))},
        )

    def _site_of(
        self, site_id: str, items: Mapping[tuple[str, str], Any] | None = None, asked: Collection[tuple[str, str]] = ()
    ) -> Site | None:
        """A site by its id; in the earlier layout the one site `main`, stored under SITE#site. None when it is
        not stored. `items` are those found of the keys `asked` already: a key asked and not found is not read
        again."""

        def read(k: tuple[str, str]) -> Any:
            return (items or {}).get(k) if k in asked else self._get_many([k]).get(k)

        item = read(item_key("site", site_id))
        if item is None and site_id == DEFAULT_SITE:
            item = read(LEGACY_SITE)
            if item is not None:
                self._legacy_until = time.monotonic() + self._cache.ttl
        return codec.site_from_doc(_doc(item)) if item else None

    def _legacy(self) -> bool:
        return self._legacy_until > time.monotonic()

    def site_names(self, site_id: str) -> SiteNames:
        """The site's names for Alexa (already read with the profile); in the earlier layout, worked out from
        the whole fleet."""
        doc = self.get_doc("names", site_id)
        if doc is not None:
            return fleet_index.names_from_doc(doc)
        return fleet_index.site_names(self.load_fleet(), site_id) if self._legacy() else SiteNames()

    def site_rooms(self, site_id: str) -> list[Room]:
        """The site's rooms: its parts in one BatchGetItem (none while cached)."""
        names = self.site_names(site_id)
        if not names.room_parts and self._legacy():
            return fleet_index.site_rooms(self.load_fleet(), site_id)
        parts = self._docs_by_key(("siterooms", i) for i in fleet_index.room_parts_ids(site_id, names.room_parts))
        return [codec.room_from_doc(room) for part in parts.values() for room in part["rooms"]]

    def directory(self, keys: Iterable[str]) -> list[DirectoryEntry]:
        """The entries filed under any of `keys`, in one BatchGetItem (none while cached); in the earlier
        layout, those of the whole fleet whose names have one of the keys."""
        keys = set(keys)
        if self._legacy():
            from skill.domain.directory import name_keys

            fleet = self.load_fleet()
            parties: list[User | Contact] = [*fleet.users, *fleet.contacts]
            every = [fleet_index.directory_entry(party) for party in parties]
            return [entry for entry in every if name_keys(entry) & keys]
        found = self._docs_by_key(("namekey", k) for k in sorted(keys))
        return fleet_index.sort_candidates(entry for doc in found.values() for entry in fleet_index.entries_of(doc))

    def calling(self) -> CallingPolicy:
        doc = self.get_doc("calling", SINGLETON_ID)
        return codec.calling_from_doc(doc) if doc else CallingPolicy()

    def limits(self) -> Limits:
        """The fleet's limits (the defaults for a fleet applied before there were any), read by key."""
        return codec.limits_from_doc(self.get_doc("limits", SINGLETON_ID))

    def get_site(self, site_id: str) -> Site | None:
        return self._site_of(site_id or DEFAULT_SITE)

    def site_and_room(self, room_id: str) -> tuple[Site, Room | None]:
        """One room and its site, read by key (cached like every keyed read) and never from the whole fleet:
        for a caller that must read nothing else of the fleet, such as the published feed behind a public
        URL."""
        room = self.get_room(room_id)
        site_id = room.site_id if room else DEFAULT_SITE
        return self.get_site(site_id) or Site(id=site_id), room

    def get_room(self, room_id: str) -> Room | None:
        doc = self.get_doc("room", room_id)
        return codec.room_from_doc(doc) if doc else None

    def get_user(self, user_id: str) -> User | None:
        doc = self.get_doc("user", user_id)
        return codec.user_from_doc(doc) if doc else None

    def get_contact(self, contact_id: str) -> Contact | None:
        doc = self.get_doc("contact", contact_id)
        return codec.contact_from_doc(doc) if doc else None

    # ------------------------------------------------------------ whole-fleet reads (admin, jobs)

    def docs(self, kind: str) -> dict[str, dict[str, Any]]:
        """Every stored document of one entity kind, by id (the calling policy and the limits under the id
        "site")."""
        return dict(self._snapshot()[0].get(kind, {}))

    def load_fleet(self) -> Fleet:
        return codec.fleet_from_docs(self._snapshot()[0])

    def sites(self) -> list[Site]:
        return codec.sites_from_docs(self.docs("site"))

    def legacy_layout(self) -> bool:
        return self._snapshot()[1]

    def _snapshot(self) -> tuple[dict[str, dict[str, dict[str, Any]]], bool]:
        """Every entity document by kind and id, and whether the earlier layout's site item is among them: one
        paged GSI query, kept for `cache_ttl` seconds and dropped by every write through this store. The
        earlier layout's site is the site `main`, unless a site `main` is stored too."""
        now = time.monotonic()
        if self._fleet is not None and self._fleet[0] >= now:
            return self._fleet[1], self._fleet[2]
        by_kind: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in ENTITY_KINDS}
        legacy: dict[str, Any] | None = None
        for item in self.table.query_index(FLEET_INDEX, attributes=("PK", "kind", "doc")):
            kind = item.get("kind")
            if kind not in by_kind:
                continue
            doc = _doc(item)
            if item["PK"] == LEGACY_SITE[0] and "id" not in doc:
                legacy = doc
                continue
            by_kind[kind][SINGLETON_ID if kind in SINGLETONS else doc["id"]] = doc
        if legacy is not None:
            by_kind["site"].setdefault(DEFAULT_SITE, legacy)
        self._fleet = (now + self._cache.ttl, by_kind, legacy is not None)
        return by_kind, legacy is not None

    def derived_digests(self) -> dict[DocKey, str]:
        """Every derived item's digest: the index partitions queried side by side, keys and digests only."""
        from concurrent.futures import ThreadPoolExecutor

        def shard(n: int) -> list[dict[str, Any]]:
            return list(self.table.query_index(f"{DERIVED_INDEX}{n}", attributes=("kind", "id", "digest")))

        with ThreadPoolExecutor(max_workers=INDEX_SHARDS, thread_name_prefix="index-list") as pool:
            items = [item for part in pool.map(shard, range(INDEX_SHARDS)) for item in part]
        return {(item["kind"], item["id"]): item.get("digest", "") for item in items}

    # ------------------------------------------------------------ writes

    def write(self, puts: Sequence[Put], deletes: Sequence[DocKey] = (), progress: Progress | None = None) -> None:
        """Documents put and deleted with BatchWriteItem (see `Table.batch_write`); "legacy" deletes the
        earlier layout's site item."""
        total, done = len(puts) + len(deletes), 0

        def advance(n: int) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress(done, total)

        items = [self._item(kind, entity_id, doc) for kind, entity_id, doc in puts]
        keys = [LEGACY_SITE if kind == "legacy" else item_key(kind, entity_id) for kind, entity_id in deletes]
        try:
            self.table.batch_write(items, keys, advance)
        finally:
            self.invalidate()

    def put_doc(self, kind: str, doc: Mapping[str, Any]) -> None:
        """Create or replace one entity."""
        self.table.put(self._item(kind, str(doc.get("id", SINGLETON_ID)), doc))
        self.invalidate()

    def delete_doc(self, kind: str, entity_id: str) -> None:
        pk, sk = item_key(kind, entity_id)
        self.table.delete(pk, sk)
        self.invalidate()

    def _item(self, kind: str, entity_id: str, doc: Mapping[str, Any]) -> dict[str, Any]:
        pk, sk = item_key(kind, entity_id)
        item: dict[str, Any] = {"PK": pk, "SK": sk, "kind": kind, "doc": fleet_index.canonical(doc)}
        if kind in ENTITY_KINDS:
            return {**item, "GSI1PK": FLEET_INDEX, "GSI1SK": pk}
        shard = zlib.crc32(f"{kind}#{entity_id}".encode()) % INDEX_SHARDS
        index = {"GSI1PK": f"{DERIVED_INDEX}{shard}", "GSI1SK": f"{kind}#{entity_id}"}
        return {**item, **index, "id": entity_id, "digest": fleet_index.digest(doc)}

    def invalidate(self) -> None:
        self._cache.clear()
        self._fleet = None

    # ------------------------------------------------------------ enrolment claims

    def create_claim(self, code: str, device_id: str, expires_at: datetime) -> bool:
        """Store a new code for a device; False when the code is already in use. The code and the device's
        pointer to it change together: one transaction."""
        expiry = int(expires_at.timestamp())
        claim = {"PK": "CLAIM#" + code, "SK": META, "device": device_id, "expires_at": expiry}
        pointer = {"PK": "CLAIMDEV#" + device_id, "SK": META, "code": code, "expires_at": expiry}
        refused = self.table.transact(
            [
                {
                    "Put": {
                        "TableName": self.table.name,
                        "Item": to_attrs(claim),
                        "ConditionExpression": "attribute_not_exists(PK) OR expires_at < :now",
                        "ExpressionAttributeValues": {":now": {"N": str(int(time.time()))}},
                    }
                },
                {"Put": {"TableName": self.table.name, "Item": to_attrs(pointer)}},
            ]
        )
        return refused is None

    def take_claim(self, code: str, now: datetime) -> str | None:
        """The device that heard `code`, removing the code; None when unknown or expired."""
        item = self.table.get("CLAIM#" + code, META, consistent=True)
        if not item or item.get("expires_at", 0) < now.timestamp():
            return None
        device: str = item["device"]
        refused = self.table.transact(
            [
                {
                    "Delete": {
                        "TableName": self.table.name,
                        "Key": key("CLAIM#" + code, META),
                        "ConditionExpression": "attribute_exists(PK)",
                    }
                },
                {"Delete": {"TableName": self.table.name, "Key": key("CLAIMDEV#" + device, META)}},
            ]
        )
        return device if refused is None else None


def _doc(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item's document: compact JSON, a map as items written before it was JSON hold it, or (an Alexa id
    index item of the earlier layout) the user it points to."""
    value = item.get("doc")
    if value is None:
        return {"user": item["user"]} if "user" in item else {}
    return json.loads(value) if isinstance(value, str) else dict(value)
