"""The capability registry (skill/capabilities.py) ties the interaction models, the handlers, the message
catalogs and the fleet's feature names: an intent a model declares with no handler, a handler with no
message in a locale, or a feature no capability answers fails here."""

from __future__ import annotations

import ast
import json
from importlib import import_module
from pathlib import Path

import pytest
from ask_sdk_core.attributes_manager import AttributesManager
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.alexa import builder, offers
from skill.alexa.context import KEY, RequestContext
from skill.alexa.handlers import basics
from skill.capabilities import BASICS_CATALOG, CAPABILITIES, DEFAULT_FEATURES, FEATURES, Capability
from skill.domain.model import Caller, CallerKind, Room, User
from skill.local import envelopes
from skill.local.nlu import model_intents

MODELS = sorted((Path(__file__).resolve().parents[2] / "interaction_models" / "custom").glob("*.json"))
LOCALES = ("en-US", "ja-JP")
# Intents that may rightly end in the generic fallback when no dialog is under way.
GENERIC = {"AMAZON.FallbackIntent", "AMAZON.YesIntent", "AMAZON.NoIntent"}
CATCH_ALL = (basics.FallbackHandler, basics.UnhandledRequestHandler)
CALLERS = {
    "shared": Caller(CallerKind.SHARED, "d", room=Room(id="fuji", name="Fuji"), features=frozenset(FEATURES)),
    "personal": Caller(CallerKind.PERSONAL, "d", user=User(id="alice", name="Alice"), features=frozenset(FEATURES)),
}
ids = [capability.name for capability in CAPABILITIES]


def handler_for(intent: str, caller: Caller, offer: object = None) -> object:
    """The first handler that takes `intent` from `caller`, with `offer` pending in the session."""
    session = {offers.SESSION_KEY: offer} if offer is not None else {}
    envelope = envelopes.intent_request(
        intent, {}, application_id="a", device_id="d", user_id="u", session_attributes=session, new_session=False
    )
    request = DefaultSerializer().deserialize(json.dumps(envelope), RequestEnvelope)
    handler_input = HandlerInput(request_envelope=request, attributes_manager=AttributesManager(request))
    handler_input.attributes_manager.request_attributes[KEY] = RequestContext(caller, None, None, "en-US", "r")  # type: ignore[arg-type]
    offers.PendingOfferInterceptor().process(handler_input)
    return next(h for h in builder.request_handlers() if h.can_handle(handler_input))


def unhandled_intents(model: Path) -> list[str]:
    """The intents of `model` that reach no handler made for them, on a shared or a personal device."""
    missing = []
    for intent in sorted(model_intents(model) - GENERIC):
        if any(isinstance(handler_for(intent, caller), CATCH_ALL) for caller in CALLERS.values()):
            missing.append(intent)
    return missing


def handlers_of(capability: Capability) -> list[object]:
    handlers: list[object] = import_module(capability.handlers).HANDLERS
    return handlers


def catalog_of(module: str) -> dict[str, dict[str, str]]:
    messages: dict[str, dict[str, str]] = import_module(module).MESSAGES
    return messages


def message_keys_named_in(module: str) -> list[str]:
    """Message keys a handler module names in `message(locale, KEY, ...)`; an f-string key gives its fixed
    start followed by "*"."""
    tree = ast.parse(Path(import_module(module).__file__ or "").read_text(encoding="utf-8"))
    keys = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "message" and len(node.args) >= 2:
            key = node.args[1]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                keys.append(key.value)
            elif isinstance(key, ast.JoinedStr) and isinstance(key.values[0], ast.Constant):
                keys.append(f"{key.values[0].value}*")
    return keys


# ---------------------------------------------------------------- models and handlers


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.stem)
def test_every_model_intent_has_a_handler(model: Path) -> None:
    assert unhandled_intents(model) == []


def test_an_intent_added_to_a_model_without_a_handler_is_found(tmp_path: Path) -> None:
    # Given the en-US model with one more intent, that no capability declares
    document = json.loads(MODELS[0].read_text(encoding="utf-8"))
    intents = document["interactionModel"]["languageModel"]["intents"]
    intents.append({"name": "ReportLostItemIntent", "slots": [], "samples": ["i lost my umbrella"]})
    model = tmp_path / "en-US.json"
    model.write_text(json.dumps(document), encoding="utf-8")

    # Then the check names it
    assert unhandled_intents(model) == ["ReportLostItemIntent"]


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.stem)
def test_every_handled_intent_is_in_the_model(model: Path) -> None:
    declared = {intent for capability in CAPABILITIES for intent in capability.intents}
    assert declared - model_intents(model) == set()


@pytest.mark.parametrize("capability", CAPABILITIES, ids=ids)
def test_each_capability_declares_exactly_the_intents_its_handlers_answer(capability: Capability) -> None:
    answers = offers.ANSWERS if capability.offers else frozenset()
    assert {h.intent for h in handlers_of(capability)} == capability.intents | answers  # type: ignore[attr-defined]


# A well-formed pending offer of each capability that makes offers, as its handlers write them.
OFFERS = {
    "rooms": {
        "capability": "rooms",
        "terms": {
            "room": "fuji",
            "start": "2026-12-01T10:00:00+09:00",
            "end": "2026-12-01T10:30:00+09:00",
            "wanted": ["2026-12-01T10:00:00+09:00", "2026-12-01T11:00:00+09:00"],
            "attendees": None,
            "others": [],
        },
    },
    "calling": {"capability": "calling", "terms": {"callee": "user:bob", "phoneType": "mobile"}},
}


@pytest.mark.parametrize("answer", sorted(offers.ANSWERS))
@pytest.mark.parametrize("capability", [c for c in CAPABILITIES if c.offers], ids=lambda c: c.name)
def test_yes_and_no_belong_to_the_capability_whose_offer_is_pending(capability: Capability, answer: str) -> None:
    # Given an offer of the capability pending in the session
    offer = OFFERS[capability.name]

    # When yes or no is said, on a shared and on a personal device
    for caller in CALLERS.values():
        taken_by = handler_for(answer, caller, offer)

        # Then that capability answers it
        assert isinstance(taken_by, builder.CapabilityHandler) and taken_by.capability is capability


@pytest.mark.parametrize(
    "offer",
    [
        None,
        "rooms",
        {"capability": "reception", "terms": {}},
        {"capability": "rooms", "terms": "fuji"},
        {"capability": "rooms", "terms": {**OFFERS["rooms"]["terms"], "start": "tomorrow"}},  # type: ignore[dict-item]
        {"capability": "rooms", "terms": {**OFFERS["rooms"]["terms"], "end": "2026-12-01T09:00:00+09:00"}},  # type: ignore[dict-item]
        {"capability": "rooms", "terms": {**OFFERS["rooms"]["terms"], "room": "ROOM#fuji" * 300}},  # type: ignore[dict-item]
        {"capability": "rooms", "terms": {**OFFERS["rooms"]["terms"], "attendees": True}},  # type: ignore[dict-item]
        {"capability": "calling", "terms": {"callee": ["user:bob"], "phoneType": "mobile"}},
    ],
    ids=[
        "none",
        "not-an-offer",
        "not-a-maker",
        "terms-not-a-map",
        "bad-time",
        "ends-before-it-starts",
        "not-a-room-id",
        "attendees-not-a-number",
        "bad-callee",
    ],
)
def test_yes_without_a_well_formed_pending_offer_is_the_fallback(offer: object) -> None:
    for caller in CALLERS.values():
        assert isinstance(handler_for(offers.YES, caller, offer), basics.FallbackHandler)


def test_no_intent_belongs_to_two_capabilities() -> None:
    declared = [intent for capability in CAPABILITIES for intent in capability.intents]
    assert len(declared) == len(set(declared))


# ---------------------------------------------------------------- catalogs


@pytest.mark.parametrize("capability", CAPABILITIES, ids=ids)
def test_each_capability_has_its_messages_in_every_locale(capability: Capability) -> None:
    messages = catalog_of(capability.catalog)
    assert set(messages) == set(LOCALES)
    assert messages["en-US"] and set(messages["en-US"]) == set(messages["ja-JP"])


@pytest.mark.parametrize("capability", CAPABILITIES, ids=ids)
def test_every_message_a_handler_names_is_in_its_catalog_in_every_locale(capability: Capability) -> None:
    for locale in LOCALES:
        known = {**catalog_of(BASICS_CATALOG)[locale], **catalog_of(capability.catalog)[locale]}
        missing = [
            key
            for key in message_keys_named_in(capability.handlers)
            if not (key.endswith("*") and any(k.startswith(key[:-1]) for k in known)) and key not in known
        ]
        assert missing == [], locale


# ---------------------------------------------------------------- features


@pytest.mark.parametrize("capability", CAPABILITIES, ids=ids)
def test_each_feature_a_handler_needs_is_one_its_capability_declares(capability: Capability) -> None:
    needed = {h.feature for h in handlers_of(capability) if getattr(h, "feature", None)}  # type: ignore[attr-defined]
    assert needed == set(capability.features)


def test_every_feature_has_a_capability_and_a_spoken_hint_in_every_locale() -> None:
    hints = {locale: catalog_of(BASICS_CATALOG)[locale] for locale in LOCALES}
    for feature in FEATURES:
        assert sum(feature in capability.features for capability in CAPABILITIES) == 1, feature
        for locale in LOCALES:
            assert any(key == f"hint.{feature}" or key.startswith(f"hint.{feature}.") for key in hints[locale])
    assert set(FEATURES) >= DEFAULT_FEATURES


def test_launching_the_skill_loads_no_capability() -> None:
    import subprocess
    import sys

    # Given a fresh interpreter that builds the skill / Then no capability's handlers are imported yet
    code = (
        "import sys; from skill.alexa.builder import request_handlers; request_handlers(); "
        "print(sorted(m for m in sys.modules if m.startswith('skill.alexa.handlers.')))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert all(capability.handlers not in loaded for capability in CAPABILITIES)
