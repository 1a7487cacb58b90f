"""The SIP media application's call flow for calls placed by the skill (Chime SDK PSTN audio events).

The first leg rings the room's speakerphone or the user's phone. When it answers, the callee is called
and bridged (`CallAndBridge`), only when the call log holds this call with that very number (a forged or
replayed event naming another number is hung up); once the bridge is up, the meeting digits are sent on the
callee's leg (`SendDigits`). When either side hangs up, the other is hung up too. The call's arguments (`CallId`,
`BridgeTo`, `Digits`, `RequestId`, from `CreateSipMediaApplicationCall`) arrive as transaction attributes and
are handed back in every response together with the stage the call has reached; every log line carries the
id of the request that placed the call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from skill.domain.calls import bridge_refusal
from skill.observability import correlated, logger

if TYPE_CHECKING:
    from skill.ports import CallLog, Clock

SCHEMA_VERSION = "1.0"
BRIDGE_TIMEOUT_SECONDS = 30
MAX_DIGITS_PER_ACTION = 50  # SendDigits limit
STAGE = "Stage"


def _field(parent: Any, *path: str) -> Any:
    """The value at `path` in nested event dicts, or None when any step is missing or not a dict."""
    for key in path:
        if not isinstance(parent, dict):
            return None
        parent = parent.get(key)
    return parent


def _participants(event: dict[str, Any]) -> list[dict[str, Any]]:
    participants = _field(event, "CallDetails", "Participants")
    return [p for p in participants if isinstance(p, dict)] if isinstance(participants, list) else []


def _leg(event: dict[str, Any], tag: str) -> dict[str, Any] | None:
    return next((p for p in _participants(event) if p.get("ParticipantTag") == tag), None)


def _attributes(event: dict[str, Any]) -> dict[str, str]:
    attributes: dict[Any, Any] = {}
    for source in (
        _field(event, "CallDetails", "TransactionAttributes"),
        _field(event, "ActionData", "Parameters", "Arguments"),
    ):
        if isinstance(source, dict):
            attributes.update(source)
    return {str(key): str(value) for key, value in attributes.items()}


def chime_digits(digits: str) -> list[str]:
    """The digits as SendDigits strings: each ',' (about a second) becomes two Chime half-second pauses."""
    allowed = "".join(char for char in digits if char in "0123456789*#ABCD,")
    spelled = allowed.replace(",", ",,")
    return [spelled[i : i + MAX_DIGITS_PER_ACTION] for i in range(0, len(spelled), MAX_DIGITS_PER_ACTION)]


def _call_and_bridge(caller_id: str, to: str) -> dict[str, Any]:
    return {
        "Type": "CallAndBridge",
        "Parameters": {
            "CallTimeoutSeconds": BRIDGE_TIMEOUT_SECONDS,
            "CallerIdNumber": caller_id,
            "Endpoints": [{"BridgeEndpointType": "PSTN", "Uri": to}],
        },
    }


def _send_digits(call_id: str, digits: str) -> list[dict[str, Any]]:
    return [{"Type": "SendDigits", "Parameters": {"CallId": call_id, "Digits": part}} for part in chime_digits(digits)]


def _hangup(leg: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "Hangup",
        "Parameters": {"CallId": leg["CallId"], "ParticipantTag": leg["ParticipantTag"], "SipResponseCode": "0"},
    }


def _connected_other_leg(event: dict[str, Any], gone_tag: str | None) -> dict[str, Any] | None:
    return next(
        (
            p
            for p in _participants(event)
            if p.get("ParticipantTag") != gone_tag and p.get("Status") == "Connected" and p.get("CallId")
        ),
        None,
    )


def handle_sma_event(
    event: dict[str, Any],
    *,
    on_status: Callable[[str, str], None],
    bridge_refusal: Callable[[str, str], str | None],
) -> dict[str, Any]:
    """The actions for one PSTN audio invocation; `on_status(call_id, status)` reports progress.

    `bridge_refusal(call_id, number)` says why the call must not be bridged to `number` (None: it may),
    checked against the call log before anyone else's phone rings. Statuses: "ringing", "answered",
    "bridged", "failed", "ended", "refused".
    """
    kind = event.get("InvocationEventType")
    attributes = _attributes(event)
    call_id = attributes.get("CallId", "")
    stage = attributes.get(STAGE, "")
    action_type = _field(event, "ActionData", "Type")
    actions: list[dict[str, Any]] = []

    def report(status: str) -> None:
        attributes[STAGE] = status
        logger.info("call progress", extra={"call_id": call_id, "status": status, "event": kind})
        if call_id:
            on_status(call_id, status)

    first_leg = _leg(event, "LEG-A")
    if kind == "RINGING":
        report("ringing")
    elif kind == "CALL_ANSWERED" and first_leg is not None:
        bridge_to = attributes.get("BridgeTo")
        refused = bridge_refusal(call_id, bridge_to) if bridge_to else None
        if refused is not None:
            logger.warning("bridge refused", extra={"call_id": call_id, "reason": refused})
            report("refused")
            actions.append(_hangup(first_leg))
        elif bridge_to and first_leg.get("From"):
            report("answered")
            actions.append(_call_and_bridge(first_leg["From"], bridge_to))
        else:
            report("failed")
            actions.append(_hangup(first_leg))
    elif kind == "ACTION_SUCCESSFUL" and action_type == "CallAndBridge":
        report("bridged")
        callee = _leg(event, "LEG-B")
        if attributes.get("Digits") and callee is not None:
            actions.extend(_send_digits(callee["CallId"], attributes["Digits"]))
    elif kind in ("ACTION_FAILED", "INVALID_LAMBDA_RESPONSE"):
        logger.warning(
            "call action failed",
            extra={"call_id": call_id, "action": action_type, "error": _field(event, "ActionData", "ErrorType")},
        )
        if action_type != "SendDigits":
            report("failed")
            other = _connected_other_leg(event, None)
            if other is not None:
                actions.append(_hangup(other))
    elif kind == "HANGUP":
        gone = _field(event, "ActionData", "Parameters", "ParticipantTag")
        if stage in ("answered", "bridged"):
            report("ended")
        elif stage in ("", "ringing"):
            report("failed")  # the first phone was never answered
        other = _connected_other_leg(event, gone)
        if other is not None:
            actions.append(_hangup(other))
    elif kind == "CALL_UPDATE_REQUESTED" and attributes.get("Action") == "hangup" and first_leg is not None:
        actions.append(_hangup(first_leg))
    return {"SchemaVersion": SCHEMA_VERSION, "Actions": actions, "TransactionAttributes": attributes}


@dataclass(frozen=True)
class CallFlow:
    """The SIP media application's use case: answer each event, bridge only the call the log holds, and keep
    the call log's status in step."""

    calls: CallLog
    clock: Clock

    def handle(self, event: dict[str, Any]) -> dict[str, Any]:
        with correlated(_attributes(event).get("RequestId")):
            return handle_sma_event(event, on_status=self._record, bridge_refusal=self._refusal)

    def _refusal(self, call_id: str, to: str) -> str | None:
        try:
            record = self.calls.get(call_id) if call_id else None
        except Exception:  # a call that cannot be checked is not bridged
            logger.warning("call record not readable", extra={"call_id": call_id}, exc_info=True)
            return "call record not readable"
        return bridge_refusal(record, to, self.clock.now())

    def _record(self, call_id: str, status: str) -> None:
        try:
            self.calls.update_status(call_id, status)
        except Exception:  # the call goes on; only its log entry lags behind
            logger.warning("call status not recorded", extra={"call_id": call_id, "status": status}, exc_info=True)
