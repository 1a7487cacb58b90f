"""The ports: what the use cases need from the outside world, as Protocols the adapters implement.

Only domain types appear here; tests/fakes.py holds an in-memory double of every port.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from skill.domain.calendar import FeedFetch, FeedState, ParsedFeed
    from skill.domain.calls import CallRecord
    from skill.domain.directory import DirectoryEntry
    from skill.domain.facilities import Problem
    from skill.domain.fleet_index import DocKey, Put, SiteNames
    from skill.domain.limits import Quota
    from skill.domain.model import (
        Booking,
        BusyInterval,
        CallingPolicy,
        Contact,
        Fleet,
        Identity,
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
        Digest,
        ExpectedVisit,
        Message,
        NotificationRecord,
        Visit,
    )
    from skill.domain.usage import ProblemRow, RoomDaySummary, SiteDay, UsageChange


class Clock(Protocol):
    def now(self) -> datetime: ...


Progress = Callable[[int, int], None]


class FleetStore(Protocol):
    """Fleet entities as fleet-file documents, what `apply` derives from them (`skill.domain.fleet_index`),
    and enrolment claims. The request path reads by key only, never the whole fleet."""

    def identify(self, device_id: str | None, alexa_user_id: str | None, person_id: str | None) -> Identity: ...

    def profile(
        self, site_id: str | None, room_id: str | None, group_id: str | None, user_ids: Iterable[str]
    ) -> tuple[Site, Room | None, SkillGroup | None, dict[str, User]]:
        """A site (its room's when `site_id` is None), a room, a skill group and users, read by key."""
        ...

    def site_names(self, site_id: str) -> SiteNames: ...

    def site_rooms(self, site_id: str) -> list[Room]: ...

    def directory(self, keys: Iterable[str]) -> list[DirectoryEntry]:
        """The employees and contacts filed under any of the name `keys`."""
        ...

    def calling(self) -> CallingPolicy:
        """The fleet's calling policy (a site's own, when it has one, is on the Site)."""
        ...

    def limits(self) -> Limits: ...

    def get_site(self, site_id: str) -> Site | None: ...

    def site_and_room(self, room_id: str) -> tuple[Site, Room | None]:
        """One room and its site by key, reading nothing else of the fleet."""
        ...

    def get_room(self, room_id: str) -> Room | None: ...

    def get_user(self, user_id: str) -> User | None: ...

    def get_contact(self, contact_id: str) -> Contact | None: ...

    def get_doc(self, kind: str, entity_id: str) -> dict[str, Any] | None: ...

    # whole-fleet reads and bulk writes: the admin CLI and the jobs, never a voice request

    def docs(self, kind: str) -> dict[str, dict[str, Any]]: ...

    def load_fleet(self) -> Fleet: ...

    def sites(self) -> list[Site]:
        """Every site, in the order the fleet file lists them."""
        ...

    def legacy_layout(self) -> bool:
        """Whether the table holds the fleet as the one-site version before sites wrote it."""
        ...

    def derived_digests(self) -> dict[DocKey, str]:
        """The digest of every stored derived document, by (kind, id)."""
        ...

    def write(self, puts: Sequence[Put], deletes: Sequence[DocKey] = (), progress: Progress | None = None) -> None:
        """Store (kind, id, doc) documents and delete (kind, id) ones, in bulk; `progress(done, total)`."""
        ...

    def put_doc(self, kind: str, doc: Mapping[str, Any]) -> None: ...

    def delete_doc(self, kind: str, entity_id: str) -> None: ...

    def create_claim(self, code: str, device_id: str, expires_at: datetime) -> bool: ...

    def take_claim(self, code: str, now: datetime) -> str | None: ...


class Dialer(Protocol):
    def place_call(
        self, call_id: str, from_room_phone: str, to: str, digits: str | None, *, request_id: str | None = None
    ) -> str:
        """Ring `from_room_phone`, bridge it to `to`, send `digits`; the provider's id. Raises DialerError,
        or CallOutcomeUnknown when the request went out and its answer did not come."""
        ...


class ChannelSender(Protocol):
    def send(self, address: str, message: Message, *, idempotency_key: str) -> str:
        """Send `message` to `address` once; the provider's message id. Raises NotifyError, or
        OutcomeUnknown when the message went out and its answer did not come."""
        ...


class Parameters(Protocol):
    """Configuration secrets by name (SSM Parameter Store)."""

    def get(self, name: str) -> str: ...

    def get_many(self, names: Sequence[str]) -> dict[str, str]:
        """Every value of `names`; LookupError naming those that do not exist."""
        ...


class ContactsFile(Protocol):
    """An address book as read: the contacts, and a note per entry skipped or trimmed."""

    @property
    def contacts(self) -> list[Contact]: ...
    @property
    def notes(self) -> list[str]: ...


class ContactsReader(Protocol):
    def __call__(self, path: Path, country: str) -> ContactsFile:
        """The contacts of a CSV or vCard file, numbers read in `country`; OSError when it cannot be read,
        ImportProblems naming every bad line when any is bad."""
        ...


class Erasable(Protocol):
    """A store holding personal data that `users forget` erases."""

    def forget_user(self, user_id: str) -> int: ...


class FeedFetcher(Protocol):
    def __call__(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> FeedFetch:
        """The feed at `url` unless unchanged since the validators; raises FeedError."""
        ...


class FeedParser(Protocol):
    def __call__(self, body: bytes, *, default_tz: str, start: datetime, end: datetime) -> ParsedFeed:
        """The busy time of a feed's bytes in [start, end); raises FeedError."""
        ...


class CallLog(Protocol):
    def start(self, call: CallRecord, quota: Quota | None = None) -> bool:
        """Record a new attempt, taking a unit of `quota` (when given) in the same write; False (writing nothing)
        when a call with this id exists already, LimitReached (writing nothing) when the quota is spent."""
        ...

    def get(self, call_id: str) -> CallRecord | None: ...

    def update_status(self, call_id: str, status: str, provider_id: str | None = None) -> bool: ...

    def list_calls(self, limit: int = 100, site: str | None = None) -> list[CallRecord]: ...

    def forget_user(self, user_id: str) -> int: ...


class VisitStore(Protocol):
    """Visits, expected visitors and notification attempts."""

    def add_visit(self, visit: Visit, tz: str, expires_at: int, quota: Quota | None = None) -> None:
        """Store a new visit, taking a unit of `quota` (when given) in the same write; LimitReached (writing
        nothing) when the quota is spent."""
        ...

    def visit_in_stream_record(self, record: Mapping[str, Any]) -> Visit | None:
        """The visit a change-stream record inserted; None for any other record."""
        ...

    def on_site(self) -> list[Visit]: ...

    def pending_notifications(self) -> list[Visit]: ...

    def visits_on(self, day: date) -> list[Visit]: ...

    def check_out(self, visit: Visit, tz: str, at: datetime) -> bool: ...

    def set_notify_status(self, visit: Visit, tz: str, status: str, *, count_round: bool = False) -> None: ...

    def notify_state(self, visit: Visit, tz: str) -> tuple[str, int] | None: ...

    def add_expected(self, expected: ExpectedVisit, tz: str, expires_at: int) -> None: ...

    def expected_on(self, day: date) -> list[ExpectedVisit]: ...

    def claim_notification(self, quota: Quota, visit_id: str) -> bool:
        """Take a unit of the host's notification counter for `visit_id` (once per visit); False when spent."""
        ...

    def hold_for_digest(self, quota: Quota, visit: Visit, tz: str) -> bool:
        """Keep `visit` for the digest of the counter's hour; False when that digest has gone out already."""
        ...

    def due_digests(self, now: datetime) -> list[Digest]:
        """The digests whose hour is over and that have not gone out, with their visits still stored."""
        ...

    def settle_digest(self, digest: Digest, status: str, *, count_round: bool = False) -> None: ...

    def record_attempt(
        self, visit_id: str, attempt: Attempt, expires_at: int, now: datetime, *, site: str = ...
    ) -> None: ...

    def attempt_status(self, visit_id: str, target_key: str) -> AttemptStatus | None:
        """The status of the last attempt recorded for one target of a visit's notification."""
        ...

    def notifications(self, limit: int = 200) -> list[NotificationRecord]: ...

    def forget_visitor(self, name: str) -> int: ...

    def forget_user(self, user_id: str) -> int: ...


class ProblemStore(Protocol):
    """Room problems reported by voice, and how telling the site's facilities contacts went."""

    def add(self, problem: Problem, quota: Quota | None = None) -> Problem:
        """Store a new problem (its notification pending), taking a unit of `quota` (when given) in the same
        write; the problem stored. A retry of the request that stored it writes nothing and returns the stored
        one; LimitReached (writing nothing) when the quota is spent."""
        ...

    def get(self, problem_id: str) -> Problem | None: ...

    def list_problems(self, *, open_only: bool = False, site: str | None = None) -> list[Problem]:
        """Every problem (or the open ones, or one site's), oldest first."""
        ...

    def resolve(self, problem: Problem, at: datetime) -> bool:
        """Mark an open problem resolved at `at`; False when it was resolved already (or is gone)."""
        ...

    def problem_in_stream_record(self, record: Mapping[str, Any]) -> Problem | None:
        """The problem a change-stream record inserted; None for any other record."""
        ...

    def pending_notifications(self, since: datetime) -> list[Problem]:
        """Problems reported since `since` whose facilities contacts have not been told yet."""
        ...

    def notify_state(self, problem: Problem) -> tuple[str, int] | None:
        """The stored notify status and the delivery rounds run so far; None when the problem is gone."""
        ...

    def set_notify_status(self, problem: Problem, status: str, *, count_round: bool = False) -> None: ...


class BookingStore(Protocol):
    """Room bookings, their slots, and calendar-feed busy time per room (or user) and local day."""

    def room_day(self, room_id: str, day: date) -> RoomDay: ...

    def busy_between(self, room_id: str, start: datetime, end: datetime, tz: str) -> list[BusyInterval]: ...

    def busy_by_room(
        self, room_ids: Sequence[str], start: datetime, end: datetime, tz: str
    ) -> dict[str, list[BusyInterval]]: ...

    def list_bookings(self, room_id: str, start: datetime, end: datetime, tz: str) -> list[Booking]: ...

    def list_bookings_for_rooms(
        self, room_ids: Iterable[str], start: datetime, end: datetime, tz: str
    ) -> list[Booking]: ...

    def bookings_for_user(self, user_id: str, start: datetime, end: datetime) -> list[Booking]: ...

    def live_bookings_since(self, room_ids: Sequence[str], day: date, until: date | None = None) -> list[Booking]: ...

    def add_booking(self, booking: Booking, tz: str, quota: Quota | None = None) -> None:
        """Store a new booking and its slots, taking a unit of `quota` (when given) in the same write;
        RoomTakenError or LimitReached, writing nothing."""
        ...

    def extend_booking(
        self, booking: Booking, new_end: datetime, tz: str, *, checked_in_at: datetime | None = None
    ) -> Booking: ...

    def end_booking(self, booking: Booking, now: datetime, tz: str) -> Booking: ...

    def cancel_booking(self, booking: Booking, tz: str) -> Booking: ...

    def release_booking(self, booking: Booking, tz: str) -> Booking: ...

    def check_in(self, booking: Booking, now: datetime, tz: str) -> Booking: ...

    def replace_feed_busy(
        self, room_id: str, day: date, intervals: Sequence[BusyInterval], refreshed_at: datetime, digest: str
    ) -> bool: ...

    def mark_feed_stale(self, room_id: str, day: date) -> None: ...

    def forget_user(self, user_id: str) -> int: ...


class FeedStateStore(Protocol):
    """Per-owner feed state and the published-feed secret."""

    def get(self, owner: str) -> FeedState | None: ...

    def record_success(
        self,
        owner: str,
        at: datetime,
        *,
        etag: str | None,
        last_modified: str | None,
        digest: str | None = None,
        window: str | None = None,
    ) -> None: ...

    def record_failure(self, owner: str, reason: str) -> None: ...

    def feed_secret(self) -> bytes: ...

    def feed_keys(self, room_id: str) -> tuple[bytes, int]:
        """The feed secret and the room's published-feed token version."""
        ...

    def rotate_feed_token(self, room_id: str) -> int: ...


class UsageStore(Protocol):
    """Per-day usage items of rooms and sites (skill/domain/usage.py), and the problems list."""

    def stream_images(self, record: Mapping[str, Any]) -> tuple[str, dict[str, Any] | None, dict[str, Any] | None]:
        """A stream record's event name and the item's old and new images."""
        ...

    def apply(self, change: UsageChange) -> dict[str, Any] | None:
        """Apply `change`; a versioned one returns the item as it then stands (None when there is none)."""
        ...

    def usage(self, site_ids: Sequence[str], days: Sequence[date]) -> tuple[list[RoomDaySummary], list[SiteDay]]:
        """The sites' days: each room's day in brief, and the site's own counts."""
        ...

    def problems(self, site_ids: Iterable[str], reported_since: str) -> list[ProblemRow]: ...


class ChangeFeed(Protocol):
    """The table's change stream as the local runtime tails it."""

    def read(self) -> list[dict[str, Any]]:
        """The records after those already read, oldest first."""
        ...
