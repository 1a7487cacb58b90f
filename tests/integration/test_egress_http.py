"""Guarded outbound HTTP (skill.adapters.egress) with real servers on 127.0.0.1: names are resolved and
checked before connecting, the connection goes to the address checked, every redirect hop is checked."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest
from support import Canned

from skill.adapters.egress import policy_for, policy_from_env
from skill.adapters.ics_fetch import FeedFetchError, fetch_feed
from skill.adapters.notify import NotifyError, WebhookSender
from skill.domain.egress import LOCAL, STRICT, EgressPolicy
from skill.domain.reception import Message

CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
MESSAGE = Message(subject="Visitor", text="Your visitor has arrived.")
Start = Callable[[dict[str, tuple[int, dict[str, str], bytes]]], Canned]


class Resolver:
    """socket.getaddrinfo for made-up names (each answer in turn), recording every lookup; other names
    resolve as usual."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.lookups: list[str] = []
        self._real = socket.getaddrinfo
        monkeypatch.setattr(socket, "getaddrinfo", self)

    def __call__(self, host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host not in self.answers:
            return self._real(host, port, *args, **kwargs)
        self.lookups.append(host)
        address = self.answers[host].pop(0) if len(self.answers[host]) > 1 else self.answers[host][0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port)))]


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every address a socket was connected to."""
    made: list[tuple[str, int]] = []
    real = socket.create_connection

    def record(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        made.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", record)
    return made


def test_the_policy_follows_the_dynamodb_endpoint_the_setting_and_lambda() -> None:
    # Given a table on loopback (local runtime, its CLI, tests), AWS's endpoint, the setting, and Lambda
    assert policy_for("http://127.0.0.1:8000") == LOCAL
    assert policy_for("https://dynamodb.eu-west-1.amazonaws.com") == STRICT
    assert policy_for(None, allow_loopback_urls=True) == EgressPolicy(allow_loopback=True, allow_files=False)
    assert policy_for("http://127.0.0.1:4566", in_lambda=True) == STRICT

    # And the same from the environment, for code without a container
    env = {"AWS_ENDPOINT_URL": "http://localhost:8000", "AWS_LAMBDA_FUNCTION_NAME": ""}
    assert policy_from_env(env) == LOCAL
    assert policy_from_env({"AWS_ENDPOINT_URL_DYNAMODB": "https://dynamodb.us-east-1.amazonaws.com"}) == STRICT
    assert policy_from_env({"OFFICE_ALLOW_LOOPBACK_URLS": "1", "AWS_LAMBDA_FUNCTION_NAME": "refresher"}) == (
        EgressPolicy(allow_loopback=True)
    )


def test_a_name_that_resolves_to_a_private_address_is_refused_without_connecting(
    monkeypatch: pytest.MonkeyPatch, connections: list[tuple[str, int]]
) -> None:
    # Given a feed whose public-looking name resolves to an address inside the network
    Resolver(monkeypatch, {"calendar.intranet.example": ["10.20.30.40"]})

    # When it is fetched / Then it is refused for that address and no connection is made
    with pytest.raises(FeedFetchError) as err:
        fetch_feed("http://calendar.intranet.example/room.ics", egress=LOCAL)
    assert err.value.reason == "refused: private address"
    assert connections == []


def test_the_connection_goes_to_the_address_that_was_checked(
    canned_server: Start, monkeypatch: pytest.MonkeyPatch, connections: list[tuple[str, int]]
) -> None:
    # Given a name whose first answer is allowed (this machine, under the local policy) and whose later
    # answers point at the metadata service (DNS rebinding)
    feed = canned_server({"/room.ics": (200, {}, CALENDAR)})
    port = int(feed.url.rsplit(":", 1)[1])
    resolver = Resolver(monkeypatch, {"rebind.example": ["127.0.0.1", "169.254.169.254"]})

    # When the feed is fetched
    fetched = fetch_feed(f"http://rebind.example:{port}/room.ics", egress=LOCAL)

    # Then the name was resolved once, and the socket went to the address checked, not to a new answer
    assert fetched.body == CALENDAR
    assert resolver.lookups == ["rebind.example"]
    assert connections == [("127.0.0.1", port)]


def test_a_redirect_hop_to_the_metadata_service_is_refused(
    canned_server: Start, connections: list[tuple[str, int]]
) -> None:
    # Given an allowed feed server that redirects to the cloud metadata service
    redirect = {"Location": "http://169.254.169.254/latest/meta-data/iam/security-credentials/"}
    feed = canned_server({"/room.ics": (302, redirect, b"")})

    # When the feed is fetched
    with pytest.raises(FeedFetchError) as err:
        fetch_feed(f"{feed.url}/room.ics", egress=LOCAL)

    # Then the second hop is refused and never connected to
    assert err.value.reason == "refused: metadata address"
    assert [address[0] for address in connections] == ["127.0.0.1"]


def test_loopback_is_refused_unless_the_policy_allows_it(canned_server: Start) -> None:
    # Given a feed on this machine
    feed = canned_server({"/room.ics": (200, {}, CALENDAR)})

    # When fetched under the strict policy (AWS), and under the local one
    with pytest.raises(FeedFetchError) as err:
        fetch_feed(f"{feed.url}/room.ics", egress=STRICT)
    allowed = fetch_feed(f"{feed.url}/room.ics", egress=LOCAL)

    # Then only the local runtime reaches it
    assert err.value.reason == "refused: loopback address"
    assert allowed.body == CALENDAR and len(feed.received) == 1


def test_proxies_from_the_environment_are_not_used(canned_server: Start, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a proxy named in the environment that does not exist
    feed = canned_server({"/room.ics": (200, {}, CALENDAR)})
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")

    # When the feed is fetched / Then it is fetched directly from the address checked
    assert fetch_feed(f"{feed.url}/room.ics", egress=LOCAL).body == CALENDAR


def test_a_file_feed_is_refused_where_files_are_not_allowed(tmp_path: Any) -> None:
    # Given a feed file, and the policy of a Lambda function
    path = tmp_path / "room.ics"
    path.write_bytes(CALENDAR)

    # When read by path and by file:// URL / Then both are refused
    for url in (str(path), path.as_uri()):
        with pytest.raises(FeedFetchError) as err:
            fetch_feed(url, egress=STRICT)
        assert err.value.reason == "refused: file feed"


def test_a_webhook_redirected_to_a_private_address_is_not_sent_there(
    canned_server: Start, connections: list[tuple[str, int]]
) -> None:
    # Given a webhook endpoint that redirects to an address inside the network
    hook = canned_server({"/hook": (302, {"Location": "http://10.0.0.5/internal-admin"}, b"")})

    # When a notification is sent to it
    with pytest.raises(NotifyError) as err:
        WebhookSender(timeout=2, egress=LOCAL).send(f"{hook.url}/hook", MESSAGE, idempotency_key="k")

    # Then it fails for good (no retry can help) and nothing connected to the private address
    assert (err.value.reason, err.value.retryable) == ("refused_address", False)
    assert [address[0] for address in connections] == ["127.0.0.1"]


def test_a_webhook_redirected_to_another_scheme_is_refused(canned_server: Start) -> None:
    hook = canned_server({"/hook": (302, {"Location": "ftp://files.example.com/drop"}, b"")})
    with pytest.raises(NotifyError) as err:
        WebhookSender(timeout=2, egress=LOCAL).send(f"{hook.url}/hook", MESSAGE, idempotency_key="k")
    assert err.value.reason == "refused_address"


def test_a_webhook_to_loopback_is_refused_under_the_strict_policy(canned_server: Start) -> None:
    hook = canned_server({"/hook": (200, {}, b"ok")})
    with pytest.raises(NotifyError) as err:
        WebhookSender(timeout=2, egress=STRICT).send(f"{hook.url}/hook", MESSAGE, idempotency_key="k")
    assert err.value.reason == "refused_address" and hook.received == []
