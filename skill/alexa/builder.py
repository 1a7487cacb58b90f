"""Builds the skill once per process: interceptors, handlers in order, exception handling."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import SkillBuilder

from skill.alexa.entities import DynamicEntitiesInterceptor
from skill.alexa.handlers import basics, calling, reception, rooms
from skill.alexa.interceptors import CallerInterceptor, OutcomeLogInterceptor

if TYPE_CHECKING:
    from skill.bootstrap import Container


def request_handlers() -> list[AbstractRequestHandler]:
    """Every request handler, in the order they are tried: the unknown-device answer before any office
    data, each capability's intents, then the basics and the catch-alls."""
    return [
        basics.SessionEndedRequestHandler(),
        basics.ExceptionEncounteredHandler(),
        basics.UnknownCallerHandler(),
        *rooms.HANDLERS,
        *calling.HANDLERS,
        *reception.HANDLERS,
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
