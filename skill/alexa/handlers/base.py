"""The shapes every handler shares: an intent handler matches one intent, checks the device may use the
feature, then answers from the request context; an error handler turns one kind of domain error into speech."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Generic, TypeVar

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name
from ask_sdk_model import Response

from skill.alexa import offers
from skill.alexa.context import RequestContext, context
from skill.alexa.messages import message

Terms = TypeVar("Terms")


def ask(handler_input: HandlerInput, text: str, reprompt: str | None = None) -> Response:
    """Speak and keep the session open."""
    ctx = context(handler_input)
    return handler_input.response_builder.speak(text).ask(reprompt or message(ctx.locale, "reprompt")).response


def tell(handler_input: HandlerInput, text: str) -> Response:
    """Speak and end the session."""
    return handler_input.response_builder.speak(text).set_should_end_session(True).response


class IntentHandler(AbstractRequestHandler):
    intent: ClassVar[str]
    feature: ClassVar[str | None] = None

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_intent_name(self.intent)(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        ctx = context(handler_input)
        if self.feature and not ctx.caller.allows(self.feature):
            return tell(handler_input, message(ctx.locale, "not_allowed"))
        return self.answer(handler_input, ctx)

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        raise NotImplementedError


class OfferAnswerHandler(IntentHandler, Generic[Terms]):
    """Yes or no to an offer this capability made (skill/alexa/offers.py): the builder hands AMAZON.YesIntent and
    AMAZON.NoIntent to the capability only while its offer is pending, and the handler takes them when it can read
    the offer's terms."""

    capability: ClassVar[str]

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return super().can_handle(handler_input) and self.pending(handler_input) is not None

    @classmethod
    def pending(cls, handler_input: HandlerInput) -> Terms | None:
        """What this capability offered in its last answer, read from the terms; None when it offered nothing."""
        offer = offers.pending(handler_input)
        return cls.read(offer.terms) if offer is not None and offer.capability == cls.capability else None

    @classmethod
    def offered(cls, handler_input: HandlerInput) -> Terms:
        """The offer this request answers: there is one, or the handler would not have taken the request."""
        terms = cls.pending(handler_input)
        if terms is None:
            raise LookupError("no offer of this capability is pending")
        return terms

    @staticmethod
    def read(terms: Mapping[str, Any]) -> Terms | None:
        """The offer `terms` hold, or None when they are not what this capability writes."""
        raise NotImplementedError


class ErrorHandler(AbstractExceptionHandler):
    error: ClassVar[type[Exception]]

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return isinstance(exception, self.error)

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        return self.answer(handler_input, context(handler_input), exception)

    def answer(self, handler_input: HandlerInput, ctx: RequestContext, error: Exception) -> Response:
        raise NotImplementedError
