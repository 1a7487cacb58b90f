"""Per-request context handed from the interceptor to the handlers: who is speaking, when, in which
language, and the use cases to answer with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ask_sdk_core.handler_input import HandlerInput

from skill.domain.model import Caller

if TYPE_CHECKING:
    from skill.bootstrap import Services

KEY = "office"


@dataclass(frozen=True)
class RequestContext:
    caller: Caller
    services: Services
    now: datetime
    locale: str
    request_id: str


def context(handler_input: HandlerInput) -> RequestContext:
    ctx = handler_input.attributes_manager.request_attributes[KEY]
    if not isinstance(ctx, RequestContext):
        raise TypeError("the request has no office context")
    return ctx
