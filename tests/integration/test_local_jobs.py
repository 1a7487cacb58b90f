"""The local job loop on moto's server: a visitor's host is told within seconds of the check-in, while the
calendar refresh of the same loop is stuck on a feed that never answers."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from support import WebhookReceiver

from skill.bootstrap import Container, Services
from skill.config import LOCAL_SKILL_ID
from skill.local.envelopes import intent_request
from skill.local.jobs import JobLoop

NOTIFIED_WITHIN = 5.0


@pytest.fixture
def silent_feed() -> Iterator[tuple[str, threading.Event, Callable[[], None]]]:
    """A calendar URL whose server takes the request and never answers: the URL, an event set once asked,
    and a function that hangs up (so the refresh ends)."""
    listener = socket.create_server(("127.0.0.1", 0))
    asked = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            held.append(connection)
            asked.set()

    def hang_up() -> None:
        listener.close()
        for connection in held:
            connection.close()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/fuji.ics", asked, hang_up
    finally:
        hang_up()


def test_the_host_is_told_within_seconds_while_the_calendar_refresh_hangs(
    container: Container,
    services: Services,
    invoke: Callable[[dict[str, Any]], dict[str, Any]],
    webhook: WebhookReceiver,
    silent_feed: tuple[str, threading.Event, Callable[[], None]],
) -> None:
    feed, asked, hang_up = silent_feed
    # Given Alice is told of visitors on a chat webhook, and Fuji's calendar feed never answers
    alice = container.fleet.docs("user")["alice"]
    container.fleet.put_doc("user", {**alice, "notify": [{"webhook": webhook.url("/hooks/alice")}]})
    fuji = container.fleet.docs("room")["fuji"]
    container.fleet.put_doc("room", {**fuji, "calendar": feed})
    # And the job loop runs, its calendar refresh once an hour, now stuck on that feed
    loop = JobLoop(services, every=3600)
    loop.start()
    try:
        assert asked.wait(10)

        # When a visitor checks in at the lobby to see Alice
        checked_in = invoke(
            intent_request(
                "VisitorCheckInIntent",
                {"visitorName": "Ken Sato", "host": "Alice Tanaka"},
                confirmation="CONFIRMED",
                application_id=LOCAL_SKILL_ID,
                device_id="amzn1.ask.device.TESTLOBBY",
                user_id="amzn1.ask.account.VISITOR",
            )
        )
        answered = time.monotonic()

        # Then Alice's webhook is posted to within five seconds of the answer
        assert "Alice knows you're here" in json.dumps(checked_in["response"]["outputSpeech"])
        while not webhook.bodies("/hooks/alice") and time.monotonic() - answered < NOTIFIED_WITHIN:
            time.sleep(0.05)
        assert webhook.bodies("/hooks/alice"), "the host was not told within five seconds"
    finally:
        hang_up()
        loop.stop()
