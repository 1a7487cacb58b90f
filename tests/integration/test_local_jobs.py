"""The local job loop on moto's server: a visitor's host is told within seconds of the check-in, while the
calendar refresh of the same loop is stuck on a feed that never answers; and stopping the loop does not wait
for such a refresh."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from support import HangingFeed, WebhookReceiver

from skill.bootstrap import Container, Services
from skill.config import LOCAL_SKILL_ID
from skill.local.envelopes import intent_request
from skill.local.jobs import JobLoop

NOTIFIED_WITHIN = 5.0
STOP_SLACK = 5.0  # far above the half second asked for, far below the 30 s a stuck fetch may take


@pytest.fixture
def silent_feed() -> Iterator[HangingFeed]:
    """A calendar server that takes the request and never answers."""
    feed = HangingFeed()
    try:
        yield feed
    finally:
        feed.hang_up()


def test_the_host_is_told_within_seconds_while_the_calendar_refresh_hangs(
    container: Container,
    services: Services,
    invoke: Callable[[dict[str, Any]], dict[str, Any]],
    webhook: WebhookReceiver,
    silent_feed: HangingFeed,
) -> None:
    # Given Alice is told of visitors on a chat webhook, and Fuji's calendar feed never answers
    alice = container.fleet.docs("user")["alice"]
    container.fleet.put_doc("user", {**alice, "notify": [{"webhook": webhook.url("/hooks/alice")}]})
    fuji = container.fleet.docs("room")["fuji"]
    container.fleet.put_doc("room", {**fuji, "calendar": silent_feed.url("/fuji.ics")})
    # And the job loop runs, its calendar refresh once an hour, now stuck on that feed
    loop = JobLoop(services, every=3600)
    loop.start()
    try:
        assert silent_feed.asked.wait(10)

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
        silent_feed.hang_up()
        loop.stop()


def test_stop_waits_no_longer_than_its_timeout_for_a_refresh_stuck_on_a_feed_and_says_so(
    container: Container, services: Services, log_lines: Callable[[], list[dict[str, Any]]]
) -> None:
    # Given the job loop's calendar refresh stuck on a feed that sends a byte a second and never ends
    feed = HangingFeed(trickle=True)
    fuji = container.fleet.docs("room")["fuji"]
    container.fleet.put_doc("room", {**fuji, "calendar": feed.url("/fuji.ics")})
    loop = JobLoop(services, every=3600)
    loop.start()
    try:
        assert feed.asked.wait(10)

        # When the loop is stopped with half a second to spare
        started = time.monotonic()
        loop.stop(timeout=0.5)
        waited = time.monotonic() - started
        left = [line for line in log_lines() if line["message"].startswith("jobs still running")]
    finally:
        feed.hang_up()
        loop.stop(timeout=10)  # the refresh it left ends now that the feed hung up

    # Then it came back without waiting for the feed (whose fetch may take half a minute), naming the job it left
    assert waited < STOP_SLACK
    assert [line["jobs"] for line in left] == [["calendar refresh"]]
