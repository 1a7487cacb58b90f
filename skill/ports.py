"""The ports: what the use cases need from the outside world, as Protocols the adapters implement."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from skill.domain.model import Contact, Device, Fleet, Room, Site, SkillGroup, User


class Clock(Protocol):
    def now(self) -> datetime: ...


class IdentityView(Protocol):
    device: Device | None
    account_user: str | None
    person_user: str | None
    claim_code: str | None


class FleetStore(Protocol):
    """Fleet entities as fleet-file documents, plus enrolment claims."""

    def identify(self, device_id: str | None, alexa_user_id: str | None, person_id: str | None) -> IdentityView: ...

    def profile(
        self, room_id: str | None, group_id: str | None, user_ids: Iterable[str]
    ) -> tuple[Site, Room | None, SkillGroup | None, dict[str, User]]: ...

    def docs(self, kind: str) -> dict[str, dict[str, Any]]: ...

    def load_fleet(self) -> Fleet: ...

    def get_room(self, room_id: str) -> Room | None: ...

    def get_user(self, user_id: str) -> User | None: ...

    def get_contact(self, contact_id: str) -> Contact | None: ...

    def put_doc(self, kind: str, doc: Mapping[str, Any], old_doc: Mapping[str, Any] | None = None) -> None: ...

    def delete_doc(self, kind: str, entity_id: str, old_doc: Mapping[str, Any] | None = None) -> None: ...

    def create_claim(self, code: str, device_id: str, expires_at: datetime) -> bool: ...

    def take_claim(self, code: str, now: datetime) -> str | None: ...
