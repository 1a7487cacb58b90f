"""Builds the skill once per process: interceptors, handlers in order, exception handling."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import SkillBuilder

from skill.alexa.handlers import basics, calling, reception, rooms
from skill.alexa.interceptors import CallerInterceptor, OutcomeLogInterceptor

if TYPE_CHECKING:
    from skill.bootstrap import Container


def capability_handlers() -> list[AbstractRequestHandler]:
    """The intent handlers of every capability, in the order they are tried."""
    return [*rooms.HANDLERS, *calling.HANDLERS, *reception.HANDLERS]


def build_skill(container: Container) -> CustomSkill:
    sb = SkillBuilder()
    # The application id is verified on the raw event by skill.app.check_envelope, which also copes with
    # envelopes that have no `context` (the SDK's own check would fail on those).
    sb.add_global_request_interceptor(CallerInterceptor(container))
    sb.add_global_response_interceptor(OutcomeLogInterceptor())
    handlers: list[AbstractRequestHandler] = [
        basics.SessionEndedRequestHandler(),
        basics.ExceptionEncounteredHandler(),
        basics.UnknownCallerHandler(),
        *capability_handlers(),
        basics.LaunchRequestHandler(),
        basics.HelpIntentHandler(),
        basics.QuitIntentHandler(),
        basics.FallbackHandler(),
        basics.UnhandledRequestHandler(),
    ]
    for handler in handlers:
        sb.add_request_handler(handler)
    sb.add_exception_handler(basics.CatchAllExceptionHandler())
    skill: CustomSkill = sb.create()
    return skill
