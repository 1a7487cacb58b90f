"""Reception: visits, expected visitors, who is told about a visitor and in which order.

Pure rules for the lobby: the escalation plan (host, then delegate, then the site's reception), the
backoff between delivery attempts, the per-target key that keeps a message from being sent twice, the
text sent to the person told (one visitor, or the digest of those beyond the host's hourly limit), what a
delivery run leaves to the next, matching a visitor who checks in to one announced in advance, who is leaving
at check-out, the end-of-day check-out and the visit's retention.
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

Role = Literal["host", "delegate", "reception", "facilities"]
# "sending" is stored before a message goes out, so a run that dies while sending leaves a mark; "unknown"
# is a send whose answer never came (it may have been delivered). Neither is ever sent again. "retrying" is
# a send refused before it went out (the provider was busy): a later attempt or run sends it.
AttemptStatus = Literal["sending", "sent", "retrying", "failed", "unknown"]
UNSETTLED: frozenset[str] = frozenset({"sending", "unknown"})

MAX_ATTEMPTS_PER_TARGET = 3
MAX_NOTIFY_ROUNDS = 3  # deliveries tried (each with its own retries) before a visit or digest is marked failed
DIGEST_NAMES = 20  # visitors a digest names; it counts the rest
RETRY_BASE_SECONDS = 2.0
RETRY_CAP_SECONDS = 30.0

MATCH_WINDOW = timedelta(hours=4)
MATCH_MIN_SCORE = 85.0
FULL_NAME_MIN_SCORE = 90.0


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


class Throttled(NotifyError):
    """The provider (or our own pacing of it) refused the message before it went out because too many are being
    sent: nothing was delivered, and a later attempt may go through."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, retryable=True)


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
    throttled: bool = False  # stopped at a target its provider was too busy for: the rest is left to a later run


@dataclass(frozen=True)
class Digest:
    """The visitors a host was not told about one by one, their hourly notification limit being reached: told in
    one message once the hour [start, end) is over."""

    id: str  # the stable key of its delivery (see `target_key`)
    host_id: str
    start: datetime
    end: datetime
    visits: tuple[Visit, ...]
    rounds: int = 0  # delivery runs tried so far


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
    visitor = _visitor(visit, locale)
    body = texts["host" if role == "host" else "other"].format(visitor=visitor, host=host.name)
    return Message(subject=texts["subject"].format(visitor=visitor), text=body)


def digest_message(digest: Digest, host: User, role: str, tz: str, locale: str = "en-US") -> Message:
    """One message naming the visitors of `digest` (the first DIGEST_NAMES, then how many more), with the hour
    they came in, in the site's time zone."""
    texts = _DIGEST_TEXTS.get(locale.split("-")[0].lower(), _DIGEST_TEXTS["en"])
    zone = ZoneInfo(tz)
    named = [_visitor(visit, locale) for visit in digest.visits[:DIGEST_NAMES]]
    rest = len(digest.visits) - len(named)
    visitors = texts["separator"].join(named) + (texts["more"].format(count=rest) if rest else "")
    values = {
        "count": len(digest.visits),
        "start": digest.start.astimezone(zone).strftime("%H:%M"),
        "end": digest.end.astimezone(zone).strftime("%H:%M"),
        "visitors": visitors,
        "host": host.name,
    }
    body = texts["host" if role == "host" else "other"].format(**values)
    return Message(subject=texts["subject"].format(**values), text=body)


_DIGEST_TEXTS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "subject": "Visitors at reception between {start} and {end}: {count} more",
        "host": "Also at reception to see you between {start} and {end}: {visitors}.",
        "other": (
            "Also at reception to see {host} between {start} and {end}, and {host} could not be reached: {visitors}."
        ),
        "separator": ", ",
        "more": " and {count} more",
    },
    "ja": {
        "subject": "受付にお客様: {start}〜{end}にさらに{count}名",
        "host": "{start}〜{end}に受付にいらっしゃった他のお客様: {visitors}",
        "other": "{start}〜{end}に{host}さんを訪ねて受付にいらっしゃった他のお客様: {visitors}。"
        "{host}さんに連絡がつきませんでした。",
        "separator": "、",
        "more": "、ほか{count}名",
    },
}


def _visitor(visit: Visit, locale: str) -> str:
    texts = _TEXTS.get(locale.split("-")[0].lower(), _TEXTS["en"])
    if visit.company:
        return texts["visitor_company"].format(name=visit.visitor_name, company=visit.company)
    return f"{visit.visitor_name}様" if locale.lower().startswith("ja") else visit.visitor_name


SettledStatus = Literal["delivered", "pending", "failed"]


def settle(outcome: DeliveryOutcome, rounds_before: int) -> tuple[SettledStatus, bool]:
    """What one delivery run leaves: delivered; pending (a later run tries again); or failed. And whether the run
    counts as one of the MAX_NOTIFY_ROUNDS.

    A run stopped by a busy provider counts no round: nothing failed, it is only later. A target that failed on
    its last allowed attempt kept failing in a way that may pass (a 5xx, a refused connection): worth another
    run, up to MAX_NOTIFY_ROUNDS runs.
    """
    if outcome.delivered:
        return "delivered", False
    if outcome.throttled:
        return "pending", False
    may_pass = any(a.status == "failed" and a.attempts >= MAX_ATTEMPTS_PER_TARGET for a in outcome.attempts)
    if may_pass and rounds_before + 1 < MAX_NOTIFY_ROUNDS:
        return "pending", True
    return "failed", True


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


def named_in_full(said: str, on_site: Sequence[Visit]) -> Visit | None:
    """The visitor on site whose whole name `said` is, or None.

    Check-out speaks back only what the speaker said, so it never completes a name: the words said must be
    the visitor's name as given at check-in, all of it, in any order and as a voice may spell it (a score of
    FULL_NAME_MIN_SCORE or more, with or without the spaces), not a family or given name alone. The closest
    name wins; visitors under the same name are one answer (the first to arrive leaves first); two different
    names that fit equally well are no answer.
    """
    from rapidfuzz import fuzz, utils

    def words(text: str) -> str:
        return " ".join(utils.default_process(text).split())

    wanted = words(said)
    if not wanted:
        return None
    scored: list[tuple[float, str, Visit]] = []
    for visit in on_site:
        name = words(visit.visitor_name)
        score = max(
            fuzz.token_sort_ratio(wanted, name),
            fuzz.ratio(wanted.replace(" ", ""), name.replace(" ", "")),
        )
        if score >= FULL_NAME_MIN_SCORE:
            scored.append((score, name, visit))
    if not scored:
        return None
    best = max(score for score, _, _ in scored)
    closest = [(name, visit) for score, name, visit in scored if score == best]
    if len({name for name, _ in closest}) > 1:
        return None
    return min((visit for _, visit in closest), key=lambda visit: visit.checked_in_at)


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
