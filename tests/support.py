"""Helpers shared by the test layers: a fixed clock, reading a response envelope, a conversation that
carries session attributes from answer to answer as Alexa does, and the room-time state machine that the
in-memory bookings fake and the DynamoDB store must both pass."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from skill.config import LOCAL_SKILL_ID
from skill.domain.booking import SLOT
from skill.domain.errors import BookingRuleError, RoomTakenError
from skill.domain.model import Booking, Caller, CallerKind, Room
from skill.local.envelopes import intent_request
from skill.services import rooms

if TYPE_CHECKING:
    from skill.ports import BookingStore

TEN_IN_TOKYO = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


@dataclass
class FixedClock:
    at: datetime = TEN_IN_TOKYO

    def now(self) -> datetime:
        return self.at


def speech(response: dict[str, Any]) -> str:
    """What the listener hears: the output speech without SSML tags."""
    return re.sub(r"<[^>]+>", "", response["response"].get("outputSpeech", {}).get("ssml", ""))


def directive(response: dict[str, Any]) -> dict[str, Any]:
    """The response's first directive, or an empty dict."""
    directives = response["response"].get("directives") or []
    return dict(directives[0]) if directives else {}


@dataclass
class Conversation:
    """One device talking to the skill through `invoke` (the Lambda handler's path)."""

    invoke: Callable[[dict[str, Any]], dict[str, Any]]
    device: str
    user: str = "amzn1.ask.account.SOMEONE"
    person: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    def say(self, intent: str, confirmation: str = "NONE", **slots: str | None) -> dict[str, Any]:
        envelope = intent_request(
            intent,
            slots,
            confirmation=confirmation,
            application_id=LOCAL_SKILL_ID,
            device_id=self.device,
            user_id=self.user,
            person_id=self.person,
            session_attributes=self.attributes,
            new_session=not self.attributes,
        )
        response = self.invoke(envelope)
        self.attributes = dict(response.get("sessionAttributes") or {})
        return response


CHIME_NUMBER = "+12065550100"  # the number calls are placed from


def sma_leg(tag: str, call_id: str, to: str, status: str = "Connected") -> dict[str, Any]:
    """One call leg (participant) of a PSTN audio event."""
    return {
        "CallId": call_id,
        "ParticipantTag": tag,
        "To": to,
        "From": CHIME_NUMBER,
        "Direction": "Outbound",
        "StartTimeInMilliseconds": "1730790000000",
        "Status": status,
    }


def sma_event(
    kind: str,
    participants: list[dict[str, Any]],
    attributes: dict[str, str],
    action_data: dict[str, Any] | None = None,
    sequence: int = 1,
) -> dict[str, Any]:
    """A PSTN audio event as the SIP media application Lambda receives it, in the documented format."""
    body: dict[str, Any] = {
        "SchemaVersion": "1.0",
        "Sequence": sequence,
        "InvocationEventType": kind,
        "CallDetails": {
            "TransactionId": "tx-1",
            "TransactionAttributes": attributes,
            "AwsAccountId": "123456789012",
            "AwsRegion": "us-east-1",
            "SipMediaApplicationId": "sma-1",
            "Participants": participants,
        },
    }
    if action_data is not None:
        body["ActionData"] = action_data
    return body


class RoomTimeMachine(RuleBasedStateMachine):
    """Meetings booked, extended and ended from a room's own device at arbitrary minutes, through the room use
    cases and the store `new_store` makes: whenever the room's status says it is free now, booking it now (for
    as long as it stays free, up to half an hour) succeeds. Bind `new_store` in a subclass."""

    tz = "Asia/Tokyo"
    room = Room("fuji", "Fuji", floor=5, capacity=8)

    def __init__(self) -> None:
        super().__init__()
        self.store = self.new_store()
        self.now = datetime(2026, 12, 1, 8, 3, 17, tzinfo=ZoneInfo(self.tz)).astimezone(UTC)
        self.caller = Caller(
            CallerKind.SHARED, "amzn1.ask.device.TESTROOM", room=self.room, features=frozenset({"booking"})
        )

    def new_store(self) -> BookingStore:
        raise NotImplementedError

    def _book(self, start: datetime, minutes: int) -> Booking:
        return rooms.book_room(
            self.caller, self.room, start, timedelta(minutes=minutes), None,
            tz=self.tz, store=self.store, now=self.now, request_id=None,
        )  # fmt: skip

    def _current(self) -> Booking | None:
        return rooms.current_booking(self.caller, self.room, tz=self.tz, store=self.store, now=self.now)

    @rule(seconds=st.integers(1, 50 * 60))
    def time_passes(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)

    @rule(minutes_ahead=st.integers(0, 150), minutes=st.integers(1, 90))
    def book(self, minutes_ahead: int, minutes: int) -> None:
        with contextlib.suppress(RoomTakenError, BookingRuleError):
            self._book(self.now + timedelta(minutes=minutes_ahead), minutes)

    @rule(minutes=st.integers(1, 60))
    def extend_the_meeting(self, minutes: int) -> None:
        current = self._current()
        if current is not None:
            with contextlib.suppress(BookingRuleError):
                rooms.extend(
                    self.caller, current, timedelta(minutes=minutes), room=self.room, rooms=[self.room],
                    tz=self.tz, store=self.store, now=self.now,
                )  # fmt: skip

    @rule()
    def end_the_meeting(self) -> None:
        current = self._current()
        if current is not None:
            rooms.end_meeting(current, tz=self.tz, store=self.store, now=self.now)

    @rule(minutes=st.integers(1, 30))
    def book_now_when_free(self, minutes: int) -> None:
        status = rooms.room_status(
            self.room, self.now, tz=self.tz, store=self.store, feeds=NO_FEEDS, now=self.now, stale_after=SLOT
        )
        if status.is_busy:
            return
        free_for = ((status.free_until or self.now + timedelta(hours=1)) - self.now) // timedelta(minutes=1)
        if free_for >= 1:
            booked = self._book(self.now, min(minutes, free_for))
            assert booked.start <= self.now < booked.end


class _NoFeeds:
    def get(self, owner: str) -> None:
        return None


NO_FEEDS: Any = _NoFeeds()


@dataclass
class Canned:
    """An HTTP server on 127.0.0.1 answering each path with a canned status, headers and body, and keeping
    the method and path of every request it received."""

    routes: dict[str, tuple[int, dict[str, str], bytes]]
    received: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""
