"""Fixtures for the integration tests: `office-admin` run in this process against moto's server."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from admin_cli import CliResult

from skill.adapters.dynamodb.schema import TEMPLATE
from skill.cli.main import main


@pytest.fixture
def office_admin(aws_endpoint: str, capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """`office_admin(table, *args)` runs `office-admin --endpoint-url … --table TABLE ARGS` in this process."""

    def run(table: str, *argv: str) -> CliResult:
        code = main(["--endpoint-url", aws_endpoint, "--table", table, *argv])
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run


@pytest.fixture(scope="session")
def transformed() -> dict[str, Any]:
    """infra/template.yaml as CloudFormation sees it: transformed offline by aws-sam-translator (no network, no
    credentials)."""
    from cfnlint.decode.cfn_yaml import loads
    from samtranslator.translator.managed_policy_translator import ManagedPolicyLoader
    from samtranslator.translator.transform import transform

    class NoManagedPolicyNames(ManagedPolicyLoader):
        """The template names managed policies by ARN only, so no IAM look-up is ever needed."""

        def __init__(self) -> None:
            pass

        def load(self) -> dict[str, str]:
            return {}

    sam = json.loads(json.dumps(loads(TEMPLATE.read_text(encoding="utf-8"))))
    sam["Globals"]["Function"]["CodeUri"] = "s3://artifacts/office-assistant.zip"  # what `sam package` does
    result: dict[str, Any] = transform(
        sam, {"SkillId": "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"}, NoManagedPolicyNames()
    )
    return result
