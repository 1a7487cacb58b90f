"""Cross-cutting request work: who is speaking, the correlation id, one log line per answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ask_sdk_core.dispatch_components import AbstractRequestInterceptor, AbstractResponseInterceptor
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.alexa.context import KEY, RequestContext, context
from skill.alexa.messages import DEFAULT_LOCALE
from skill.observability import logger

if TYPE_CHECKING:
    from skill.bootstrap import Services


def _attr(obj: Any, *names: str) -> Any:
    for name in names:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj


def request_name(handler_input: HandlerInput) -> str:
    request = handler_input.request_envelope.request
    intent = _attr(request, "intent", "name")
    return str(intent or getattr(request, "object_type", "") or "unknown")


class CallerInterceptor(AbstractRequestInterceptor):
    """Turns every request into a Caller before any handler runs."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def process(self, handler_input: HandlerInput) -> None:
        envelope = handler_input.request_envelope
        system = _attr(envelope, "context", "system")
        request_id = str(_attr(envelope, "request", "request_id") or "")
        logger.set_correlation_id(request_id)
        device_id = _attr(system, "device", "device_id")
        user_id = _attr(system, "user", "user_id") or _attr(envelope, "session", "user", "user_id")
        person_id = _attr(system, "person", "person_id")
        caller = self.services.identity.caller(device_id, user_id, person_id)
        locale = str(_attr(envelope, "request", "locale") or DEFAULT_LOCALE)
        handler_input.attributes_manager.request_attributes[KEY] = RequestContext(
            caller=caller,
            services=self.services,
            now=self.services.now(),
            locale=locale,
            request_id=request_id,
        )


class OutcomeLogInterceptor(AbstractResponseInterceptor):
    """One log line per answer: the request, the caller kind, whether the session stays open."""

    def process(self, handler_input: HandlerInput, response: Response | None) -> None:
        attrs = handler_input.attributes_manager.request_attributes
        caller_kind = context(handler_input).caller.kind.value if KEY in attrs else "none"
        logger.info(
            "answered",
            extra={
                "request": request_name(handler_input),
                "caller": caller_kind,
                "end_session": bool(response and response.should_end_session),
            },
        )
