"""No visitor or host name reaches the logs: a whole visit (dialog, check-in, notification with a retry
and an escalation, check-out, erasure) with every log line captured."""

from __future__ import annotations

import logging
import re

from support import FixedClock

from skill.adapters.notify import NotifyError
from skill.config import LOCAL_SKILL_ID
from skill.domain.reception import Message
from skill.local.envelopes import intent_request
from skill.services import reception

NAMES = ("Ken", "Sato", "Acme", "Alice", "Tanaka", "Bob Chen", "Carol")


class FlakySender:
    """Fails the host's channel for good, so the notifier escalates to the delegate."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, address: str, message: Message, *, idempotency_key: str) -> str:
        if address.startswith("alice"):
            raise NotifyError("Throttling", True)
        self.sent.append(address)
        return "m-1"


def test_a_whole_visit_logs_no_names(invoke, container, capsys, caplog):
    # Given the application's loggers captured at debug level (botocore's own debug output, off by
    # default, carries request bodies and is not the application's log)
    caplog.set_level(logging.DEBUG, logger="office-assistant")
    caplog.set_level(logging.DEBUG, logger="skill")
    container.clock = FixedClock()
    sender = FlakySender()
    container.__dict__["senders"] = {"email": sender}
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
    results = reception.deliver_pending(container.fleet, container.senders, container.visits, sleep=lambda _: None)
    assert [r.role for r in results] == ["delegate"] and sender.sent == ["bob@example.com"]
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
