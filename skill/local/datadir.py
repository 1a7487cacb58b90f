"""The embedded server's data directory: what it acknowledged survives a restart, `kill -9` included.

A write-ahead journal of the write requests the embedded server accepted. Each one is appended and
fsynced before its answer leaves (concurrent writers share one fsync), in the order the server applied
them: writes hold one lock while the server applies them and while their record is appended. At start
the requests are replayed into a fresh server, in process. Snapshots keep that replay short: the
DynamoDB tables are written as the requests that recreate them (CreateTable, UpdateTimeToLive,
BatchWriteItem of their items), followed by every other accepted write kept as it came (SSM
parameters, SES and SNS calls); a snapshot replaces the journals before it. One is taken at every
start, when the journal grows past `SNAPSHOT_RECORDS` records or `SNAPSHOT_BYTES`, and at a polite stop.

Files: `FORMAT` (which format this is), `LOCK` (held while a server uses the directory),
`snapshot-N.snap` (the state before journal N) and `journal-N.wal` (the writes after it). Every line is
`CRC32 JSON`: a journal's last line may be torn by a crash (it was never acknowledged) and is dropped;
a damaged line anywhere else, a format from another version, or a directory that holds something
else stops the start with a `DataDirError` that says what to do, so an acknowledged write is never
silently lost.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import io
import json
import os
import re
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from skill.observability import logger

FORMAT_NAME = "office-skill data directory"
FORMAT_VERSION = 1
FORMAT_FILE = "FORMAT"
LOCK_FILE = "LOCK"
SNAPSHOT_RECORDS = 2000  # replaying about 1 ms each, a start stays quick after any crash
SNAPSHOT_BYTES = 32 * 1024 * 1024
ITEMS_PER_BATCH = 25  # BatchWriteItem's limit

_STORE_FILE = re.compile(r"(snapshot|journal)-(\d{6,})\.(snap|wal)(\.tmp)?")
_READS = ("Get", "List", "Describe", "Query", "Scan", "BatchGet", "TransactGet")
# DynamoDB writes whose effect a snapshot's dump of the tables holds; any other write is kept as it came.
_DUMPED = frozenset(
    {
        "CreateTable",
        "DeleteTable",
        "UpdateTable",
        "UpdateTimeToLive",
        "TagResource",
        "UntagResource",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "ExecuteStatement",
        "BatchExecuteStatement",
        "ExecuteTransaction",
    }
)
_DYNAMODB = "DynamoDB_20120810."  # the JSON protocol's target prefix (its streams API has another)
_KEPT_HEADERS = ("Content-Type", "Content-Encoding", "Host", "X-Amz-Target", "X-Moto-Account-Id", "Authorization")
_SCOPE = re.compile(r"Credential=[^/,\s]*/(?P<date>[^/]*)/(?P<region>[^/]*)/(?P<service>[^/]*)/")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class DataDirError(Exception):
    """The data directory cannot be used as it is; the message says why and what to do."""


@dataclass(frozen=True)
class Request:
    """One write request as the embedded server received it (credentials left out)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    @property
    def operation(self) -> str | None:
        """The API operation for JSON and query protocols; None for REST ones (the method says it)."""
        target = self.headers.get("X-Amz-Target")
        if target:
            return target.rpartition(".")[2]
        if "Action=" in self.query:
            return parse_qs(self.query).get("Action", [None])[0]
        if self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return parse_qs(self.body.decode("latin-1")).get("Action", [None])[0]
        return None

    @property
    def writes(self) -> bool:
        operation = self.operation
        if operation is None:
            return self.method not in ("GET", "HEAD", "OPTIONS")
        return not operation.startswith(_READS)

    @property
    def dumped(self) -> bool:
        """A DynamoDB write whose effect a snapshot's dump of the tables already holds."""
        return self.headers.get("X-Amz-Target", "").startswith(_DYNAMODB) and self.operation in _DUMPED

    @classmethod
    def from_environ(cls, environ: dict[str, Any], body: bytes) -> Request:
        headers = {name: str(environ[_key(name)]) for name in _KEPT_HEADERS if environ.get(_key(name))}
        if "Authorization" in headers:  # the scope routes the request; the key id and signature are no one's business
            scope = _SCOPE.search(headers["Authorization"])
            headers["Authorization"] = _authorization(scope["date"], scope["region"], scope["service"]) if scope else ""
        return cls(
            str(environ.get("REQUEST_METHOD", "GET")),
            str(environ.get("PATH_INFO", "/")),
            str(environ.get("QUERY_STRING", "")),
            headers,
            body,
        )

    @classmethod
    def api_call(cls, service: str, target: str, region: str, account: str, payload: dict[str, Any]) -> Request:
        """A JSON-protocol call, as a snapshot writes the requests that recreate the DynamoDB tables."""
        return cls(
            "POST",
            "/",
            "",
            {
                "Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": target,
                "X-Moto-Account-Id": account,
                "Authorization": _authorization("20000101", region, service),
            },
            json.dumps(payload, separators=(",", ":")).encode(),
        )

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"m": self.method, "p": self.path, "q": self.query, "h": self.headers}
        try:
            doc["b"] = self.body.decode("utf-8")
        except UnicodeDecodeError:
            doc["b64"] = base64.b64encode(self.body).decode()
        return doc

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Request:
        body = base64.b64decode(doc["b64"]) if "b64" in doc else str(doc["b"]).encode("utf-8")
        return cls(str(doc["m"]), str(doc["p"]), str(doc["q"]), dict(doc["h"]), body)

    def environ(self) -> dict[str, Any]:
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.method,
            "PATH_INFO": self.path,
            "QUERY_STRING": self.query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_LENGTH": str(len(self.body)),
            "wsgi.input": io.BytesIO(self.body),
            "wsgi.errors": io.StringIO(),
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in self.headers.items():
            environ[_key(name)] = value
        return environ


def _key(header: str) -> str:
    """A header's name in a WSGI environ."""
    return "CONTENT_TYPE" if header == "Content-Type" else "HTTP_" + header.upper().replace("-", "_")


def _authorization(date: str, region: str, service: str) -> str:
    """A SigV4 header that routes a request (moto reads the scope) and proves nothing."""
    return f"AWS4-HMAC-SHA256 Credential=local/{date}/{region}/{service}/aws4_request, SignedHeaders=host, Signature=0"


def call(app: WsgiApp, request: Request) -> tuple[int, bytes]:
    """The status and body `app` answers to `request`, in this process."""
    status, _, chunks = _run(app, request.environ())
    return int(status.split(" ", 1)[0]), b"".join(chunks)


def _run(app: WsgiApp, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], list[bytes]]:
    """Runs a WSGI app to the end: its status line, headers and body."""
    answer: list[Any] = []
    chunks: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        answer[:] = [status, headers]
        return chunks.append

    result = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return answer[0], answer[1], chunks


# --- the files ------------------------------------------------------------------------------------


def _line(doc: dict[str, Any]) -> bytes:
    payload = json.dumps(doc, separators=(",", ":")).encode()
    return b"%08x %s\n" % (zlib.crc32(payload), payload)


_AFRESH = "Keep a copy of {dir} if it matters, then start afresh with --fresh (or choose another --data-dir)."


class _Damaged(Exception):
    pass


def _parse(line: bytes) -> dict[str, Any]:
    if not line.endswith(b"\n") or len(line) < 10 or line[8:9] != b" ":
        raise _Damaged
    payload = line[9:-1]
    try:
        if int(line[:8], 16) != zlib.crc32(payload):
            raise _Damaged
        doc = json.loads(payload)
    except ValueError:
        raise _Damaged from None
    if not isinstance(doc, dict):
        raise _Damaged
    return doc


def _read(path: Path, *, tail_may_be_torn: bool) -> Iterator[dict[str, Any] | None]:
    """The documents of one file; a damaged last line of the live journal is a write never acknowledged,
    dropped (None stands for it)."""
    with path.open("rb") as lines:
        number = 0
        line = lines.readline()
        while line:
            following = lines.readline()
            number += 1
            try:
                yield _parse(line)
            except _Damaged:
                if following or not tail_may_be_torn:
                    raise DataDirError(_damaged(path, number)) from None
                yield None
            line = following


def _damaged(path: Path, number: int) -> str:
    return f"{path}: line {number} is damaged, so what follows it cannot be trusted. Nothing was changed. " + (
        _AFRESH.format(dir=path.parent)
    )


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_whole(target: Path, chunks: Iterable[bytes]) -> None:
    """Writes `target` whole or not at all: a private temporary file, synced, then renamed over it."""
    tmp = target.with_name(target.name + ".tmp")
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
        out.writelines(chunks)
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(target)
    _fsync_dir(target.parent)


def _header(kind: str, seq: int) -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    written_by = {}
    for package in ("office-assistant", "moto"):
        with contextlib.suppress(PackageNotFoundError):
            written_by[package] = version(package)
    return {"format": FORMAT_VERSION, "kind": kind, "seq": seq, "written_by": written_by}


def _check_header(path: Path, doc: dict[str, Any] | None, kind: str) -> None:
    if doc is None or doc.get("kind") != kind:
        raise DataDirError(f"{path} does not start as a {kind} should. " + _AFRESH.format(dir=path.parent))
    if doc.get("format") != FORMAT_VERSION:
        raise DataDirError(_other_version(path.parent, doc.get("format"), doc.get("written_by")))


def _other_version(directory: Path, version: Any, written_by: Any = None) -> str:
    by = f" by {written_by}" if written_by else ""
    return (
        f"{directory} was written{by} in data format {version}; this office-skill reads format {FORMAT_VERSION}. "
        "Run the version that wrote it, or: " + _AFRESH.format(dir=directory)
    )


# --- the directory --------------------------------------------------------------------------------


def make_directory(path: Path) -> Path:
    """`path` resolved, created private to this user when missing; DataDirError when it cannot be."""
    path = path.expanduser().resolve()
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise DataDirError(f"cannot create the data directory {path}: {error.strerror}") from None
    if not path.is_dir():
        raise DataDirError(f"{path} is not a directory")
    return path


@dataclass
class Restored:
    """What a start found in the data directory."""

    snapshot: int  # the snapshot it started from (0: none)
    replayed: int  # requests replayed (the snapshot's and the journals')
    torn: int  # unacknowledged last lines dropped


@dataclass
class DataDir:
    """A data directory held (locked) by this process."""

    path: Path
    dump: Callable[[], list[Request]]
    _lock_fd: int = -1
    _journal_fd: int = -1
    _seq: int = 0
    _kept: list[bytes] = field(default_factory=list)  # writes a dump of the tables does not hold, as lines
    _written: int = 0
    _synced: int = 0
    _since_snapshot: int = 0
    _bytes_since_snapshot: int = 0
    _broken: str | None = None
    _closed: bool = False
    _write_lock: threading.Lock = field(default_factory=threading.Lock)
    _sync_lock: threading.Lock = field(default_factory=threading.Lock)
    _snapshot_lock: threading.Lock = field(default_factory=threading.Lock)
    _snapshotting: threading.Thread | None = None

    @classmethod
    def open(cls, path: Path, dump: Callable[[], list[Request]], *, fresh: bool = False) -> DataDir:
        """Lock `path` (created when missing) for this process; `fresh` removes the store it holds."""
        store = cls(make_directory(path), dump)
        store._lock()
        try:
            if fresh:
                store._remove_store()
            store._check_format()
        except BaseException:
            store._unlock()
            raise
        return store

    def _lock(self) -> None:
        fd = os.open(self.path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip()
            os.close(fd)
            raise DataDirError(
                f"{self.path} is in use by another office-skill serve (pid {holder or 'unknown'}); "
                "stop it first, or choose another --data-dir"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd

    def _unlock(self) -> None:
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # closing releases the lock (so does the process dying)
            self._lock_fd = -1

    def _store_files(self) -> list[tuple[str, int, Path, bool]]:
        found = []
        for entry in self.path.iterdir():
            match = _STORE_FILE.fullmatch(entry.name)
            if match:
                found.append((match.group(1), int(match.group(2)), entry, bool(match.group(4))))
        return sorted(found, key=lambda f: (f[1], f[0]))

    def _remove_store(self) -> None:
        for _, _, entry, _ in self._store_files():
            entry.unlink()
        (self.path / FORMAT_FILE).unlink(missing_ok=True)
        _fsync_dir(self.path)

    def _check_format(self) -> None:
        marker = self.path / FORMAT_FILE
        if not marker.exists():
            if self._store_files():
                raise DataDirError(
                    f"{self.path} holds journal or snapshot files but no {FORMAT_FILE}: it was not written by "
                    "office-skill, or was damaged. " + _AFRESH.format(dir=self.path)
                )
            _write_whole(marker, [json.dumps({"format": FORMAT_NAME, "version": FORMAT_VERSION}).encode() + b"\n"])
            return
        try:
            doc = json.loads(marker.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            doc = None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT_NAME:
            raise DataDirError(f"{marker} is not an office-skill format marker. " + _AFRESH.format(dir=self.path))
        if doc.get("version") != FORMAT_VERSION:
            raise DataDirError(_other_version(self.path, doc.get("version")))

    # --- start ------------------------------------------------------------------------------------

    def restore(self, app: WsgiApp) -> Restored:
        """Replay the latest snapshot and the journals after it into `app`, then take a snapshot."""
        files = self._store_files()
        snapshots = [(seq, entry) for kind, seq, entry, tmp in files if kind == "snapshot" and not tmp]
        base, snapshot = snapshots[-1] if snapshots else (0, None)
        journals = [(seq, entry) for kind, seq, entry, tmp in files if kind == "journal" and seq >= base]
        replayed = torn = 0
        if snapshot is not None:
            replayed += self._replay(app, snapshot, "snapshot", tail_may_be_torn=False)[0]
        for index, (_, journal) in enumerate(journals):
            count, dropped = self._replay(app, journal, "journal", tail_may_be_torn=index == len(journals) - 1)
            replayed += count
            torn += dropped
        self._seq = max([base, *(seq for seq, _ in journals)])
        try:
            self._snapshot_now()
        except OSError as error:
            raise DataDirError(f"cannot write a snapshot in {self.path}: {error.strerror or error}") from None
        return Restored(base, replayed, torn)

    def _replay(self, app: WsgiApp, path: Path, kind: str, *, tail_may_be_torn: bool) -> tuple[int, int]:
        """Replays one file: the requests replayed, and the torn last lines (never acknowledged) dropped."""
        documents = _read(path, tail_may_be_torn=tail_may_be_torn)
        header = next(documents, None)
        if header is None and tail_may_be_torn:
            return 0, 0  # the header is written and synced before any record, so nothing was acknowledged
        _check_header(path, header, kind)
        count = torn = 0
        ended = False
        for number, doc in enumerate(documents, start=2):
            if doc is None:
                torn += 1
            elif "end" in doc:
                ended = doc["end"] == count
            else:
                self._apply(app, path, number, Request.from_json(doc))
                count += 1
        if kind == "snapshot" and not ended:
            raise DataDirError(f"{path} is incomplete (it has no closing record). " + _AFRESH.format(dir=self.path))
        return count, torn

    def _apply(self, app: WsgiApp, path: Path, number: int, request: Request) -> None:
        status, body = call(app, request)
        if not 200 <= status < 300:
            raise DataDirError(
                f"{path}: line {number} was accepted once but the embedded server refuses it on replay "
                f"({status}: {body[:200].decode(errors='replace')}). Nothing was changed. "
                + _AFRESH.format(dir=self.path)
            )
        if not request.dumped:
            self._kept.append(_line(request.to_json()))

    # --- writes -----------------------------------------------------------------------------------

    def middleware(self, app: WsgiApp) -> WsgiApp:
        """`app` with every accepted write journaled (and fsynced) before its answer leaves."""

        def journaled(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            body = _body(environ)
            request = Request.from_environ(environ, body)
            if not request.writes:
                return app(environ, start_response)
            with self._write_lock:
                if self._broken is not None:  # checked under the lock: the journal may be closing
                    return _refuse(start_response, 503, self._broken)
                status, headers, chunks = _run(app, environ)
                accepted = 200 <= int(status.split(" ", 1)[0]) < 300
                position = self._append(request) if accepted else None
            if accepted:
                if position is not None:
                    try:
                        self._sync(position)
                    except OSError as error:
                        self._fail(error)
                        position = None
                if position is None:  # applied, but not on disk: not acknowledged
                    return _refuse(start_response, 500, self._broken or "the write could not be recorded")
            start_response(status, headers)
            return chunks

        return journaled

    def _append(self, request: Request) -> int | None:
        """Appends under the write lock; the position to sync to, or None when the journal failed."""
        line = _line(request.to_json())
        try:
            _write_all(self._journal_fd, line)
        except OSError as error:
            self._fail(error)
            return None
        if not request.dumped:
            self._kept.append(line)
        self._written += 1
        self._since_snapshot += 1
        self._bytes_since_snapshot += len(line)
        if self._since_snapshot >= SNAPSHOT_RECORDS or self._bytes_since_snapshot >= SNAPSHOT_BYTES:
            self._snapshot_in_background()
        return self._written

    def _sync(self, position: int) -> None:
        with self._sync_lock:
            if self._synced >= position:
                return  # another writer's fsync covered this record
            written = self._written
            os.fsync(self._journal_fd)
            self._synced = written

    def _fail(self, error: OSError) -> None:
        self._broken = (
            f"the data directory {self.path} could not record a write ({error.strerror or error}); "
            "writes are refused until office-skill serve is restarted"
        )

    # --- snapshots --------------------------------------------------------------------------------

    def _snapshot_in_background(self) -> None:
        if self._snapshotting is None or not self._snapshotting.is_alive():
            self._snapshotting = threading.Thread(target=self._snapshot_quietly, name="data-snapshot", daemon=True)
            self._snapshotting.start()

    def _snapshot_quietly(self) -> None:
        """A snapshot while serving; if it fails, the journals it would have replaced stay and are replayed."""
        try:
            self._snapshot_now()
        except Exception:
            logger.exception("data directory snapshot failed; its journals are kept")

    def _snapshot_now(self) -> None:
        """A snapshot of the state so far; then the journals and snapshots before it are removed."""
        with self._snapshot_lock:
            with self._write_lock:
                if self._closed:  # a background snapshot that waited for the last one
                    return
                seq = self._seq + 1
                lines = [_line(request.to_json()) for request in self.dump()] + list(self._kept)
                self._open_journal(seq)
            snapshot = [_line(_header("snapshot", seq)), *lines, _line({"end": len(lines)})]
            _write_whole(self.path / f"snapshot-{seq:06d}.snap", snapshot)
            for kind, old, entry, is_tmp in self._store_files():
                if old < seq or (is_tmp and kind == "snapshot"):  # one a crash left unfinished
                    entry.unlink()
            _fsync_dir(self.path)

    def _open_journal(self, seq: int) -> None:
        """Starts journal `seq` (under the write lock); the one before is synced and closed."""
        with self._sync_lock:
            if self._journal_fd >= 0:
                os.fsync(self._journal_fd)
                os.close(self._journal_fd)
                self._journal_fd = -1
            self._synced = self._written
        path = self.path / f"journal-{seq:06d}.wal"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
        _write_all(fd, _line(_header("journal", seq)))
        os.fsync(fd)
        _fsync_dir(self.path)
        self._journal_fd, self._seq = fd, seq
        self._since_snapshot = self._bytes_since_snapshot = 0

    def close(self, timeout: float | None = None) -> bool:
        """A last snapshot when something was written since the one before, then writes are refused, the
        journal is closed and the lock is let go. With a `timeout`, it returns after that many seconds
        whatever the snapshot is doing, and the closing finishes on its own (a process that exits meanwhile
        loses nothing: the journal holds every acknowledged write and a snapshot is whole or ignored).
        Whether it finished."""
        if timeout is None:
            self._close()
            return True
        closing = threading.Thread(target=self._close, name="data-close", daemon=True)
        closing.start()
        closing.join(timeout)
        return not closing.is_alive()

    def _close(self) -> None:
        try:
            if self._journal_fd >= 0 and self._since_snapshot and self._broken is None:
                self._snapshot_now()
        except Exception:
            logger.exception("last data directory snapshot failed; the journal keeps every write")
        try:
            self._close_journal()
        finally:
            self._unlock()

    def _close_journal(self) -> None:
        """Writes are refused from now on; the journal is synced (a writer waiting for it is acknowledged) and
        closed."""
        with self._write_lock, self._sync_lock:
            self._closed = True
            self._broken = self._broken or "the embedded server is stopping"
            fd, self._journal_fd = self._journal_fd, -1
            if fd >= 0:
                try:
                    os.fsync(fd)
                    self._synced = self._written
                except OSError:  # a writer still waiting for this sync is not acknowledged
                    logger.exception("the journal could not be synced at the stop")
                finally:
                    os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _body(environ: dict[str, Any]) -> bytes:
    """Reads the whole body and puts it back for the server to read."""
    stream = environ["wsgi.input"]
    if environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = stream.read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("wsgi.input_terminated", None)
    return bytes(body)


def _refuse(start_response: Callable[..., Any], status: int, message: str) -> list[bytes]:
    body = json.dumps({"__type": "ServiceUnavailable" if status == 503 else "InternalFailure", "message": message})
    reason = "Service Unavailable" if status == 503 else "Internal Server Error"
    start_response(
        f"{status} {reason}",
        [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body)))],
    )
    return [body.encode()]


# --- moto's DynamoDB tables as the requests that recreate them ------------------------------------


def dynamodb_dump(app: WsgiApp) -> list[Request]:
    """Every table the embedded server holds, in every account and region: its definition, time to live,
    tags and items, as the requests that recreate it. The items are read from moto's tables directly
    (a Scan through the API would hold the write lock for seconds on a large table)."""
    from moto.dynamodb.models import dynamodb_backends

    requests: list[Request] = []
    for account, regions in list(dynamodb_backends.items()):
        for region, backend in list(regions.items()):
            for table in list(backend.tables.values()):

                def api(operation: str, payload: dict[str, Any], region: str = region, account: str = account) -> Any:
                    return Request.api_call("dynamodb", _DYNAMODB + operation, region, account, payload)

                described = _answer(app, api("DescribeTable", {"TableName": table.name}))["Table"]
                create = create_table_request(described)
                tags = _answer(app, api("ListTagsOfResource", {"ResourceArn": described["TableArn"]})).get("Tags")
                if tags:
                    create["Tags"] = tags
                requests.append(api("CreateTable", create))
                ttl = _answer(app, api("DescribeTimeToLive", {"TableName": table.name}))["TimeToLiveDescription"]
                if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
                    spec = {"Enabled": True, "AttributeName": ttl["AttributeName"]}
                    requests.append(api("UpdateTimeToLive", {"TableName": table.name, "TimeToLiveSpecification": spec}))
                items = [item.to_json()["Attributes"] for item in _items(table)]
                for start in range(0, len(items), ITEMS_PER_BATCH):
                    batch = [{"PutRequest": {"Item": item}} for item in items[start : start + ITEMS_PER_BATCH]]
                    requests.append(api("BatchWriteItem", {"RequestItems": {table.name: batch}}))
    return requests


def _items(table: Any) -> list[Any]:
    """The items of a moto table (held as items[hash] or items[hash][range]). Copying a dict's values is
    one step for the interpreter, so a read that adds an empty partition meanwhile cannot break the walk."""
    partitions = list(table.items.values())
    if table.range_key_attr is None:
        return partitions
    return [item for partition in partitions for item in list(partition.values())]


def _answer(app: WsgiApp, request: Request) -> Any:
    status, body = call(app, request)
    if status != 200:
        raise DataDirError(f"the embedded server could not describe its own table ({status}): {body[:200]!r}")
    return json.loads(body)


def create_table_request(described: dict[str, Any]) -> dict[str, Any]:
    """The CreateTable request for a DescribeTable answer."""
    mode = (described.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
    create: dict[str, Any] = {
        "TableName": described["TableName"],
        "AttributeDefinitions": described["AttributeDefinitions"],
        "KeySchema": described["KeySchema"],
        "BillingMode": mode,
    }

    def throughput(of: dict[str, Any]) -> dict[str, int]:
        given = of.get("ProvisionedThroughput") or {}
        return {name: int(given.get(name) or 1) for name in ("ReadCapacityUnits", "WriteCapacityUnits")}

    if mode == "PROVISIONED":
        create["ProvisionedThroughput"] = throughput(described)
    for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        indexes = []
        for index in described.get(kind) or []:
            made = {name: index[name] for name in ("IndexName", "KeySchema", "Projection")}
            if kind == "GlobalSecondaryIndexes" and mode == "PROVISIONED":
                made["ProvisionedThroughput"] = throughput(index)
            indexes.append(made)
        if indexes:
            create[kind] = indexes
    stream = described.get("StreamSpecification")
    if stream and stream.get("StreamEnabled"):
        create["StreamSpecification"] = stream
    sse = described.get("SSEDescription")
    if sse and sse.get("Status") == "ENABLED":
        create["SSESpecification"] = {"Enabled": True, "SSEType": sse.get("SSEType", "KMS")}
        if sse.get("KMSMasterKeyArn"):
            create["SSESpecification"]["KMSMasterKeyId"] = sse["KMSMasterKeyArn"]
    if described.get("DeletionProtectionEnabled"):
        create["DeletionProtectionEnabled"] = True
    return create
