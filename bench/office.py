"""The office every benchmark talks to: moto's server on loopback, a fresh table and a small fleet in it."""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from skill.bootstrap import Container

SKILL_ID = "amzn1.ask.skill.office-assistant-bench"
ROOM_DEVICE = "amzn1.ask.device.BENCHROOM"
LOBBY_DEVICE = "amzn1.ask.device.BENCHLOBBY"
ALEXA_USER = "amzn1.ask.account.BENCHUSER"
ROOM = "fuji"
TIMEZONE = "Asia/Tokyo"

FLEET: dict[str, Any] = {
    "site": {"name": "Bench HQ", "timezone": TIMEZONE, "retention_days": 30, "country": "JP", "reception": "carol"},
    "rooms": [
        {"id": ROOM, "name": "Fuji", "floor": 5, "capacity": 8, "features": ["video"], "phone": "+81 3-1234-0005"},
        {"id": "everest", "name": "Everest", "floor": 5, "capacity": 4},
        {"id": "lobby", "name": "Lobby", "floor": 1, "bookable": False},
    ],
    "skill_groups": [
        {"id": "meeting-rooms", "features": ["booking", "calling", "join-meeting"]},
        {"id": "lobby", "features": ["reception", "calling"]},
    ],
    "devices": [
        {"id": ROOM_DEVICE, "kind": "shared", "room": ROOM, "skill_group": "meeting-rooms"},
        {"id": LOBBY_DEVICE, "kind": "shared", "room": "lobby", "skill_group": "lobby"},
    ],
    "users": [
        {"id": "alice", "name": "Alice Tanaka", "phones": {"mobile": "+81 90-1234-5678"}},
        {"id": "bob", "name": "Bob Chen", "phones": {"mobile": "+81 90-2222-3333"}},
        {"id": "carol", "name": "Carol Reception", "phones": {"office": "+81 3-1234-0001"}},
    ],
    "contacts": [{"id": "acme", "name": "Acme Support", "phones": {"office": "+1 206 555 0100"}}],
    "calling": {"shared_may_call": ["employees", "contacts"], "blocked_prefixes": ["+1900"]},
    # The benchmarks repeat one request many times from one device: they measure it under its limit.
    "limits": {
        "calls_per_device_per_hour": 100_000,
        "checkins_per_device_per_hour": 100_000,
        "notifications_per_host_per_hour": 100_000,
        "bookings_per_user_per_day": 100_000,
    },
}


def set_dummy_credentials() -> None:
    """Benchmarks never reach real AWS."""
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_SESSION_TOKEN", "testing"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_REGION", "us-east-1"),
    ):
        os.environ.setdefault(name, value)


@dataclass
class RoundTrips:
    """DynamoDB requests a client sends, counted by operation (botocore's `before-send` event)."""

    calls: Counter[str] = field(default_factory=Counter)
    params: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    seconds: float = 0.0  # time spent inside the client's calls
    _started: list[float] = field(default_factory=list)

    def attach(self, client: DynamoDBClient) -> RoundTrips:
        client.meta.events.register("before-send.dynamodb", self._sent)
        client.meta.events.register("provide-client-params.dynamodb", self._params)
        client.meta.events.register("before-call.dynamodb", self._before)
        client.meta.events.register("after-call.dynamodb", self._after)
        return self

    def _before(self, **_: Any) -> None:
        self._started.append(time.perf_counter())

    def _after(self, **_: Any) -> None:
        if self._started:
            self.seconds += time.perf_counter() - self._started.pop()

    def _sent(self, request: Any, **_: Any) -> None:
        target = request.headers.get("X-Amz-Target", b"")
        name = target.decode() if isinstance(target, bytes) else str(target)
        self.calls[name.rpartition(".")[2] or "?"] += 1

    def _params(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.params.append((model.name, dict(params)))

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def writes(self) -> int:
        writing = ("Put", "Update", "Delete", "TransactWrite", "BatchWrite")
        return sum(n for op, n in self.calls.items() if op.startswith(writing))

    def reset(self) -> None:
        self.calls.clear()
        self.params.clear()
        self.seconds = 0.0


def new_client(endpoint: str, read_timeout: float | None = None) -> DynamoDBClient:
    """A client built the way production builds one, pointed at the local endpoint; `read_timeout`
    overrides production's for jobs whose large transactions moto serves slowly."""
    import boto3
    from botocore.config import Config

    from skill.adapters import aws

    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
    if read_timeout is None:
        client: DynamoDBClient = aws.client("dynamodb", "voice", region="us-east-1")
        return client
    config = Config(read_timeout=read_timeout, retries={"mode": "standard", "max_attempts": 1})
    patient: DynamoDBClient = boto3.client("dynamodb", region_name="us-east-1", config=config)
    return patient


def create_office(endpoint: str, fleet: dict[str, Any] | None = None) -> str:
    """A fresh table holding `fleet` (the bench fleet by default); returns its name."""
    from skill.adapters.dynamodb.schema import ensure_table
    from skill.bootstrap import Services, build
    from skill.config import Settings
    from skill.domain import fleet as codec

    client = new_client(endpoint)
    name = "bench-" + uuid.uuid4().hex[:8]
    ensure_table(client, name)
    admin = Services(build(Settings(skill_id=SKILL_ID, table=name), dynamodb_client=client)).fleet
    admin.apply(admin.plan(codec.parse_fleet(fleet or FLEET), prune=False))
    return name


@contextmanager
def aws(*options: str) -> Iterator[str]:
    """moto's server on loopback, in its own process, for the duration of a benchmark; yields its endpoint.
    `options` go to `python -m bench.server`."""
    import subprocess
    import sys
    from pathlib import Path

    from skill.local.awsserver import free_port

    set_dummy_credentials()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.server", str(port), *options],
        cwd=Path(__file__).resolve().parents[1],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        if server.stdout is None or server.stdout.readline().strip() != "ready":
            raise RuntimeError("moto's server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        if server.stdin is not None:
            server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.terminate()
            server.wait(timeout=10)


def container(
    endpoint: str, table: str, cache_ttl: float = 30.0, read_timeout: float | None = None
) -> tuple[Container, RoundTrips]:
    """The wired application on the local server with production settings, and its round-trip counter."""
    from skill.bootstrap import build
    from skill.config import Settings

    client = new_client(endpoint, read_timeout)
    counter = RoundTrips().attach(client)
    return build(Settings(skill_id=SKILL_ID, table=table, cache_ttl_seconds=cache_ttl), dynamodb_client=client), counter
