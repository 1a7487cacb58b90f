"""The interaction models and the code agree: every intent a model declares reaches a handler made for it,
and every intent a handler is made for is in every model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ask_sdk_core.attributes_manager import AttributesManager
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.alexa import builder
from skill.alexa.context import KEY, RequestContext
from skill.alexa.handlers import basics
from skill.domain.model import FEATURES, Caller, CallerKind, Room, User
from skill.local import envelopes
from skill.local.nlu import model_intents

MODELS = sorted((Path(__file__).resolve().parents[2] / "interaction_models" / "custom").glob("*.json"))
# Intents that may rightly end in the generic fallback when no dialog is under way.
GENERIC = {"AMAZON.FallbackIntent", "AMAZON.YesIntent", "AMAZON.NoIntent"}
CATCH_ALL = (basics.FallbackHandler, basics.UnhandledRequestHandler)

CALLERS = {
    "shared": Caller(CallerKind.SHARED, "d", room=Room(id="fuji", name="Fuji"), features=frozenset(FEATURES)),
    "personal": Caller(CallerKind.PERSONAL, "d", user=User(id="alice", name="Alice"), features=frozenset(FEATURES)),
}


def handler_for(intent: str, caller: Caller) -> object:
    envelope = envelopes.intent_request(intent, {}, application_id="a", device_id="d", user_id="u")
    request = DefaultSerializer().deserialize(json.dumps(envelope), RequestEnvelope)
    handler_input = HandlerInput(request_envelope=request, attributes_manager=AttributesManager(request))
    handler_input.attributes_manager.request_attributes[KEY] = RequestContext(caller, None, None, "en-US", "r")  # type: ignore[arg-type]
    return next(h for h in builder.request_handlers() if h.can_handle(handler_input))


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.stem)
def test_every_model_intent_has_a_handler(model: Path) -> None:
    missing = []
    for intent in sorted(model_intents(model) - GENERIC):
        reached = {kind: handler_for(intent, caller) for kind, caller in CALLERS.items()}
        if any(isinstance(h, CATCH_ALL) for h in reached.values()):
            missing.append(intent)
    assert missing == []


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.stem)
def test_every_handled_intent_is_in_the_model(model: Path) -> None:
    handled = {h.intent for h in all_handlers() if isinstance(getattr(h, "intent", None), str)}
    assert handled - model_intents(model) == set()


def all_handlers() -> list[object]:
    """Every handler, with each capability's own handlers in place of the one standing for them."""
    found: list[object] = []
    for handler in builder.request_handlers():
        found += handler.handlers if isinstance(handler, builder.CapabilityHandler) else [handler]
    return found


def test_each_capability_declares_exactly_the_intents_its_handlers_answer() -> None:
    for module, intents in builder.CAPABILITIES.items():
        capability = builder.CapabilityHandler(module, intents)
        assert {h.intent for h in capability.handlers} == intents, module


def test_launching_the_skill_loads_no_capability() -> None:
    import subprocess
    import sys

    # Given a fresh interpreter that builds the skill / Then no capability's handlers are imported yet
    code = (
        "import sys; from skill.alexa.builder import request_handlers; request_handlers(); "
        "print(sorted(m for m in sys.modules if m.startswith('skill.alexa.handlers.')))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "rooms" not in loaded and "calling" not in loaded and "reception" not in loaded
