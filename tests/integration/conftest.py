"""Fixtures for the integration tests: `office-admin` run in this process against moto's server."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from admin_cli import CliResult

from skill.cli.main import main


@pytest.fixture
def office_admin(aws_endpoint: str, capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """`office_admin(table, *args)` runs `office-admin --endpoint-url … --table TABLE ARGS` in this process."""

    def run(table: str, *argv: str) -> CliResult:
        code = main(["--endpoint-url", aws_endpoint, "--table", table, *argv])
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run
