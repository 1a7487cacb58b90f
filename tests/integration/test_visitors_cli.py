"""`office-admin visitors ...`, `notifications list` and `users forget` against moto's DynamoDB."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from skill.cli.main import main
from skill.domain.calls import CallRecord, CallStatus, call_id
from skill.domain.model import Booking
from skill.domain.reception import Attempt, Visit

NOW = datetime.now(UTC)


@pytest.fixture
def admin(container, aws_endpoint, capsys):  # type: ignore[no-untyped-def]
    def run(*argv: str) -> tuple[int, Any, str]:
        code = main([*argv, "--table", container.settings.table, "--endpoint-url", aws_endpoint])
        captured = capsys.readouterr()
        text = captured.out
        return code, json.loads(text) if "--json" in argv and code == 0 else text, captured.err

    return run


def add_visit(container, visit_id: str, name: str, host: str = "alice", at: datetime = NOW) -> Visit:  # type: ignore[no-untyped-def]
    visit = Visit(visit_id, name, "Acme", host, at)
    container.visits.add_visit(visit, "Asia/Tokyo", int((NOW + timedelta(days=30)).timestamp()))
    return visit


def test_on_site_list_is_the_evacuation_list(admin, container):
    # Given two visitors, one of whom has left
    add_visit(container, "v1", "Ken Sato")
    container.visits.check_out(add_visit(container, "v2", "Mia Wong"), "Asia/Tokyo", NOW + timedelta(minutes=5))
    # When the on-site list is asked for
    code, rows, _ = admin("visitors", "list", "--on-site", "--json")
    # Then only Ken is listed, with the contract's fields and times with an offset
    assert code == 0
    assert [(r["id"], r["name"], r["company"], r["host"], r["status"]) for r in rows] == [
        ("v1", "Ken Sato", "Acme", "alice", "on_site")
    ]
    assert set(rows[0]) >= {"checked_in_at", "checked_out_at"} and rows[0]["checked_in_at"].endswith("+09:00")
    # And today's list has both, as a table without --json
    code, text, _ = admin("visitors", "list")
    assert code == 0 and "Ken Sato" in text and "Mia Wong" in text and "checked_out" in text


def test_expect_then_forget_a_visitor(admin, container):
    code, data, _ = admin("visitors", "expect", "Ken Sato", "--host", "alice", "--at", "2026-12-02T10:00", "--json")
    assert code == 0 and data["expected_at"] == "2026-12-02T10:00:00+09:00" and data["host"] == "alice"
    add_visit(container, "v1", "Ken Sato")
    code, data, _ = admin("visitors", "forget", "ken sato", "--json")
    assert (code, data) == (0, {"erased": 2})
    assert container.visits.on_site() == []


def test_bad_input_is_exit_2_naming_the_argument(admin):
    assert admin("visitors", "expect", "Ken", "--host", "nobody", "--at", "2026-12-02T10:00")[0::2] == (
        2,
        "office-admin: --host: unknown user 'nobody'\n",
    )
    code, _, err = admin("visitors", "expect", "Ken", "--host", "alice", "--at", "tomorrow")
    assert code == 2 and "--at" in err
    code, _, err = admin("visitors", "list", "--date", "12/01")
    assert code == 2 and "--date" in err


def test_notifications_list_names_recipients_by_id_never_by_address(admin, container):
    expires = int((NOW + timedelta(days=1)).timestamp())
    key = "v1#alice#email#0123"
    container.visits.record_attempt("v1", Attempt(key, "alice", "host", "email", "sent", 2), expires, NOW)
    code, rows, _ = admin("notifications", "list", "--json")
    assert code == 0
    assert [(r["id"], r["visit"], r["to"], r["channel"], r["status"], r["attempts"]) for r in rows] == [
        (key, "v1", "alice (email)", "email", "sent", 2)
    ]
    code, text, _ = admin("notifications", "list")
    assert "alice@example.com" not in text and "alice (email)" in text


def test_users_forget_erases_the_visits_they_hosted(admin, container):
    add_visit(container, "v1", "Ken Sato", host="alice")
    add_visit(container, "v2", "Mia Wong", host="bob")
    code, data, _ = admin("users", "forget", "alice", "--json")
    assert code == 0 and data["erased"]["visits"] == 1
    assert [v.id for v in container.visits.on_site()] == ["v2"]


def test_users_forget_leaves_no_booking_or_call_with_the_user(admin, container):
    # Given a booking alice organised and a call she placed to bob
    start = NOW.replace(microsecond=0) + timedelta(days=1)
    meeting = Booking("b1", "fuji", start, start + timedelta(hours=1), organizer="alice", subject="Alice's review")
    container.bookings.add_booking(meeting, "Asia/Tokyo")
    call = CallRecord(call_id("req-1", "+81312345678"), None, "+81312345678", CallStatus.PLACING, "local", NOW)
    container.calls.start(replace(call, contact="user:bob", user="alice"))

    # When alice is forgotten
    code, data, _ = admin("users", "forget", "alice", "--json")

    # Then the booking stays (its time is still taken) with nothing of hers, and her call is gone
    assert code == 0 and data["erased"]["bookings"] == 1 and data["erased"]["calls"] == 1
    code, rows, _ = admin(
        "bookings", "list", "--from", NOW.isoformat(), "--to", (start + timedelta(days=1)).isoformat(), "--json"
    )
    assert code == 0 and [(r["id"], r["organizer"]) for r in rows] == [("b1", None)]
    code, calls, _ = admin("calls", "list", "--json")
    assert code == 0 and calls == []
    assert "alice" not in json.dumps(rows) + json.dumps(calls)
