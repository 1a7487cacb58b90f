"""Delivering one message along an escalation plan: who is tried, how often, and what is never sent twice.

Every target (one person, one channel, one address) has a stable key. Before each send the attempt is
recorded as "sending", then as what came of it, so a later run knows what happened even when this one
died half way. A target already "sent" counts as reached; one left "sending" or "unknown" (the message
went out and no answer came back) may have been delivered and is never sent again. A failure that may
pass (throttling, a 5xx, a refused connection) is tried again with backoff, up to
MAX_ATTEMPTS_PER_TARGET times; anything else moves on to the next target, then to the next stage. A target
still throttled after its last attempt (the provider, or our pacing of it, is too busy) stops the plan: it
is left "retrying" for a later run, and nobody further down the plan is bothered because a provider was busy.

Logs carry the key, channel, role and status only: never an address, a name or a message text.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Literal

from skill.domain.model import NotifyTarget
from skill.domain.reception import (
    MAX_ATTEMPTS_PER_TARGET,
    UNSETTLED,
    Attempt,
    AttemptStatus,
    DeliveryOutcome,
    Message,
    NotifyError,
    OutcomeUnknown,
    Stage,
    Throttled,
    retry_delays,
    target_key,
)
from skill.observability import logger

if TYPE_CHECKING:
    from skill.ports import ChannelSender


def deliver(
    stages: Sequence[Stage],
    message_for: Callable[[Stage], Message],
    senders: Mapping[str, ChannelSender],
    *,
    key: str,
    status_of: Callable[[str], AttemptStatus | None],
    record: Callable[[Attempt], None],
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryOutcome:
    """Try each stage in order until one person gets the message; returns who did and every attempt.

    `status_of(target key)` is what an earlier run recorded for a target. When an earlier run reached
    someone, the plan resumes at that stage, so nobody is notified twice and nobody earlier is bothered
    again.
    """
    keys = [[target_key(key, s.recipient_id, t.channel, t.address) for t in s.targets] for s in stages]
    before = [[status_of(k) for k in stage_keys] for stage_keys in keys]
    first = next((i for i, statuses in enumerate(before) if "sent" in statuses), 0)
    attempts: list[Attempt] = []

    def note(attempt: Attempt) -> None:
        attempts.append(attempt)
        record(attempt)
        logger.info(
            "notification attempt",
            extra={"key": key, "channel": attempt.channel, "role": attempt.role, "status": attempt.status},
        )

    for index in range(first, len(stages)):
        stage = stages[index]
        message = message_for(stage)
        results = [
            _send_with_retries(stage, target, target_id, message, senders.get(target.channel), sleep, note)
            for target, target_id, status in zip(stage.targets, keys[index], before[index], strict=True)
            if status != "sent" and status not in UNSETTLED
        ]
        if "sent" in before[index] or "sent" in results:
            return DeliveryOutcome(True, stage.recipient_id, stage.role, tuple(attempts))
        if "throttled" in results:
            logger.warning("notification left for a later run", extra={"key": key, "role": stage.role})
            return DeliveryOutcome(False, None, None, tuple(attempts), throttled=True)
    logger.warning("notification not delivered", extra={"key": key, "stages": len(stages)})
    return DeliveryOutcome(False, None, None, tuple(attempts))


def _send_with_retries(
    stage: Stage,
    target: NotifyTarget,
    target_id: str,
    message: Message,
    sender: ChannelSender | None,
    sleep: Callable[[float], None],
    note: Callable[[Attempt], None],
) -> Literal["sent", "failed", "throttled"]:
    def attempt(
        status: AttemptStatus, number: int, reason: str | None = None, provider_id: str | None = None
    ) -> Attempt:
        return Attempt(target_id, stage.recipient_id, stage.role, target.channel, status, number, reason, provider_id)

    if sender is None:
        note(attempt("failed", 1, "unsupported_channel"))
        return "failed"
    for number in range(1, MAX_ATTEMPTS_PER_TARGET + 1):
        note(attempt("sending", number))
        try:
            provider_id = sender.send(target.address, message, idempotency_key=target_id)
        except OutcomeUnknown as error:
            note(attempt("unknown", number, error.reason))
            return "failed"
        except NotifyError as error:
            last = number == MAX_ATTEMPTS_PER_TARGET
            if isinstance(error, Throttled) and last:
                note(attempt("retrying", number, error.reason))
                return "throttled"
            if error.retryable and not last:
                note(attempt("retrying", number, error.reason))
                sleep(retry_delays(number))
                continue
            note(attempt("failed", number, error.reason))
            return "failed"
        note(attempt("sent", number, provider_id=provider_id))
        return "sent"
    return "failed"
