"""The local skill endpoint over HTTP on 127.0.0.1, in front of the test office on moto's server: bodies it
cannot take get a 400 and it goes on serving; a burst of bookings is answered in full; beyond its
workers and waiting room a connection gets a 503 with Retry-After, never a reset."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import pytest

from skill.local.server import SkillServer, serve_in_thread

Event = Callable[[str], dict[str, Any]]


def start(server: SkillServer) -> str:
    serve_in_thread(server)
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}/"


@pytest.fixture
def skill_on(invoke: Any) -> None:
    """The endpoint's Lambda handler answers for the test office."""


@pytest.fixture
def endpoint(skill_on: None) -> Iterator[str]:
    server = SkillServer(("127.0.0.1", 0))
    try:
        yield start(server)
    finally:
        server.shutdown()
        server.server_close()


def post(url: str, body: bytes, connection: http.client.HTTPConnection | None = None) -> tuple[int, dict[str, Any]]:
    parts = urlsplit(url)
    conn = connection or http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        conn.request("POST", "/", body=body, headers={"Content-Type": "application/json"})
        answer = conn.getresponse()
        return answer.status, json.loads(answer.read() or b"{}")
    finally:
        if connection is None:
            conn.close()


NESTED_5000 = b'{"a":' * 5000 + b"1" + b"}" * 5000
BAD_BODIES = {
    "not JSON": (b'{"version": "1.0", "request": ', "the body is not JSON"),
    "not UTF-8": (b'{"version": "\xff\xfe"}', "the body is not JSON"),
    "5,000 nested objects": (NESTED_5000, "the body is nested too deeply"),
    "40 nested arrays": (b"[" * 40 + b"]" * 40, "the body is nested too deeply"),
    "an array": (b"[1, 2, 3]", "the body is not a JSON object"),
    "a string": (b'"open office assistant"', "the body is not a JSON object"),
    "over 256 KB": (json.dumps({"padding": "x" * (300 * 1024)}).encode(), "the body is over 256 KB"),
}


@pytest.mark.parametrize(("body", "error"), BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_a_body_it_cannot_take_gets_a_400_and_it_goes_on_serving(
    endpoint: str, event: Event, body: bytes, error: str
) -> None:
    # When a body it cannot take is posted
    status, answer = post(endpoint, body)

    # Then it answers 400 with the reason
    assert (status, answer) == (400, {"error": error})
    # And the next envelope is answered as usual
    status, answer = post(endpoint, json.dumps(event("launch_room.json")).encode())
    assert status == 200 and "outputSpeech" in answer["response"]


def test_fifty_bookings_from_twenty_five_clients_are_all_answered(endpoint: str, event: Event) -> None:
    # Given 25 clients, each on its own kept-alive connection, each about to book the same room twice
    envelope = event("room_book_now.json")
    parts = urlsplit(endpoint)
    barrier = threading.Barrier(25)

    def client(_: int) -> list[tuple[int, dict[str, Any]]]:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=60)
        barrier.wait()
        try:
            return [post(endpoint, json.dumps(envelope).encode(), conn) for _ in range(2)]
        finally:
            conn.close()

    # When they all send at once
    with ThreadPoolExecutor(max_workers=25) as pool:
        answers = [answer for pair in pool.map(client, range(25)) for answer in pair]

    # Then every one of the 50 gets a response envelope with speech, and exactly one booking was made
    assert len(answers) == 50
    assert all(status == 200 and answer["response"]["outputSpeech"] for status, answer in answers)
    booked = [answer for _, answer in answers if "booked" in json.dumps(answer["response"]["outputSpeech"])]
    assert len(booked) == 1


def test_beyond_its_workers_and_waiting_room_a_connection_gets_503_with_retry_after(
    skill_on: None, event: Event
) -> None:
    # Given a server with one worker and no waiting room, that worker held by a client sending slowly
    server = SkillServer(("127.0.0.1", 0), workers=1, waiting=0)
    url = start(server)
    parts = urlsplit(url)
    slow = socket.create_connection((parts.hostname or "", parts.port or 0))
    slow.sendall(b"POST / HTTP/1.1\r\nHost: local\r\nContent-Length: 100\r\n\r\n{")
    try:
        # When another client posts an envelope
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
        conn.request("POST", "/", body=json.dumps(event("launch_room.json")).encode())
        answer = conn.getresponse()

        # Then it is told to come back shortly, in a readable answer rather than a reset
        assert (answer.status, answer.getheader("Retry-After")) == (503, "1")
        assert json.loads(answer.read()) == {"error": "the skill is busy; try again shortly"}
        conn.close()
    finally:
        slow.close()
    # And once the slow client is gone, the same server answers a client that retries after a moment
    statuses = []
    for _ in range(10):
        status, _answer = post(url, json.dumps(event("launch_room.json")).encode())
        statuses.append(status)
        if status != 503:
            break
        time.sleep(0.2)
    server.shutdown()
    server.server_close()
    assert statuses[-1] == 200


def test_stop_ends_connections_kept_busy_by_their_clients_and_its_workers_end(skill_on: None, event: Event) -> None:
    # Given four clients each sending envelope after envelope on its own kept-alive connection
    running_before = set(threading.enumerate())
    server = SkillServer(("127.0.0.1", 0))
    url = start(server)
    parts = urlsplit(url)
    body = json.dumps(event("launch_room.json")).encode()
    answered = threading.Barrier(5)
    ends: list[str] = []

    def client() -> None:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        status, answer = post(url, body, conn)
        answered.wait()
        try:
            while status == 200:
                status, answer = post(url, body, conn)
            ends.append(f"{status} {answer.get('error')}")
        except (OSError, http.client.HTTPException):
            ends.append("connection closed")
        finally:
            conn.close()

    clients = [threading.Thread(target=client) for _ in range(4)]
    for thread in clients:
        thread.start()
    answered.wait()
    workers = [t for t in set(threading.enumerate()) - running_before if t.name.startswith("skill-worker")]

    # When the server is stopped with a second's grace while they keep sending
    server.stop(grace=1.0)

    # Then every client is told the skill is stopping or sees its connection closed, and none is served on
    for thread in clients:
        thread.join(10)
    assert not any(thread.is_alive() for thread in clients)
    assert set(ends) <= {"503 the skill is stopping", "connection closed"} and len(ends) == 4
    # And none of the workers that answered them is left to keep the process from exiting
    for worker in workers:
        worker.join(10)
    assert workers and not [worker.name for worker in workers if worker.is_alive()]
