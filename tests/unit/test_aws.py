"""AWS clients by kind of call: their settings, and the worst case each allows (every attempt stalling to
its timeouts, every retry waiting its longest throttling backoff) against the budget of who waits for it."""

from __future__ import annotations

import pytest

from skill.adapters import aws

VOICE_BUDGET_S = 6.5  # Settings.deadline_cap_ms
SMA_TIMEOUT_S = 5.0  # infra/template.yaml, SmaFunction
SHORTEST_JOB_TIMEOUT_S = 60.0  # infra/template.yaml, SweeperFunction


def worst_case_s(kind: aws.Kind) -> float:
    """One call's longest wait: attempts × (connect + read timeouts) + botocore standard mode's longest
    throttling backoffs (at most 1 s after the first attempt, doubling after each next one)."""
    settings = aws.SETTINGS[kind]
    attempts = settings["retries"]["total_max_attempts"]
    waits = sum(min(2 ** (n - 1), 20) for n in range(1, attempts))
    return attempts * (settings["connect_timeout"] + settings["read_timeout"]) + waits


@pytest.mark.parametrize(
    ("kind", "budget"),
    [
        ("voice", VOICE_BUDGET_S),
        ("call_flow", SMA_TIMEOUT_S),
        ("jobs", SHORTEST_JOB_TIMEOUT_S),
        ("send_once", VOICE_BUDGET_S),
        ("parameters", VOICE_BUDGET_S),
    ],
)
def test_each_kinds_worst_case_fits_the_budget_of_who_waits_for_it(kind: aws.Kind, budget: float) -> None:
    assert worst_case_s(kind) < budget


def test_the_documented_worst_cases_are_those_the_settings_give() -> None:
    assert {kind: worst_case_s(kind) for kind in aws.SETTINGS} == {
        "voice": 6.0,
        "call_flow": 2.5,
        "jobs": 47.0,
        "send_once": 4.0,
        "parameters": 4.0,
    }


@pytest.mark.parametrize("service", ["chime-sdk-voice", "sesv2", "sns"])
def test_a_non_idempotent_send_is_made_once_by_the_sdk(service: str) -> None:
    client = aws.client(service, "send_once", region="us-east-1")
    assert vars(client.meta.config)["retries"] == {"mode": "standard", "total_max_attempts": 1}


def test_a_client_takes_a_session_and_an_explicit_endpoint() -> None:
    import boto3

    session = boto3.Session(region_name="eu-west-1")
    client = aws.client("dynamodb", "jobs", session=session, endpoint_url="http://127.0.0.1:8000")
    assert (client.meta.region_name, client.meta.endpoint_url) == ("eu-west-1", "http://127.0.0.1:8000")
    assert vars(client.meta.config)["read_timeout"] == 8
