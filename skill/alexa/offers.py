"""The one question a capability may leave open: an offer ("Fuji is free until 3:00 PM. Shall I book it until
then, or find another room?"), kept in the session for the next request only.

`make` speaks the offer, asks its question again as the reprompt, keeps the session open and stores the offer's
terms (what a yes does, in the capability's own words) under one session key. `PendingOfferInterceptor` takes
the offer out of the session as the next request arrives, so it is answered by that request or lapses, and a
session never stays open on an offer nobody can answer any more. While it is pending, AMAZON.YesIntent and
AMAZON.NoIntent belong to the capability that made it (skill.alexa.builder routes them by `pending`); any of
that capability's own intents may read it too (FindRoomIntent: "find another room").

Session attributes come back from the client: an offer that is not of the shape `make` writes, or made by a
capability that makes none, is no offer, and each capability checks the terms it reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ask_sdk_core.dispatch_components import AbstractRequestInterceptor
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.capabilities import CAPABILITIES

YES, NO = "AMAZON.YesIntent", "AMAZON.NoIntent"
ANSWERS = frozenset({YES, NO})
SESSION_KEY = "offer"  # {"capability": name, "terms": {...}}
PENDING = "pending offer"  # the request attribute the interceptor moves the offer to
MAKERS = frozenset(capability.name for capability in CAPABILITIES if capability.offers)


@dataclass(frozen=True)
class Offer:
    capability: str  # the capability that made the offer, and answers it
    terms: Mapping[str, Any]  # what a yes does, as that capability wrote it


def make(handler_input: HandlerInput, offer: Offer, speech: str, question: str) -> Response:
    """Say `speech` (which ends with `question`), ask `question` again if nothing is heard, and keep `offer`
    for the answer."""
    attributes = handler_input.attributes_manager.session_attributes
    if attributes is None:
        attributes = handler_input.attributes_manager.session_attributes = {}
    attributes[SESSION_KEY] = {"capability": offer.capability, "terms": dict(offer.terms)}
    return handler_input.response_builder.speak(speech).ask(question).response


def pending(handler_input: HandlerInput) -> Offer | None:
    """The offer the previous answer made, when this request may answer it."""
    offer = handler_input.attributes_manager.request_attributes.get(PENDING)
    return offer if isinstance(offer, Offer) else None


def _read(stored: object) -> Offer | None:
    if not isinstance(stored, dict):
        return None
    capability, terms = stored.get("capability"), stored.get("terms")
    if capability not in MAKERS or not isinstance(terms, dict):
        return None
    return Offer(str(capability), terms)


class PendingOfferInterceptor(AbstractRequestInterceptor):
    """Takes the offer out of the session as each request arrives: this request may answer it, none after."""

    def process(self, handler_input: HandlerInput) -> None:
        attributes = handler_input.attributes_manager.session_attributes or {}
        handler_input.attributes_manager.request_attributes[PENDING] = _read(attributes.pop(SESSION_KEY, None))
