"""A fault-injecting HTTP proxy on 127.0.0.1 for the AWS JSON protocol (DynamoDB): in front of moto's server
it answers chosen requests with throttling errors or 500s, resets their connection, stalls them, forwards
them and then loses the answer (the write happened, the client never hears of it), or writes only the first
half of a BatchWriteItem and answers the rest as unprocessed, as DynamoDB does when it throttles.
`forward` in a plan lets a request through untouched.

Faults come from a plan: `fail_next(...)` for the next requests in order, or `fail_randomly(...)` with a
probability and a seeded generator. Both are bounded by a count, and `stop()` releases every stall, so a
test can never hang on the proxy.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import struct
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import SplitResult, urlsplit

Fault = Literal["throttle", "provisioned", "error500", "reset", "stall", "lost", "unprocessed", "forward"]
STALL_SECONDS = 10.0
_ERRORS: dict[str, tuple[int, str, str]] = {
    "throttle": (400, "ThrottlingException", "Rate of requests exceeds the allowed throughput."),
    "provisioned": (
        400,
        "ProvisionedThroughputExceededException",
        "The level of configured provisioned throughput for the table was exceeded.",
    ),
    "error500": (500, "InternalServerError", "Internal server error"),
}


class QuietHandler(BaseHTTPRequestHandler):
    """Keeps connections alive as AWS endpoints do, and logs nothing."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass


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


class FaultProxy:
    """Forwards to `upstream` (http://host:port) except where the plan says otherwise."""

    def __init__(self, upstream: str, operations: set[str] | None = None) -> None:
        self.upstream = urlsplit(upstream)
        self.operations = operations  # X-Amz-Target operations that may fail (None: every one)
        self.seen: Counter[str] = Counter()  # requests per operation, faulted ones included
        self.injected: Counter[str] = Counter()  # faults per kind
        self._plan: list[Fault] = []
        self._random: tuple[random.Random, float, list[Fault], int] | None = None
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fail_next(self, *faults: Fault) -> None:
        """The next matching requests meet these faults, one each, in order."""
        with self._lock:
            self._plan.extend(faults)

    def fail_randomly(self, faults: list[Fault], probability: float, *, limit: int, seed: int = 7) -> None:
        """Each matching request meets one of `faults` with `probability`, at most `limit` times in all."""
        with self._lock:
            self._random = (random.Random(seed), probability, faults, limit)

    def clear(self) -> None:
        with self._lock:
            self._plan.clear()
            self._random = None

    def _next_fault(self, operation: str) -> Fault | None:
        with self._lock:
            self.seen[operation] += 1
            if self.operations is not None and operation not in self.operations:
                return None
            if self._plan:
                fault = self._plan.pop(0)
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
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                operation = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
                fault = proxy._next_fault(operation)
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
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                left: dict[str, list[object]] = {}
                if fault == "unprocessed":
                    body, left = _half_of_the_batch(body)
                    headers["Content-Length"] = str(len(body))
                if fault == "unprocessed" and not json.loads(body)["RequestItems"]:
                    status, response_headers, payload = 200, [], b"{}"  # a batch of one: none of it written
                else:
                    status, response_headers, payload = forward(proxy.upstream, "POST", self.path, headers, body)
                if left:
                    payload = json.dumps({**json.loads(payload), "UnprocessedItems": left}).encode()
                if fault == "lost":
                    self._reset()
                    return
                self._answer(status, response_headers, payload)

            def _answer(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
                self.send_response(status)
                # The checksum goes too: a batch answered in part has another body than the one it is of.
                skip = {"content-length", "connection", "transfer-encoding", "server", "date", "content-type"}
                skip |= {"x-amz-crc32"}
                for name, value in headers:
                    if name.lower() not in skip:
                        self.send_header(name, value)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

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
