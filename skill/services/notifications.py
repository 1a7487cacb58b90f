"""Telling the host that a visitor has arrived (the host, then the delegate, then reception), and a site's
facilities contacts that a room problem was reported.

Run off the voice path, by the DynamoDB Stream notifier in AWS and the outbox loop locally, for each stored
visit or problem, under the correlation id of the request that stored it. Safe to run again for the same
fact: nobody already told is told again, and nothing whose outcome is unknown is sent twice
(`skill.services.delivery`). A problem's notification goes through the same sends, retries, pacing and records
(`NOTIFY#{problem id}`) as a visit's; the number of problems is bounded where they are reported
(`problems_per_device_per_hour`).

A host is told about at most `notifications_per_host_per_hour` visitors one by one in a clock hour; the
visitors beyond that are kept for one digest, sent by the first run after the hour is over (in AWS the
notifier's schedule, every 5 minutes; locally the outbox loop).

Logs carry ids and statuses only: never a visitor's or a host's name, never a problem's text.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from skill.domain.facilities import Problem, facilities_plan, problem_message
from skill.domain.limits import Quota, hourly, notification_quota
from skill.domain.model import DEFAULT_SITE, Site, User
from skill.domain.reception import (
    Attempt,
    DeliveryOutcome,
    Digest,
    Message,
    SettledStatus,
    Stage,
    Visit,
    digest_message,
    escalation_plan,
    host_message,
    settle,
    visit_expires_at,
)
from skill.observability import correlated, count, logger
from skill.services.delivery import deliver
from skill.services.limits import note_limit

if TYPE_CHECKING:
    from datetime import datetime

    from skill.ports import ChannelSender, Clock, FleetStore, ProblemStore, VisitStore

NOTIFY_LOCALE = "en-US"
# How far back the outbox loop looks for problems whose facilities contacts were not told yet (the stream in AWS
# gives a record up after an hour).
PROBLEM_OUTBOX_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class NotifyResult:
    status: Literal["delivered", "failed", "pending", "skipped", "digest"]
    recipient_id: str | None = None
    role: str | None = None


class DeliveryPendingError(Exception):
    """Nobody was told yet but a later try may reach someone: the stream record is to be retried."""


@dataclass(frozen=True)
class NotificationService:
    """Telling hosts and facilities contacts, on the fleet, the visits store (and its notification attempts),
    the problems store and the channels."""

    fleet: FleetStore
    visits: VisitStore
    senders: Mapping[str, ChannelSender]
    clock: Clock
    sleep: Callable[[float], None] = time.sleep
    problems: ProblemStore | None = None

    def notify_record(self, record: Mapping[str, Any]) -> NotifyResult:
        """The notifier's work for one change-stream record: a new visit or problem is notified, others skipped.

        Raises DeliveryPendingError when nobody could be reached yet, so the record is retried.
        """
        visit = self.visits.visit_in_stream_record(record)
        problem = self.problems.problem_in_stream_record(record) if visit is None and self.problems else None
        if visit is not None:
            result, fact = self.notify(visit), visit.id
        elif problem is not None:
            result, fact = self.notify_problem(problem), problem.id
        else:
            return NotifyResult("skipped")
        if result.status == "pending":
            raise DeliveryPendingError(fact)
        return result

    def deliver_pending(self) -> list[NotifyResult]:
        """The outbox loop's round: notify for every visit and problem still pending, then send the digests due."""
        results = [self.notify(visit) for visit in self.visits.pending_notifications()]
        if self.problems is not None:
            since = self._now() - PROBLEM_OUTBOX_WINDOW
            results += [self.notify_problem(problem) for problem in self.problems.pending_notifications(since)]
        return results + self.send_digests()

    def notify(self, visit: Visit) -> NotifyResult:
        """Tell the host (then the delegate, then reception) that `visit`'s visitor has arrived.

        Returns "skipped" for a visit already delivered, kept for a digest or no longer stored (erased,
        expired), "digest" when the host's hourly limit keeps it for the hour's digest, "pending" when nobody
        was reached but a later run may succeed (the caller tries again), "failed" when nobody can be reached
        (or MAX_NOTIFY_ROUNDS runs did not reach anyone).
        """
        with correlated(visit.request_id):
            return self._notify(visit)

    def _notify(self, visit: Visit) -> NotifyResult:
        site, host, users = self._people(visit.host_id, visit.site)
        state = self.visits.notify_state(visit, site.timezone)
        if state is None or state[0] in ("delivered", "digest"):
            return NotifyResult("skipped")
        if host is None:
            logger.warning("visit host not in the fleet", extra={"visit": visit.id})
            self.visits.set_notify_status(visit, site.timezone, "failed")
            return NotifyResult("failed")
        quota = notification_quota(host.id, self.fleet.limits(), self._now())
        if not self.visits.claim_notification(quota, visit.id):
            return self._hold(visit, quota, site)
        return self._send(
            visit.id,
            escalation_plan(host, users, site),
            site,
            visit_expires_at(visit.checked_in_at, site.retention_days),
            lambda stage: host_message(visit, host, stage.role, NOTIFY_LOCALE),
            state[1],
            lambda status, count_round: self.visits.set_notify_status(
                visit, site.timezone, status, count_round=count_round
            ),
            {"visit": visit.id},
        )

    def _hold(self, visit: Visit, quota: Quota, site: Site) -> NotifyResult:
        """Keep a visit beyond the host's hourly limit for the hour's digest (the next hour's, should this one's
        have gone out meanwhile)."""
        while not self.visits.hold_for_digest(quota, visit, site.timezone):
            quota = hourly(quota.action, quota.subject, quota.limit, quota.end)
        self.visits.set_notify_status(visit, site.timezone, "digest")
        note_limit(quota.reached())
        logger.info("visitor kept for the host's digest", extra={"visit": visit.id, "window": quota.window})
        return NotifyResult("digest")

    # --- problems -----------------------------------------------------------------------------------

    def notify_problem(self, problem: Problem) -> NotifyResult:
        """Tell the facilities contacts of the problem's site that it was reported.

        Returns "skipped" for a problem already told or no longer stored, "failed" (nobody to tell: the site has no
        facilities contacts, or none could be reached), "pending" when a later run may succeed.
        """
        with correlated(problem.request_id):
            return self._notify_problem(problem)

    def _notify_problem(self, problem: Problem) -> NotifyResult:
        if self.problems is None:
            raise LookupError("no problems store")
        state = self.problems.notify_state(problem)
        if state is None or state[0] != "pending":
            return NotifyResult("skipped")
        site, room, _, _ = self.fleet.profile(problem.site, problem.room, None, ())
        stages = facilities_plan(site)
        if not stages:
            logger.warning("site has no facilities contacts", extra={"problem": problem.id, "site": site.id})
            self.problems.set_notify_status(problem, "none")
            return NotifyResult("failed")
        message = problem_message(problem, room, site, NOTIFY_LOCALE)
        problems = self.problems
        return self._send(
            problem.id,
            stages,
            site,
            visit_expires_at(problem.reported_at, site.retention_days),
            lambda _: message,
            state[1],
            lambda status, count_round: problems.set_notify_status(problem, status, count_round=count_round),
            {"problem": problem.id},
        )

    # --- digests ------------------------------------------------------------------------------------

    def send_digests(self) -> list[NotifyResult]:
        """Send every digest whose hour is over: one message per host and hour naming the visitors kept."""
        return [self._send_digest(digest) for digest in self.visits.due_digests(self._now())]

    def _send_digest(self, digest: Digest) -> NotifyResult:
        site, host, users = self._people(digest.host_id, digest.visits[0].site if digest.visits else DEFAULT_SITE)
        if host is None or not digest.visits:  # the host left the fleet, or every visit was erased since
            self.visits.settle_digest(digest, "failed" if digest.visits else "delivered")
            return NotifyResult("skipped")
        result = self._send(
            digest.id,
            escalation_plan(host, users, site),
            site,
            visit_expires_at(digest.end, site.retention_days),
            lambda stage: digest_message(digest, host, stage.role, site.timezone, NOTIFY_LOCALE),
            digest.rounds,
            lambda status, count_round: self.visits.settle_digest(digest, status, count_round=count_round),
            {"digest": digest.id, "visits": len(digest.visits)},
        )
        if result.status == "delivered":
            count("NotificationDigestSent")
        return result

    # --- shared -------------------------------------------------------------------------------------

    def _send(
        self,
        key: str,
        stages: Sequence[Stage],
        site: Site,
        expires_at: int,
        message_for: Callable[[Stage], Message],
        rounds_before: int,
        save: Callable[[SettledStatus, bool], None],
        ids: dict[str, Any],
    ) -> NotifyResult:
        """One message along `stages`, every attempt recorded under `key` before it is sent; what came of it is
        settled (`settle`), saved with `save(status, count_round)` and logged under `ids`."""

        def record(attempt: Attempt) -> None:
            self.visits.record_attempt(key, attempt, expires_at, self._now(), site=site.id)

        outcome = deliver(
            stages,
            message_for,
            self.senders,
            key=key,
            status_of=lambda target: self.visits.attempt_status(key, target),
            record=record,
            sleep=self.sleep,
        )
        status, count_round = settle(outcome, rounds_before)
        save(status, count_round)
        self._log(status, outcome, ids)
        return NotifyResult(status, outcome.recipient_id, outcome.role)

    @staticmethod
    def _log(status: str, outcome: DeliveryOutcome, ids: dict[str, Any]) -> None:
        who = "facilities" if "problem" in ids else "host"
        if status == "delivered":
            logger.info(f"{who} notified", extra={**ids, "role": outcome.role})
        elif status == "pending":
            logger.warning(f"{who} not reached yet", extra={**ids, "throttled": outcome.throttled})
        else:
            logger.error(f"{who} could not be notified", extra=ids)

    def _now(self) -> datetime:
        return self.clock.now()

    def _people(self, host_id: str, site_id: str) -> tuple[Site, User | None, dict[str, User]]:
        """The site the visitor waits at, the host, and everyone the escalation plan may reach (host, delegate,
        the site's reception), read by key."""
        site, _, _, users = self.fleet.profile(site_id, None, None, [host_id])
        host = users.get(host_id)
        others = [uid for uid in (host.delegate if host else None, site.reception) if uid]
        if others:
            users.update(self.fleet.profile(site_id, None, None, others)[3])
        return site, host, users
