"""The local skill endpoint: POST an Alexa request envelope, get back what the Lambda handler returns.

A development server on loopback, not a production host. It holds bursts: the kernel queues up to
`LISTEN_BACKLOG` connections, `WORKERS` threads answer them, up to `WAITING` more wait their turn, and
only beyond that does a connection get a quick 503 with `Retry-After`. A body it cannot take (over
`MAX_BODY`, not JSON, nested deeper than `MAX_DEPTH`, not an object) gets a 400 and the server goes on.
Beyond loopback every request must carry Alexa's signature (skill.local.signature). `stop(grace)` ends it
within `grace` seconds however busy its clients keep it.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from skill.local.signature import refusal
from skill.observability import logger

MAX_BODY = 256 * 1024  # Alexa request envelopes are far smaller
MAX_DEPTH = 32  # an envelope nests about ten deep
LISTEN_BACKLOG = 128
WORKERS = 16
WAITING = 64
RETRY_AFTER_SECONDS = 1
IDLE_SECONDS = 10.0  # a kept-alive connection, or a body that stops arriving, frees its worker after this


@dataclass
class LambdaContext:
    """What a Lambda invocation context offers the handler (and Powertools reads)."""

    aws_request_id: str = "local"
    function_name: str = "office-skill-local"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:office-skill-local"
    deadline_ms: int = 8000

    def get_remaining_time_in_millis(self) -> int:
        return self.deadline_ms


class BadBody(ValueError):
    """A request body the endpoint cannot take; the message says why."""


def parse_body(raw: bytes) -> Any:
    """The JSON value of a body, refusing one nested deeper than MAX_DEPTH (BadBody)."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise BadBody("the body is nested too deeply") from None
    except ValueError:  # JSONDecodeError and UnicodeDecodeError both are
        raise BadBody("the body is not JSON") from None
    if _depth(value) > MAX_DEPTH:
        raise BadBody("the body is nested too deeply")
    return value


def _depth(value: Any) -> int:
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def report_page(query: dict[str, str]) -> tuple[HTTPStatus, bytes, str]:
    """The report page for `site`, `from` and `to` in `query`: 200 with the page, 400 naming a bad parameter, or
    500 when the report failed (logged)."""
    from skill.adapters.report_page import render_page
    from skill.app import services
    from skill.domain.errors import DomainError

    jobs = services("jobs")
    try:
        report = jobs.usage.report(query.get("site"), query.get("from"), query.get("to"), jobs.now())
        return HTTPStatus.OK, render_page(report).encode(), "text/html; charset=utf-8"
    except DomainError as exc:
        problem = (HTTPStatus.BAD_REQUEST, str(exc))
    except Exception:
        logger.exception("report failed")
        problem = (HTTPStatus.INTERNAL_SERVER_ERROR, "the report failed; see the log")
    return problem[0], json.dumps({"error": problem[1]}).encode(), "application/json"


class SkillRequestHandler(BaseHTTPRequestHandler):
    server_version = "office-skill"
    protocol_version = "HTTP/1.1"
    timeout = IDLE_SECONDS
    server: SkillServer

    def log_message(self, format: str, *args: Any) -> None:
        """Requests are logged by the skill itself, without bodies."""

    def _send(
        self, status: int, body: bytes, content_type: str = "application/json", headers: Mapping[str, str] | None = None
    ) -> None:
        """Answers with `body` and `headers` (by default, its `content_type` alone); no Content-Length on a 304,
        whose body is the one the client holds."""
        self.send_response(status)
        for name, value in (headers if headers is not None else {"Content-Type": content_type}).items():
            self.send_header(name, value)
        if status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Length", str(len(body)))
        if self.close_connection or self.server.crowded() or self.server.stopping:
            self.send_header("Connection", "close")  # let a waiting connection have this worker
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: HTTPStatus, message: str) -> None:
        self._send(status, json.dumps({"error": message}).encode())

    def _refused_while_stopping(self) -> bool:
        """The server is stopping: a request read now is refused rather than started."""
        if self.server.stopping:
            self.close_connection = True
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, "the skill is stopping")
        return self.server.stopping

    def do_GET(self) -> None:
        if self._refused_while_stopping():
            return
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if url.path == "/healthz":
            self._send(HTTPStatus.OK, b'{"status": "ok"}')
        elif url.path.startswith("/rooms/"):
            self._calendar_feed(url.path, query.get("token", [None])[0])
        elif url.path == "/report":
            self._report({name: values[-1] for name, values in query.items()})
        else:
            self._error(HTTPStatus.NOT_FOUND, "not found")

    def _report(self, query: dict[str, str]) -> None:
        """The facilities report page (`office-admin report --html`): `GET /report?site=S&from=DATE&to=DATE`, on a
        server bound to loopback only (elsewhere it is not found)."""
        from skill.local.signature import is_loopback_host

        if not is_loopback_host(str(self.server.server_address[0])):
            self._error(HTTPStatus.NOT_FOUND, "not found")
            return
        self._send(*report_page(query))

    def _calendar_feed(self, path: str, token: str | None) -> None:
        """A room's published booking feed: `GET /rooms/{id}/calendar.ics?token=T`."""
        from skill.app import services
        from skill.services.calendars import NOT_FOUND

        feed = services()
        try:
            answer = feed.calendars.serve(path, token, feed.now(), self.headers.get("If-None-Match"))
        except Exception:
            logger.exception("published feed failed")
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, "the feed failed; see the log")
            return
        answer = answer or NOT_FOUND
        self._send(answer.status, answer.body, headers=answer.headers)

    def _read_body(self) -> bytes:
        """The body, or BadBody; a body left unread closes the connection (the stream is out of step)."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise BadBody("send the body with a Content-Length")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            raise BadBody("bad Content-Length")
        if length > MAX_BODY:
            self.close_connection = True
            raise BadBody(f"the body is over {MAX_BODY // 1024} KB")
        raw = self.rfile.read(length)
        if len(raw) < length:
            self.close_connection = True
            raise BadBody("the body ended early")
        return raw

    def do_POST(self) -> None:
        from skill.app import EnvelopeError, ForeignSkillError, lambda_handler

        if self._refused_while_stopping():
            return
        if self.path.split("?", 1)[0] != "/":
            self.close_connection = True  # its body, if any, is left unread
            self._error(HTTPStatus.NOT_FOUND, "not found")
            return
        try:
            raw = self._read_body()
            unsigned = refusal(self.server, self.headers, raw)  # beyond loopback: Alexa's signature, or 400
            if unsigned is not None:
                raise BadBody(unsigned)
            event = parse_body(raw)
            if not isinstance(event, dict):
                raise BadBody("the body is not a JSON object")
        except BadBody as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc))
            return
        except TimeoutError:
            self.close_connection = True
            return
        try:
            response = lambda_handler(event, LambdaContext())
        except ForeignSkillError as exc:
            self._error(HTTPStatus.FORBIDDEN, str(exc))
            return
        except EnvelopeError as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc))
            return
        except Exception:
            logger.exception("local endpoint failed")
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, "the skill failed; see the log")
            return
        self._send(HTTPStatus.OK, json.dumps(response).encode())


class SkillServer(HTTPServer):
    """An HTTP server with a bounded pool of worker threads and a quick 503 beyond it."""

    request_queue_size = LISTEN_BACKLOG
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], workers: int = WORKERS, waiting: int = WAITING) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="skill-worker")
        self._refusals = ThreadPoolExecutor(max_workers=2, thread_name_prefix="skill-refusal")
        self._workers = workers
        self._admitted = threading.BoundedSemaphore(workers + waiting)
        self._count_lock = threading.Lock()
        self._all_done = threading.Condition(self._count_lock)
        self._in_flight = 0
        self._open: set[socket.socket] = set()  # connections taken and not yet closed
        self._stopping = threading.Event()
        super().__init__(address, SkillRequestHandler)  # binds: a port in use raises OSError here

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def crowded(self) -> bool:
        """More connections are in than workers to serve them."""
        return self._in_flight > self._workers

    def process_request(self, request: Any, client_address: Any) -> None:
        admitted = self._admitted.acquire(blocking=False)
        with self._count_lock:
            self._open.add(request)
            if admitted:
                self._in_flight += 1
        if not admitted:
            self._refusals.submit(self._refuse, request)
            return
        self._pool.submit(self._serve, request, client_address)

    def stop(self, grace: float) -> None:
        """Stops within about `grace` seconds, whatever the clients do: no connection is taken any more, a
        request that arrives now is refused (503), a kept-alive connection closes once the answer in progress
        has left, and a request still being answered when `grace` runs out has its connection cut (what it
        wrote is kept or not as with any lost answer: each write is one conditional put or one transaction)."""
        deadline = time.monotonic() + grace
        self._stopping.set()
        self.shutdown()
        with self._all_done:
            self._shut(socket.SHUT_RD)  # a worker waiting for a next request reads the end of it
            while self._in_flight and (left := deadline - time.monotonic()) > 0:
                self._all_done.wait(left)
            self._shut(socket.SHUT_RDWR)
        self.server_close()

    def _shut(self, how: int) -> None:
        """Shuts one direction or both of every open connection (its worker sees the end, or an error)."""
        for connection in self._open:
            with contextlib.suppress(OSError):  # closed meanwhile
                connection.shutdown(how)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away is no error of the server's; anything else is logged, not printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            logger.exception("local endpoint connection failed")

    def _serve(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            with self._count_lock:
                self._in_flight -= 1
                self._open.discard(request)
                self._all_done.notify_all()
            self._admitted.release()

    def _refuse(self, request: socket.socket) -> None:
        """503 with Retry-After once the request is read, so the client sees the answer, not a reset."""
        busy = json.dumps({"error": "the skill is busy; try again shortly"}).encode()
        try:
            request.settimeout(2.0)
            received = b""
            while b"\r\n\r\n" not in received and len(received) < 65536:
                chunk = request.recv(65536)
                if not chunk:
                    break
                received += chunk
            head, _, body_so_far = received.partition(b"\r\n\r\n")
            length = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
            unread = min(int(length.group(1)), MAX_BODY) - len(body_so_far) if length else 0
            while unread > 0 and (chunk := request.recv(min(unread, 65536))):
                unread -= len(chunk)
            request.sendall(
                b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                + f"Retry-After: {RETRY_AFTER_SECONDS}\r\nContent-Length: {len(busy)}\r\n".encode()
                + b"Connection: close\r\n\r\n"
                + busy
            )
        except OSError:
            pass
        finally:
            self.shutdown_request(request)
            with self._count_lock:
                self._open.discard(request)

    def server_close(self) -> None:
        super().server_close()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._refusals.shutdown(wait=False, cancel_futures=True)


def make_server(host: str, port: int) -> SkillServer:
    return SkillServer((host, port))


def serve_in_thread(server: HTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, name="skill-endpoint", daemon=True)
    thread.start()
    return thread
