"""Builds the skill once per process: interceptors, handlers in order, exception handling."""

from __future__ import annotations

from functools import cached_property
from importlib import import_module
from typing import TYPE_CHECKING

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_model import IntentRequest, Response

from skill.alexa.entities import DynamicEntitiesInterceptor
from skill.alexa.handlers import basics
from skill.alexa.interceptors import CallerInterceptor, OutcomeLogInterceptor

if TYPE_CHECKING:
    from skill.bootstrap import Container


# Each capability's handler module and the intents it answers. A module is imported on the first request
# for one of its intents, so a cold start that only launches the skill does not pay for all of them.
CAPABILITIES: dict[str, frozenset[str]] = {
    "skill.alexa.handlers.rooms": frozenset(
        {
            "RoomStatusIntent",
            "NextMeetingIntent",
            "BookRoomIntent",
            "FindRoomIntent",
            "ExtendMeetingIntent",
            "EndMeetingIntent",
            "MeetingCheckInIntent",
            "CancelBookingIntent",
            "AMAZON.YesIntent",
            "AMAZON.NoIntent",
        }
    ),
    "skill.alexa.handlers.calling": frozenset({"CallContactIntent", "DialNumberIntent", "JoinMeetingIntent"}),
    "skill.alexa.handlers.reception": frozenset(
        {"VisitorCheckInIntent", "VisitorCheckOutIntent", "ExpectVisitorIntent"}
    ),
}


class CapabilityHandler(AbstractRequestHandler):
    """Stands for one capability's handlers until a request names one of its intents."""

    def __init__(self, module: str, intents: frozenset[str]) -> None:
        self.module = module
        self.intents = intents

    @cached_property
    def handlers(self) -> list[AbstractRequestHandler]:
        handlers: list[AbstractRequestHandler] = import_module(self.module).HANDLERS
        return handlers

    def _matching(self, handler_input: HandlerInput) -> AbstractRequestHandler | None:
        request = handler_input.request_envelope.request
        if not isinstance(request, IntentRequest) or request.intent is None or request.intent.name not in self.intents:
            return None
        return next((h for h in self.handlers if h.can_handle(handler_input)), None)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return self._matching(handler_input) is not None

    def handle(self, handler_input: HandlerInput) -> Response | None:
        handler = self._matching(handler_input)
        if handler is None:
            raise LookupError("no handler of this capability takes the request")
        return handler.handle(handler_input)


def request_handlers() -> list[AbstractRequestHandler]:
    """Every request handler, in the order they are tried: the unknown-device answer before any office
    data, each capability's intents, then the basics and the catch-alls."""
    return [
        basics.SessionEndedRequestHandler(),
        basics.ExceptionEncounteredHandler(),
        basics.UnknownCallerHandler(),
        *(CapabilityHandler(module, intents) for module, intents in CAPABILITIES.items()),
        basics.LaunchRequestHandler(),
        basics.HelpIntentHandler(),
        basics.QuitIntentHandler(),
        basics.FallbackHandler(),
        basics.UnhandledRequestHandler(),
    ]


def build_skill(container: Container) -> CustomSkill:
    sb = SkillBuilder()
    # The application id is verified on the raw event by skill.app.check_envelope, which also copes with
    # envelopes that have no `context` (the SDK's own check would fail on those).
    sb.add_global_request_interceptor(CallerInterceptor(container))
    sb.add_global_response_interceptor(DynamicEntitiesInterceptor())
    sb.add_global_response_interceptor(OutcomeLogInterceptor())
    for handler in request_handlers():
        sb.add_request_handler(handler)
    sb.add_exception_handler(basics.CatchAllExceptionHandler())
    skill: CustomSkill = sb.create()
    return skill
