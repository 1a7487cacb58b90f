"""The delivery policy with recording senders: each attempt recorded before it is sent, retries with
backoff for failures that may pass, a busy provider's message left for a later run, never a second send of
a message that may have been delivered."""

from __future__ import annotations

from fakes import AttemptLedger, RecordingSender

from skill.domain.model import NotifyTarget
from skill.domain.reception import (
    DeliveryOutcome,
    Message,
    NotifyError,
    OutcomeUnknown,
    Stage,
    Throttled,
    target_key,
)

MESSAGE = Message("Visitor at reception", "Ken Sato is at reception.")
HOST = Stage("alice", (NotifyTarget("webhook", "https://hooks.example/alice"),), "host")
DELEGATE = Stage("bob", (NotifyTarget("webhook", "https://hooks.example/bob"),), "delegate")


def run(ledger: AttemptLedger, sender: RecordingSender) -> DeliveryOutcome:
    return ledger.deliver((HOST, DELEGATE), {"webhook": sender}, lambda stage: MESSAGE)


def test_each_attempt_is_recorded_before_the_message_goes_out() -> None:
    ledger = AttemptLedger()
    outcome = run(ledger, RecordingSender())
    assert outcome.delivered and outcome.role == "host"
    assert [(a.recipient_id, a.status, a.attempts) for a in ledger.history] == [
        ("alice", "sending", 1),
        ("alice", "sent", 1),
    ]


def test_a_failure_that_may_pass_is_tried_again_after_a_growing_wait() -> None:
    failures = [NotifyError("http_503", True), NotifyError("http_500", True)]
    sender = RecordingSender(fail=lambda address: failures.pop(0) if failures else None)
    ledger = AttemptLedger()
    outcome = run(ledger, sender)
    assert outcome.recipient_id == "alice" and len(sender.sent) == 1
    assert [a.status for a in ledger.history] == ["sending", "retrying", "sending", "retrying", "sending", "sent"]
    assert len(ledger.sleeps) == 2 and ledger.sleeps[0] <= 2.0 <= ledger.sleeps[1] <= 4.0


def test_an_answer_that_never_came_is_not_sent_again_and_the_delegate_is_told() -> None:
    # Given the host's webhook times out after the request was sent
    sender = RecordingSender(fail=lambda address: OutcomeUnknown("timeout") if address.endswith("alice") else None)
    ledger = AttemptLedger()
    # When the notification is delivered, then delivered again (a redelivered stream record)
    first = run(ledger, sender)
    again = run(ledger, sender)
    # Then the host was sent one request and never another, and the delegate was told once
    assert [(a.recipient_id, a.status) for a in ledger.history if a.recipient_id == "alice"] == [
        ("alice", "sending"),
        ("alice", "unknown"),
    ]
    assert first.role == again.role == "delegate" and again.attempts == ()
    assert [address for address, _ in sender.sent] == ["https://hooks.example/bob"]
    assert ledger.sleeps == []


def test_a_send_left_in_flight_by_a_run_that_died_is_not_sent_again() -> None:
    # Given a run that recorded "sending" to the host and then died
    ledger = AttemptLedger()
    ledger.last[target_key("visit-1", "alice", "webhook", "https://hooks.example/alice")] = "sending"
    sender = RecordingSender()
    # When the notification is delivered again
    outcome = run(ledger, sender)
    # Then the host is not sent it a second time; the delegate is told
    assert outcome.role == "delegate" and [address for address, _ in sender.sent] == ["https://hooks.example/bob"]


def test_a_provider_still_busy_after_the_last_attempt_leaves_the_message_for_a_later_run() -> None:
    # Given a host whose channel keeps answering "too many requests" (nothing goes out)
    busy = RecordingSender(fail=lambda address: Throttled("TooManyRequestsException"))
    ledger = AttemptLedger()

    # When the message is delivered, then delivered again once the provider takes it
    first = run(ledger, busy)
    again = run(ledger, RecordingSender())

    # Then the first run stops at the host without bothering the delegate, and the next run tells the host
    assert (first.delivered, first.throttled) == (False, True)
    assert ledger.statuses("bob") == []
    assert [a.status for a in first.attempts if a.status != "sending"] == ["retrying", "retrying", "retrying"]
    assert (again.delivered, again.role) == (True, "host")
