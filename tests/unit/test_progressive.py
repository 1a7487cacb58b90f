"""Progressive responses: posted to the directive service with the request's token and id, never raising."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.alexa.progressive import send_progressive
from skill.local.envelopes import intent_request

TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ0ZXN0In0.c2lnbmF0dXJl"


class DirectiveService:
    """A local stand-in for Alexa's directive service that records what it receives."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.received: list[tuple[str, dict[str, str], dict[str, Any]]] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                service.received.append((self.path, dict(self.headers), body))
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def service(request: pytest.FixtureRequest) -> Iterator[DirectiveService]:
    running = DirectiveService(getattr(request, "param", 204))
    thread = threading.Thread(target=running.server.serve_forever, daemon=True)
    thread.start()
    yield running
    running.server.shutdown()
    running.server.server_close()


def handler_input(endpoint: str | None, token: str | None = TOKEN) -> HandlerInput:
    envelope = intent_request(
        "CallContactIntent",
        {"contact": "Alice"},
        confirmation="CONFIRMED",
        application_id="amzn1.ask.skill.test",
        device_id="amzn1.ask.device.ROOM",
        user_id="amzn1.ask.account.ANY",
    )
    system = envelope["context"]["System"]
    for key, value in (("apiEndpoint", endpoint), ("apiAccessToken", token)):
        if value is None:
            del system[key]
        else:
            system[key] = value
    return HandlerInput(request_envelope=DefaultSerializer().deserialize(json.dumps(envelope), RequestEnvelope))


def test_the_directive_is_posted_with_the_requests_token_and_id(service: DirectiveService) -> None:
    # Given a request whose apiEndpoint is the local directive service
    given = handler_input(service.url)

    request = given.request_envelope.request
    assert request is not None

    # When a progressive response is sent
    sent = send_progressive(given, "One moment.", allow_http=True)

    # Then the service got a VoicePlayer.Speak for this request, with the bearer token
    assert sent is True
    [(path, headers, body)] = service.received
    assert path == "/v1/directives"
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert body == {
        "header": {"requestId": request.request_id},
        "directive": {"type": "VoicePlayer.Speak", "speech": "One moment."},
    }


@pytest.mark.parametrize("service", [500], indirect=True)
def test_a_refusal_is_reported_as_not_sent_without_raising(service: DirectiveService) -> None:
    assert send_progressive(handler_input(service.url), "One moment.", allow_http=True) is False
    assert len(service.received) == 1


def test_an_unreachable_service_is_reported_as_not_sent_without_raising(service: DirectiveService) -> None:
    # Given a service that has gone away
    url = service.url
    service.server.shutdown()
    service.server.server_close()

    # Then nothing raises
    assert send_progressive(handler_input(url), "One moment.", allow_http=True, timeout=0.5) is False


def test_plain_http_is_not_used_unless_allowed(service: DirectiveService) -> None:
    assert send_progressive(handler_input(service.url), "One moment.") is False
    assert service.received == []


@pytest.mark.parametrize(
    ("endpoint", "token"),
    [(None, TOKEN), ("https://api.amazonalexa.com", None), ("https://api.amazonalexa.com", "local-api-access-token")],
)
def test_requests_without_an_alexa_endpoint_and_token_send_nothing(endpoint: str | None, token: str | None) -> None:
    assert send_progressive(handler_input(endpoint, token), "One moment.") is False
