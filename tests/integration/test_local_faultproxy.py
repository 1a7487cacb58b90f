"""The fault-injecting proxy in front of moto's server: faults chosen by the attempt of a request, late answers
that still arrive whole, and a stop that releases a stalled request."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError

from skill.local.faultproxy import STALL_SECONDS, Fault, FaultProxy

KEY = {"PK": {"S": "ROOM#fuji"}, "SK": {"S": "META"}}


@pytest.fixture
def proxy(aws_endpoint: str) -> Iterator[FaultProxy]:
    with FaultProxy(aws_endpoint, slow_seconds=0.3) as running:
        yield running


def client(url: str, attempts: int = 2, read_timeout: float = 5) -> Any:
    config = Config(retries={"mode": "standard", "total_max_attempts": attempts}, read_timeout=read_timeout)
    return boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1", config=config)


def test_a_retried_request_meets_the_fault_chosen_for_its_attempt(proxy: FaultProxy, table: str) -> None:
    # Given a proxy that throttles the first attempt of every request and lets the retry through
    attempts: list[tuple[str, int]] = []

    def first_only(operation: str, attempt: int) -> Fault | None:
        attempts.append((operation, attempt))
        return "throttle" if attempt == 1 else None

    proxy.fail_attempts(first_only)
    dynamodb = client(proxy.url)

    # When an item is put and read back, each by a client that retries once
    dynamodb.put_item(TableName=table, Item={**KEY, "name": {"S": "Fuji"}})
    item = dynamodb.get_item(TableName=table, Key=KEY)["Item"]

    # Then both succeeded on their retry, and each request was throttled once
    assert item["name"] == {"S": "Fuji"}
    assert attempts == [("PutItem", 1), ("PutItem", 2), ("GetItem", 1), ("GetItem", 2)]
    assert proxy.injected == {"throttle": 2}


def test_a_slow_answer_comes_late_and_whole(proxy: FaultProxy, table: str, aws_endpoint: str) -> None:
    # Given a proxy that answers every request late
    proxy.fail_attempts(lambda operation, attempt: "slow")

    # When an item is put through it
    started = time.monotonic()
    client(proxy.url, attempts=1).put_item(TableName=table, Item={**KEY, "name": {"S": "Fuji"}})

    # Then the answer came no sooner than the delay, and the item is stored once
    assert time.monotonic() - started >= 0.3
    assert client(aws_endpoint).get_item(TableName=table, Key=KEY)["Item"]["name"] == {"S": "Fuji"}
    assert proxy.injected == {"slow": 1}


def test_stop_releases_a_stalled_request(proxy: FaultProxy, table: str) -> None:
    # Given a request the proxy stalls, from a client that would wait for it far longer than the test runs
    proxy.fail_next("stall")
    stalled = client(proxy.url, attempts=1, read_timeout=300)

    # When the proxy stops while the request waits
    threading.Timer(0.5, proxy.stop).start()

    # Then the client learns that its connection ended, without waiting for the stall to run its course
    started = time.monotonic()
    with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
        stalled.get_item(TableName=table, Key=KEY)
    assert time.monotonic() - started < STALL_SECONDS
