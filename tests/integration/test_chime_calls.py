"""Calls through a telephony endpoint on 127.0.0.1 that speaks Chime SDK Voice's `CreateSipMediaApplicationCall`,
reached as production reaches it (AWS_ENDPOINT_URL_CHIME_SDK_VOICE), its ids read from SSM on moto's server.

A call has no idempotency token: one confirmed call is one request to the provider, even when the provider
answers late, and the listener hears that the call was requested rather than that it failed.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from support import lambda_context, serving, speech

from skill import app
from skill.bootstrap import Container, Services, build
from skill.domain.calls import CallStatus

SMA_ID = "8f3c1d2e-4b5a-4c6d-9e7f-0a1b2c3d4e5f"
FROM_NUMBER = "+12065550100"
PARAMETERS = ("/office/test/sma-id", "/office/test/from-number")
ANSWER_AFTER_S = 5.0


class TelephonyEndpoint:
    """`POST /sip-media-applications/{id}/calls`, answered after `delay` seconds with a transaction id."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.answered = threading.Event()
        self.closing = threading.Event()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                endpoint.requests.append((self.path, body))
                endpoint.closing.wait(endpoint.delay)
                payload = json.dumps({"SipMediaApplicationCall": {"TransactionId": f"tx-{len(endpoint.requests)}"}})
                try:
                    self.send_response(201)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload.encode())
                except OSError:  # the client stopped waiting
                    pass
                endpoint.answered.set()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def telephony(monkeypatch: pytest.MonkeyPatch) -> Iterator[TelephonyEndpoint]:
    endpoint = TelephonyEndpoint(ANSWER_AFTER_S)
    monkeypatch.setenv("AWS_ENDPOINT_URL_CHIME_SDK_VOICE", endpoint.url)
    yield endpoint
    endpoint.close()


@pytest.fixture
def calling(
    container: Container, telephony: TelephonyEndpoint, aws_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Container]:
    """The test office with calls placed through Chime SDK Voice, its ids in SSM."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", aws_endpoint)
    ssm = boto3.client("ssm", endpoint_url=aws_endpoint, region_name="us-east-1")
    ssm.put_parameter(Name=PARAMETERS[0], Value=SMA_ID, Type="String", Overwrite=True)
    ssm.put_parameter(Name=PARAMETERS[1], Value=FROM_NUMBER, Type="SecureString", Overwrite=True)
    settings = replace(container.settings, sma_id_parameter=PARAMETERS[0], from_number_parameter=PARAMETERS[1])
    chime = build(settings, dynamodb_client=container.table.client)
    with serving(Services(chime)):
        yield chime


def test_a_provider_that_answers_late_gets_one_request_and_the_listener_hears_the_call_was_requested(
    calling: Container, telephony: TelephonyEndpoint, event: Callable[[str], dict[str, Any]], log_lines: Any
) -> None:
    # Given a telephony provider that answers 5 s after each request
    deadline_s = calling.settings.deadline_cap_ms / 1000

    # When "call Bob" is confirmed on the room device, through the Lambda handler's guarded path
    started = time.monotonic()
    answer = app.answer(event("call_contact_room_confirmed.json"), lambda_context())
    took = time.monotonic() - started

    # Then the skill answers within its deadline, saying the call was requested
    assert took < deadline_s, took
    assert speech(answer).startswith("I've asked for the call to Bob Chen.")
    # And once the provider has answered, it had received exactly one request: the room phone bridged to Bob
    assert telephony.answered.wait(ANSWER_AFTER_S + 2)
    time.sleep(0.5)
    assert len(telephony.requests) == 1
    path, body = telephony.requests[0]
    assert path == f"/sip-media-applications/{SMA_ID}/calls"
    assert (body["FromPhoneNumber"], body["ToPhoneNumber"]) == (FROM_NUMBER, "+81312340005")
    assert body["ArgumentsMap"]["BridgeTo"] == "+819022223333"
    # And the call log keeps the call with an unknown outcome, and the request that placed it
    [call] = calling.calls.list_calls()
    assert call.status is CallStatus.UNKNOWN and call.provider == "chime"
    assert body["ArgumentsMap"]["RequestId"] == call.request_id
    # And the dialer's line about it carries that request's id
    [line] = [line for line in log_lines() if line["message"] == "call requested, no answer from the provider"]
    assert (line["call_id"], line["correlation_id"]) == (call.id, call.request_id)


def test_alexas_retry_of_a_call_requested_late_requests_nothing_more(
    calling: Container, telephony: TelephonyEndpoint, event: Callable[[str], dict[str, Any]]
) -> None:
    # Given a confirmed call whose provider did not answer in time
    app.answer(event("call_contact_room_confirmed.json"), lambda_context())
    # When Alexa sends the same request again
    again = app.answer(event("call_contact_room_confirmed.json"), lambda_context())
    # Then the listener hears the call was requested, and the provider saw one request in all
    assert speech(again).startswith("I've asked for the call to Bob Chen.")
    assert telephony.answered.wait(ANSWER_AFTER_S + 2)
    time.sleep(0.5)
    assert len(telephony.requests) == 1


def test_a_provider_that_answers_in_time_places_the_call(
    calling: Container, telephony: TelephonyEndpoint, event: Callable[[str], dict[str, Any]]
) -> None:
    # Given a telephony provider that answers at once
    telephony.delay = 0
    # When "call Bob" is confirmed
    answer = app.answer(event("call_contact_room_confirmed.json"), lambda_context())
    # Then the call is placed, with the provider's transaction id in the log
    assert speech(answer).startswith("Calling Bob Chen.")
    [call] = calling.calls.list_calls()
    assert (call.status, call.provider_id) == (CallStatus.PLACING, "tx-1")
    assert len(telephony.requests) == 1
