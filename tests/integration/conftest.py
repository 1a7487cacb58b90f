"""Fixtures for the integration tests: `office-admin` run in this process against moto's server."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from admin_cli import CliResult

from skill.cli.main import main


@pytest.fixture
def office_admin(aws_endpoint: str, capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """`office_admin(table, *args)` runs `office-admin --endpoint-url … --table TABLE ARGS` in this process."""

    def run(table: str, *argv: str) -> CliResult:
        code = main(["--endpoint-url", aws_endpoint, "--table", table, *argv])
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run


@dataclass
class Canned:
    """An HTTP server on 127.0.0.1 answering each path with a canned status, headers and body, and keeping
    the method and path of every request it received."""

    routes: dict[str, tuple[int, dict[str, str], bytes]]
    received: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def canned_server() -> Iterator[Callable[[dict[str, tuple[int, dict[str, str], bytes]]], Canned]]:
    """`canned_server({"/feed": (200, {}, b"...")})` starts a server; its `url` is `http://127.0.0.1:PORT`."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(routes: dict[str, tuple[int, dict[str, str], bytes]]) -> Canned:
        canned = Canned(routes)

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def answer(self) -> None:
                canned.received.append((self.command, self.path))
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                status, headers, body = canned.routes.get(self.path, (404, {}, b"not found"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = answer

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        canned.url = f"http://127.0.0.1:{server.server_address[1]}"
        return canned

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
