"""Fixtures shared by every test layer."""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import Canned

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "tests" / "events"

# Tests never reach real AWS: dummy credentials and a fixed region for every boto3 client.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_SESSION_TOKEN", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_REGION", "us-east-1")
# Feeds and webhooks in tests are HTTP servers on 127.0.0.1: the contract's loopback setting, for adapters
# used without a container (a container beside moto's server on loopback allows loopback by itself).
os.environ.setdefault("OFFICE_ALLOW_LOOPBACK_URLS", "1")


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    """moto's server over HTTP on 127.0.0.1: DynamoDB, SES v2, SNS, SSM."""
    from skill.local.awsserver import EmbeddedAws

    server = EmbeddedAws().start()
    try:
        yield server.endpoint
    finally:
        server.stop()


@pytest.fixture
def table(aws_endpoint: str, request: pytest.FixtureRequest) -> str:
    """A fresh table, created from infra/template.yaml, unique to the test."""
    import re
    import uuid

    import boto3

    from skill.adapters.dynamodb.schema import ensure_table

    client = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1")
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", request.node.name)[:200] + "-" + uuid.uuid4().hex[:8]
    ensure_table(client, name)
    return name


FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def event():  # type: ignore[no-untyped-def]
    """Load a request envelope from tests/events, as Alexa sends it: `event("launch_room.json")`."""
    import json

    return lambda name: json.loads((EVENTS / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def office_fleet():  # type: ignore[no-untyped-def]
    """The test office (tests/fixtures/office.yaml), validated."""
    import yaml

    from skill.domain.fleet import parse_fleet

    return parse_fleet(yaml.safe_load((FIXTURES / "office.yaml").read_text(encoding="utf-8")))


@pytest.fixture
def container(aws_endpoint: str, table: str, office_fleet):  # type: ignore[no-untyped-def]
    """The adapters on moto's server, with the test office stored in a fresh table."""
    import boto3

    from skill.bootstrap import Services, build
    from skill.config import LOCAL_SKILL_ID, Settings

    client = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1")
    built = build(Settings(skill_id=LOCAL_SKILL_ID, table=table, cache_ttl_seconds=0), dynamodb_client=client)
    fleet = Services(built).fleet
    fleet.apply(fleet.plan(office_fleet, prune=False))
    return built


@pytest.fixture
def services(container):  # type: ignore[no-untyped-def]
    """The use cases wired on `container`, as the entry points hold them."""
    from skill.bootstrap import Services

    return Services(container)


@pytest.fixture
def invoke(services):  # type: ignore[no-untyped-def]
    """Send one envelope through the same path the Lambda handler takes; returns the response envelope."""
    from support import serving

    from skill import app

    with serving(services):
        yield lambda event: app.handle_skill_event(event)


@pytest.fixture
def webhook():  # type: ignore[no-untyped-def]
    """A chat webhook receiver on 127.0.0.1 (tests/support.py)."""
    from support import WebhookReceiver

    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def log_lines():  # type: ignore[no-untyped-def]
    """Every line the application's logger writes during the test, as the JSON objects it writes."""
    import io
    import json
    import logging

    from skill.observability import logger

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def counted():  # type: ignore[no-untyped-def]
    """The total a metric was counted up by during the test, as Powertools Metrics holds it to publish."""
    from skill.observability import metrics

    metrics.clear_metrics()

    def total(name: str) -> int:
        return int(sum(metrics.metric_set.get(name, {}).get("Value", [])))

    yield total
    metrics.clear_metrics()


@pytest.fixture(scope="session")
def alexa_ca():  # type: ignore[no-untyped-def]
    """The tests' own certificate authority signing Alexa requests (tests/alexa_ca.py)."""
    from alexa_ca import AlexaCA

    return AlexaCA()


@pytest.fixture
def canned_server() -> Iterator[Callable[[dict[str, tuple[int, dict[str, str], bytes]]], Canned]]:
    """`canned_server({"/feed": (200, {}, b"...")})` starts a server; its `url` is `http://127.0.0.1:PORT`."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(routes: dict[str, tuple[int, dict[str, str], bytes]]) -> Canned:
        canned = Canned(routes)

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def answer(self) -> None:
                canned.received.append((self.command, self.path))
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                status, headers, body = canned.routes.get(self.path, (404, {}, b"not found"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = answer

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        canned.url = f"http://127.0.0.1:{server.server_address[1]}"
        return canned

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
