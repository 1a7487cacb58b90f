"""Request envelopes have the shape Alexa sends and survive ask-sdk's own deserialisation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.utils import get_slot_value_v2
from ask_sdk_model import RequestEnvelope
from ask_sdk_model.simple_slot_value import SimpleSlotValue

from skill.local.envelopes import intent_request, launch_request, session_ended_request
from skill.local.nlu import SlotValue

SKILL = "amzn1.ask.skill.office-assistant-local"
DEVICE = "amzn1.ask.device.AAAA"
USER = "amzn1.ask.account.ALICE"
WHO: dict[str, Any] = {"application_id": SKILL, "device_id": DEVICE, "user_id": USER}
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=timezone(timedelta(hours=9)))


def deserialize(envelope: dict[str, Any]) -> Any:
    """The envelope as ask-sdk models it (typed Any: the model's attributes are all Optional)."""
    result = DefaultSerializer().deserialize(json.dumps(envelope), "ask_sdk_model.RequestEnvelope")
    assert isinstance(result, RequestEnvelope)
    return result


def test_launch_request_has_the_documented_shape() -> None:
    # Given / When
    envelope = launch_request(**WHO, now=NOW)

    # Then
    assert envelope["version"] == "1.0"
    assert envelope["session"]["new"] is True
    assert envelope["session"]["sessionId"].startswith("amzn1.echo-api.session.")
    assert envelope["session"]["application"] == {"applicationId": SKILL}
    assert envelope["session"]["user"] == {"userId": USER}
    assert envelope["session"]["attributes"] == {}
    system = envelope["context"]["System"]
    assert system["application"] == {"applicationId": SKILL}
    assert system["device"]["deviceId"] == DEVICE
    assert "supportedInterfaces" in system["device"]
    assert system["apiEndpoint"] == "https://api.amazonalexa.com"
    assert system["apiAccessToken"]
    assert "person" not in system
    request = envelope["request"]
    assert request["type"] == "LaunchRequest"
    assert request["requestId"].startswith("amzn1.echo-api.request.")
    assert request["timestamp"] == "2026-11-24T00:30:00Z"
    assert request["locale"] == "en-US"


def test_request_ids_are_unique() -> None:
    ids = {launch_request(**WHO)["request"]["requestId"] for _ in range(50)}
    assert len(ids) == 50


def test_intent_request_slots_carry_values_and_entity_resolutions() -> None:
    # Given slots as the matcher fills them: a custom match, a custom miss, a built-in, an empty one
    slots = {
        "room": SlotValue("fuji", "mount fuji", "fuji", "ROOM_NAME"),
        "feature": SlotValue("jacuzzi", "jacuzzi", None, "ROOM_FEATURE"),
        "duration": SlotValue("PT30M", "thirty minutes", None, "AMAZON.DURATION"),
        "date": None,
        "attendees": "6",
    }

    # When
    envelope = intent_request("BookRoomIntent", slots, confirmation="CONFIRMED", dialog_state="STARTED", **WHO)

    # Then
    intent = envelope["request"]["intent"]
    assert envelope["request"]["type"] == "IntentRequest"
    assert envelope["request"]["dialogState"] == "STARTED"
    assert (intent["name"], intent["confirmationStatus"]) == ("BookRoomIntent", "CONFIRMED")
    room = intent["slots"]["room"]
    assert (room["name"], room["value"], room["confirmationStatus"]) == ("room", "mount fuji", "NONE")
    [authority] = room["resolutions"]["resolutionsPerAuthority"]
    assert authority["authority"] == f"amzn1.er-authority.echo-sdk.{SKILL}.ROOM_NAME"
    assert authority["status"] == {"code": "ER_SUCCESS_MATCH"}
    assert authority["values"] == [{"value": {"name": "fuji", "id": "fuji"}}]
    [miss] = intent["slots"]["feature"]["resolutions"]["resolutionsPerAuthority"]
    assert miss["status"] == {"code": "ER_SUCCESS_NO_MATCH"}
    assert "values" not in miss
    assert intent["slots"]["duration"]["value"] == "PT30M"
    assert "resolutions" not in intent["slots"]["duration"]
    assert intent["slots"]["date"] == {"name": "date", "confirmationStatus": "NONE"}
    assert intent["slots"]["attendees"]["value"] == "6"


def test_intent_request_leaves_dialog_state_out_unless_given() -> None:
    envelope = intent_request("EndMeetingIntent", {}, **WHO)
    assert "dialogState" not in envelope["request"]
    assert envelope["request"]["intent"]["slots"] == {}


def test_ask_sdk_reads_slots_device_and_person_from_an_intent_request() -> None:
    # Given a recognised voice on a shared device asking to book a room
    envelope = intent_request(
        "BookRoomIntent",
        {"room": SlotValue("fuji", "fuji", "fuji", "ROOM_NAME"), "duration": "PT1H"},
        person_id="amzn1.ask.person.ALICE",
        session_attributes={"pending": "booking"},
        new_session=False,
        session_id="amzn1.echo-api.session.fixed",
        **WHO,
    )

    # When ask-sdk deserialises it the way the Lambda handler does
    parsed = deserialize(envelope)

    # Then nothing is lost
    assert parsed.request.object_type == "IntentRequest"
    assert parsed.request.intent.name == "BookRoomIntent"
    assert parsed.request.intent.slots["duration"].value == "PT1H"
    resolution = parsed.request.intent.slots["room"].resolutions.resolutions_per_authority[0]
    assert resolution.values[0].value.id == "fuji"
    assert parsed.context.system.device.device_id == DEVICE
    assert parsed.context.system.person.person_id == "amzn1.ask.person.ALICE"
    assert parsed.context.system.user.user_id == USER
    assert parsed.session.new is False
    assert parsed.session.session_id == "amzn1.echo-api.session.fixed"
    assert parsed.session.attributes == {"pending": "booking"}


def test_get_slot_value_v2_sees_the_slot_value() -> None:
    # Given
    envelope = intent_request("ExtendMeetingIntent", {"duration": "PT15M"}, **WHO)

    # When
    parsed = deserialize(envelope)

    slot_value = get_slot_value_v2(HandlerInput(request_envelope=parsed), "duration")

    # Then the handlers' slot accessor finds the value
    assert isinstance(slot_value, SimpleSlotValue)
    assert slot_value.value == "PT15M"


def test_session_ended_request_has_a_reason_and_an_error() -> None:
    # Given / When
    envelope = session_ended_request(
        "ERROR", error={"type": "INVALID_RESPONSE", "message": "bad"}, now=datetime(2026, 1, 2, tzinfo=UTC), **WHO
    )
    parsed = deserialize(envelope)

    # Then
    assert envelope["request"]["type"] == "SessionEndedRequest"
    assert envelope["request"]["timestamp"] == "2026-01-02T00:00:00Z"
    assert envelope["session"]["new"] is False
    assert parsed.request.reason.value == "ERROR"
    assert parsed.request.error.message == "bad"


def test_locale_and_supported_interfaces_are_passed_through() -> None:
    # Given / When
    envelope = launch_request(
        **WHO, locale="ja-JP", supported_interfaces={"Alexa.Presentation.APL": {"runtime": {"maxVersion": "2023.3"}}}
    )
    parsed = deserialize(envelope)

    # Then
    assert envelope["request"]["locale"] == "ja-JP"
    assert parsed.context.system.device.supported_interfaces.alexa_presentation_apl is not None
