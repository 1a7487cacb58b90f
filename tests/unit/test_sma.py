"""The SIP media application's call flow, driven by events in the documented PSTN audio format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fakes import FixedClock, InMemoryCallLog
from support import CHIME_NUMBER
from support import sma_event as event
from support import sma_leg as leg

from skill.domain.calls import CallRecord, CallStatus
from skill.services.sma import CallFlow, chime_digits, handle_sma_event

ROOM_PHONE = "+81312340005"
BRIDGE = "+81345781234"
STAGE_KEY = "Stage"  # the stage the handler keeps in the transaction attributes
ARGUMENTS = {"CallId": "call-1", "BridgeTo": BRIDGE, "Digits": ",,842193567#"}


LEG_A = leg("LEG-A", "leg-a-id", ROOM_PHONE)
LEG_B = leg("LEG-B", "leg-b-id", BRIDGE)


class Statuses:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(self, call_id: str, status: str) -> None:
        self.seen.append((call_id, status))


def run(body: dict[str, Any], refusal: str | None = None) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    statuses = Statuses()
    return handle_sma_event(body, on_status=statuses, bridge_refusal=lambda call_id, to: refusal), statuses.seen


def test_an_answered_call_the_log_does_not_vouch_for_is_hung_up_not_bridged() -> None:
    # Given an answered first leg whose call the log refuses (another number, or a call that is over)
    attributes = {**ARGUMENTS, "BridgeTo": "+18765551234", STAGE_KEY: "ringing"}

    # When the event arrives
    answered, seen = run(event("CALL_ANSWERED", [LEG_A], attributes, sequence=3), "number differs from the call record")

    # Then the first phone is hung up, nobody else is called, and the call is logged as refused
    assert [action["Type"] for action in answered["Actions"]] == ["Hangup"]
    assert seen == [("call-1", "refused")]


def test_a_meeting_call_from_ringing_to_hangup() -> None:
    # Given the call placed with CreateSipMediaApplicationCall and its arguments
    new, seen = run(event("NEW_OUTBOUND_CALL", [leg("LEG-A", "leg-a-id", ROOM_PHONE, "Connected")], ARGUMENTS))
    assert new["Actions"] == [] and seen == []

    # When the room phone rings, then answers
    ringing, seen = run(event("RINGING", [LEG_A], new["TransactionAttributes"], sequence=2))
    assert seen == [("call-1", "ringing")]
    answered, seen = run(event("CALL_ANSWERED", [LEG_A], ringing["TransactionAttributes"], sequence=3))

    # Then the meeting bridge is called with the Chime number as caller id
    assert seen == [("call-1", "answered")]
    assert answered["SchemaVersion"] == "1.0"
    assert answered["Actions"] == [
        {
            "Type": "CallAndBridge",
            "Parameters": {
                "CallTimeoutSeconds": 30,
                "CallerIdNumber": CHIME_NUMBER,
                "Endpoints": [{"BridgeEndpointType": "PSTN", "Uri": BRIDGE}],
            },
        }
    ]

    # When the bridge is up / Then the digits go to the bridge's leg, each pause made of half-second commas
    bridged, seen = run(
        event(
            "ACTION_SUCCESSFUL",
            [LEG_A, LEG_B],
            answered["TransactionAttributes"],
            {"Type": "CallAndBridge", "Parameters": answered["Actions"][0]["Parameters"]},
            sequence=4,
        )
    )
    assert seen == [("call-1", "bridged")]
    assert bridged["Actions"] == [
        {"Type": "SendDigits", "Parameters": {"CallId": "leg-b-id", "Digits": ",,,,842193567#"}}
    ]

    # When the room hangs up / Then the bridge leg is hung up too and the call has ended
    ended, seen = run(
        event(
            "HANGUP",
            [leg("LEG-A", "leg-a-id", ROOM_PHONE, "Disconnected"), LEG_B],
            bridged["TransactionAttributes"],
            {"Type": "Hangup", "Parameters": {"SipResponseCode": "0", "CallId": "leg-a-id", "ParticipantTag": "LEG-A"}},
            sequence=5,
        )
    )
    assert seen == [("call-1", "ended")]
    assert ended["Actions"] == [
        {"Type": "Hangup", "Parameters": {"CallId": "leg-b-id", "ParticipantTag": "LEG-B", "SipResponseCode": "0"}}
    ]

    # When the second leg's own HANGUP arrives / Then nothing more is reported
    _, seen = run(
        event(
            "HANGUP",
            [leg("LEG-A", "leg-a-id", ROOM_PHONE, "Disconnected"), leg("LEG-B", "leg-b-id", BRIDGE, "Disconnected")],
            ended["TransactionAttributes"],
            {"Type": "Hangup", "Parameters": {"SipResponseCode": "0", "CallId": "leg-b-id", "ParticipantTag": "LEG-B"}},
            sequence=6,
        )
    )
    assert seen == []


def test_bridge_without_digits_sends_none() -> None:
    attributes = {"CallId": "call-2", "BridgeTo": BRIDGE, STAGE_KEY: "answered"}
    response, seen = run(event("ACTION_SUCCESSFUL", [LEG_A, LEG_B], attributes, {"Type": "CallAndBridge"}))
    assert seen == [("call-2", "bridged")]
    assert response["Actions"] == []


def test_callee_not_answering_fails_the_call_and_frees_the_room_phone() -> None:
    # Given the bridge could not reach the callee
    attributes = {**ARGUMENTS, STAGE_KEY: "answered"}
    response, seen = run(
        event(
            "ACTION_FAILED",
            [LEG_A],
            attributes,
            {"Type": "CallAndBridge", "ErrorType": "CallNotAnswered", "ErrorMessage": "Call not answered"},
        )
    )
    # Then the call failed and the waiting room phone is hung up
    assert seen == [("call-1", "failed")]
    assert [a["Type"] for a in response["Actions"]] == ["Hangup"]
    assert response["Actions"][0]["Parameters"]["CallId"] == "leg-a-id"

    # When that leg's HANGUP follows / Then "failed" stays the last word
    _, seen = run(
        event(
            "HANGUP",
            [leg("LEG-A", "leg-a-id", ROOM_PHONE, "Disconnected")],
            response["TransactionAttributes"],
            {"Type": "Hangup", "Parameters": {"CallId": "leg-a-id", "ParticipantTag": "LEG-A"}},
        )
    )
    assert seen == []


def test_room_phone_never_answering_is_a_failure() -> None:
    attributes = {**ARGUMENTS, STAGE_KEY: "ringing"}
    _, seen = run(
        event(
            "HANGUP",
            [leg("LEG-A", "leg-a-id", ROOM_PHONE, "Disconnected")],
            attributes,
            {
                "Type": "Hangup",
                "Parameters": {"SipResponseCode": "480", "CallId": "leg-a-id", "ParticipantTag": "LEG-A"},
            },
        )
    )
    assert seen == [("call-1", "failed")]


def test_answered_call_without_a_bridge_target_is_hung_up() -> None:
    response, seen = run(event("CALL_ANSWERED", [LEG_A], {"CallId": "call-3"}))
    assert seen == [("call-3", "failed")]
    assert [a["Type"] for a in response["Actions"]] == ["Hangup"]


def test_update_request_can_hang_up_the_call() -> None:
    body = event(
        "CALL_UPDATE_REQUESTED",
        [LEG_A, LEG_B],
        {**ARGUMENTS, STAGE_KEY: "bridged"},
        {"Type": "CallUpdateRequest", "Parameters": {"Arguments": {"Action": "hangup"}}},
    )
    response, _ = run(body)
    assert response["Actions"][0]["Parameters"]["ParticipantTag"] == "LEG-A"


def test_failed_send_digits_does_not_fail_the_bridged_call() -> None:
    _, seen = run(
        event(
            "ACTION_FAILED",
            [LEG_A, LEG_B],
            {**ARGUMENTS, STAGE_KEY: "bridged"},
            {"Type": "SendDigits", "ErrorType": "InvalidActionParameter"},
        )
    )
    assert seen == []


@pytest.mark.parametrize("body", [{}, {"InvocationEventType": "DIGITS_RECEIVED"}, {"CallDetails": None}])
def test_unexpected_events_get_an_empty_answer(body: dict[str, Any]) -> None:
    response, seen = run(body)
    assert response["Actions"] == [] and seen == []


def test_long_digit_strings_are_split_within_the_send_digits_limit() -> None:
    parts = chime_digits("1234567890" * 6 + ",#x")
    assert "".join(parts) == "1234567890" * 6 + ",,#"
    assert all(len(part) <= 50 for part in parts)


PLACED_AT = datetime(2026, 12, 1, tzinfo=UTC)


def placed(calls: InMemoryCallLog, to: str = BRIDGE) -> InMemoryCallLog:
    """`calls` holding call-1, placed through Chime to `to` at PLACED_AT."""
    calls.start(CallRecord("call-1", "dev-room", to, CallStatus.PLACING, "chime", PLACED_AT))
    return calls


def flow(calls: InMemoryCallLog) -> CallFlow:
    return CallFlow(calls, clock=FixedClock(PLACED_AT + timedelta(seconds=20)))


def test_the_call_flow_keeps_the_call_log_in_step_and_logs_under_the_placing_requests_id(log_lines: Any) -> None:
    # Given a call placed by request "amzn1.echo-api.request.CALL", in the call log
    calls = placed(InMemoryCallLog())
    arguments = {**ARGUMENTS, "RequestId": "amzn1.echo-api.request.CALL"}
    # When the room phone rings
    flow(calls).handle(event("RINGING", [LEG_A], arguments, sequence=2))
    # Then the log says so, and the call flow's lines carry the id of the request that placed the call
    assert calls.calls["call-1"].status is CallStatus.RINGING
    progress = [line for line in log_lines() if line["message"] == "call progress"]
    assert [line.get("correlation_id") for line in progress] == ["amzn1.echo-api.request.CALL"]


def test_a_status_the_call_log_cannot_take_does_not_stop_the_call() -> None:
    # Given a call log that cannot be written / When the room phone answers / Then the callee is still called
    answered = flow(placed(InMemoryCallLog(unreachable=True))).handle(
        event("CALL_ANSWERED", [LEG_A], {**ARGUMENTS, STAGE_KEY: "ringing"})
    )
    assert [action["Type"] for action in answered["Actions"]] == ["CallAndBridge"]


class UnreadableCallLog(InMemoryCallLog):
    def get(self, call_id: str) -> CallRecord | None:
        raise ConnectionError("the table cannot be reached")


@pytest.mark.parametrize(
    ("calls", "reason"),
    [
        (InMemoryCallLog(), "unknown call"),
        (placed(InMemoryCallLog(), to="+18765551234"), "number differs from the call record"),
        (placed(UnreadableCallLog()), "call record not readable"),
    ],
    ids=["not in the log", "another number", "log unreadable"],
)
def test_the_call_flow_bridges_only_the_call_its_log_holds(calls: InMemoryCallLog, reason: str, log_lines: Any) -> None:
    # Given a call log without call-1, with call-1 to another number, or one that cannot be read
    # When the first phone answers a call to be bridged to BRIDGE
    answered = flow(calls).handle(event("CALL_ANSWERED", [LEG_A], {**ARGUMENTS, STAGE_KEY: "ringing"}))

    # Then the first phone is hung up, nobody else is called, and the reason is logged
    assert [action["Type"] for action in answered["Actions"]] == ["Hangup"]
    assert answered["TransactionAttributes"][STAGE_KEY] == "refused"
    refused = [line for line in log_lines() if line["message"] == "bridge refused"]
    assert [line["reason"] for line in refused] == [reason]
