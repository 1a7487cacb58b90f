"""English voice experience end to end: the en-US model in virtual-alexa, answers from `office-skill serve`.

Each capability is reached by several phrasings; help and launch depend on the device (a room, someone's
own device, the lobby); shared devices answer in two sentences at most. virtual-alexa answers an utterance
that matches no sample with an error rather than AMAZON.FallbackIntent, so the fallback is sent as the
intent Alexa would send.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

OFFICE = Path(__file__).resolve().parents[1] / "fixtures" / "office.yaml"
ROOM = "amzn1.ask.device.TESTROOM"
LOBBY = "amzn1.ask.device.TESTLOBBY"
DESK = "amzn1.ask.device.TESTDESK"
ALICE = "amzn1.ask.account.TESTALICE"
APL = {"Alexa.Presentation.APL": {"runtime": {"maxVersion": "2023.3"}}}
Speech = Callable[[dict[str, Any]], str]


@pytest.fixture(scope="module", autouse=True)
def office(skill_server: Any) -> None:
    """The test office, once the server knows it."""
    skill_server.apply(OFFICE, seen=lambda: "Test HQ" in skill_server.launch_speech(LOBBY))


def sentences(said: str) -> int:
    return len(re.findall(r"[.?!](?:\s|$)", said))


def directive_types(envelope: dict[str, Any]) -> list[str]:
    return [d["type"] for d in envelope["response"].get("directives", [])]


@pytest.mark.parametrize(
    ("device", "user", "expected"),
    [
        (ROOM, None, "Fuji here. You can say: "),
        (DESK, ALICE, "Hi Alice"),
        (LOBBY, None, "Welcome to Test HQ. If you're visiting someone, tell me your name"),
    ],
)
def test_launch_greets_as_the_device_it_is(
    alexa: Callable[..., Any], speech: Speech, device: str, user: str | None, expected: str
) -> None:
    # When the skill is opened
    answer = alexa(device_id=device, user_id=user).launch()

    # Then the device introduces itself, keeps listening, and Alexa learns the office's names
    assert speech(answer).startswith(expected)
    assert answer["response"]["shouldEndSession"] is False
    assert "Dialog.UpdateDynamicEntities" in directive_types(answer)


def _help(alexa: Callable[..., Any], speech: Speech, device: str, user: str | None) -> str:
    """The help answer, asked in four phrasings that must all give it."""
    conversation = alexa(device_id=device, user_id=user)
    answers = {speech(conversation.say(phrase)) for phrase in ("help", "what can you do", "what can i say")}
    answers.add(speech(alexa(device_id=device, user_id=user).say("how does this work")))
    [answer] = answers
    return answer


def test_help_depends_on_the_device_and_is_short_on_shared_devices(alexa: Callable[..., Any], speech: Speech) -> None:
    # When help is asked on a room, on Alice's own device and in the lobby
    room = _help(alexa, speech, ROOM, None)
    desk = _help(alexa, speech, DESK, ALICE)
    lobby = _help(alexa, speech, LOBBY, None)

    # Then each offers what that device can do, and nothing else
    assert "book this room for thirty minutes" in room and "join the meeting" in room
    assert "what's my next meeting" in desk and "book this room" not in desk
    assert "I'm here to see someone" in lobby and "book" not in lobby
    assert len({room, desk, lobby}) == 3

    # And the shared devices answer in two sentences at most
    assert sentences(room) <= 2 and sentences(lobby) <= 2


@pytest.mark.parametrize("phrase", ["stop", "cancel"])
def test_stop_and_cancel_end_the_session(alexa: Callable[..., Any], speech: Speech, phrase: str) -> None:
    # Given an open conversation on the room device
    conversation = alexa(device_id=ROOM)
    conversation.launch()

    # When the user says stop or cancel
    answer = conversation.say(phrase)

    # Then Alexa says goodbye and the session ends
    assert speech(answer) == "Goodbye."
    assert answer["response"]["shouldEndSession"] is True


def test_an_unmatched_request_gets_the_fallback_with_how_to_hear_what_can_be_said(
    alexa: Callable[..., Any], speech: Speech
) -> None:
    # When Alexa cannot match a request on the room device
    conversation = alexa(device_id=ROOM)
    said = speech(conversation.intend("AMAZON.FallbackIntent"))

    # Then the answer says so briefly and how to hear the options, which help then gives
    assert said == "Sorry, I can't help with that. Say help to hear what I can do."
    assert "book this room for thirty minutes" in speech(conversation.say("help"))


@pytest.mark.parametrize(
    ("device", "user", "phrases", "expected"),
    [
        (ROOM, None, ["is fuji free", "is this room free", "room status", "is anyone using fuji"], "Fuji is "),
        (ROOM, None, ["book this room", "please book this room"], "For how long"),
        (ROOM, None, ["please call Acme Support", "get me Acme Support", "i want to call Acme Support"], "Call Acme"),
        (DESK, ALICE, ["dial a number", "call a number"], "What number should I call?"),
        (ROOM, None, ["join the meeting", "join the call", "connect to the meeting"], "I can't see a meeting"),
        (LOBBY, None, ["check in a visitor", "i'm a visitor", "visitor check in"], "Welcome. What's your name?"),
        (LOBBY, None, ["check out", "i'm leaving", "sign me out"], "Sure. What's your full name?"),
    ],
)
def test_each_capability_is_reached_by_several_phrasings(
    alexa: Callable[..., Any], speech: Speech, device: str, user: str | None, phrases: list[str], expected: str
) -> None:
    # When the same request is put in several ways, each in a conversation of its own
    answers = {speech(alexa(device_id=device, user_id=user).say(phrase)) for phrase in phrases}

    # Then every phrasing gets the same answer, the one that capability gives
    [answer] = answers
    assert answer.startswith(expected)


def test_room_status_on_a_screen_device_renders_the_room_card_without_subjects(
    alexa: Callable[..., Any], speech: Speech
) -> None:
    # Given the room's device is an Echo Show
    room = alexa(device_id=ROOM, supported_interfaces=APL)

    # When the room's status is asked
    answer = room.say("is this room free")

    # Then the answer is spoken and the room card is rendered with the room's name and no meeting subject
    assert speech(answer).startswith("Fuji is ")
    [card] = [d for d in answer["response"].get("directives", []) if d["type"].endswith("APL.RenderDocument")]
    room_data = card["datasources"]["payload"]["room"]
    assert room_data["name"] == "Fuji"
    assert "subject" not in json.dumps(card["datasources"]).lower()


def test_room_status_on_a_device_without_a_screen_sends_no_card(alexa: Callable[..., Any], speech: Speech) -> None:
    # When the room's status is asked on a device that declares no APL
    answer = alexa(device_id=ROOM).say("is this room free")

    # Then it is only spoken
    assert speech(answer).startswith("Fuji is ")
    assert not [t for t in directive_types(answer) if "APL" in t]
