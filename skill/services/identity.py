"""Who is speaking: the Caller behind a request, enrolment codes for unknown devices, claiming them, and
registering devices by hand."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from skill.domain.errors import ClaimError, NotFoundError
from skill.domain.model import DEFAULT_FEATURES, DEFAULT_SITE, Caller, CallerKind, Device, DeviceKind

if TYPE_CHECKING:
    from skill.domain.fleet_index import SiteNames
    from skill.ports import FleetStore

CODE_DIGITS = 6


@dataclass(frozen=True)
class IdentityService:
    """Who is speaking, and enrolling devices, on the fleet store."""

    fleet: FleetStore
    claim_ttl: timedelta = field(kw_only=True)  # how long an enrolment code may be claimed

    def caller(self, device_id: str | None, alexa_user_id: str | None, person_id: str | None) -> Caller:
        """Build the Caller: a shared room device, a personal device, an enrolled Alexa account, or unknown.
        Two round trips at most (who is speaking, then their profile), none while cached. The site is the
        device's: its room's (shared) or its user's home site (personal)."""
        ident = self.fleet.identify(device_id, alexa_user_id, person_id)
        device = ident.device
        if device is not None and device.kind is DeviceKind.SHARED:
            person_ids = [ident.person_user] if ident.person_user else []
            site, room, group, users = self.fleet.profile(ident.site, device.room, device.skill_group, person_ids)
            if room is None:
                return Caller(kind=CallerKind.UNKNOWN, device_id=device_id, site=site)
            features = frozenset(group.features) if group else DEFAULT_FEATURES[DeviceKind.SHARED]
            person = users.get(ident.person_user) if ident.person_user else None
            return Caller(CallerKind.SHARED, device_id, room=room, person=person, features=features, site=site)
        user_id = device.user if device is not None else ident.account_user
        if user_id:
            group_id = device.skill_group if device is not None else None
            site, _, group, users = self.fleet.profile(ident.site, None, group_id, [user_id])
            user = users.get(user_id)
            if user is not None:
                features = frozenset(group.features) if group else DEFAULT_FEATURES[DeviceKind.PERSONAL]
                return Caller(CallerKind.PERSONAL, device_id, user=user, features=features, site=site)
        return Caller(kind=CallerKind.UNKNOWN, device_id=device_id)

    def names(self, caller: Caller) -> SiteNames:
        """The rooms and people a speaker of the caller's site may name (sent to Alexa as dynamic entities),
        worked out when the fleet was applied."""
        return self.fleet.site_names(caller.site.id)

    def enrolment_code(self, device_id: str, now: datetime) -> str:
        """The code an unknown device speaks for `office-admin devices claim`; reused while it is valid."""
        existing = self.fleet.identify(device_id, None, None).claim_code
        if existing:
            return existing
        for _ in range(20):
            code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
            if self.fleet.create_claim(code, device_id, now + self.claim_ttl):
                return code
        raise RuntimeError("could not allocate an enrolment code")

    def claim(
        self,
        code: str,
        now: datetime,
        *,
        room: str | None = None,
        user: str | None = None,
        skill_group: str | None = None,
    ) -> Device:
        """Bind the device that heard `code` to a room (shared) or a user (personal)."""
        if (room is None) == (user is None):
            raise ValueError("give exactly one of room or user")
        self._check_refs(Device.placed("?", room=room, user=user, skill_group=skill_group))
        device_id = self.fleet.take_claim(code.strip(), now)
        if device_id is None:
            raise ClaimError(f"unknown or expired code {code!r}")
        device = Device.placed(device_id, room=room, user=user, skill_group=skill_group)
        self.register(device)
        return device

    def register(self, device: Device) -> None:
        """Store a device with its site (its room's or its user's); NotFoundError when its room, user or skill
        group is not in the fleet."""
        from skill.domain.fleet import device_to_doc

        self.fleet.put_doc("device", {**device_to_doc(device), "site": self._check_refs(device)})

    def remove(self, device_id: str) -> dict[str, Any] | None:
        """Remove a device; its stored document, or None when there was none."""
        doc = self.fleet.get_doc("device", device_id)
        if doc is not None:
            self.fleet.delete_doc("device", str(doc["id"]))
        return doc

    def _check_refs(self, device: Device) -> str:
        """The device's site, once its room, user and skill group are known to be in the fleet (read by key):
        its room's, its user's home site, or the fleet's first site."""
        room = self.fleet.get_room(device.room) if device.room else None
        if device.room and room is None:
            raise NotFoundError("room", device.room)
        user = self.fleet.get_user(device.user) if device.user else None
        if device.user and user is None:
            raise NotFoundError("user", device.user)
        if device.skill_group and self.fleet.get_doc("group", device.skill_group) is None:
            raise NotFoundError("skill group", device.skill_group)
        if room is not None:
            return room.site_id
        if user is not None and user.site:
            return user.site
        return next((site.id for site in self.fleet.sites()), DEFAULT_SITE)
