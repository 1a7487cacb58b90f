"""ICS feed fetching: conditional GET over http(s), or a read of a local file, within size and time caps.

Every hop goes only to addresses the egress policy allows (skill.adapters.egress); local files are read
only where the policy allows files (the local runtime, never Lambda).

A feed that did not change since the validators we were given comes back as `not_modified` with no body,
so the refresh job can skip parsing. Every failure is one FeedFetchError with a short reason that is safe
to log and to store (no URL, no body).
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from email.utils import formatdate
from pathlib import Path
from typing import Any

from skill.adapters.egress import (
    Connect,
    GuardedHandler,
    GuardedHTTPConnection,
    GuardedHTTPSConnection,
    build_opener,
    policy_from_env,
)
from skill.domain.calendar import FeedError, FeedFetch
from skill.domain.egress import EgressPolicy, EgressRefused, is_file_feed

_CHUNK = 64 * 1024
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_USER_AGENT = "office-assistant-calendar/1.0"


class FeedFetchError(FeedError):
    """A feed that could not be fetched; `reason` is short and stable ("timeout", "http 500", ...)."""


def fetch_feed(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = 5_000_000,
    connect_timeout: float = 3.0,
    read_timeout: float = 10.0,
    max_redirects: int = 3,
    total_timeout: float = 30.0,
    egress: EgressPolicy | None = None,
) -> FeedFetch:
    """Fetch `url` (http, https, file:// or a plain path) unless it is unchanged since etag/last_modified.

    `read_timeout` bounds each wait for bytes, `total_timeout` the whole exchange, `max_bytes` the body
    after decompression. Every hop must reach an address `egress` allows (by default the policy of this
    process's environment), and files are read only where it allows files.
    """
    policy = egress if egress is not None else policy_from_env()
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        return _fetch_http(
            url,
            etag=etag,
            last_modified=last_modified,
            max_bytes=max_bytes,
            timeouts=(connect_timeout, read_timeout),
            max_redirects=max_redirects,
            deadline=time.monotonic() + total_timeout,
            egress=policy,
        )
    if not is_file_feed(url):
        raise FeedFetchError("unsupported scheme")
    if not policy.allow_files:
        raise FeedFetchError("refused: file feed")
    if scheme == "file":
        return _read_file(Path(urllib.request.url2pathname(urllib.parse.urlsplit(url).path)), last_modified, max_bytes)
    return _read_file(Path(url), last_modified, max_bytes)


def _read_file(path: Path, last_modified: str | None, max_bytes: int) -> FeedFetch:
    try:
        stamp = formatdate(path.stat().st_mtime, usegmt=True)
        if last_modified is not None and stamp == last_modified:
            return FeedFetch(not_modified=True, body=None, etag=None, last_modified=stamp)
        with path.open("rb") as handle:
            body = handle.read(max_bytes + 1)
    except FileNotFoundError as error:
        raise FeedFetchError("not found") from error
    except OSError as error:
        raise FeedFetchError("unreadable file") from error
    if len(body) > max_bytes:
        raise FeedFetchError("too large")
    return FeedFetch(not_modified=False, body=body, etag=None, last_modified=stamp)


def _fetch_http(
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    max_bytes: int,
    timeouts: tuple[float, float],
    max_redirects: int,
    deadline: float,
    egress: EgressPolicy,
) -> FeedFetch:
    timed = GuardedHandler(egress, _timed(_TimedConnection, *timeouts), _timed(_TimedHTTPSConnection, *timeouts))
    opener = build_opener(egress, _NoRedirect(), timed)
    headers = {"User-Agent": _USER_AGENT, "Accept": "text/calendar, */*;q=0.5", "Accept-Encoding": "gzip"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    for _ in range(max_redirects + 1):
        _check(deadline)
        try:
            # only http and https reach this point: fetch_feed and the redirect check filter the scheme
            with opener.open(urllib.request.Request(url, headers=headers)) as response:  # noqa: S310
                return FeedFetch(
                    not_modified=False,
                    body=_read_body(response, max_bytes, deadline),
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                )
        except urllib.error.HTTPError as error:
            with error:
                if error.code == 304:
                    return FeedFetch(
                        not_modified=True,
                        body=None,
                        etag=error.headers.get("ETag") or etag,
                        last_modified=error.headers.get("Last-Modified") or last_modified,
                    )
                location = error.headers.get("Location")
                if error.code not in _REDIRECT_CODES or not location:
                    raise FeedFetchError(f"http {error.code}") from error
            url = urllib.parse.urljoin(url, location)
            if urllib.parse.urlsplit(url).scheme.lower() not in ("http", "https"):
                raise FeedFetchError("unsupported redirect") from error
        except EgressRefused as error:
            raise FeedFetchError(f"refused: {error.reason}") from error
        except TimeoutError as error:
            raise FeedFetchError("timeout") from error
        except urllib.error.URLError as error:
            raise FeedFetchError(_network_reason(error.reason)) from error
        except (http.client.HTTPException, OSError) as error:
            raise FeedFetchError(_network_reason(error)) from error
    raise FeedFetchError("too many redirects")


def _read_body(response: Any, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise FeedFetchError("too large")
    encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip"):
        raise FeedFetchError("unsupported encoding")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding != "identity" else None
    body = bytearray()
    received = 0
    while True:
        _check(deadline)
        chunk = response.read1(_CHUNK)
        if not chunk:
            break
        received += len(chunk)
        if received > max_bytes:
            raise FeedFetchError("too large")
        body += _inflate(inflater, chunk, max_bytes - len(body)) if inflater else chunk
    if inflater is not None:
        try:
            body += inflater.flush()
        except zlib.error as error:
            raise FeedFetchError("bad gzip") from error
        if not inflater.eof:
            raise FeedFetchError("bad gzip")
    if len(body) > max_bytes:
        raise FeedFetchError("too large")
    return bytes(body)


def _inflate(inflater: Any, data: bytes, room: int) -> bytes:
    """Decompress `data`, refusing to produce more than `room` bytes (a small gzip can expand enormously)."""
    out = bytearray()
    try:
        while data:
            out += inflater.decompress(data, room - len(out) + 1)
            if len(out) > room:
                raise FeedFetchError("too large")
            data = inflater.unconsumed_tail
    except zlib.error as error:
        raise FeedFetchError("bad gzip") from error
    return bytes(out)


def _check(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise FeedFetchError("timeout")


def _network_reason(reason: object) -> str:
    if isinstance(reason, TimeoutError):
        return "timeout"
    if isinstance(reason, ssl.SSLError):
        return "tls error"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, socket.gaierror):
        return "unknown host"
    if isinstance(reason, http.client.HTTPException):
        return "bad response"
    return "network error"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects come back as HTTPError so that fetch_feed counts them and checks each target's scheme."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _ReadTimeout:
    """Mixed into a connection: the socket gets `read_timeout` once the connection is made."""

    read_timeout: float = 10.0
    sock: socket.socket

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        self.sock.settimeout(self.read_timeout)


class _TimedConnection(_ReadTimeout, GuardedHTTPConnection):
    pass


class _TimedHTTPSConnection(_ReadTimeout, GuardedHTTPSConnection):
    pass


def _timed(connection: Connect, connect_timeout: float, read_timeout: float) -> Connect:
    """`connection`'s connections, made within `connect_timeout`, then waiting at most `read_timeout` for each
    read."""

    def build(host: str, **kwargs: Any) -> http.client.HTTPConnection:
        made = connection(host, **{**kwargs, "timeout": connect_timeout})
        made.read_timeout = read_timeout  # type: ignore[attr-defined]
        return made

    return build
