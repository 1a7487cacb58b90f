"""The skill basics through the Lambda handler path, against moto's server: who is speaking, and what
each kind of device hears."""

from __future__ import annotations

import re

import pytest
from support import speech

from skill.app import EnvelopeError, ForeignSkillError


def test_room_device_hears_its_room(invoke, event):
    # Given the Fuji room device / When it launches the skill
    response = invoke(event("launch_room.json"))
    # Then it speaks for Fuji and offers what the room's features allow
    assert speech(response).startswith("Fuji here.")
    assert "book this room" in speech(response)
    assert response["response"]["shouldEndSession"] is False


def test_personal_device_greets_its_user(invoke, event):
    response = invoke(event("launch_personal.json"))
    assert speech(response).startswith("Hi Alice.")


def test_enrolled_alexa_account_is_personal_on_an_unregistered_device(invoke, event):
    # Given Alice's Alexa account on a device nobody registered
    envelope = event("launch_unknown.json")
    envelope["context"]["System"]["user"]["userId"] = "amzn1.ask.account.TESTALICE"
    # When she opens the skill / Then she is recognised, not asked to enrol
    assert speech(invoke(envelope)).startswith("Hi Alice.")


def test_lobby_device_welcomes_visitors(invoke, event):
    envelope = event("launch_room.json")
    envelope["context"]["System"]["device"]["deviceId"] = "amzn1.ask.device.TESTLOBBY"
    assert "Welcome to Test HQ" in speech(invoke(envelope))


def test_unknown_device_hears_only_an_enrolment_code(invoke, event, container):
    # Given a device in no fleet entry
    first = speech(invoke(event("launch_unknown.json")))
    # Then it hears a six-digit code and nothing about the office
    code = re.search(r"\b(\d{6})\b", first)
    assert code, first
    assert "Fuji" not in first and "Test HQ" not in first
    # And asking again gives the same code rather than a new one each time
    assert code.group(1) in speech(invoke(event("launch_unknown.json")))


def test_unknown_device_gets_no_office_data_for_any_intent(invoke, event):
    envelope = event("help_room.json")
    envelope["context"]["System"]["device"]["deviceId"] = "amzn1.ask.device.NEWDEVICE"
    answer = speech(invoke(envelope))
    assert re.search(r"\b\d{6}\b", answer) and "isn't set up" in answer
    assert "Fuji" not in answer and "Test HQ" not in answer


def test_claimed_device_speaks_for_its_room(invoke, event, services):
    code = re.search(r"\d{6}", speech(invoke(event("launch_unknown.json")))).group(0)
    services.identity.claim(code, services.now(), room="everest")
    assert speech(invoke(event("launch_unknown.json"))).startswith("Everest here.")


def test_help_lists_what_this_device_allows(invoke, event):
    envelope = event("launch_room.json")
    envelope["context"]["System"]["device"]["deviceId"] = "amzn1.ask.device.TESTLOBBY"
    envelope["request"] = event("help_room.json")["request"]
    text = speech(invoke(envelope))
    assert "here to see someone" in text
    assert "book this room" not in text


def test_session_end_and_exception_reports_get_an_empty_answer(invoke, event):
    for name in ("session_ended.json", "exception_encountered.json"):
        response = invoke(event(name))
        assert "outputSpeech" not in response["response"]


def test_foreign_application_id_is_refused_before_anything_runs(invoke, event, container):
    envelope = event("launch_unknown.json")
    envelope["context"]["System"]["application"]["applicationId"] = "amzn1.ask.skill.someone-else"
    envelope["session"]["application"]["applicationId"] = "amzn1.ask.skill.someone-else"
    with pytest.raises(ForeignSkillError):
        invoke(envelope)
    # nothing was written: no enrolment code was issued for the device
    assert container.fleet.identify("amzn1.ask.device.NEWDEVICE", None, None).claim_code is None


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: e.pop("request"),
        lambda e: e.__setitem__("request", "LaunchRequest"),
        lambda e: e["request"].__setitem__("type", 42),
        lambda e: e.__setitem__("context", []),
        lambda e: e["request"].__setitem__("type", "Made.Up.Request"),
    ],
    ids=["no-request", "request-is-text", "type-is-number", "context-is-list", "unknown-type"],
)
def test_malformed_envelopes_are_refused_cleanly(invoke, event, mutate):
    envelope = event("launch_room.json")
    mutate(envelope)
    with pytest.raises(EnvelopeError):
        invoke(envelope)


def test_partial_envelopes_still_get_a_valid_answer(invoke, event):
    # no context at all: the skill cannot tell the device, says so, and writes nothing
    no_context = event("launch_room.json")
    del no_context["context"]
    assert "can't tell which device" in speech(invoke(no_context))
    # no device in the context
    no_device = event("launch_room.json")
    del no_device["context"]["System"]["device"]
    assert "can't tell which device" in speech(invoke(no_device))


def test_huge_strings_do_not_break_the_skill(invoke, event):
    envelope = event("help_room.json")
    envelope["request"]["intent"]["slots"] = {"room": {"name": "room", "value": "x" * 100_000}}
    response = invoke(envelope)
    assert response["response"]["outputSpeech"]["ssml"].startswith("<speak>")
