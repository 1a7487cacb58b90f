"""The ports: what the use cases need from the outside world, as Protocols the adapters implement."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from skill.domain.calls import CallRecord
from skill.domain.model import Contact, Device, Fleet, Room, Site, SkillGroup, User


class Clock(Protocol):
    def now(self) -> datetime: ...


class IdentityView(Protocol):
    # Read-only members, so a frozen dataclass (the adapters' Identity) satisfies the protocol.
    @property
    def device(self) -> Device | None: ...
    @property
    def account_user(self) -> str | None: ...
    @property
    def person_user(self) -> str | None: ...
    @property
    def claim_code(self) -> str | None: ...


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


class Dialer(Protocol):
    def place_call(self, call_id: str, from_room_phone: str, to: str, digits: str | None) -> str:
        """Ring `from_room_phone`, bridge it to `to`, send `digits`; the provider's id; raises DialerError."""
        ...


class CallLog(Protocol):
    def start(self, call: CallRecord) -> bool:
        """Record a new attempt; False (writing nothing) when a call with this id exists already."""
        ...

    def get(self, call_id: str) -> CallRecord | None: ...

    def update_status(self, call_id: str, status: str, provider_id: str | None = None) -> bool: ...

    def list_calls(self, limit: int = 100) -> list[CallRecord]: ...
