"""The room card: a well-formed APL document, sent only to devices that render APL."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.alexa import apl
from skill.local.envelopes import intent_request

SERIALIZER = DefaultSerializer()
ECHO_SHOW: dict[str, Any] = {"Alexa.Presentation.APL": {"runtime": {"maxVersion": "2023.3"}}, "AudioPlayer": {}}
ECHO_DOT: dict[str, Any] = {"AudioPlayer": {}}
COMPONENT_TYPES = {"Container", "Text", "Image", "Frame", "Sequence", "TouchWrapper", "ScrollView", "Pager"}


def handler_input(supported_interfaces: dict[str, Any] | None) -> HandlerInput:
    envelope = intent_request(
        "RoomStatusIntent",
        application_id="amzn1.ask.skill.test",
        device_id="amzn1.ask.device.ROOM",
        user_id="amzn1.ask.account.ANY",
        supported_interfaces=supported_interfaces,
    )
    if supported_interfaces is None:
        del envelope["context"]["System"]["device"]["supportedInterfaces"]
    request = SERIALIZER.deserialize(json.dumps(envelope), RequestEnvelope)
    return HandlerInput(request_envelope=request)


def components(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for item in items:
        found.append(item)
        found.extend(components(item.get("items", [])))
    return found


def test_the_room_card_has_the_documented_apl_structure() -> None:
    # Given the document as it is sent
    document = json.loads(json.dumps(apl.room_card_document()))

    # Then it is an APL document with a version, and a main template with parameters and items
    assert document["type"] == "APL"
    assert re.fullmatch(r"\d{4}\.\d+", document["version"])
    template = document["mainTemplate"]
    assert template["parameters"] == ["payload"]
    assert template["items"]
    assert all(component["type"] in COMPONENT_TYPES for component in components(template["items"]))


def test_every_data_binding_of_the_card_is_filled_by_the_directive() -> None:
    # Given a directive for a busy room
    directive = apl.room_card_directive("Fuji", "Busy", "until 3:00 PM", "Next booking at 4:00 PM", "fuji", busy=True)
    sent = SERIALIZER.serialize(directive)
    assert isinstance(sent, dict)

    # When the bindings of the document are read
    bindings = set(re.findall(r"payload\.room\.(\w+)", json.dumps(sent["document"])))

    # Then each one has a value in the data source, and the texts are the ones given
    room = sent["datasources"]["payload"]["room"]
    assert bindings <= set(room)
    assert room == {
        "name": "Fuji",
        "state": "Busy",
        "until": "until 3:00 PM",
        "next": "Next booking at 4:00 PM",
        "busy": True,
    }
    assert sent["type"] == "Alexa.Presentation.APL.RenderDocument"
    assert sent["token"] == "fuji"


@pytest.mark.parametrize(("interfaces", "expected"), [(ECHO_SHOW, True), (ECHO_DOT, False), ({}, False), (None, False)])
def test_only_devices_that_declare_apl_support_it(interfaces: dict[str, Any] | None, expected: bool) -> None:
    assert apl.supports_apl(handler_input(interfaces)) is expected
