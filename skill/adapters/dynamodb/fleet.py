"""Fleet items (site, rooms, skill groups, devices, users, contacts) and enrolment claims in the table.

Each entity is one item `KIND#id / META` holding its fleet-file document as compact JSON in `doc` (one
string attribute: the whole-fleet query that a cold start waits for returns one value per entity, which
DynamoDB, botocore and json parse far faster than nested attribute maps); `GSI1PK = FLEET` lists them.
Items whose `doc` is still a map are read as they are.
Users also own index items `ALEXAUSER#id` and `PERSON#id` so a request resolves its speaker by key.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from skill.adapters.dynamodb.table import Table, key, to_attrs
from skill.domain import fleet as codec
from skill.domain.model import Contact, Device, Fleet, Room, Site, SkillGroup, User

META = "META"
FLEET_INDEX = "FLEET"
# kind -> key prefix; "site", "calling" and "limits" are singletons stored under the id "site".
PREFIX = {
    "site": "SITE#",
    "calling": "CALLING#",
    "limits": "LIMITS#",
    "room": "ROOM#",
    "group": "GROUP#",
    "device": "DEVICE#",
    "user": "USER#",
    "contact": "CONTACT#",
}
SINGLETON_ID = "site"
SINGLETONS = ("site", "calling", "limits")


@dataclass(frozen=True)
class Identity:
    """What one round trip learns about a request's device and speaker."""

    device: Device | None
    account_user: str | None  # user id enrolled for the Alexa account (userId); unknown devices only
    person_user: str | None  # user id of a recognised voice (personId)
    claim_code: str | None  # an unexpired enrolment code already issued to this device; unknown devices only


@dataclass
class _TtlCache:
    ttl: float
    _items: dict[tuple[str, str], tuple[float, dict[str, Any]]] = field(default_factory=dict)

    def get(self, k: tuple[str, str]) -> dict[str, Any] | None:
        hit = self._items.get(k)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, k: tuple[str, str], item: dict[str, Any]) -> None:
        self._items[k] = (time.monotonic() + self.ttl, item)

    def clear(self) -> None:
        self._items.clear()


class DynamoFleetStore:
    """Reads and writes the fleet. Found items, and the whole fleet once listed, are cached for `cache_ttl`
    seconds in a warm container; missing items never are, so a device claimed a moment ago is recognised
    at once. Every write through the store drops both caches."""

    def __init__(self, table: Table, cache_ttl: float = 30.0) -> None:
        self.table = table
        self._cache = _TtlCache(cache_ttl)
        self._fleet: tuple[float, dict[str, dict[str, dict[str, Any]]]] | None = None

    # ------------------------------------------------------------ the request path

    def _get_many(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        found = {k: item for k in keys if (item := self._cache.get(k)) is not None}
        missing = [k for k in keys if k not in found]
        if missing:
            fetched = self.table.batch_get(missing)
            for k, item in fetched.items():
                if not k[0].startswith(("CLAIM", "CLAIMDEV")):
                    self._cache.put(k, item)
            found.update(fetched)
        return found

    def identify(self, device_id: str | None, alexa_user_id: str | None, person_id: str | None) -> Identity:
        """The request's device and speaker. A device in the fleet snapshot (one query, shared with the profile
        and the dynamic entities) is known without a further read, and so is a voice enrolled for a user.
        Anything the snapshot lacks is read by key in one BatchGetItem, with an unknown device's pending
        enrolment code and the Alexa account's user, so a device claimed a moment ago is found at once."""
        docs = self._snapshot()
        device_doc = docs["device"].get(device_id or "")
        person_user = _enrolled(docs["user"], "alexa_person_ids", person_id)
        if device_doc is not None and (person_id is None or person_user is not None):
            return Identity(codec.device_from_doc(device_doc), None, person_user, None)
        keys: list[tuple[str, str]] = []
        if device_id and device_doc is None:
            keys += [(PREFIX["device"] + device_id, META), ("CLAIMDEV#" + device_id, META)]
        if alexa_user_id and device_doc is None:
            keys.append(("ALEXAUSER#" + alexa_user_id, META))
        if person_id and person_user is None:
            keys.append(("PERSON#" + person_id, META))
        items = self._get_many(keys)
        device_item = items.get((PREFIX["device"] + (device_id or ""), META))
        account = items.get(("ALEXAUSER#" + (alexa_user_id or ""), META))
        person = items.get(("PERSON#" + (person_id or ""), META))
        claim = items.get(("CLAIMDEV#" + (device_id or ""), META))
        claim_code = claim["code"] if claim and claim.get("expires_at", 0) > time.time() else None
        if device_doc is None and device_item is not None:
            device_doc = _doc(device_item)
        return Identity(
            device=codec.device_from_doc(device_doc) if device_doc else None,
            account_user=account["user"] if account else None,
            person_user=person_user or (person["user"] if person else None),
            claim_code=claim_code,
        )

    def profile(
        self, room_id: str | None, group_id: str | None, user_ids: Iterable[str]
    ) -> tuple[Site, Room | None, SkillGroup | None, dict[str, User]]:
        """The site, a room, a skill group and users. They come from the fleet snapshot (one query on a cold
        start, which also serves the dynamic entities sent on launch; none while it is cached); what the
        snapshot lacks is read by key, so an entity added a moment ago is found at once."""
        docs = self._snapshot()
        wanted = [("site", SINGLETON_ID)]
        wanted += [("room", room_id)] if room_id else []
        wanted += [("group", group_id)] if group_id else []
        wanted += [("user", uid) for uid in dict.fromkeys(user_ids)]
        found = {(kind, entity_id): doc for kind, entity_id in wanted if (doc := docs[kind].get(entity_id))}
        missing = [(kind, entity_id) for kind, entity_id in wanted if (kind, entity_id) not in found]
        if missing:
            items = self._get_many([(PREFIX[kind] + entity_id, META) for kind, entity_id in missing])
            for kind, entity_id in missing:
                if item := items.get((PREFIX[kind] + entity_id, META)):
                    found[(kind, entity_id)] = _doc(item)
        return codec.profile_from_docs(
            found.get(("site", SINGLETON_ID)),
            found.get(("room", room_id or "")),
            found.get(("group", group_id or "")),
            {uid: doc for (kind, uid), doc in found.items() if kind == "user"},
        )

    def site_and_room(self, room_id: str) -> tuple[Site, Room | None]:
        """The site and one room, read by key (one BatchGetItem, cached like every keyed read) and never from
        the fleet snapshot: for a caller that must read nothing else of the fleet, such as the published feed
        behind a public URL."""
        site_key, room_key = (PREFIX["site"] + SINGLETON_ID, META), (PREFIX["room"] + room_id, META)
        items = self._get_many([site_key, room_key])
        site_item, room_item = items.get(site_key), items.get(room_key)
        site, room, _, _ = codec.profile_from_docs(
            _doc(site_item) if site_item else None, _doc(room_item) if room_item else None, None, {}
        )
        return site, room

    # ------------------------------------------------------------ whole-fleet reads (admin, jobs)

    def docs(self, kind: str) -> dict[str, dict[str, Any]]:
        """Every stored document of one kind, by id (the singletons under the id "site")."""
        return dict(self._snapshot().get(kind, {}))

    def _snapshot(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Every fleet document by kind and id: one paged GSI query, kept for `cache_ttl` seconds in a warm
        container and dropped by every write through this store."""
        now = time.monotonic()
        if self._fleet is not None and self._fleet[0] >= now:
            return self._fleet[1]
        by_kind: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in PREFIX}
        for item in self.table.query_index(FLEET_INDEX, attributes=("kind", "doc")):
            kind = item.get("kind")
            if kind in by_kind:
                doc = _doc(item)
                by_kind[kind][SINGLETON_ID if kind in SINGLETONS else doc["id"]] = doc
        self._fleet = (now + self._cache.ttl, by_kind)
        return by_kind

    def load_fleet(self) -> Fleet:
        return codec.fleet_from_docs(self._snapshot())

    def get_room(self, room_id: str) -> Room | None:
        doc = self._doc_of("room", room_id)
        return codec.room_from_doc(doc) if doc else None

    def get_user(self, user_id: str) -> User | None:
        doc = self._doc_of("user", user_id)
        return codec.user_from_doc(doc) if doc else None

    def get_contact(self, contact_id: str) -> Contact | None:
        doc = self._doc_of("contact", contact_id)
        return codec.contact_from_doc(doc) if doc else None

    def _doc_of(self, kind: str, entity_id: str) -> dict[str, Any] | None:
        """One entity's document from the fleet snapshot (no request while it is cached), or read by key when
        the snapshot lacks it, so an entity added a moment ago is found at once."""
        doc = self._snapshot()[kind].get(entity_id)
        if doc is None:
            item = self.table.get(PREFIX[kind] + entity_id, META)
            doc = _doc(item) if item else None
        return doc

    # ------------------------------------------------------------ writes

    def put_doc(self, kind: str, doc: Mapping[str, Any], old_doc: Mapping[str, Any] | None = None) -> None:
        """Create or replace one entity, keeping its index items (Alexa user and person ids) in step."""
        entity_id = str(doc.get("id", SINGLETON_ID))
        ops: list[dict[str, Any]] = [
            {"Put": {"TableName": self.table.name, "Item": to_attrs(self._item(kind, entity_id, doc))}}
        ]
        if kind == "user":
            ops += self._user_index_ops(entity_id, old_doc or {}, doc)
        self.table.client.transact_write_items(TransactItems=ops)  # type: ignore[arg-type]
        self.invalidate()

    def delete_doc(self, kind: str, entity_id: str, old_doc: Mapping[str, Any] | None = None) -> None:
        ops: list[dict[str, Any]] = [
            {"Delete": {"TableName": self.table.name, "Key": key(PREFIX[kind] + entity_id, META)}}
        ]
        if kind == "user":
            ops += self._user_index_ops(entity_id, old_doc or {}, {})
        self.table.client.transact_write_items(TransactItems=ops)  # type: ignore[arg-type]
        self.invalidate()

    def _item(self, kind: str, entity_id: str, doc: Mapping[str, Any]) -> dict[str, Any]:
        pk = PREFIX[kind] + entity_id
        return {"PK": pk, "SK": META, "GSI1PK": FLEET_INDEX, "GSI1SK": pk, "kind": kind, "doc": _encode(doc)}

    def _user_index_ops(self, user_id: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
        ops: list[dict[str, Any]] = []
        for field_name, prefix in (("alexa_user_ids", "ALEXAUSER#"), ("alexa_person_ids", "PERSON#")):
            before = set(old.get(field_name) or ())
            after = set(new.get(field_name) or ())
            for gone in sorted(before - after):
                ops.append({"Delete": {"TableName": self.table.name, "Key": key(prefix + gone, META)}})
            for added in sorted(after):
                item = {"PK": prefix + added, "SK": META, "user": user_id}
                ops.append({"Put": {"TableName": self.table.name, "Item": to_attrs(item)}})
        return ops

    def invalidate(self) -> None:
        self._cache.clear()
        self._fleet = None

    # ------------------------------------------------------------ enrolment claims

    def create_claim(self, code: str, device_id: str, expires_at: datetime) -> bool:
        """Store a new code for a device; False when the code is already in use."""
        expiry = int(expires_at.timestamp())
        claim = {"PK": "CLAIM#" + code, "SK": META, "device": device_id, "expires_at": expiry}
        pointer = {"PK": "CLAIMDEV#" + device_id, "SK": META, "code": code, "expires_at": expiry}
        client = self.table.client
        try:
            client.transact_write_items(
                TransactItems=[
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
        except client.exceptions.TransactionCanceledException:
            return False
        return True

    def take_claim(self, code: str, now: datetime) -> str | None:
        """The device that heard `code`, removing the code; None when unknown or expired."""
        item = self.table.get("CLAIM#" + code, META, consistent=True)
        if not item or item.get("expires_at", 0) < now.timestamp():
            return None
        client = self.table.client
        try:
            client.transact_write_items(
                TransactItems=[
                    {
                        "Delete": {
                            "TableName": self.table.name,
                            "Key": key("CLAIM#" + code, META),
                            "ConditionExpression": "attribute_exists(PK)",
                        }
                    },
                    {"Delete": {"TableName": self.table.name, "Key": key("CLAIMDEV#" + item["device"], META)}},
                ]
            )
        except client.exceptions.TransactionCanceledException:
            return None
        device: str = item["device"]
        return device


def _encode(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _doc(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item's fleet document: compact JSON, or a map as items written before it was JSON hold it."""
    value = item["doc"]
    return json.loads(value) if isinstance(value, str) else dict(value)


def _enrolled(users: Mapping[str, Mapping[str, Any]], field_name: str, alexa_id: str | None) -> str | None:
    """The id of the user whose `field_name` (alexa_user_ids, alexa_person_ids) holds `alexa_id`."""
    if not alexa_id:
        return None
    return next((user_id for user_id, doc in users.items() if alexa_id in (doc.get(field_name) or ())), None)
