"""Call records: which bridge the telephony call flow may make for a logged call."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from skill.domain.calls import BRIDGE_WINDOW, CallRecord, CallStatus, bridge_refusal, call_id

PLACED_AT = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
BRIDGE = "+81345781234"
CALL = CallRecord(
    id=call_id("req-1", BRIDGE),
    device="amzn1.ask.device.ROOM",
    to=BRIDGE,
    status=CallStatus.PLACING,
    provider="chime",
    created_at=PLACED_AT,
)


@pytest.mark.parametrize("status", [CallStatus.PLACING, CallStatus.RINGING, CallStatus.ANSWERED])
def test_a_call_in_progress_may_be_bridged_to_its_own_number(status: CallStatus) -> None:
    assert bridge_refusal(replace(CALL, status=status), BRIDGE, PLACED_AT + timedelta(seconds=20)) is None


@pytest.mark.parametrize(
    ("record", "to", "at", "reason"),
    [
        (None, BRIDGE, PLACED_AT, "unknown call"),
        (CALL, "+18765551234", PLACED_AT, "number differs from the call record"),
        (replace(CALL, provider="local"), BRIDGE, PLACED_AT, "not a telephony call"),
        (replace(CALL, status=CallStatus.BRIDGED), BRIDGE, PLACED_AT, "call already bridged or over"),
        (replace(CALL, status=CallStatus.ENDED), BRIDGE, PLACED_AT, "call already bridged or over"),
        (replace(CALL, status=CallStatus.REFUSED), BRIDGE, PLACED_AT, "call already bridged or over"),
        (CALL, BRIDGE, PLACED_AT + BRIDGE_WINDOW + timedelta(seconds=1), "call record too old"),
        (CALL, BRIDGE, PLACED_AT - timedelta(minutes=1), "call record too old"),
    ],
)
def test_a_forged_or_replayed_bridge_is_refused(record: CallRecord | None, to: str, at: datetime, reason: str) -> None:
    # Given an event naming a call and a number / When checked against the log / Then it is refused, and why
    assert bridge_refusal(record, to, at) == reason
