"""Builds the skill once per process: interceptors, handlers in order, exception handling."""

from __future__ import annotations

from functools import cached_property
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_model import IntentRequest, Response

from skill.alexa import offers
from skill.alexa.entities import DynamicEntitiesInterceptor
from skill.alexa.handlers import basics
from skill.alexa.interceptors import CallerInterceptor, OutcomeLogInterceptor
from skill.capabilities import CAPABILITIES

if TYPE_CHECKING:
    from skill.bootstrap import Services
    from skill.capabilities import Capability


def _intent(handler_input: HandlerInput) -> str | None:
    request = handler_input.request_envelope.request
    if not isinstance(request, IntentRequest) or request.intent is None:
        return None
    return str(request.intent.name)


class CapabilityHandler(AbstractRequestHandler):
    """Stands for one capability's handlers until a request names one of its intents, then imports its
    handler module (skill/capabilities.py), so a cold start that only launches the skill pays for none."""

    def __init__(self, capability: Capability) -> None:
        self.capability = capability

    @cached_property
    def module(self) -> ModuleType:
        return import_module(self.capability.handlers)

    @property
    def handlers(self) -> list[AbstractRequestHandler]:
        handlers: list[AbstractRequestHandler] = self.module.HANDLERS
        return handlers

    @property
    def errors(self) -> list[AbstractExceptionHandler]:
        """The capability's own exception handlers: its domain errors as speech."""
        errors: list[AbstractExceptionHandler] = getattr(self.module, "ERRORS", [])
        return errors

    def answers(self, handler_input: HandlerInput) -> bool:
        """The capability's own intents, and yes or no to the offer it made (skill/alexa/offers.py)."""
        intent = _intent(handler_input)
        if intent in offers.ANSWERS:
            offer = offers.pending(handler_input)
            return offer is not None and offer.capability == self.capability.name
        return intent in self.capability.intents

    def _matching(self, handler_input: HandlerInput) -> AbstractRequestHandler | None:
        if not self.answers(handler_input):
            return None
        return next((h for h in self.handlers if h.can_handle(handler_input)), None)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return self._matching(handler_input) is not None

    def handle(self, handler_input: HandlerInput) -> Response | None:
        handler = self._matching(handler_input)
        if handler is None:
            raise LookupError("no handler of this capability takes the request")
        return handler.handle(handler_input)


class CapabilityErrorHandler(AbstractExceptionHandler):
    """Hands an error raised while answering a capability's intent to that capability's exception handlers."""

    def __init__(self, capability: CapabilityHandler) -> None:
        self.capability = capability

    def _matching(self, handler_input: HandlerInput, exception: Exception) -> AbstractExceptionHandler | None:
        if not self.capability.answers(handler_input):
            return None
        return next((h for h in self.capability.errors if h.can_handle(handler_input, exception)), None)

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return self._matching(handler_input, exception) is not None

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response | None:
        handler = self._matching(handler_input, exception)
        if handler is None:
            raise LookupError("no exception handler of this capability takes the error") from exception
        return handler.handle(handler_input, exception)


CAPABILITY_HANDLERS = [CapabilityHandler(capability) for capability in CAPABILITIES]


def request_handlers() -> list[AbstractRequestHandler]:
    """Every request handler, in the order they are tried: the unknown-device answer before any office
    data, each capability's intents, then the basics and the catch-alls."""
    return [
        basics.SessionEndedRequestHandler(),
        basics.ExceptionEncounteredHandler(),
        basics.UnknownCallerHandler(),
        *CAPABILITY_HANDLERS,
        basics.LaunchRequestHandler(),
        basics.HelpIntentHandler(),
        basics.QuitIntentHandler(),
        basics.FallbackHandler(),
        basics.UnhandledRequestHandler(),
    ]


def build_skill(services: Services) -> CustomSkill:
    sb = SkillBuilder()
    # The application id is verified on the raw event by skill.app.check_envelope, which also copes with
    # envelopes that have no `context` (the SDK's own check would fail on those).
    sb.add_global_request_interceptor(CallerInterceptor(services))
    sb.add_global_request_interceptor(offers.PendingOfferInterceptor())
    sb.add_global_response_interceptor(DynamicEntitiesInterceptor())
    sb.add_global_response_interceptor(OutcomeLogInterceptor())
    for handler in request_handlers():
        sb.add_request_handler(handler)
    for capability in CAPABILITY_HANDLERS:
        sb.add_exception_handler(CapabilityErrorHandler(capability))
    sb.add_exception_handler(basics.LimitReachedHandler())
    sb.add_exception_handler(basics.CatchAllExceptionHandler())
    skill: CustomSkill = sb.create()
    return skill
