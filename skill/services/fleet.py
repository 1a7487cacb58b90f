"""Fleet as code: plan the changes that bring the stored fleet to a fleet file, apply them, export it back;
the stored fleet as lists, contacts imported from an address book, and a user's personal data erased.

Entities are compared as fleet-file documents (the form the store keeps), so applying the same file twice
plans nothing the second time and an export applies as an empty plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from skill.domain import fleet as codec
from skill.domain import fleet_index
from skill.domain.fleet_index import DocKey
from skill.domain.model import Fleet, Site, User

if TYPE_CHECKING:
    from skill.ports import ContactsReader, Erasable, FleetStore, Progress

Action = Literal["create", "update", "delete"]
SINGLETON_ID = codec.SINGLETON_ID
# Order of creates and updates: what a device or user refers to exists before it.
PUT_ORDER = codec.ENTITY_KINDS


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
    """The entity changes an apply makes (what the plan prints), and the derived documents it writes and
    deletes with them (`skill.domain.fleet_index`); `migrating` when the table is in the layout of the
    version before sites."""

    changes: list[Change] = field(default_factory=list)
    index_puts: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    index_deletes: list[DocKey] = field(default_factory=list)
    migrating: bool = False

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def summary(self) -> str:
        """`3 to create, 1 to update, 0 to delete`, and the index items when there are any."""
        text = ", ".join(f"{self.count(a)} to {a}" for a in ("create", "update", "delete"))
        if self.index_puts or self.index_deletes:
            text += f"; index: {len(self.index_puts)} to write, {len(self.index_deletes)} to delete"
        return text

    @property
    def empty(self) -> bool:
        return not (self.changes or self.index_puts or self.index_deletes)

    @property
    def writes(self) -> int:
        return len(self.changes) + len(self.index_puts) + len(self.index_deletes)


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


def entries(fleet: Fleet) -> dict[str, dict[str, dict[str, Any]]]:
    """Per kind, the fleet-file entry of every entity the fleet declares, by id (sites with their position
    in the file)."""
    return {
        "site": {s.id: {**codec.site_to_doc(s), "position": n} for n, s in enumerate(fleet.every_site)},
        "calling": {SINGLETON_ID: codec.calling_to_doc(fleet.calling)},
        "limits": {SINGLETON_ID: codec.limits_to_doc(fleet.limits)},
        "group": {g.id: codec.group_to_doc(g) for g in fleet.skill_groups},
        "room": {r.id: codec.room_to_doc(r) for r in fleet.rooms},
        "user": {u.id: codec.user_to_doc(u) for u in fleet.users},
        "contact": {c.id: codec.contact_to_doc(c) for c in fleet.contacts},
        "device": {d.id: codec.device_to_doc(d) for d in fleet.devices},
    }


def _entry(kind: str, doc: Mapping[str, Any]) -> dict[str, Any]:
    """A stored document without what apply derived for it (a device's site)."""
    return {k: v for k, v in doc.items() if not (kind == "device" and k == "site")}


def _apply_order(change: Change) -> tuple[int, int]:
    """Device deletes first (they refer to rooms and users), then puts by PUT_ORDER, then other deletes."""
    rank = PUT_ORDER.index(change.kind)
    if change.action == "delete":
        return (0, 0) if change.kind == "device" else (2, -rank)
    return (1, rank)


@dataclass(frozen=True)
class FleetService:
    """The fleet-as-code use cases, on the fleet store, an address-book reader and the stores to erase from."""

    store: FleetStore
    read_contacts: ContactsReader = field(kw_only=True)
    # Stores holding personal data, by the name `users forget` reports them under.
    erasable: Mapping[str, Erasable] = field(default_factory=dict, kw_only=True)

    def plan(self, fleet: Fleet, *, prune: bool) -> Plan:
        """What applying `fleet` would change; stored entities missing from it are deleted only with `prune`."""
        return self._plan(entries(fleet), prune=prune)

    def _plan(self, wanted: Mapping[str, Mapping[str, dict[str, Any]]], *, prune: bool) -> Plan:
        """The changes that bring the store to the `wanted` entries (kept beside the stored ones, or instead
        of them with `prune`), with what derives from the fleet that results: each device's site, and the
        derived documents whose digests differ from those stored (every one of them, whatever an earlier
        apply left half done)."""
        stored = {kind: self.store.docs(kind) for kind in PUT_ORDER}
        resulting: dict[str, dict[str, dict[str, Any]]] = {}
        for kind in PUT_ORDER:
            kept = {} if prune else {i: _entry(kind, doc) for i, doc in stored[kind].items()}
            resulting[kind] = {**kept, **wanted.get(kind, {})}
        if wanted.get("site"):  # the file's sites in its order, then those it leaves stored
            later = sorted(i for i in resulting["site"] if i not in wanted["site"])
            order = [*wanted["site"], *sorted(later, key=lambda i: stored["site"][i].get("position", 0))]
            resulting["site"] = {i: {**resulting["site"][i], "position": n} for n, i in enumerate(order)}
        fleet = codec.fleet_from_docs(resulting)
        for device_id, site_id in fleet_index.device_sites(fleet).items():
            resulting["device"][device_id] = {**resulting["device"][device_id], "site": site_id}
        changes: list[Change] = []
        for kind in PUT_ORDER:
            old_docs, new_docs = stored[kind], resulting[kind]
            for entity_id, doc in new_docs.items():
                old = old_docs.get(entity_id)
                if old != doc:
                    changes.append(Change("create" if old is None else "update", kind, entity_id, old, doc))
            gone = sorted(i for i in old_docs if i not in new_docs)
            changes += [Change("delete", kind, i, old_docs[i], None) for i in gone]
        puts, deletes = self._index_changes(fleet, stored)
        return Plan(sorted(changes, key=_apply_order), puts, deletes, self.store.legacy_layout())

    def _index_changes(
        self, fleet: Fleet, stored: Mapping[str, Mapping[str, Mapping[str, Any]]]
    ) -> tuple[list[tuple[str, str, dict[str, Any]]], list[DocKey]]:
        """Derived documents to write (new or changed digest) and to delete (no longer derived). A table in
        the earlier layout also loses its site item and the Alexa id items its fleet implied."""
        derived = fleet_index.derived_docs(fleet)
        digests = self.store.derived_digests()
        puts = [
            (kind, i, doc) for (kind, i), doc in derived.items() if digests.get((kind, i)) != fleet_index.digest(doc)
        ]
        deletes = sorted(k for k in digests if k not in derived)
        if self.store.legacy_layout():
            earlier = fleet_index.derived_docs(codec.fleet_from_docs(stored))
            implied = {k for k in earlier if k[0] in ("alexauser", "person")}
            deletes += sorted(k for k in implied if k not in derived and k not in digests)
            deletes.append(("legacy", SINGLETON_ID))
        return sorted(puts, key=lambda put: put[:2]), deletes

    def apply(self, plan: Plan, progress: Progress | None = None) -> None:
        """Write the plan in bulk: derived documents first, then entities (creates and updates by PUT_ORDER,
        each kind's in parallel batches), then deletes, what is stale of the derived ones last. A voice request
        meanwhile finds what it needs or, for an entity not yet written, nothing (never half an entity); an
        interrupted apply is finished by applying again. `progress(done, total)` counts items written."""
        total, done = plan.writes, 0

        def step(written: int, _: int) -> None:
            if progress is not None:
                progress(done + written, total)

        def write(puts: list[tuple[str, str, dict[str, Any]]], deletes: list[DocKey]) -> None:
            nonlocal done
            if puts or deletes:
                self.store.write(puts, deletes, step)
                done += len(puts) + len(deletes)

        write(plan.index_puts, [])
        changes = sorted(plan.changes, key=_apply_order)
        for kind in PUT_ORDER:
            write([(c.kind, c.id, c.new_doc) for c in changes if c.kind == kind and c.new_doc is not None], [])
        deletes = [c for c in changes if c.action == "delete"]
        write([], [(c.kind, c.id) for c in deletes if c.kind == "device"])
        write([], [(c.kind, c.id) for c in deletes if c.kind != "device"])
        write([], plan.index_deletes)

    def export(self) -> dict[str, Any]:
        """The stored fleet as a fleet-file document (applies back as an empty plan)."""
        return codec.fleet_to_doc(self.store.load_fleet())

    def docs(self, kind: str) -> dict[str, dict[str, Any]]:
        return self.store.docs(kind)

    def site(self) -> Site:
        """The fleet's first site (its only one in the one-site form)."""
        return next(iter(self.store.sites()), None) or Site()

    def sites(self) -> list[Site]:
        return self.store.sites()

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
            self.apply(self._plan({"contact": {c.id: c.new_doc or {} for c in writes}}, prune=False), progress)
        return ContactsImport(changes, unchanged, kept, list(found.notes), applied)

    def forget_user(self, user_id: str) -> dict[str, int]:
        """Erase the user's personal data held outside the fleet file: how many records went, per store."""
        return {name: store.forget_user(user_id) for name, store in self.erasable.items()}
