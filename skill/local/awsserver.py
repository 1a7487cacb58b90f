"""An embedded AWS-compatible server (moto's) on loopback, for the local runtime and the tests.

One server answers DynamoDB (with Streams and transactions), SES v2, SNS and SSM. By default it keeps
everything in memory; given a data directory, every write it acknowledges is on disk first and comes
back at the next start (see `skill.local.datadir`).
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from skill.observability import logger, quiet

if TYPE_CHECKING:
    from skill.local.datadir import DataDir, Restored


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class EmbeddedAws:
    """moto's server in this process; with `data_dir`, durable (moto's state is per process, so one only)."""

    host: str = "127.0.0.1"
    port: int = 0
    data_dir: Path | None = None
    fresh: bool = False
    restored: Restored | None = None
    _server: Any = None
    _thread: threading.Thread | None = None
    _store: DataDir | None = field(default=None, repr=False)
    _durable_running: ClassVar[bool] = False

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> EmbeddedAws:
        """Serve; with a data directory, its store is loaded first (DataDirError when it cannot be)."""
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        from skill.local import queries, transactions

        quiet("werkzeug")
        transactions.install()
        queries.install()
        app: Any = DomainDispatcherApplication(create_backend_app)
        if self.data_dir is not None:
            app = self._open_store(app, self.data_dir)
        if not self.port:
            self.port = free_port(self.host)
        try:
            self._server = make_server(self.host, self.port, app, threaded=True, request_handler=MotoRequestHandler)
        except BaseException:
            self._close_store()
            raise
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="embedded-aws", daemon=True
        )
        self._thread.start()
        return self

    def _open_store(self, app: Any, path: Path) -> Any:
        from skill.local.datadir import DataDir, DataDirError, dynamodb_dump

        if EmbeddedAws._durable_running:
            raise DataDirError("another embedded server with a data directory runs in this process")
        store = DataDir.open(path, lambda: dynamodb_dump(app), fresh=self.fresh)
        try:
            self.restored = store.restore(app)
        except BaseException:
            store.close()
            raise
        self._store = store
        EmbeddedAws._durable_running = True
        return store.middleware(app)

    def _close_store(self, timeout: float | None = None) -> None:
        if self._store is not None:
            if not self._store.close(timeout):
                logger.warning("stopped before the last snapshot was written; the journal holds every write")
            self._store = None
            EmbeddedAws._durable_running = False

    def stop(self, timeout: float | None = None) -> None:
        """Stops serving; a data directory gets a last snapshot (skipped when it would take longer than
        `timeout` seconds: the journal holds every acknowledged write) and is let go."""
        started = time.monotonic()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self._close_store(None if timeout is None else max(0.0, timeout - (time.monotonic() - started)))
