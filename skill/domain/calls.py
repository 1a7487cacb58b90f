"""Call attempts as the call log keeps them: one record per dial attempt, with the status it has reached.

A call's id is derived from the Alexa request that placed it and the number it rings, so a retried request
finds the record it already wrote instead of dialling again. The SIP media application bridges a call only
to the number its record holds (`bridge_refusal`), so an event naming another number, or replaying a call
that is over, rings nobody.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

# How long after a call was logged its first phone may still answer and be bridged.
BRIDGE_WINDOW = timedelta(minutes=10)


class CallStatus(StrEnum):
    PLACING = "placing"
    UNKNOWN = "unknown"  # the provider took the request but did not answer in time: it may ring
    RINGING = "ringing"
    ANSWERED = "answered"
    BRIDGED = "bridged"
    FAILED = "failed"
    ENDED = "ended"
    REFUSED = "refused"

    @property
    def rank(self) -> int:
        """How far a call has gone; a status never replaces one of a higher rank."""
        return _RANK[self]


_RANK = {
    CallStatus.PLACING: 0,
    CallStatus.UNKNOWN: 1,
    CallStatus.RINGING: 2,
    CallStatus.ANSWERED: 3,
    CallStatus.BRIDGED: 4,
    CallStatus.FAILED: 5,
    CallStatus.ENDED: 5,
    CallStatus.REFUSED: 5,
}


def call_id(request_id: str, to: str) -> str:
    """The id of the call that request `request_id` places to `to`: the same for a retried request."""
    return hashlib.sha256(f"{request_id}|{to}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class CallRecord:
    id: str
    device: str | None
    to: str  # E.164, or the digits said when they reach emergency services
    status: CallStatus
    provider: str  # "chime" | "local"
    created_at: datetime
    contact: str | None = None  # "user:<id>" or "contact:<id>" when a directory entry was called
    user: str | None = None  # the user on whose behalf the call was placed, when known
    request_id: str | None = None
    provider_id: str | None = None  # the telephony provider's transaction id
    expires_at: datetime | None = None  # when the record may be deleted (site retention)
    site: str | None = None  # the site of the device that placed it (None: logged before there were sites)


def bridge_refusal(record: CallRecord | None, to: str, now: datetime) -> str | None:
    """Why the telephony call flow must not bridge call `record` to `to`, or None when it may: the number
    must be the one the skill decided to ring, for a telephony call not yet bridged or over, placed within
    BRIDGE_WINDOW."""
    if record is None:
        return "unknown call"
    if record.provider != "chime":
        return "not a telephony call"
    if record.to != to:
        return "number differs from the call record"
    if record.status.rank >= CallStatus.BRIDGED.rank:
        return "call already bridged or over"
    if not record.created_at <= now <= record.created_at + BRIDGE_WINDOW:
        return "call record too old"
    return None
