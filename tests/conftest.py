"""Fixtures shared by every test layer."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "tests" / "events"

# Tests never reach real AWS: dummy credentials and a fixed region for every boto3 client.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_SESSION_TOKEN", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_REGION", "us-east-1")


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
