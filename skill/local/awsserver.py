"""An embedded AWS-compatible server (moto's) on loopback, for the local runtime and the tests.

One server answers DynamoDB (with Streams and transactions), SES v2, SNS and SSM.
"""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass
from typing import Any


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class EmbeddedAws:
    host: str = "127.0.0.1"
    port: int = 0
    _server: Any = None

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> EmbeddedAws:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        _isolate_transactions()
        if not self.port:
            self.port = free_port(self.host)
        self._server = ThreadedMotoServer(ip_address=self.host, port=self.port, verbose=False)
        self._server.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


_ISOLATED = threading.Lock()


def _isolate_transactions() -> None:
    """Make moto run one DynamoDB transaction at a time, as DynamoDB isolates them.

    moto applies a transaction item by item and rolls back by restoring a copy of the table, so two
    transactions served by concurrent threads could interleave and undo each other's writes.
    """
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend.transact_write_items, "isolated", False):
        return
    unisolated = DynamoDBBackend.transact_write_items

    def isolated(backend: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        with _ISOLATED:
            return unisolated(backend, *args, **kwargs)

    isolated.isolated = True  # type: ignore[attr-defined]
    setattr(DynamoDBBackend, "transact_write_items", isolated)  # noqa: B010 - patching a method on purpose
