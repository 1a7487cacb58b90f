"""Fleet as code: plan the changes that bring the stored fleet to a fleet file, apply them, export it back;
the stored fleet as lists, contacts imported from an address book, and a user's personal data erased.

Entities are compared as fleet-file documents (the form the store keeps), so applying the same file twice
plans nothing the second time and an export applies as an empty plan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from skill.domain import fleet as codec
from skill.domain.model import Fleet, Site, User

if TYPE_CHECKING:
    from skill.ports import ContactsReader, Erasable, FleetStore

Action = Literal["create", "update", "delete"]
SINGLETON_ID = "site"
# Order of creates and updates: what a device or user refers to exists before it.
PUT_ORDER = ("site", "calling", "limits", "group", "room", "user", "contact", "device")
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Change:
    action: Action
    kind: str
    id: str
    old_doc: dict[str, Any] | None = None
    new_doc: dict[str, Any] | None = None

    @property
    def changed_fields(self) -> list[str]:
        """Top-level fields that differ (all of them for a create or a delete)."""
        old, new = self.old_doc or {}, self.new_doc or {}
        return [name for name in dict.fromkeys([*old, *new]) if old.get(name) != new.get(name)]


@dataclass(frozen=True)
class Plan:
    changes: list[Change] = field(default_factory=list)

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def summary(self) -> str:
        """`3 to create, 1 to update, 0 to delete`."""
        return ", ".join(f"{self.count(a)} to {a}" for a in ("create", "update", "delete"))


@dataclass(frozen=True)
class ContactsImport:
    """What importing an address book changes: the contacts to create or update, those stored as the file
    has them, those that differ but are `kept` as stored (no --replace), the reader's notes on entries it
    skipped or trimmed, and whether the writes were `applied`."""

    changes: list[Change]
    unchanged: list[str]
    kept: list[str]
    notes: list[str]
    applied: bool

    @property
    def writes(self) -> list[Change]:
        return [c for c in self.changes if c.id not in self.kept]


def desired_docs(fleet: Fleet) -> dict[str, dict[str, dict[str, Any]]]:
    """Per kind, the document of every entity the fleet declares, by id."""
    return {
        "site": {SINGLETON_ID: codec.site_to_doc(fleet.site)},
        "calling": {SINGLETON_ID: codec.calling_to_doc(fleet.calling)},
        "limits": {SINGLETON_ID: codec.limits_to_doc(fleet.limits)},
        "group": {g.id: codec.group_to_doc(g) for g in fleet.skill_groups},
        "room": {r.id: codec.room_to_doc(r) for r in fleet.rooms},
        "user": {u.id: codec.user_to_doc(u) for u in fleet.users},
        "contact": {c.id: codec.contact_to_doc(c) for c in fleet.contacts},
        "device": {d.id: codec.device_to_doc(d) for d in fleet.devices},
    }


def _apply_order(change: Change) -> tuple[int, int]:
    """Device deletes first (they refer to rooms and users), then puts by PUT_ORDER, then other deletes."""
    rank = PUT_ORDER.index(change.kind)
    if change.action == "delete":
        return (0, 0) if change.kind == "device" else (2, -rank)
    return (1, rank)


def _users_given_released_ids(changes: list[Change]) -> Iterator[Change]:
    """User puts whose Alexa ids another change in the same plan released (an enrolment moved from one
    user to another): that change's index delete may have run after this put, so it is written again."""
    users = [c for c in changes if c.kind == "user"]
    for change in users:
        if change.action == "delete":
            continue
        ids = _alexa_ids(change.new_doc)
        released_by_others: set[str] = set().union(
            *(_alexa_ids(other.old_doc) - _alexa_ids(other.new_doc) for other in users if other is not change)
        )
        if ids & released_by_others:
            yield change


def _alexa_ids(doc: Mapping[str, Any] | None) -> set[str]:
    doc = doc or {}
    return {*doc.get("alexa_user_ids", ()), *doc.get("alexa_person_ids", ())}


@dataclass(frozen=True)
class FleetService:
    """The fleet-as-code use cases, on the fleet store, an address-book reader and the stores to erase from."""

    store: FleetStore
    read_contacts: ContactsReader = field(kw_only=True)
    # Stores holding personal data, by the name `users forget` reports them under.
    erasable: Mapping[str, Erasable] = field(default_factory=dict, kw_only=True)

    def plan(self, fleet: Fleet, *, prune: bool) -> Plan:
        """What applying `fleet` would change; stored entities missing from it are deleted only with `prune`."""
        changes: list[Change] = []
        for kind, wanted in desired_docs(fleet).items():
            stored = self.store.docs(kind)
            for entity_id, doc in wanted.items():
                old = stored.get(entity_id)
                if old is None:
                    changes.append(Change("create", kind, entity_id, None, doc))
                elif old != doc:
                    changes.append(Change("update", kind, entity_id, old, doc))
            if prune:
                gone = [Change("delete", kind, i, old, None) for i, old in sorted(stored.items()) if i not in wanted]
                changes += gone
        return Plan(sorted(changes, key=_apply_order))

    def apply(self, plan: Plan, progress: Progress | None = None) -> None:
        """Write the plan's changes in dependency order; `progress(done, total)` is called after each one."""
        changes = sorted(plan.changes, key=_apply_order)
        total = len(changes)
        for done, change in enumerate(changes, start=1):
            if change.action == "delete":
                self.store.delete_doc(change.kind, change.id, change.old_doc)
            else:
                assert change.new_doc is not None
                self.store.put_doc(change.kind, change.new_doc, change.old_doc)
            if progress is not None:
                progress(done, total)
        for change in _users_given_released_ids(changes):
            assert change.new_doc is not None
            self.store.put_doc("user", change.new_doc, change.new_doc)

    def export(self) -> dict[str, Any]:
        """The stored fleet as a fleet-file document (applies back as an empty plan)."""
        return codec.fleet_to_doc(self.store.load_fleet())

    def docs(self, kind: str) -> dict[str, dict[str, Any]]:
        return self.store.docs(kind)

    def site(self) -> Site:
        return self.store.profile(None, None, [])[0]

    def user(self, user_id: str) -> User | None:
        return self.store.get_user(user_id)

    def import_contacts(
        self, path: Path, *, replace: bool = False, dry_run: bool = False, progress: Progress | None = None
    ) -> ContactsImport:
        """Read an address book (numbers read in the site's country), all or nothing, and bring its contacts
        into the store: new ones are created, those that differ are updated only with `replace`, and nothing
        is written on a `dry_run`. OSError when the file cannot be read, ImportProblems naming every bad line
        (nothing is written then)."""
        found = self.read_contacts(path, self.site().country)
        existing = self.store.docs("contact")
        changes: list[Change] = []
        unchanged: list[str] = []
        for contact in found.contacts:
            doc, old = codec.contact_to_doc(contact), existing.get(contact.id)
            if old == doc:
                unchanged.append(contact.id)
            else:
                changes.append(Change("create" if old is None else "update", "contact", contact.id, old, doc))
        kept = [c.id for c in changes if c.action == "update" and not replace]
        writes = [c for c in changes if c.id not in kept]
        applied = bool(writes) and not dry_run
        if applied:
            self.apply(Plan(writes), progress)
        return ContactsImport(changes, unchanged, kept, list(found.notes), applied)

    def forget_user(self, user_id: str) -> dict[str, int]:
        """Erase the user's personal data held outside the fleet file: how many records went, per store."""
        return {name: store.forget_user(user_id) for name, store in self.erasable.items()}
