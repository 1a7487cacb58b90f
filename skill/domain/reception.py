"""Reception: visits, expected visitors, who is told about a visitor and in which order.

Pure rules for the lobby: the escalation plan (host, then delegate, then the site's reception), the
backoff between delivery attempts, the per-target key that keeps a message from being sent twice, the
text sent to the person told, matching a visitor who checks in to one announced in advance, the
end-of-day check-out and the visit's retention.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

from skill.domain.errors import ReasonError
from skill.domain.model import DEFAULT_SITE, NotifyTarget, Site, User

Role = Literal["host", "delegate", "reception"]
# "sending" is stored before a message goes out, so a run that dies while sending leaves a mark; "unknown"
# is a send whose answer never came (it may have been delivered). Neither is ever sent again.
AttemptStatus = Literal["sending", "sent", "retrying", "failed", "unknown"]
UNSETTLED: frozenset[str] = frozenset({"sending", "unknown"})

MAX_ATTEMPTS_PER_TARGET = 3
RETRY_BASE_SECONDS = 2.0
RETRY_CAP_SECONDS = 30.0

MATCH_WINDOW = timedelta(hours=4)
MATCH_MIN_SCORE = 85.0


class VisitStatus(StrEnum):
    ON_SITE = "on_site"
    CHECKED_OUT = "checked_out"


@dataclass(frozen=True)
class Visit:
    id: str
    visitor_name: str
    company: str | None
    host_id: str
    checked_in_at: datetime
    checked_out_at: datetime | None = None
    expected_id: str | None = None
    request_id: str | None = None  # the Alexa request that checked the visitor in
    device: str | None = None
    site: str = DEFAULT_SITE  # where the visitor checked in (`main` for visits stored before there were sites)

    @property
    def status(self) -> VisitStatus:
        return VisitStatus.ON_SITE if self.checked_out_at is None else VisitStatus.CHECKED_OUT


@dataclass(frozen=True)
class ExpectedVisit:
    id: str
    visitor_name: str
    company: str | None
    host_id: str
    expected_at: datetime


@dataclass(frozen=True)
class Stage:
    """One step of the escalation: everyone in it is tried before moving on."""

    recipient_id: str
    targets: tuple[NotifyTarget, ...]
    role: Role


@dataclass(frozen=True)
class Message:
    subject: str
    text: str


class NotifyError(ReasonError):
    """A message that did not get through; `reason` is a short code with no personal data in it."""

    def __init__(self, reason: str, retryable: bool) -> None:
        super().__init__(reason)
        self.retryable = retryable


class OutcomeUnknown(NotifyError):
    """The message went out but no answer came back (a timeout while waiting for it): it may have been
    delivered, so it is never sent to the same target again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, retryable=False)


@dataclass(frozen=True)
class Attempt:
    key: str  # the per-target key (`target_key`)
    recipient_id: str
    role: str
    channel: str
    status: AttemptStatus
    attempts: int
    reason: str | None = None
    provider_id: str | None = None


@dataclass(frozen=True)
class DeliveryOutcome:
    delivered: bool
    recipient_id: str | None  # who got it, when someone did
    role: str | None
    attempts: tuple[Attempt, ...]


@dataclass(frozen=True)
class NotificationRecord:
    """What `notifications list` shows: who (by id) was tried on which channel, and how it went."""

    key: str
    visit_id: str
    recipient_id: str
    role: str
    channel: str
    status: str
    attempts: int
    reason: str | None
    updated_at: datetime
    site: str = DEFAULT_SITE  # the visit's site


def target_key(key: str, recipient_id: str, channel: str, address: str) -> str:
    """The stable key of one message to one person on one channel and address (the address only hashed)."""
    digest = hashlib.sha256(address.encode()).hexdigest()[:16]
    return f"{key}#{recipient_id}#{channel}#{digest}"


def escalation_plan(host: User, users: Mapping[str, User], site: Site) -> list[Stage]:
    """The host, then the host's delegate, then the site's reception, each with their own channels.

    A person with no notify targets but an email address is emailed. Unknown users, people already in
    the plan, targets an earlier stage already tried and people left with no target are skipped.
    """
    candidates: list[tuple[User | None, Role]] = [
        (host, "host"),
        (users.get(host.delegate) if host.delegate else None, "delegate"),
        (users.get(site.reception) if site.reception else None, "reception"),
    ]
    stages: list[Stage] = []
    seen_recipients: set[str] = set()
    seen_targets: set[NotifyTarget] = set()
    for user, role in candidates:
        if user is None or user.id in seen_recipients:
            continue
        seen_recipients.add(user.id)
        targets = tuple(dict.fromkeys(t for t in _targets_of(user) if t not in seen_targets))
        if targets:
            seen_targets.update(targets)
            stages.append(Stage(recipient_id=user.id, targets=targets, role=role))
    return stages


def _targets_of(user: User) -> tuple[NotifyTarget, ...]:
    if user.notify:
        return user.notify
    return (NotifyTarget("email", user.email),) if user.email else ()


def retry_delays(attempt: int, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based) before the next one.

    Exponential (2, 4, 8 … capped at 30) with "equal jitter": somewhere in the upper half of that value,
    so that many notifiers throttled together do not retry in step.
    """
    if attempt < 1:
        raise ValueError("attempt numbers start at 1")
    ceiling = min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** (attempt - 1))
    return ceiling / 2 + rand() * ceiling / 2


_TEXTS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "subject": "Visitor at reception: {visitor}",
        "visitor_company": "{name} ({company})",
        "host": "{visitor} is at reception to see you.",
        "other": "{visitor} is at reception to see {host}, who could not be reached.",
    },
    "ja": {
        "subject": "受付にお客様: {visitor}",
        "visitor_company": "{company}の{name}様",
        "host": "{visitor}が受付でお待ちです。",
        "other": "{visitor}が{host}さんを訪ねて受付でお待ちです。{host}さんに連絡がつきませんでした。",
    },
}


def host_message(visit: Visit, host: User, role: str, locale: str = "en-US") -> Message:
    """What the person told about `visit` reads; `host` is the person the visitor came to see."""
    texts = _TEXTS.get(locale.split("-")[0].lower(), _TEXTS["en"])
    if visit.company:
        visitor = texts["visitor_company"].format(name=visit.visitor_name, company=visit.company)
    elif locale.lower().startswith("ja"):
        visitor = f"{visit.visitor_name}様"
    else:
        visitor = visit.visitor_name
    body = texts["host" if role == "host" else "other"].format(visitor=visitor, host=host.name)
    return Message(subject=texts["subject"].format(visitor=visitor), text=body)


def match_expected(
    visitor_name: str,
    host_id: str | None,
    expected: Sequence[ExpectedVisit],
    now: datetime,
    window: timedelta = MATCH_WINDOW,
) -> ExpectedVisit | None:
    """The announced visit a visitor checking in at `now` most likely is, or None.

    Candidates are expected on `now`'s local day and within `window` of it; names are compared
    ignoring case, punctuation and word order (a voice-captured name is rarely spelt as announced).
    A visit for the same host wins over a better-spelt one for another host; then the closest name,
    then the closest expected time.
    """
    from rapidfuzz import fuzz, utils

    best: tuple[bool, float, float] | None = None
    found: ExpectedVisit | None = None
    for visit in expected:
        local = visit.expected_at.astimezone(now.tzinfo)
        if local.date() != now.date() or abs(visit.expected_at - now) > window:
            continue
        score = fuzz.token_sort_ratio(
            visitor_name, visit.visitor_name, processor=utils.default_process, score_cutoff=MATCH_MIN_SCORE
        )
        if not score:
            continue
        rank = (
            host_id is not None and visit.host_id == host_id,
            score,
            -abs((visit.expected_at - now).total_seconds()),
        )
        if best is None or rank > best:
            best, found = rank, visit
    return found


def checkout_due(visits: Iterable[Visit], site_end_of_day: time, tz: tzinfo | str, now: datetime) -> list[Visit]:
    """Visits still on site after the site's local end of day, or left over from an earlier day.

    Someone who checked in after the end of day is left alone until the local day is over.
    """
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    local_now = now.astimezone(zone)
    due = []
    for visit in visits:
        if visit.status is not VisitStatus.ON_SITE:
            continue
        arrived = visit.checked_in_at.astimezone(zone)
        if arrived.date() < local_now.date() or (
            arrived.time() < site_end_of_day <= local_now.time() and arrived.date() == local_now.date()
        ):
            due.append(visit)
    return due


def visit_expires_at(checked_in_at: datetime, retention_days: int) -> int:
    """Epoch seconds at which the visit item's TTL lets DynamoDB delete it."""
    if checked_in_at.tzinfo is None:
        raise ValueError("checked_in_at must be timezone-aware")
    return int((checked_in_at + timedelta(days=retention_days)).timestamp())
