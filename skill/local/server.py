"""The local skill endpoint: POST an Alexa request envelope, get back what the Lambda handler returns.

A development server on loopback, not a production host; beyond loopback every request must carry
Alexa's signature (skill.local.signature). The background jobs that run on schedules
in AWS run here in-process on a timer.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from skill.local.signature import refusal
from skill.observability import logger

MAX_BODY = 256 * 1024  # Alexa request envelopes are far smaller


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


class SkillRequestHandler(BaseHTTPRequestHandler):
    server_version = "office-skill"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Requests are logged by the skill itself, without bodies."""

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: HTTPStatus, message: str) -> None:
        self._send(status, json.dumps({"error": message}).encode())

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self._send(HTTPStatus.OK, b'{"status": "ok"}')
            return
        if path.startswith("/rooms/"):
            self._calendar_feed()
            return
        self._error(HTTPStatus.NOT_FOUND, "not found")

    def _calendar_feed(self) -> None:
        """A room's published booking feed: `GET /rooms/{id}/calendar.ics?token=T`."""
        from urllib.parse import parse_qs, urlsplit

        from skill.app import container
        from skill.services.calendars import NOT_FOUND, serve_feed_request

        url = urlsplit(self.path)
        token = parse_qs(url.query).get("token", [None])[0]
        try:
            answer = serve_feed_request(container(), url.path, token, self.headers.get("If-None-Match"))
        except Exception:
            logger.exception("published feed failed")
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, "the feed failed; see the log")
            return
        answer = answer or NOT_FOUND
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if answer.status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def do_POST(self) -> None:
        from skill.app import EnvelopeError, ForeignSkillError, lambda_handler

        if self.path.split("?", 1)[0] != "/":
            self._error(HTTPStatus.NOT_FOUND, "not found")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self._error(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE if length > MAX_BODY else HTTPStatus.BAD_REQUEST, "bad length"
            )
            return
        raw = self.rfile.read(length)
        unsigned = refusal(self.server, self.headers, raw)  # beyond loopback: Alexa's signature, or 400
        if unsigned is not None:
            self._error(HTTPStatus.BAD_REQUEST, unsigned)
            return
        try:
            event = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            self._error(HTTPStatus.BAD_REQUEST, "the body is not JSON")
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


def make_server(host: str, port: int) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), SkillRequestHandler)
    server.daemon_threads = True
    return server


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, name="skill-endpoint", daemon=True)
    thread.start()
    return thread
