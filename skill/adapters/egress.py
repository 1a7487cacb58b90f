"""Outbound HTTP that only reaches what the egress policy allows (skill.domain.egress), for feeds and webhooks.

The host name of every request, the first and every redirect hop, is resolved here; when any address it
resolves to is refused, nothing is sent. Otherwise the connection is made to one of the addresses just
checked, never to a second resolution of the name, so a name that changes its answer in between (DNS
rebinding) cannot lead the request elsewhere. TLS is still verified against the host name. Proxies from
the environment are not used: through a proxy the address that is connected to would be the proxy's.

Which policy applies: `policy_for` (loopback only where the DynamoDB endpoint is on loopback or
`OFFICE_ALLOW_LOOPBACK_URLS=1`; files only in the local runtime, never in Lambda).
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from skill.domain.egress import EgressPolicy, EgressRefused, address_refusal, is_loopback_url

LOOPBACK_SETTING = "OFFICE_ALLOW_LOOPBACK_URLS"
Connect = Callable[..., http.client.HTTPConnection]  # (host, *, egress, **connection options)


def policy_for(
    dynamodb_endpoint: str | None, *, allow_loopback_urls: bool = False, in_lambda: bool = False
) -> EgressPolicy:
    """The policy of a process whose table is at `dynamodb_endpoint` (None: AWS's own endpoint).

    A DynamoDB endpoint on loopback means the local runtime, its admin CLI or the tests: loopback URLs
    and file feeds are theirs to use. Elsewhere loopback only with the setting, and files never.
    """
    local = is_loopback_url(dynamodb_endpoint) and not in_lambda
    return EgressPolicy(allow_loopback=allow_loopback_urls or local, allow_files=local)


def policy_from_env(env: Mapping[str, str] | None = None) -> EgressPolicy:
    """The policy for code that has no container: from `OFFICE_ALLOW_LOOPBACK_URLS`, boto3's
    `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL` and whether this is a Lambda function."""
    e = os.environ if env is None else env
    return policy_for(
        e.get("AWS_ENDPOINT_URL_DYNAMODB") or e.get("AWS_ENDPOINT_URL"),
        allow_loopback_urls=e.get(LOOPBACK_SETTING) == "1",
        in_lambda=bool(e.get("AWS_LAMBDA_FUNCTION_NAME")),
    )


def checked_addresses(host: str, port: int, policy: EgressPolicy) -> list[str]:
    """Every address `host` resolves to, once each; EgressRefused when any of them is refused."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError as error:  # a name the IDNA codec refuses
        raise socket.gaierror(str(error)) from error
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    for address in addresses:
        refusal = address_refusal(ipaddress.ip_address(address.split("%", 1)[0]), policy)
        if refusal is not None:
            raise EgressRefused(refusal)
    return addresses


def connect_checked(
    address: tuple[str, int],
    timeout: float | None = None,
    source_address: tuple[str, int] | None = None,
    *,
    policy: EgressPolicy,
) -> socket.socket:
    """`socket.create_connection`, but only to addresses the policy allows, as checked before connecting."""
    host, port = address
    last: OSError | None = None
    for ip in checked_addresses(host, port, policy):
        try:
            return socket.create_connection((ip, port), timeout, source_address)
        except OSError as error:
            last = error
    raise last or OSError(f"no address for {host}")


class GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, *, egress: EgressPolicy, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self._create_connection = partial(connect_checked, policy=egress)


class GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, *, egress: EgressPolicy, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self._create_connection = partial(connect_checked, policy=egress)


class GuardedHandler(urllib.request.HTTPHandler, urllib.request.HTTPSHandler):
    """Opens http and https connections, each built by `http` or `https` (given `egress` as a keyword): the
    guarded connections by default; other builders must make guarded connections too."""

    def __init__(
        self, egress: EgressPolicy, http: Connect = GuardedHTTPConnection, https: Connect = GuardedHTTPSConnection
    ) -> None:
        super().__init__()
        self._build = {"http": partial(http, egress=egress), "https": partial(https, egress=egress)}

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._build["http"], req)

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._build["https"], req)


class WebRedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follows redirects to http(s) only (urllib would also follow one to ftp://)."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        if urllib.parse.urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise EgressRefused("redirect to another scheme")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def build_opener(egress: EgressPolicy, *handlers: urllib.request.BaseHandler) -> urllib.request.OpenerDirector:
    """An opener for http(s) only, every connection guarded by `egress`. `handlers` replace the defaults of
    their kind (a redirect handler that follows nothing, connection handlers with other timeouts); they
    must keep the guard (subclass the guarded handlers, or open guarded connections)."""
    defaults: list[tuple[type[urllib.request.BaseHandler], urllib.request.BaseHandler]] = [
        (urllib.request.ProxyHandler, urllib.request.ProxyHandler({})),
        (urllib.request.UnknownHandler, urllib.request.UnknownHandler()),
        (urllib.request.HTTPHandler, GuardedHandler(egress)),
        (urllib.request.HTTPDefaultErrorHandler, urllib.request.HTTPDefaultErrorHandler()),
        (urllib.request.HTTPRedirectHandler, WebRedirectHandler()),
        (urllib.request.HTTPErrorProcessor, urllib.request.HTTPErrorProcessor()),
    ]
    opener = urllib.request.OpenerDirector()
    for handler in handlers:
        opener.add_handler(handler)
    for kind, default in defaults:
        if not any(isinstance(handler, kind) for handler in handlers):
            opener.add_handler(default)
    return opener
