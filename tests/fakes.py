"""In-memory doubles of every port (skill/ports.py), for unit tests of the use cases and the handlers.

Each keeps what was written in plain attributes a test can read, and answers like the DynamoDB adapter it
stands for where a use case depends on it (a booking over a taken slot is RoomTakenError, a second call
log entry with the same id is refused, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from skill.domain import fleet as codec
from skill.domain import fleet_index
from skill.domain.booking import held_slots, slot_starts
from skill.domain.calendar import FeedFetch, FeedState
from skill.domain.calls import CallRecord, CallStatus
from skill.domain.dialing import DialerError
from skill.domain.directory import DirectoryEntry
from skill.domain.errors import RoomTakenError
from skill.domain.facilities import Problem
from skill.domain.fleet_index import DocKey, Put, SiteNames
from skill.domain.limits import Quota, hourly, user_subject
from skill.domain.model import (
    DEFAULT_SITE,
    Booking,
    BookingStatus,
    BusyInterval,
    CallingPolicy,
    Contact,
    Fleet,
    Identity,
    Interval,
    Limits,
    Room,
    RoomDay,
    Site,
    SkillGroup,
    User,
)
from skill.domain.reception import (
    Attempt,
    AttemptStatus,
    DeliveryOutcome,
    Digest,
    ExpectedVisit,
    Message,
    NotificationRecord,
    NotifyError,
    Stage,
    Visit,
)
from skill.domain.usage import (
    SITE_SK,
    ProblemRow,
    RoomDaySummary,
    SiteDay,
    UsageChange,
    UsageItems,
    site_day_from_item,
    summaries_from_site_item,
    usage_pk,
)
from skill.ports import ChannelSender, Progress

# ---------------------------------------------------------------- clock and counters


@dataclass
class FixedClock:
    at: datetime = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo

    def now(self) -> datetime:
        return self.at


@dataclass
class Counters:
    """The counters of limited actions, as the table keeps them: units taken per action, subject and window."""

    taken: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def check(self, quota: Quota | None) -> None:
        """LimitReached when `quota` is spent."""
        if quota is not None and self.taken.get((quota.action, quota.subject, quota.window), 0) >= quota.limit:
            raise quota.reached()

    def take(self, quota: Quota | None) -> None:
        """Take a unit of `quota`; LimitReached (taking nothing) when it is spent."""
        self.check(quota)
        if quota is not None:
            counter = (quota.action, quota.subject, quota.window)
            self.taken[counter] = self.taken.get(counter, 0) + 1


# ---------------------------------------------------------------- fleet


@dataclass
class InMemoryFleetStore:
    """Entity documents by kind and id, derived documents by (kind, id), and claims, as dicts; every write
    is counted and logged in order as (op, kind, id)."""

    data: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    derived: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    claims: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    writes: int = 0
    log: list[tuple[str, str, str]] = field(default_factory=list)

    @classmethod
    def of(cls, fleet: Fleet) -> InMemoryFleetStore:
        from skill.services.fleet import FleetService

        store = cls()
        service = FleetService(store, read_contacts=read_no_contacts)
        service.apply(service.plan(fleet, prune=False))
        store.writes = 0
        store.log.clear()
        return store

    def _doc(self, kind: str, entity_id: str | None) -> dict[str, Any] | None:
        return self.data.get(kind, {}).get(entity_id or "")

    def identify(self, device_id: str | None, alexa_user_id: str | None, person_id: str | None) -> Identity:
        device_doc = self._doc("device", device_id)
        account = self.derived.get(("alexauser", alexa_user_id or "")) if device_doc is None else None
        person = self.derived.get(("person", person_id or ""))
        code = next((c for c, (dev, _) in self.claims.items() if dev == device_id), None)
        return Identity(
            device=codec.device_from_doc(device_doc) if device_doc else None,
            account_user=account["user"] if account else None,
            person_user=person["user"] if person else None,
            claim_code=code if device_doc is None else None,
            site=(device_doc or account or {}).get("site"),
        )

    def profile(
        self, site_id: str | None, room_id: str | None, group_id: str | None, user_ids: Iterable[str]
    ) -> tuple[Site, Room | None, SkillGroup | None, dict[str, User]]:
        room = self.get_room(room_id or "")
        wanted = site_id or (room.site_id if room else DEFAULT_SITE)
        group = self._doc("group", group_id)
        return (
            self.get_site(wanted) or Site(id=wanted),
            room,
            codec.group_from_doc(group) if group else None,
            {uid: user for uid in user_ids if (user := self.get_user(uid))},
        )

    def site_names(self, site_id: str) -> SiteNames:
        doc = self.derived.get(("names", site_id))
        return fleet_index.names_from_doc(doc) if doc else SiteNames()

    def site_rooms(self, site_id: str) -> list[Room]:
        parts = fleet_index.room_parts_ids(site_id, self.site_names(site_id).room_parts)
        return [codec.room_from_doc(room) for part in parts for room in self.derived[("siterooms", part)]["rooms"]]

    def directory(self, keys: Iterable[str]) -> list[DirectoryEntry]:
        found = [self.derived[("namekey", key)] for key in keys if ("namekey", key) in self.derived]
        return fleet_index.sort_candidates(entry for doc in found for entry in fleet_index.entries_of(doc))

    def calling(self) -> CallingPolicy:
        doc = self._doc("calling", "site")
        return codec.calling_from_doc(doc) if doc else CallingPolicy()

    def limits(self) -> Limits:
        return codec.limits_from_doc(self._doc("limits", "site"))

    def get_site(self, site_id: str) -> Site | None:
        doc = self._doc("site", site_id)
        return codec.site_from_doc(doc) if doc else None

    def site_and_room(self, room_id: str) -> tuple[Site, Room | None]:
        site, room, _, _ = self.profile(None, room_id, None, ())
        return site, room

    def get_room(self, room_id: str) -> Room | None:
        doc = self._doc("room", room_id)
        return codec.room_from_doc(doc) if doc else None

    def get_user(self, user_id: str) -> User | None:
        doc = self._doc("user", user_id)
        return codec.user_from_doc(doc) if doc else None

    def get_contact(self, contact_id: str) -> Contact | None:
        doc = self._doc("contact", contact_id)
        return codec.contact_from_doc(doc) if doc else None

    def get_doc(self, kind: str, entity_id: str) -> dict[str, Any] | None:
        doc = self._doc(kind, entity_id)
        return dict(doc) if doc is not None else None

    def docs(self, kind: str) -> dict[str, dict[str, Any]]:
        return dict(self.data.get(kind, {}))

    def load_fleet(self) -> Fleet:
        return codec.fleet_from_docs(self.data)

    def sites(self) -> list[Site]:
        return codec.sites_from_docs(self.data.get("site", {}))

    def legacy_layout(self) -> bool:
        return False

    def derived_digests(self) -> dict[tuple[str, str], str]:
        return {k: fleet_index.digest(doc) for k, doc in self.derived.items()}

    def write(self, puts: Sequence[Put], deletes: Sequence[DocKey] = (), progress: Progress | None = None) -> None:
        total = len(puts) + len(deletes)
        for done, (kind, entity_id, doc) in enumerate(puts, start=1):
            self._put(kind, entity_id, doc)
            if progress is not None:
                progress(done, total)
        for done, (kind, entity_id) in enumerate(deletes, start=len(puts) + 1):
            self._delete(kind, entity_id)
            if progress is not None:
                progress(done, total)

    def _put(self, kind: str, entity_id: str, doc: Mapping[str, Any]) -> None:
        if kind in fleet_index.DERIVED_KINDS:
            self.derived[(kind, entity_id)] = dict(doc)
        else:
            self.data.setdefault(kind, {})[entity_id] = dict(doc)
        self.writes += 1
        self.log.append(("put", kind, entity_id))

    def _delete(self, kind: str, entity_id: str) -> None:
        self.derived.pop((kind, entity_id), None)
        self.data.get(kind, {}).pop(entity_id, None)
        self.writes += 1
        self.log.append(("delete", kind, entity_id))

    def put_doc(self, kind: str, doc: Mapping[str, Any]) -> None:
        self._put(kind, str(doc.get("id", "site")), doc)

    def delete_doc(self, kind: str, entity_id: str) -> None:
        self._delete(kind, entity_id)

    def account_user(self, alexa_user_id: str) -> str | None:
        """The user an Alexa account is enrolled for, as the request path finds it."""
        return self.identify(None, alexa_user_id, None).account_user

    def entity_log(self) -> list[tuple[str, str, str]]:
        """The writes of entities (not of derived documents), in order."""
        return [entry for entry in self.log if entry[1] not in fleet_index.DERIVED_KINDS]

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


@dataclass
class ContactsFile:
    contacts: list[Contact] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_no_contacts(path: Path, country: str) -> ContactsFile:
    """A contacts reader for tests that import none."""
    return ContactsFile()


# ---------------------------------------------------------------- bookings and calendars


@dataclass
class FeedDay:
    intervals: list[BusyInterval]
    digest: str
    stale: bool = False


@dataclass
class InMemoryBookings:
    """Bookings, and feed busy time per owner and local day; a booking overlapping a live one is
    RoomTakenError, as the slot items make it in the table."""

    bookings: dict[str, Booking] = field(default_factory=dict)
    feed: dict[str, list[BusyInterval]] = field(default_factory=dict)  # busy time by owner, whatever the day
    days: dict[tuple[str, date], FeedDay] = field(default_factory=dict)  # what the refresh wrote per day
    feed_writes: int = 0
    reads: list[tuple[str, datetime, datetime]] = field(default_factory=list)  # busy time asked for, in order
    unreachable: bool = False  # every busy-time read fails, as a table that cannot be reached
    counters: Counters = field(default_factory=Counters)

    def _busy(self, owner: str) -> list[BusyInterval]:
        live = [b.busy for b in self.bookings.values() if b.room_id == owner and b.status.is_live]
        stored = [busy for (who, _), day in self.days.items() if who == owner for busy in day.intervals]
        return live + self.feed.get(owner, []) + stored

    def room_day(self, room_id: str, day: date) -> RoomDay:
        bookings = [b for b in self.bookings.values() if b.room_id == room_id]
        stored = self.days.get((room_id, day))
        feed = stored.intervals if stored else []
        return RoomDay(bookings=bookings, feed_busy=feed, refreshed_at=None, stale=bool(stored and stored.stale))

    def busy_between(self, room_id: str, start: datetime, end: datetime, tz: str) -> list[BusyInterval]:
        if self.unreachable:
            raise ConnectionError("the table cannot be reached")
        self.reads.append((room_id, start, end))
        return sorted((b for b in self._busy(room_id) if b.start < end and start < b.end), key=lambda b: b.start)

    def busy_by_room(
        self, room_ids: Sequence[str], start: datetime, end: datetime, tz: str
    ) -> dict[str, list[BusyInterval]]:
        return {room_id: self.busy_between(room_id, start, end, tz) for room_id in room_ids}

    def list_bookings(self, room_id: str, start: datetime, end: datetime, tz: str) -> list[Booking]:
        found = [b for b in self.bookings.values() if b.room_id == room_id and b.start < end and start < b.end]
        return sorted(found, key=lambda b: b.start)

    def list_bookings_for_rooms(
        self, room_ids: Iterable[str], start: datetime, end: datetime, tz: str
    ) -> list[Booking]:
        found = [b for room_id in room_ids for b in self.list_bookings(room_id, start, end, tz)]
        return sorted(found, key=lambda b: (b.start, b.room_id))

    def bookings_for_user(self, user_id: str, start: datetime, end: datetime) -> list[Booking]:
        return [b for b in self.bookings.values() if b.organizer == user_id and b.start < end and start < b.end]

    def live_bookings_since(self, room_ids: Sequence[str], day: date, until: date | None = None) -> list[Booking]:
        return [b for b in self.bookings.values() if b.room_id in room_ids and b.status.is_live]

    def add_booking(self, booking: Booking, tz: str, quota: Quota | None = None) -> None:
        self.counters.check(quota)  # the table's transaction finds a spent counter before a taken slot
        self._claim(booking, booking.start, booking.end)
        self.counters.take(quota)
        self.bookings[booking.id] = booking

    def _claim(self, booking: Booking, start: datetime, end: datetime) -> None:
        """The slot items' rule: a quarter hour another booking of the room holds (`held_slots`) is taken."""
        held = {
            s
            for b in self.bookings.values()
            if b.id != booking.id and b.room_id == booking.room_id
            for s in held_slots(b)
        }
        taken = held & set(slot_starts(Interval(start, end)))
        if taken:
            raise RoomTakenError(booking.room_id, min(taken), booking.start)

    def extend_booking(
        self, booking: Booking, new_end: datetime, tz: str, *, checked_in_at: datetime | None = None
    ) -> Booking:
        self._claim(booking, booking.end, new_end)
        if checked_in_at is not None and booking.status is not BookingStatus.CHECKED_IN:
            booking = replace(booking, status=BookingStatus.CHECKED_IN, checked_in_at=checked_in_at)
        return self._save(replace(booking, end=new_end))

    def end_booking(self, booking: Booking, now: datetime, tz: str) -> Booking:
        return self._save(replace(booking, status=BookingStatus.ENDED, end=min(booking.end, now)))

    def cancel_booking(self, booking: Booking, tz: str) -> Booking:
        return self._save(replace(booking, status=BookingStatus.CANCELLED))

    def release_booking(self, booking: Booking, tz: str) -> Booking:
        return self._save(replace(booking, status=BookingStatus.RELEASED))

    def check_in(self, booking: Booking, now: datetime, tz: str) -> Booking:
        return self._save(replace(booking, status=BookingStatus.CHECKED_IN, checked_in_at=now))

    def _save(self, booking: Booking) -> Booking:
        self.bookings[booking.id] = booking
        return booking

    def replace_feed_busy(
        self, room_id: str, day: date, intervals: Sequence[BusyInterval], refreshed_at: datetime, digest: str
    ) -> bool:
        stored = self.days.get((room_id, day))
        if stored is not None and stored.digest == digest and not stored.stale:
            return False
        self.feed_writes += 1
        self.days[(room_id, day)] = FeedDay(list(intervals), digest)
        return True

    def mark_feed_stale(self, room_id: str, day: date) -> None:
        self.days.setdefault((room_id, day), FeedDay([], "")).stale = True

    def feed_refs(self, owner: str, day: date) -> list[str]:
        return [busy.ref for busy in self.days[(owner, day)].intervals]

    def forget_user(self, user_id: str) -> int:
        theirs = [b for b in self.bookings.values() if b.organizer == user_id]
        for booking in theirs:
            self.bookings[booking.id] = replace(booking, organizer=None, subject=None)
        return len(theirs)


@dataclass
class InMemoryFeeds:
    states: dict[str, FeedState] = field(default_factory=dict)
    secret: bytes = b"secret"
    versions: dict[str, int] = field(default_factory=dict)  # published-feed token version by room

    def get(self, owner: str) -> FeedState | None:
        return self.states.get(owner)

    def record_success(
        self,
        owner: str,
        at: datetime,
        *,
        etag: str | None,
        last_modified: str | None,
        digest: str | None = None,
        window: str | None = None,
    ) -> None:
        old = self.states.get(owner, FeedState(owner))
        self.states[owner] = replace(
            old,
            etag=etag,
            last_modified=last_modified,
            digest=digest or old.digest,
            window=window or old.window,
            last_success=at,
            last_error=None,
            failures=0,
        )

    def record_failure(self, owner: str, reason: str) -> None:
        old = self.states.get(owner, FeedState(owner))
        self.states[owner] = replace(old, last_error=reason, failures=old.failures + 1)

    def feed_secret(self) -> bytes:
        return self.secret

    def feed_keys(self, room_id: str) -> tuple[bytes, int]:
        return self.secret, self.versions.get(room_id, 0)

    def rotate_feed_token(self, room_id: str) -> int:
        self.versions[room_id] = self.versions.get(room_id, 0) + 1
        return self.versions[room_id]


class FeedServer:
    """A feed source in memory: answers 304 when the validators match, or raises what it is told to."""

    def __init__(self, body: bytes, etag: str | None = '"v1"') -> None:
        self.body, self.etag = body, etag
        self.failure: Exception | None = None
        self.asked: list[dict[str, Any]] = []

    def __call__(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> FeedFetch:
        self.asked.append({"etag": etag, "last_modified": last_modified})
        if self.failure is not None:
            raise self.failure
        if etag is not None and etag == self.etag:
            return FeedFetch(not_modified=True, body=None, etag=etag, last_modified=None)
        return FeedFetch(not_modified=False, body=self.body, etag=self.etag, last_modified=None)


# ---------------------------------------------------------------- calls


@dataclass
class InMemoryCallLog:
    calls: dict[str, CallRecord] = field(default_factory=dict)
    unreachable: bool = False  # status updates fail, as a table that cannot be reached
    counters: Counters = field(default_factory=Counters)

    def start(self, call: CallRecord, quota: Quota | None = None) -> bool:
        if call.id in self.calls:
            return False
        self.counters.take(quota)
        self.calls[call.id] = call
        return True

    def get(self, call_id: str) -> CallRecord | None:
        return self.calls.get(call_id)

    def update_status(self, call_id: str, status: str, provider_id: str | None = None) -> bool:
        if self.unreachable:
            raise ConnectionError("the table cannot be reached")
        call = self.calls[call_id]
        self.calls[call_id] = replace(call, status=CallStatus(status), provider_id=provider_id or call.provider_id)
        return True

    def list_calls(self, limit: int = 100, site: str | None = None) -> list[CallRecord]:
        ours = [c for c in self.calls.values() if site is None or (c.site or DEFAULT_SITE) == site]
        return sorted(ours, key=lambda c: c.created_at, reverse=True)[:limit]

    def forget_user(self, user_id: str) -> int:
        theirs = [c.id for c in self.calls.values() if user_id in (c.user, (c.contact or "").removeprefix("user:"))]
        for call_id in theirs:
            del self.calls[call_id]
        return len(theirs)


@dataclass(frozen=True)
class DialledCall:
    call_id: str
    from_room_phone: str
    to: str
    digits: str | None
    request_id: str | None
    transaction_id: str


@dataclass
class RecordingDialer:
    """A dialer that records each call asked of it, and raises `failure` (a DialerError) when one is set; the
    errors in `failures` are raised first, one per call."""

    failure: DialerError | None = None
    calls: list[DialledCall] = field(default_factory=list)
    failures: list[DialerError] = field(default_factory=list)

    def place_call(
        self, call_id: str, from_room_phone: str, to: str, digits: str | None, *, request_id: str | None = None
    ) -> str:
        placed = DialledCall(call_id, from_room_phone, to, digits, request_id, f"tx-{len(self.calls) + 1}")
        self.calls.append(placed)
        failure = self.failures.pop(0) if self.failures else self.failure
        if failure is not None:
            raise failure
        return placed.transaction_id


# ---------------------------------------------------------------- reception and notifications


@dataclass
class InMemoryVisits:
    visits: dict[str, Visit] = field(default_factory=dict)
    status: dict[str, tuple[str, int]] = field(default_factory=dict)
    expected: list[ExpectedVisit] = field(default_factory=list)
    attempts: dict[str, Attempt] = field(default_factory=dict)
    history: list[Attempt] = field(default_factory=list)  # every attempt recorded, in order
    zones: dict[str, str] = field(default_factory=dict)  # the site zone each visit was stored in
    sites: dict[str, str] = field(default_factory=dict)  # the site of each attempt's visit, by attempt key
    counters: Counters = field(default_factory=Counters)
    claimed: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # visits told, per host counter
    held: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # visits kept for the digest
    digests: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)  # (status, rounds) per digest

    def add_visit(self, visit: Visit, tz: str, expires_at: int, quota: Quota | None = None) -> None:
        self.counters.take(quota)
        self.visits[visit.id] = visit
        self.status[visit.id] = ("pending", 0)
        self.zones[visit.id] = tz

    def visit_in_stream_record(self, record: Mapping[str, Any]) -> Visit | None:
        new = record.get("dynamodb", {}).get("NewImage") if record.get("eventName") == "INSERT" else None
        return self.visits.get(str((new or {}).get("id", {}).get("S", "")))

    def on_site(self) -> list[Visit]:
        return [v for v in self.visits.values() if v.checked_out_at is None]

    def pending_notifications(self) -> list[Visit]:
        return [v for v in self.on_site() if self.status[v.id][0] == "pending"]

    def visits_on(self, day: date) -> list[Visit]:
        return [v for v in self.visits.values() if v.checked_in_at.astimezone(ZoneInfo(self.zones[v.id])).date() == day]

    def check_out(self, visit: Visit, tz: str, at: datetime) -> bool:
        if self.visits[visit.id].checked_out_at is not None:
            return False
        self.visits[visit.id] = replace(visit, checked_out_at=at)
        return True

    def set_notify_status(self, visit: Visit, tz: str, status: str, *, count_round: bool = False) -> None:
        self.status[visit.id] = (status, self.status[visit.id][1] + int(count_round))

    def notify_state(self, visit: Visit, tz: str) -> tuple[str, int] | None:
        return self.status.get(visit.id)

    def add_expected(self, expected: ExpectedVisit, tz: str, expires_at: int) -> None:
        self.expected.append(expected)

    def expected_on(self, day: date) -> list[ExpectedVisit]:
        return list(self.expected)

    def claim_notification(self, quota: Quota, visit_id: str) -> bool:
        claimed = self.claimed.setdefault((quota.subject, quota.window), set())
        if visit_id not in claimed and len(claimed) >= quota.limit:
            return False
        claimed.add(visit_id)
        return True

    def hold_for_digest(self, quota: Quota, visit: Visit, tz: str) -> bool:
        counter = (quota.subject.removeprefix("user:"), _utc_start(quota.start))
        if self.digests.get(counter, ("pending", 0))[0] != "pending":
            return False
        self.held.setdefault(counter, []).append(visit.id)
        self.digests.setdefault(counter, ("pending", 0))
        return True

    def due_digests(self, now: datetime) -> list[Digest]:
        due = []
        for (host, start), (status, rounds) in sorted(self.digests.items()):
            window = hourly("notifications", user_subject(host), 0, datetime.fromisoformat(start))
            if status == "pending" and window.end <= now:
                visits = tuple(self.visits[v] for v in self.held[(host, start)] if v in self.visits)
                due.append(Digest(f"digest-{window.window}-{host}", host, window.start, window.end, visits, rounds))
        return due

    def settle_digest(self, digest: Digest, status: str, *, count_round: bool = False) -> None:
        counter = (digest.host_id, _utc_start(digest.start))
        self.digests[counter] = (status, self.digests[counter][1] + int(count_round))

    def record_attempt(
        self, visit_id: str, attempt: Attempt, expires_at: int, now: datetime, *, site: str = DEFAULT_SITE
    ) -> None:
        self.attempts[attempt.key] = attempt
        self.sites[attempt.key] = site
        self.history.append(attempt)

    def attempt_status(self, visit_id: str, target_key: str) -> AttemptStatus | None:
        found = self.attempts.get(target_key)
        return found.status if found else None

    def notifications(self, limit: int = 200) -> list[NotificationRecord]:
        return [
            NotificationRecord(a.key, a.key.split("#")[0], a.recipient_id, a.role, a.channel, a.status, a.attempts,
                               a.reason, datetime(2026, 12, 1, tzinfo=UTC), self.sites.get(a.key, DEFAULT_SITE))
            for a in self.attempts.values()
        ][:limit]  # fmt: skip

    def forget_visitor(self, name: str) -> int:
        gone = [v.id for v in self.visits.values() if v.visitor_name.casefold() == name.casefold()]
        for visit_id in gone:
            del self.visits[visit_id]
        return len(gone)

    def forget_user(self, user_id: str) -> int:
        gone = [v.id for v in self.visits.values() if v.host_id == user_id]
        for visit_id in gone:
            del self.visits[visit_id]
        return len(gone)


@dataclass
class InMemoryProblems:
    """Problems by id, with their notify status (and rounds), as the table keeps them."""

    problems: dict[str, Problem] = field(default_factory=dict)
    status: dict[str, tuple[str, int]] = field(default_factory=dict)
    counters: Counters = field(default_factory=Counters)

    def add(self, problem: Problem, quota: Quota | None = None) -> Problem:
        stored = self.problems.get(problem.id)
        if stored is not None:
            if stored.request_id != problem.request_id:
                raise KeyError(f"another problem holds the id {problem.id}")
            return stored
        self.counters.take(quota)
        self.problems[problem.id] = problem
        self.status[problem.id] = ("pending", 0)
        return problem

    def get(self, problem_id: str) -> Problem | None:
        return self.problems.get(problem_id)

    def list_problems(self, *, open_only: bool = False, site: str | None = None) -> list[Problem]:
        return sorted(
            (p for p in self.problems.values() if (not open_only or p.status == "open") and site in (None, p.site)),
            key=lambda p: (p.reported_at, p.id),
        )

    def resolve(self, problem: Problem, at: datetime) -> bool:
        stored = self.problems.get(problem.id)
        if stored is None or stored.status == "resolved":
            return False
        self.problems[problem.id] = replace(stored, status="resolved", resolved_at=at)
        return True

    def problem_in_stream_record(self, record: Mapping[str, Any]) -> Problem | None:
        new = record.get("dynamodb", {}).get("NewImage") if record.get("eventName") == "INSERT" else None
        pk = str((new or {}).get("PK", {}).get("S", ""))
        return self.problems.get(pk.removeprefix("PROBLEM#")) if pk.startswith("PROBLEM#") else None

    def pending_notifications(self, since: datetime) -> list[Problem]:
        return [p for p in self.list_problems() if p.reported_at >= since and self.status[p.id][0] == "pending"]

    def notify_state(self, problem: Problem) -> tuple[str, int] | None:
        return self.status.get(problem.id)

    def set_notify_status(self, problem: Problem, status: str, *, count_round: bool = False) -> None:
        if problem.id in self.status:
            self.status[problem.id] = (status, self.status[problem.id][1] + int(count_round))


def _utc_start(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


@dataclass
class AttemptLedger:
    """What the notifier keeps of delivery attempts (the visits store's NOTIFY items): the last status per
    target and every attempt in order, and the backoff waits the policy asked for."""

    last: dict[str, AttemptStatus] = field(default_factory=dict)
    history: list[Attempt] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)

    def record(self, attempt: Attempt) -> None:
        self.last[attempt.key] = attempt.status
        self.history.append(attempt)

    @property
    def outcomes(self) -> list[Attempt]:
        """What came of each attempt (the "sending" marks left out)."""
        return [attempt for attempt in self.history if attempt.status != "sending"]

    def statuses(self, recipient: str) -> list[str]:
        return [attempt.status for attempt in self.outcomes if attempt.recipient_id == recipient]

    def deliver(
        self,
        stages: Sequence[Stage],
        senders: Mapping[str, ChannelSender],
        message_for: Callable[[Stage], Message],
        key: str = "visit-1",
    ) -> DeliveryOutcome:
        """The delivery policy run against this ledger, waiting for nothing."""
        from skill.services.delivery import deliver

        return deliver(
            stages, message_for, senders, key=key, status_of=self.last.get, record=self.record, sleep=self.sleeps.append
        )


@dataclass
class RecordingSender:
    """A channel that records every message; `fail` decides, per address, to raise a NotifyError instead."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    fail: Callable[[str], NotifyError | None] = lambda address: None

    def send(self, address: str, message: Message, *, idempotency_key: str) -> str:
        failure = self.fail(address)
        if failure is not None:
            raise failure
        self.sent.append((address, message.text))
        return f"m-{len(self.sent)}"


@dataclass
class InMemoryParameters:
    values: dict[str, str] = field(default_factory=dict)
    reads: int = 0

    def get(self, name: str) -> str:
        return self.get_many([name])[name]

    def get_many(self, names: Sequence[str]) -> dict[str, str]:
        self.reads += 1
        missing = [name for name in names if name not in self.values]
        if missing:
            raise LookupError(", ".join(missing))
        return {name: self.values[name] for name in names}


# ---------------------------------------------------------------- usage counters


@dataclass
class InMemoryUsage:
    """Usage items by (PK, SK), changed as DynamoDB applies an UpdateItem (skill/domain/usage.py `UsageItems`); problems
    as a test stores them. Stream records here carry plain images: `{"eventName", "dynamodb": {"OldImage",
    "NewImage"}}`."""

    items: UsageItems = field(default_factory=UsageItems)
    problem_rows: list[ProblemRow] = field(default_factory=list)
    writes: int = 0

    @staticmethod
    def stream_images(record: Mapping[str, Any]) -> tuple[str, dict[str, Any] | None, dict[str, Any] | None]:
        change = record.get("dynamodb", {})
        return record.get("eventName", ""), change.get("OldImage"), change.get("NewImage")

    def apply(self, change: UsageChange) -> dict[str, Any] | None:
        self.writes += 1
        return self.items.apply(change)

    def usage(self, site_ids: Sequence[str], days: Sequence[date]) -> tuple[list[RoomDaySummary], list[SiteDay]]:
        rooms, sites = [], []
        for site_id in site_ids:
            for day in days:
                item = self.items.get((usage_pk(site_id, day), SITE_SK))
                if item is not None:
                    sites.append(site_day_from_item(site_id, day, item))
                    rooms += summaries_from_site_item(day, item)
        return rooms, sites

    def problems(self, site_ids: Iterable[str], reported_since: str) -> list[ProblemRow]:
        wanted = set(site_ids)
        return [
            p for p in self.problem_rows if p.site in wanted and (p.status == "open" or p.reported_at >= reported_since)
        ]


@dataclass
class RecordedStream:
    """A change stream as a list: `read` answers the records appended since the last read."""

    records: list[dict[str, Any]] = field(default_factory=list)
    position: int = 0

    def read(self) -> list[dict[str, Any]]:
        new = self.records[self.position :]
        self.position = len(self.records)
        return new
