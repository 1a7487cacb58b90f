"""No visitor or host name reaches the logs: a whole visit (dialog, check-in, notification with a retry
and an escalation, check-out, erasure) with every log line captured; nor a room problem's text (it may name
people), from the report to telling facilities."""

from __future__ import annotations

import logging
import re

from fakes import FixedClock, RecordingSender

from skill.config import LOCAL_SKILL_ID
from skill.domain.reception import NotifyError
from skill.local.envelopes import intent_request
from skill.services.notifications import NotificationService

NAMES = ("Ken", "Sato", "Acme", "Alice", "Tanaka", "Bob Chen", "Carol")


def test_a_whole_visit_logs_no_names(invoke, container, capsys, caplog):
    # Given the application's loggers captured at debug level (botocore's own debug output, off by
    # default, carries request bodies and is not the application's log)
    caplog.set_level(logging.DEBUG, logger="office-assistant")
    caplog.set_level(logging.DEBUG, logger="skill")
    container.clock = FixedClock()
    # The host's channel fails for good, so the notifier escalates to the delegate
    sender = RecordingSender(
        fail=lambda address: NotifyError("Throttling", True) if address.startswith("alice") else None
    )
    attributes: dict = {}

    def say(intent: str, confirmation: str = "NONE", **slots: str) -> dict:
        nonlocal attributes
        envelope = intent_request(
            intent,
            slots,
            confirmation=confirmation,
            application_id=LOCAL_SKILL_ID,
            device_id="amzn1.ask.device.TESTLOBBY",
            user_id="amzn1.ask.account.VISITOR",
            session_attributes=attributes,
        )
        response = invoke(envelope)
        attributes = dict(response.get("sessionAttributes") or {})
        return response

    # When Ken from Acme checks in to see Alice, she cannot be reached, Bob is told, Ken leaves and is forgotten
    say("VisitorCheckInIntent", visitorName="Ken Sato", company="Acme")
    say("VisitorCheckInIntent", visitorName="Ken Sato", company="Acme", host="Alice")
    done = say("VisitorCheckInIntent", "CONFIRMED", visitorName="Ken Sato", company="Acme", host="Alice Tanaka")
    assert "Alice knows" in done["response"]["outputSpeech"]["ssml"]
    notifier = NotificationService(
        container.fleet, container.visits, {"email": sender}, container.clock, lambda _: None
    )
    results = notifier.deliver_pending()
    assert [r.role for r in results] == ["delegate"] and [address for address, _ in sender.sent] == ["bob@example.com"]
    attributes = {}
    say("VisitorCheckOutIntent", visitorName="Ken Sato")
    container.visits.forget_visitor("Ken Sato")

    # Then the logs were written (every record passes through logging, which caplog sees) but name nobody
    captured = capsys.readouterr()
    logged = captured.out + captured.err + "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert "visitor checked in" in logged and "notification attempt" in logged and "host notified" in logged
    for name in NAMES:
        assert not re.search(rf"\b{name}\b", logged), name
    assert "@example.com" not in logged


def test_a_room_problem_logs_ids_never_its_text(invoke, container, capsys, caplog):
    # Given the application's loggers captured at debug level
    caplog.set_level(logging.DEBUG, logger="office-assistant")
    caplog.set_level(logging.DEBUG, logger="skill")
    container.clock = FixedClock()
    sender = RecordingSender()
    # When a recognised speaker in Fuji reports a problem that names someone, and facilities are told
    envelope = intent_request(
        "ReportProblemIntent",
        {"problem": "Ken Sato spilled coffee on the projector"},
        application_id=LOCAL_SKILL_ID,
        device_id="amzn1.ask.device.TESTROOM",
        user_id="amzn1.ask.account.TESTALICE",
        person_id="amzn1.ask.person.TESTALICE",
    )
    assert "Facilities will be told" in invoke(envelope)["response"]["outputSpeech"]["ssml"]
    notifier = NotificationService(
        container.fleet, container.visits, {"email": sender}, container.clock, lambda _: None, container.problems
    )
    assert [r.status for r in notifier.deliver_pending()] == ["delivered"]
    assert [address for address, _ in sender.sent] == ["facilities@example.com"]

    # Then the logs name the problem by id, and hold neither its text nor the speaker nor an address
    captured = capsys.readouterr()
    logged = captured.out + captured.err + "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert "problem reported" in logged and "facilities notified" in logged
    for word in ("Ken", "Sato", "coffee", "projector", "Alice", "Tanaka"):
        assert not re.search(rf"\b{word}\b", logged), word
    assert "@example.com" not in logged
