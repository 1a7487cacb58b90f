"""The voice answer's deadline: Alexa hears something before its 8-second limit, even when a dependency hangs.

The request is dispatched on a worker thread and given a budget taken from the Lambda context (the time
left minus a margin, capped). When the budget runs out the listener hears the `unavailable` message and
the worker is left to finish or fail on its own: every write it can still make is a single conditional
put or one `TransactWriteItems`, so it either happens whole or not at all, and the client's short
timeouts end it soon after.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from skill.observability import count, logger

T = TypeVar("T")


class DeadlineExceeded(TimeoutError):
    """The work did not finish within its budget."""


def budget_seconds(lambda_context: Any, *, cap_ms: int, margin_ms: int) -> float:
    """Seconds the request may take: the Lambda's remaining time minus `margin_ms`, at most `cap_ms`."""
    remaining = getattr(lambda_context, "get_remaining_time_in_millis", None)
    budget_ms = cap_ms if remaining is None else min(cap_ms, int(remaining()) - margin_ms)
    return max(budget_ms, 0) / 1000


def run_within(budget: float, work: Callable[[], T]) -> T:
    """`work()`'s result, or its exception, when it ends within `budget` seconds; else DeadlineExceeded."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the caller's thread as is
            outcome["error"] = error

    worker = threading.Thread(target=contextvars.copy_context().run, args=(target,), daemon=True)
    worker.start()
    worker.join(budget)
    if worker.is_alive():
        raise DeadlineExceeded(f"no answer within {budget:.1f} s")
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value


def unavailable_response(event: Mapping[str, Any]) -> dict[str, Any]:
    """The response envelope that says the booking system could not be reached, in the request's locale."""
    from skill.alexa.messages import message

    request = event.get("request")
    request = request if isinstance(request, Mapping) else {}
    if request.get("type") == "SessionEndedRequest":  # Alexa takes no speech in this answer
        return {"version": "1.0", "response": {}}
    locale = request.get("locale")
    text = message(locale if isinstance(locale, str) else None, "unavailable")
    return {
        "version": "1.0",
        "response": {"outputSpeech": {"type": "SSML", "ssml": f"<speak>{text}</speak>"}, "shouldEndSession": True},
    }


def answer_within(
    event: Mapping[str, Any],
    lambda_context: Any,
    dispatch: Callable[[], dict[str, Any]],
    *,
    cap_ms: int,
    margin_ms: int,
) -> dict[str, Any]:
    """`dispatch()`'s response when it comes in time; otherwise the `unavailable` answer (and a
    DeadlineFallback metric)."""
    budget = budget_seconds(lambda_context, cap_ms=cap_ms, margin_ms=margin_ms)
    try:
        return run_within(budget, dispatch)
    except DeadlineExceeded:
        logger.warning("no answer within the deadline; told the listener to retry", extra={"budget_s": budget})
        count("DeadlineFallback")
        return unavailable_response(event)
