"""The deadline guard: the listener hears an answer in time even when the dispatch hangs."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from support import lambda_context

from skill.deadline import DeadlineExceeded, answer_within, budget_seconds, run_within, unavailable_response
from skill.observability import metrics

UNAVAILABLE = "<speak>I couldn't reach the booking system. Please try again in a minute.</speak>"


@pytest.fixture
def hang() -> Iterator[threading.Event]:
    """An event a fake slow dispatch waits on; set at the end so no worker outlives the test."""
    release = threading.Event()
    yield release
    release.set()


@pytest.fixture(autouse=True)
def no_metrics_left() -> Iterator[None]:
    metrics.clear_metrics()
    yield
    metrics.clear_metrics()


def intent_event(locale: str = "en-US", kind: str = "IntentRequest") -> dict[str, object]:
    return {"version": "1.0", "request": {"type": kind, "requestId": "amzn1.echo-api.request.1", "locale": locale}}


@pytest.mark.parametrize(
    ("remaining_ms", "expected"),
    [(10_000, 6.5), (5_000, 3.5), (1_000, 0.0)],
)
def test_budget_is_the_remaining_time_less_the_margin_capped(remaining_ms: int, expected: float) -> None:
    # Given a Lambda with `remaining_ms` left
    context = lambda_context(remaining_ms)
    # When the budget is worked out with a 6.5 s cap and a 1.5 s margin
    budget = budget_seconds(context, cap_ms=6500, margin_ms=1500)
    # Then it never exceeds the cap nor eats into the margin
    assert budget == expected


def test_without_a_lambda_context_the_budget_is_the_cap() -> None:
    assert budget_seconds(None, cap_ms=6500, margin_ms=1500) == 6.5


def test_work_that_finishes_in_time_gives_its_result() -> None:
    assert run_within(5.0, lambda: {"answer": 42}) == {"answer": 42}


def test_work_that_fails_in_time_raises_its_own_error() -> None:
    def broken() -> dict[str, object]:
        raise ValueError("bad envelope")

    with pytest.raises(ValueError, match="bad envelope"):
        run_within(5.0, broken)


def test_work_that_hangs_past_the_budget_is_abandoned(hang: threading.Event) -> None:
    with pytest.raises(DeadlineExceeded):
        run_within(0.05, hang.wait)


def test_a_hanging_dispatch_answers_unavailable_and_counts_the_fallback(hang: threading.Event) -> None:
    # Given a dispatch stuck on a dependency and a Lambda with 1.6 s left (a 0.1 s budget after the margin)
    def slow_dispatch() -> dict[str, object]:
        hang.wait()
        return {"version": "1.0", "response": {}}

    # When the request is answered within the deadline
    response = answer_within(intent_event(), lambda_context(1_600), slow_dispatch, cap_ms=6500, margin_ms=1500)
    # Then the listener is told to try again, and the fallback is counted
    assert response["response"]["outputSpeech"]["ssml"] == UNAVAILABLE
    assert response["response"]["shouldEndSession"] is True
    assert "DeadlineFallback" in metrics.metric_set


def test_a_dispatch_in_time_is_answered_as_it_is() -> None:
    answer = {"version": "1.0", "response": {"outputSpeech": {"type": "SSML", "ssml": "<speak>Booked.</speak>"}}}
    response = answer_within(intent_event(), lambda_context(10_000), lambda: answer, cap_ms=6500, margin_ms=1500)
    assert response == answer
    assert "DeadlineFallback" not in metrics.metric_set


def test_an_unknown_locale_hears_the_english_message() -> None:
    assert unavailable_response(intent_event("xx-XX"))["response"]["outputSpeech"]["ssml"] == UNAVAILABLE


def test_a_session_end_gets_no_speech() -> None:
    assert unavailable_response(intent_event(kind="SessionEndedRequest")) == {"version": "1.0", "response": {}}
