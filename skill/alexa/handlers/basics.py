"""Launch, help, stop, cancel, fallback, navigate home, session end, the unknown-device answer, and the
answers every capability shares: a limit reached, and the apology for anything else that went wrong."""

from __future__ import annotations

from typing import cast

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model import Response

from skill.alexa import speech
from skill.alexa.context import KEY, RequestContext, context
from skill.alexa.handlers.base import ErrorHandler, ask, tell
from skill.alexa.interceptors import request_name
from skill.alexa.messages import message
from skill.domain.limits import LimitReached
from skill.observability import logger

QUIT_INTENTS = ("AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent")


class UnknownCallerHandler(AbstractRequestHandler):
    """A device in no fleet entry gets no office data: only an enrolment code."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        if not (is_request_type("LaunchRequest")(handler_input) or is_request_type("IntentRequest")(handler_input)):
            return False
        if any(is_intent_name(name)(handler_input) for name in QUIT_INTENTS):
            return False
        return not context(handler_input).caller.is_known

    def handle(self, handler_input: HandlerInput) -> Response:
        ctx = context(handler_input)
        if not ctx.caller.device_id:
            return tell(handler_input, message(ctx.locale, "unknown.no_device"))
        code = ctx.services.identity.enrolment_code(ctx.caller.device_id, ctx.now)
        logger.info("enrolment code issued")
        return tell(handler_input, speech.enrolment(code, ctx.locale))


class LaunchRequestHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        ctx = context(handler_input)
        return ask(handler_input, speech.launch(ctx.caller, ctx.locale))


class HelpIntentHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name("AMAZON.HelpIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        ctx = context(handler_input)
        return ask(handler_input, speech.help_text(ctx.caller, ctx.locale))


class QuitIntentHandler(AbstractRequestHandler):
    """Stop, Cancel and NavigateHome end the conversation and change nothing."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return any(is_intent_name(name)(handler_input) for name in QUIT_INTENTS)

    def handle(self, handler_input: HandlerInput) -> Response:
        return tell(handler_input, message(context(handler_input).locale, "goodbye"))


class FallbackHandler(AbstractRequestHandler):
    """AMAZON.FallbackIntent, and Yes/No or any intent that nothing else took."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("IntentRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        ctx = context(handler_input)
        return ask(
            handler_input, message(ctx.locale, "fallback", hints=speech.Ssml(speech.hints(ctx.caller, ctx.locale)))
        )


class SessionEndedRequestHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("SessionEndedRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        reason = getattr(handler_input.request_envelope.request, "reason", None)
        logger.info("session ended", extra={"reason": str(getattr(reason, "value", reason))})
        return handler_input.response_builder.response


class ExceptionEncounteredHandler(AbstractRequestHandler):
    """System.ExceptionEncountered: Alexa reports a problem with an earlier response; no speech allowed."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("System.ExceptionEncountered")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        error = getattr(handler_input.request_envelope.request, "error", None)
        logger.warning("alexa reported an error", extra={"error_type": str(getattr(error, "object_type", ""))})
        return handler_input.response_builder.response


class UnhandledRequestHandler(AbstractRequestHandler):
    """Any other request type (display, audio player events...): acknowledged, nothing said."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        logger.info("request type not handled", extra={"request": request_name(handler_input)})
        return handler_input.response_builder.response


class LimitReachedHandler(ErrorHandler):
    """A call, check-in or booking over its limit: a short refusal (nothing was done; the use case logged it)."""

    error = LimitReached

    def answer(self, handler_input: HandlerInput, ctx: RequestContext, error: Exception) -> Response:
        return tell(handler_input, message(ctx.locale, f"limit.{cast(LimitReached, error).reason}"))


class CatchAllExceptionHandler(AbstractExceptionHandler):
    """A short apology for the listener; the error with the request id for the log."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        logger.exception("request failed", extra={"request": request_name(handler_input)})
        attrs = handler_input.attributes_manager.request_attributes
        locale = context(handler_input).locale if KEY in attrs else None
        key = "unavailable" if _is_backend_error(exception) else "error"
        return tell(handler_input, message(locale, key))


def _is_backend_error(exception: Exception) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    return isinstance(exception, (BotoCoreError, ClientError))
