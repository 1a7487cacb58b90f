"""`office-admin problems list` and `problems resolve` against moto's DynamoDB."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from skill.cli.main import main
from skill.domain.facilities import Problem

REPORTED = datetime(2026, 12, 1, 1, 15, tzinfo=UTC)  # 10:15 in Tokyo


@pytest.fixture
def admin(container, aws_endpoint, capsys):  # type: ignore[no-untyped-def]
    def run(*argv: str) -> tuple[int, Any, str]:
        code = main([*argv, "--table", container.settings.table, "--endpoint-url", aws_endpoint])
        captured = capsys.readouterr()
        return code, json.loads(captured.out) if "--json" in argv and code == 0 else captured.out, captured.err

    return run


@pytest.fixture
def reported(container) -> list[Problem]:  # type: ignore[no-untyped-def]
    problems = [
        Problem("abcd2345", "fuji", "main", "the projector is broken", REPORTED, request_id="req-1"),
        Problem("efgh6723", "everest", "main", "no chairs", REPORTED + timedelta(minutes=30), request_id="req-2"),
    ]
    for problem in problems:
        container.problems.add(problem)
    return problems


def test_problems_are_listed_with_the_contract_columns_in_the_sites_zone(admin, reported):
    # When the problems are listed, as a table and as JSON
    code, text, _ = admin("problems", "list")
    json_code, rows, _ = admin("problems", "list", "--json")
    # Then both are there, oldest first, with the contract's columns and the time in the site's zone
    assert code == json_code == 0
    header, first, second = text.splitlines()
    assert header.split() == ["ID", "ROOM", "SITE", "PROBLEM", "REPORTED", "AT", "STATUS"]
    assert first.split()[:3] == ["abcd2345", "fuji", "main"] and "2026-12-01T10:15+09:00" in first
    assert second.startswith("efgh6723")
    assert [(r["id"], r["room"], r["site"], r["problem"], r["reported_at"], r["status"]) for r in rows] == [
        ("abcd2345", "fuji", "main", "the projector is broken", "2026-12-01T10:15:00+09:00", "open"),
        ("efgh6723", "everest", "main", "no chairs", "2026-12-01T10:45:00+09:00", "open"),
    ]


def test_resolving_takes_a_problem_off_the_open_list_and_twice_is_fine(admin, reported):
    code, text, _ = admin("problems", "resolve", "ABCD2345")
    assert (code, text.strip()) == (0, "problem abcd2345 (fuji) resolved")
    code, again, _ = admin("problems", "resolve", "abcd2345", "--json")
    assert code == 0 and (again["status"], again["changed"]) == ("resolved", False) and again["resolved_at"]
    code, text, _ = admin("problems", "resolve", "abcd2345")
    assert text.strip() == "problem abcd2345 (fuji) was already resolved"
    _, rows, _ = admin("problems", "list", "--open", "--json")
    assert [r["id"] for r in rows] == ["efgh6723"]


def test_an_unknown_id_or_site_is_bad_input_and_changes_nothing(admin, reported):
    code, _, err = admin("problems", "resolve", "zzzzzzzz")
    assert code == 2 and "ID: unknown problem 'zzzzzzzz'" in err
    code, _, err = admin("problems", "list", "--site", "osaka")
    assert code == 2 and "--site: unknown site 'osaka'" in err
    _, rows, _ = admin("problems", "list", "--open", "--site", "main", "--json")
    assert [r["id"] for r in rows] == ["abcd2345", "efgh6723"]
