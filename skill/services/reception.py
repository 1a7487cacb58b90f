"""Reception use cases: check a visitor in and out, expect one, tell the host, close the day.

Check-in writes one visit and returns; telling the host happens afterwards, off the voice path, in
`notify_visit` (run by the DynamoDB Stream notifier in AWS and by the outbox loop locally), which is
idempotent per person and channel so a redelivered record never notifies anyone twice.

Logs carry ids and statuses only: never a visitor's or a host's name.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from datetime import time as clock_time
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from skill.domain.directory import DirectoryEntry, MatchResult, match_names
from skill.domain.model import Caller, Site, User
from skill.domain.reception import (
    MAX_ATTEMPTS_PER_TARGET,
    ExpectedVisit,
    Visit,
    checkout_due,
    escalation_plan,
    host_message,
    match_expected,
    visit_expires_at,
)
from skill.observability import count, logger

if TYPE_CHECKING:
    from skill.adapters.notify import Attempt, ChannelSender
    from skill.bootstrap import Container
    from skill.ports import FleetStore, VisitStore

MAX_NOTIFY_ROUNDS = 3  # deliveries tried (each with its own retries) before a visit is marked failed
NOTIFY_LOCALE = "en-US"

CheckInStatus = Literal["checked_in", "ambiguous", "no_match"]
CheckOutStatus = Literal["checked_out", "need_name", "ambiguous", "not_found"]


@dataclass(frozen=True)
class CheckInOutcome:
    status: CheckInStatus
    visit: Visit | None = None
    host: DirectoryEntry | None = None
    expected: ExpectedVisit | None = None
    candidates: tuple[DirectoryEntry, ...] = ()  # at most two, when the host was not clear


@dataclass(frozen=True)
class CheckOutOutcome:
    status: CheckOutStatus
    visit: Visit | None = None


@dataclass(frozen=True)
class NotifyResult:
    status: Literal["delivered", "failed", "pending", "skipped"]
    recipient_id: str | None = None
    role: str | None = None


def employee_directory(users: Sequence[User]) -> list[DirectoryEntry]:
    return [DirectoryEntry(u.id, u.name, u.aliases, kind="employee", reading=u.reading) for u in users]


def find_host(host_query: str, directory: Sequence[DirectoryEntry]) -> MatchResult:
    """The employee the visitor named: one, two close candidates, or none. Contacts never match."""
    return match_names(host_query, [e for e in directory if e.kind == "employee"], limit=2)


def _local(now: datetime, site: Site) -> datetime:
    return now.astimezone(ZoneInfo(site.timezone))


def check_in(
    caller: Caller,
    visitor_name: str,
    host_query: str,
    company: str | None,
    directory: Sequence[DirectoryEntry],
    expected: Sequence[ExpectedVisit],
    now: datetime,
    request_id: str | None,
    store: VisitStore,
    *,
    host_id: str | None = None,
) -> CheckInOutcome:
    """Check a visitor in to see the employee `host_query` names (or `host_id`, already chosen).

    Writes one visit item when the host is clear; otherwise writes nothing and says why.
    """
    employees = [e for e in directory if e.kind == "employee"]
    chosen = next((e for e in employees if e.id == host_id), None) if host_id else None
    if chosen is None:
        found = find_host(host_query, employees)
        if found.is_ambiguous:
            return CheckInOutcome("ambiguous", candidates=found.candidates[:2])
        if found.match is None:
            return CheckInOutcome("no_match")
        chosen = found.match
    site = caller.site
    local_now = _local(now, site)
    announced = match_expected(visitor_name, chosen.id, expected, local_now)
    visit = Visit(
        id=uuid.uuid4().hex[:16],
        visitor_name=visitor_name.strip(),
        company=(company or "").strip() or (announced.company if announced else None),
        host_id=chosen.id,
        checked_in_at=now,
        expected_id=announced.id if announced else None,
        request_id=request_id,
        device=caller.device_id,
    )
    store.add_visit(visit, site.timezone, visit_expires_at(now, site.retention_days))
    count("VisitorCheckedIn")
    logger.info("visitor checked in", extra={"visit": visit.id, "expected": announced is not None})
    return CheckInOutcome("checked_in", visit=visit, host=chosen, expected=announced)


def check_out(name: str | None, device: str | None, now: datetime, site: Site, store: VisitStore) -> CheckOutOutcome:
    """Check out the on-site visitor `name` names; with no name, the only visitor this device checked in."""
    on_site = store.on_site()
    if name and name.strip():
        entries = [DirectoryEntry(v.id, v.visitor_name, kind="visitor") for v in on_site]
        found = match_names(name, entries)
        if found.is_ambiguous:
            return CheckOutOutcome("ambiguous")
        if found.match is None:
            return CheckOutOutcome("not_found")
        visit = next(v for v in on_site if v.id == found.match.id)
    else:
        mine = [v for v in on_site if device is not None and v.device == device]
        if len(mine) != 1:
            return CheckOutOutcome("need_name")
        visit = mine[0]
    if not store.check_out(visit, site.timezone, now):
        return CheckOutOutcome("not_found")
    logger.info("visitor checked out", extra={"visit": visit.id})
    return CheckOutOutcome("checked_out", replace(visit, checked_out_at=now))


def auto_check_out(now: datetime, site: Site, store: VisitStore) -> int:
    """Check out everyone still on site after the site's end of day; returns how many."""
    hour, minute = (int(part) for part in site.end_of_day.split(":"))
    due = checkout_due(store.on_site(), clock_time(hour, minute), site.timezone, now)
    done = sum(1 for visit in due if store.check_out(visit, site.timezone, now))
    if due:
        logger.info("visitors checked out at end of day", extra={"count": done})
    return done


def expect_visitor(
    user: User, name: str, company: str | None, at: datetime, site: Site, store: VisitStore
) -> ExpectedVisit:
    """Announce a visitor for `user`, so reception greets them by name when they check in."""
    if at.tzinfo is None:
        raise ValueError("the expected time must be timezone-aware")
    expected = ExpectedVisit(uuid.uuid4().hex[:16], name.strip(), (company or "").strip() or None, user.id, at)
    store.add_expected(expected, site.timezone, visit_expires_at(at, site.retention_days))
    logger.info("visitor expected", extra={"expected": expected.id})
    return expected


def expected_today(now: datetime, site: Site, store: VisitStore) -> list[ExpectedVisit]:
    return store.expected_on(_local(now, site).date())


# --- telling the host ----------------------------------------------------------------------------


def _people(fleet: FleetStore, host_id: str) -> tuple[Site, User | None, dict[str, User]]:
    """The site, the host, and everyone the escalation plan may reach (host, delegate, reception)."""
    site, _, _, users = fleet.profile(None, None, [host_id])
    host = users.get(host_id)
    others = [uid for uid in (host.delegate if host else None, site.reception) if uid]
    if others:
        users.update(fleet.profile(None, None, others)[3])
    return site, host, users


def notify_visit(
    visit: Visit,
    fleet: FleetStore,
    senders: Mapping[str, ChannelSender],
    store: VisitStore,
    sleep: Callable[[float], None] = time.sleep,
    *,
    now: Callable[[], datetime] | None = None,
) -> NotifyResult:
    """Tell the host (then the delegate, then reception) that `visit`'s visitor has arrived.

    Safe to run again for the same visit: people already told are not told again. Returns "skipped"
    for a visit already delivered or no longer stored (erased, expired), "pending" when nobody was
    reached but a later run may succeed (the caller tries again), "failed" when nobody can be reached
    (or MAX_NOTIFY_ROUNDS runs did not reach anyone).
    """
    from skill.adapters.notify import deliver

    clock = now or _utc_now
    site, host, users = _people(fleet, visit.host_id)
    state = store.notify_state(visit, site.timezone)
    if state is None or state[0] == "delivered":
        return NotifyResult("skipped")
    rounds_before = state[1]
    if host is None:
        logger.warning("visit host not in the fleet", extra={"visit": visit.id, "request_id": visit.request_id})
        store.set_notify_status(visit, site.timezone, "failed")
        return NotifyResult("failed")
    expires_at = visit_expires_at(visit.checked_in_at, site.retention_days)
    stages = escalation_plan(host, users, site)
    failures: list[Attempt] = []

    def record(attempt: Attempt) -> None:
        store.record_attempt(visit.id, attempt, expires_at, clock())
        if attempt.status == "failed":
            failures.append(attempt)

    outcome = deliver(
        stages,
        lambda stage: host_message(visit, host, stage.role, NOTIFY_LOCALE),
        senders,
        key=visit.id,
        sleep=sleep,
        already_sent=lambda target: store.already_sent(visit.id, target),
        record=record,
    )
    if outcome.delivered:
        store.set_notify_status(visit, site.timezone, "delivered")
        logger.info("host notified", extra={"visit": visit.id, "request_id": visit.request_id, "role": outcome.role})
        return NotifyResult("delivered", outcome.recipient_id, outcome.role)
    # A target that failed on its last allowed attempt kept failing in a way that may pass (throttling,
    # a 5xx, a timeout): worth another run later, up to MAX_NOTIFY_ROUNDS runs.
    may_pass = any(a.attempts >= MAX_ATTEMPTS_PER_TARGET for a in failures)
    if may_pass and rounds_before + 1 < MAX_NOTIFY_ROUNDS:
        store.set_notify_status(visit, site.timezone, "pending", count_round=True)
        logger.warning("host not reached yet", extra={"visit": visit.id, "request_id": visit.request_id})
        return NotifyResult("pending")
    store.set_notify_status(visit, site.timezone, "failed", count_round=True)
    logger.error("host could not be notified", extra={"visit": visit.id, "request_id": visit.request_id})
    return NotifyResult("failed")


def deliver_pending(
    fleet: FleetStore,
    senders: Mapping[str, ChannelSender],
    store: VisitStore,
    sleep: Callable[[float], None] = time.sleep,
) -> list[NotifyResult]:
    """The outbox loop's round: notify for every visit still pending."""
    return [notify_visit(visit, fleet, senders, store, sleep) for visit in store.pending_notifications()]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DeliveryPendingError(Exception):
    """Nobody was told yet but a later try may reach someone: the stream record is to be retried."""


def notify_stream_record(
    record: Mapping[str, Any], container: Container, sleep: Callable[[float], None] = time.sleep
) -> NotifyResult:
    """The notifier's work for one DynamoDB Stream record: a new visit item is notified, others skipped.

    Raises DeliveryPendingError when the host could not be reached yet, so Lambda retries the record.
    """
    visit = container.visits.visit_in_stream_record(record)
    if visit is None:
        return NotifyResult("skipped")
    result = notify_visit(visit, container.fleet, container.senders, container.visits, sleep)
    if result.status == "pending":
        raise DeliveryPendingError(visit.id)
    return result


def outbox_job(container: Container) -> list[NotifyResult]:
    """The local stand-in for the stream: notify every visit still pending."""
    return deliver_pending(container.fleet, container.senders, container.visits)


def auto_check_out_job(container: Container) -> int:
    """Scheduled: check out visitors still on site after the site's end of day."""
    site = container.fleet.profile(None, None, [])[0]
    return auto_check_out(container.clock.now(), site, container.visits)
