"""In-memory fakes of the ports, for unit tests of the use cases."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from skill.domain import fleet as codec
from skill.domain.model import Contact, Device, Fleet, Room, Site, SkillGroup, User


@dataclass(frozen=True)
class FakeIdentity:
    device: Device | None
    account_user: str | None
    person_user: str | None
    claim_code: str | None


@dataclass
class InMemoryFleetStore:
    """Fleet documents by kind and id, and claims, as a dict; counts every write."""

    data: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    claims: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    writes: int = 0

    @classmethod
    def of(cls, fleet: Fleet) -> InMemoryFleetStore:
        from skill.services.fleet import apply_plan, plan

        store = cls()
        apply_plan(plan(fleet, store, prune=False), store)
        store.writes = 0
        return store

    def _users_with(self, field_name: str, alexa_id: str | None) -> str | None:
        for doc in self.data.get("user", {}).values():
            if alexa_id and alexa_id in (doc.get(field_name) or ()):
                return str(doc["id"])
        return None

    def identify(self, device_id: str | None, alexa_user_id: str | None, person_id: str | None) -> FakeIdentity:
        device_doc = self.data.get("device", {}).get(device_id or "")
        code = next((c for c, (dev, _) in self.claims.items() if dev == device_id), None)
        return FakeIdentity(
            device=codec.device_from_doc(device_doc) if device_doc else None,
            account_user=self._users_with("alexa_user_ids", alexa_user_id),
            person_user=self._users_with("alexa_person_ids", person_id),
            claim_code=code,
        )

    def profile(
        self, room_id: str | None, group_id: str | None, user_ids: Iterable[str]
    ) -> tuple[Site, Room | None, SkillGroup | None, dict[str, User]]:
        return codec.profile_from_docs(
            self.data.get("site", {}).get("site"),
            self.data.get("room", {}).get(room_id or ""),
            self.data.get("group", {}).get(group_id or ""),
            {uid: d for uid in user_ids if (d := self.data.get("user", {}).get(uid))},
        )

    def site_and_room(self, room_id: str) -> tuple[Site, Room | None]:
        site, room, _, _ = self.profile(room_id, None, ())
        return site, room

    def docs(self, kind: str) -> dict[str, dict[str, Any]]:
        return dict(self.data.get(kind, {}))

    def load_fleet(self) -> Fleet:
        return codec.fleet_from_docs(self.data)

    def get_room(self, room_id: str) -> Room | None:
        doc = self.data.get("room", {}).get(room_id)
        return codec.room_from_doc(doc) if doc else None

    def get_user(self, user_id: str) -> User | None:
        doc = self.data.get("user", {}).get(user_id)
        return codec.user_from_doc(doc) if doc else None

    def get_contact(self, contact_id: str) -> Contact | None:
        doc = self.data.get("contact", {}).get(contact_id)
        return codec.contact_from_doc(doc) if doc else None

    def put_doc(self, kind: str, doc: Mapping[str, Any], old_doc: Mapping[str, Any] | None = None) -> None:
        self.data.setdefault(kind, {})[str(doc.get("id", "site"))] = dict(doc)
        self.writes += 1

    def delete_doc(self, kind: str, entity_id: str, old_doc: Mapping[str, Any] | None = None) -> None:
        self.data.get(kind, {}).pop(entity_id, None)
        self.writes += 1

    def create_claim(self, code: str, device_id: str, expires_at: datetime) -> bool:
        if code in self.claims:
            return False
        self.claims[code] = (device_id, expires_at)
        return True

    def take_claim(self, code: str, now: datetime) -> str | None:
        found = self.claims.get(code)
        if found is None or found[1] < now:
            return None
        del self.claims[code]
        return found[0]
