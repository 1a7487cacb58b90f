"""Alexa request envelopes, built the way Alexa sends them, for `office-skill chat`, tests and benchmarks.

The shape follows the Alexa Skills Kit request reference: `version`, `session`, `context.System` (with
`person` when a voice was recognised) and `request`. Intent slots carry `value`, `confirmationStatus`,
`slotValue` (what `get_slot_value_v2` reads) and, for custom slot types, entity resolutions with
ER_SUCCESS_MATCH or ER_SUCCESS_NO_MATCH under the `amzn1.er-authority.echo-sdk.<skill>.<TYPE>` authority.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypedDict, Unpack

from skill.local.nlu import SlotValue

API_ENDPOINT = "https://api.amazonalexa.com"
LOCAL_API_ACCESS_TOKEN = "local-api-access-token"  # noqa: S105 - a placeholder, Alexa sends a signed token
DEFAULT_SUPPORTED_INTERFACES: Mapping[str, Any] = {"AudioPlayer": {}}


def _timestamp(now: datetime | None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Options(TypedDict, total=False):
    """What every envelope builder accepts beside the application, device and user ids."""

    person_id: str | None
    locale: str
    session_attributes: Mapping[str, Any] | None
    new_session: bool
    session_id: str | None
    supported_interfaces: Mapping[str, Any] | None
    now: datetime | None


def _envelope(
    request: dict[str, Any],
    *,
    application_id: str,
    device_id: str,
    user_id: str,
    person_id: str | None = None,
    locale: str = "en-US",
    session_attributes: Mapping[str, Any] | None = None,
    new_session: bool = True,
    session_id: str | None = None,
    supported_interfaces: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    application = {"applicationId": application_id}
    user = {"userId": user_id}
    system: dict[str, Any] = {
        "application": application,
        "user": user,
        "device": {
            "deviceId": device_id,
            "supportedInterfaces": dict(
                DEFAULT_SUPPORTED_INTERFACES if supported_interfaces is None else supported_interfaces
            ),
        },
        "apiEndpoint": API_ENDPOINT,
        "apiAccessToken": LOCAL_API_ACCESS_TOKEN,
    }
    if person_id is not None:
        system["person"] = {"personId": person_id, "accessToken": LOCAL_API_ACCESS_TOKEN}
    return {
        "version": "1.0",
        "session": {
            "new": new_session,
            "sessionId": session_id or f"amzn1.echo-api.session.{uuid.uuid4()}",
            "application": dict(application),
            "user": dict(user),
            "attributes": dict(session_attributes or {}),
        },
        "context": {"System": system},
        "request": {
            "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
            "timestamp": _timestamp(now),
            "locale": locale,
            **request,
        },
    }


def _slot(name: str, slot: SlotValue | str | None, application_id: str) -> dict[str, Any]:
    if not isinstance(slot, SlotValue):
        slot = SlotValue(slot)
    built: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
    if slot.value is None:
        return built
    spoken = slot.raw if slot.is_custom and slot.raw is not None else slot.value
    slot_value: dict[str, Any] = {"type": "Simple", "value": spoken}
    if slot.is_custom or slot.resolved_id is not None:
        authority = f"amzn1.er-authority.echo-sdk.{application_id}.{slot.slot_type or name}"
        resolution: dict[str, Any] = {"authority": authority}
        if slot.resolved_id is not None:
            resolution["status"] = {"code": "ER_SUCCESS_MATCH"}
            resolution["values"] = [{"value": {"name": slot.value, "id": slot.resolved_id}}]
        else:
            resolution["status"] = {"code": "ER_SUCCESS_NO_MATCH"}
        resolutions = {"resolutionsPerAuthority": [resolution]}
        built["resolutions"] = resolutions
        slot_value["resolutions"] = resolutions
    built["value"] = spoken
    built["slotValue"] = slot_value
    return built


def launch_request(
    *,
    application_id: str,
    device_id: str,
    user_id: str,
    **options: Unpack[Options],
) -> dict[str, Any]:
    """ "Alexa, open office assistant"."""
    return _envelope(
        {"type": "LaunchRequest", "shouldLinkResultBeReturned": False},
        application_id=application_id,
        device_id=device_id,
        user_id=user_id,
        **options,
    )


def intent_request(
    intent: str,
    slots: Mapping[str, SlotValue | str | None] | None = None,
    *,
    confirmation: str = "NONE",
    dialog_state: str | None = None,
    application_id: str,
    device_id: str,
    user_id: str,
    **options: Unpack[Options],
) -> dict[str, Any]:
    """An IntentRequest; `confirmation` is NONE, CONFIRMED or DENIED, `dialog_state` STARTED,
    IN_PROGRESS or COMPLETED for an intent with a dialog model (Alexa leaves it out otherwise)."""
    request: dict[str, Any] = {
        "type": "IntentRequest",
        "intent": {
            "name": intent,
            "confirmationStatus": confirmation,
            "slots": {name: _slot(name, slot, application_id) for name, slot in (slots or {}).items()},
        },
    }
    if dialog_state is not None:
        request["dialogState"] = dialog_state
    return _envelope(
        request,
        application_id=application_id,
        device_id=device_id,
        user_id=user_id,
        **options,
    )


def session_ended_request(
    reason: str = "USER_INITIATED",
    *,
    error: Mapping[str, str] | None = None,
    application_id: str,
    device_id: str,
    user_id: str,
    **options: Unpack[Options],
) -> dict[str, Any]:
    """A SessionEndedRequest; `reason` is USER_INITIATED, ERROR or EXCEEDED_MAX_REPROMPTS, `error` a
    `{"type": ..., "message": ...}` when the reason is ERROR."""
    request: dict[str, Any] = {"type": "SessionEndedRequest", "reason": reason}
    if error is not None:
        request["error"] = dict(error)
    options.setdefault("new_session", False)  # Alexa ends a session that is under way
    return _envelope(
        request,
        application_id=application_id,
        device_id=device_id,
        user_id=user_id,
        **options,
    )
