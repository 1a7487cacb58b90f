"""A fault-injecting HTTP proxy on 127.0.0.1 for the AWS JSON protocol (DynamoDB), in front of the embedded
server, for the fault tests and the fault benchmark: it answers chosen requests with throttling errors or
500s, resets their connection, stalls them (no answer until the client gives up), forwards them and answers
late, forwards them and then loses the answer (the write happened, the client never hears of it), or writes
only the first half of a BatchWriteItem and answers the rest as unprocessed, as DynamoDB does when it
throttles. `forward` in a plan lets a request through untouched.

Faults come from a plan: `fail_next(...)` for the next requests in order, `fail_randomly(...)` with a
probability and a seeded generator (both bounded by a count), or `fail_attempts(...)`, which chooses by the
attempt of a request (an SDK's retry sends the same body again). `stop()` releases every stall and late
answer, so nothing can hang on the proxy.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import random
import socket
import struct
import threading
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Self
from urllib.parse import SplitResult, urlsplit

Fault = Literal["throttle", "provisioned", "error500", "reset", "stall", "slow", "lost", "unprocessed", "forward"]
Chooser = Callable[[str, int], Fault | None]  # (operation, attempt) -> the fault, or None to forward
_JSON = "application/x-amz-json-1.0"
STALL_SECONDS = 10.0  # longer than any client waits for an answer
SLOW_SECONDS = 1.5
_ERRORS: dict[str, tuple[int, str, str]] = {
    "throttle": (400, "ThrottlingException", "Rate of requests exceeds the allowed throughput."),
    "provisioned": (
        400,
        "ProvisionedThroughputExceededException",
        "The level of configured provisioned throughput for the table was exceeded.",
    ),
    "error500": (500, "InternalServerError", "Internal server error"),
}


_HOP_BY_HOP = frozenset({"content-length", "connection", "transfer-encoding", "server", "date"})


class QuietHandler(BaseHTTPRequestHandler):
    """Keeps connections alive as AWS endpoints do, and logs nothing."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def read_body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def relay(self, upstream: SplitResult, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        """This request, with `body`, sent on to `upstream`: its status, headers and body."""
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection", "content-length")}
        headers["Content-Length"] = str(len(body))
        return forward(upstream, self.command, self.path, headers, body)

    def reply(
        self,
        status: int,
        headers: list[tuple[str, str]],
        payload: bytes,
        *,
        content_type: str | None = None,
        drop: frozenset[str] = frozenset(),
    ) -> None:
        """Answers with `payload` and the end-to-end `headers` (less `drop`); `content_type` replaces theirs."""
        skip = _HOP_BY_HOP | drop | ({"content-type"} if content_type else set())
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in skip:
                self.send_header(name, value)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def forward(
    upstream: SplitResult, method: str, path: str, headers: dict[str, str], body: bytes
) -> tuple[int, list[tuple[str, str]], bytes]:
    """Send one request on to `upstream` and return its status, headers and body."""
    connection = http.client.HTTPConnection(upstream.hostname or "127.0.0.1", upstream.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


class _Server(ThreadingHTTPServer):
    """A thread per connection; it keeps the connections open, so that `end_connections` can end those that
    clients keep alive (their threads would wait for a next request)."""

    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def end_connections(self) -> None:
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class LoopbackProxy:
    """An HTTP server on 127.0.0.1, on a thread of its own, in front of `upstream` (http://host:port); each
    connection is served by the class `_handler_class()` makes."""

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        self._lock = threading.Lock()
        self._server = _Server(self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._server.end_connections()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError


class FaultProxy(LoopbackProxy):
    """Forwards to `upstream` except where the plan says otherwise."""

    def __init__(self, upstream: str, operations: set[str] | None = None, slow_seconds: float = SLOW_SECONDS) -> None:
        self.operations = operations  # X-Amz-Target operations that may fail (None: every one)
        self.slow_seconds = slow_seconds  # how late a "slow" answer comes
        self.seen: Counter[str] = Counter()  # requests per operation, faulted ones included
        self.injected: Counter[str] = Counter()  # faults per kind
        self._plan: list[Fault] = []
        self._random: tuple[random.Random, float, list[Fault], int] | None = None
        self._chooser: Chooser | None = None
        self._attempts: Counter[bytes] = Counter()  # sends of each request body since the plan was set
        self._stopped = threading.Event()
        super().__init__(upstream)

    def stop(self) -> None:
        self._stopped.set()  # releases stalls and late answers
        super().stop()

    def fail_next(self, *faults: Fault) -> None:
        """The next matching requests meet these faults, one each, in order."""
        with self._lock:
            self._plan.extend(faults)

    def fail_randomly(self, faults: list[Fault], probability: float, *, limit: int, seed: int = 7) -> None:
        """Each matching request meets one of `faults` with `probability`, at most `limit` times in all."""
        with self._lock:
            self._random = (random.Random(seed), probability, faults, limit)  # noqa: S311 - a repeatable plan

    def fail_attempts(self, choose: Chooser) -> None:
        """Each matching request meets `choose(operation, attempt)`: `attempt` is 1 the first time a body is
        sent from now on, 2 when the same body comes again (an SDK's retry), and so on."""
        with self._lock:
            self._chooser = choose
            self._attempts.clear()

    def _next_fault(self, operation: str, body: bytes) -> Fault | None:
        with self._lock:
            self.seen[operation] += 1
            if self.operations is not None and operation not in self.operations:
                return None
            if self._plan:
                fault = self._plan.pop(0)
            elif self._chooser is not None:
                digest = hashlib.sha256(body).digest()
                self._attempts[digest] += 1
                chosen = self._chooser(operation, self._attempts[digest])
                if chosen is None:
                    return None
                fault = chosen
            elif self._random is not None:
                rng, probability, faults, limit = self._random
                if limit <= 0 or rng.random() >= probability:
                    return None
                self._random = (rng, probability, faults, limit - 1)
                fault = rng.choice(faults)
            else:
                return None
            self.injected[fault] += 1
            return fault

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = self.read_body()
                operation = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
                fault = proxy._next_fault(operation, body)
                if fault in _ERRORS:
                    status, code, text = _ERRORS[fault]
                    self._answer(
                        status,
                        [],
                        json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": text}).encode(),
                    )
                    return
                if fault == "stall":
                    proxy._stopped.wait(STALL_SECONDS)
                    self._reset()
                    return
                if fault == "reset":
                    self._reset()
                    return
                left: dict[str, list[object]] = {}
                if fault == "unprocessed":
                    body, left = _half_of_the_batch(body)
                response_headers: list[tuple[str, str]] = []
                if fault == "unprocessed" and not json.loads(body)["RequestItems"]:
                    status, payload = 200, b"{}"  # a batch of one: none of it written
                else:
                    status, response_headers, payload = self.relay(proxy.upstream, body)
                if left:
                    payload = json.dumps({**json.loads(payload), "UnprocessedItems": left}).encode()
                if fault == "lost":
                    self._reset()
                    return
                if fault == "slow":
                    proxy._stopped.wait(proxy.slow_seconds)
                self._answer(status, response_headers, payload)

            def _answer(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
                # The checksum goes too: a batch answered in part has another body than the one it is of.
                self.reply(status, headers, payload, content_type=_JSON, drop=frozenset({"x-amz-crc32"}))

            def _reset(self) -> None:
                """Drop the connection with a TCP reset, no answer."""
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True

        return Handler


def _half_of_the_batch(body: bytes) -> tuple[bytes, dict[str, list[object]]]:
    """A BatchWriteItem body keeping each table's first half of requests (rounded down), and the rest."""
    request = json.loads(body)
    kept: dict[str, list[object]] = {}
    left: dict[str, list[object]] = {}
    for table, writes in request["RequestItems"].items():
        half = len(writes) // 2
        kept[table], left[table] = writes[:half], writes[half:]
    kept = {t: w for t, w in kept.items() if w}
    return json.dumps({**request, "RequestItems": kept}).encode(), {t: w for t, w in left.items() if w}
