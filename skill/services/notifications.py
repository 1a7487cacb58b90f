"""Telling the host that a visitor has arrived: the host, then the delegate, then reception.

Run off the voice path, by the DynamoDB Stream notifier in AWS and the outbox loop locally, for each stored
visit, under the correlation id of the request that checked the visitor in. Safe to run again for the same
visit: nobody already told is told again, and nothing whose outcome is unknown is sent twice
(`skill.services.delivery`).

Logs carry ids and statuses only: never a visitor's or a host's name.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from skill.domain.model import Site, User
from skill.domain.reception import (
    MAX_ATTEMPTS_PER_TARGET,
    Attempt,
    Visit,
    escalation_plan,
    host_message,
    visit_expires_at,
)
from skill.observability import correlated, logger
from skill.services.delivery import deliver

if TYPE_CHECKING:
    from datetime import datetime

    from skill.ports import ChannelSender, Clock, FleetStore, VisitStore

MAX_NOTIFY_ROUNDS = 3  # deliveries tried (each with its own retries) before a visit is marked failed
NOTIFY_LOCALE = "en-US"


@dataclass(frozen=True)
class NotifyResult:
    status: Literal["delivered", "failed", "pending", "skipped"]
    recipient_id: str | None = None
    role: str | None = None


class DeliveryPendingError(Exception):
    """Nobody was told yet but a later try may reach someone: the stream record is to be retried."""


@dataclass(frozen=True)
class NotificationService:
    """Telling hosts, on the fleet, the visits store (and its notification attempts) and the channels."""

    fleet: FleetStore
    visits: VisitStore
    senders: Mapping[str, ChannelSender]
    clock: Clock
    sleep: Callable[[float], None] = time.sleep

    def notify_record(self, record: Mapping[str, Any]) -> NotifyResult:
        """The notifier's work for one change-stream record: a new visit is notified, others skipped.

        Raises DeliveryPendingError when the host could not be reached yet, so the record is retried.
        """
        visit = self.visits.visit_in_stream_record(record)
        if visit is None:
            return NotifyResult("skipped")
        result = self.notify(visit)
        if result.status == "pending":
            raise DeliveryPendingError(visit.id)
        return result

    def deliver_pending(self) -> list[NotifyResult]:
        """The outbox loop's round: notify for every visit still pending."""
        return [self.notify(visit) for visit in self.visits.pending_notifications()]

    def notify(self, visit: Visit) -> NotifyResult:
        """Tell the host (then the delegate, then reception) that `visit`'s visitor has arrived.

        Returns "skipped" for a visit already delivered or no longer stored (erased, expired), "pending"
        when nobody was reached but a later run may succeed (the caller tries again), "failed" when nobody
        can be reached (or MAX_NOTIFY_ROUNDS runs did not reach anyone).
        """
        with correlated(visit.request_id):
            return self._notify(visit)

    def _notify(self, visit: Visit) -> NotifyResult:
        site, host, users = self._people(visit)
        state = self.visits.notify_state(visit, site.timezone)
        if state is None or state[0] == "delivered":
            return NotifyResult("skipped")
        rounds_before = state[1]
        if host is None:
            logger.warning("visit host not in the fleet", extra={"visit": visit.id})
            self.visits.set_notify_status(visit, site.timezone, "failed")
            return NotifyResult("failed")
        expires_at = visit_expires_at(visit.checked_in_at, site.retention_days)
        failures: list[Attempt] = []

        def record(attempt: Attempt) -> None:
            self.visits.record_attempt(visit.id, attempt, expires_at, self._now(), site=visit.site)
            if attempt.status == "failed":
                failures.append(attempt)

        outcome = deliver(
            escalation_plan(host, users, site),
            lambda stage: host_message(visit, host, stage.role, NOTIFY_LOCALE),
            self.senders,
            key=visit.id,
            status_of=lambda target: self.visits.attempt_status(visit.id, target),
            record=record,
            sleep=self.sleep,
        )
        if outcome.delivered:
            self.visits.set_notify_status(visit, site.timezone, "delivered")
            logger.info("host notified", extra={"visit": visit.id, "role": outcome.role})
            return NotifyResult("delivered", outcome.recipient_id, outcome.role)
        # A target that failed on its last allowed attempt kept failing in a way that may pass (throttling,
        # a 5xx, a refused connection): worth another run later, up to MAX_NOTIFY_ROUNDS runs.
        may_pass = any(a.attempts >= MAX_ATTEMPTS_PER_TARGET for a in failures)
        if may_pass and rounds_before + 1 < MAX_NOTIFY_ROUNDS:
            self.visits.set_notify_status(visit, site.timezone, "pending", count_round=True)
            logger.warning("host not reached yet", extra={"visit": visit.id})
            return NotifyResult("pending")
        self.visits.set_notify_status(visit, site.timezone, "failed", count_round=True)
        logger.error("host could not be notified", extra={"visit": visit.id})
        return NotifyResult("failed")

    def _now(self) -> datetime:
        return self.clock.now()

    def _people(self, visit: Visit) -> tuple[Site, User | None, dict[str, User]]:
        """The visit's site, the host, and everyone the escalation plan may reach (host, delegate, the site's
        reception), read by key."""
        site, _, _, users = self.fleet.profile(visit.site, None, None, [visit.host_id])
        host = users.get(visit.host_id)
        others = [uid for uid in (host.delegate if host else None, site.reception) if uid]
        if others:
            users.update(self.fleet.profile(visit.site, None, None, others)[3])
        return site, host, users
