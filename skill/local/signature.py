"""Alexa request signatures, verified by `office-skill serve` whenever it listens beyond loopback.

In AWS the skill is a Lambda function that only the Alexa service may invoke. A web server has no such
gate: anyone who reaches it could send an envelope for any device. So a server bound to anything but a
loopback address checks every request as Amazon publishes it ("Verify that the request was sent by
Alexa", Host a custom skill as a web service):

1. `SignatureCertChainUrl` is https, on host s3.amazonaws.com (any case), port 443 if a port is given,
   with a path that starts with `/echo.api/` once normalised (`/echo.api/../x` does not).
2. The PEM chain found there (downloaded within a few seconds and a size cap, cached for an hour at most
   and never past a certificate's expiry) holds a signing certificate that is valid now, names
   `echo-api.amazon.com` among its subject alternative names, and chains to a trusted root (certifi's
   bundle of public roots), as `cryptography`'s X.509 path validation checks it.
3. `Signature-256` is the base64 RSA (PKCS #1 v1.5) signature of the raw body with SHA-256, made by that
   certificate's key.
4. The envelope's `request.timestamp` is within 150 seconds of now.

A request that fails any of these gets 400 and never reaches the skill. ask-sdk-webservice-support's
verifier does the same (without the chain check) but does not import everywhere, hence this module.
A server on loopback only hears this machine and checks nothing; nothing turns the checks off on any
other address. Tests give one server object other trust roots and another certificate source through
`use_verifier`, which only Python code in the same process can call.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import posixpath
import threading
import time
import urllib.parse
import urllib.request
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from cryptography.x509 import Certificate

CERT_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_HEADER = "Signature-256"
CERT_HOST = "s3.amazonaws.com"
CERT_PATH_PREFIX = "/echo.api/"
CERT_PORT = 443
SIGNER_NAME = "echo-api.amazon.com"
TIMESTAMP_TOLERANCE = timedelta(seconds=150)
CACHE_SECONDS = 3600.0
FAILURE_CACHE_SECONDS = 30.0  # a chain that failed is not fetched again for this long
MAX_CACHED = 32
DOWNLOAD_TIMEOUT_SECONDS = 5.0
MAX_CHAIN_BYTES = 64 * 1024


class Headers(Protocol):
    """A request's headers: a dict, or http.server's (case-insensitive) message."""

    def get(self, name: str, /) -> str | None: ...

    def items(self) -> Iterable[tuple[str, str]]: ...


class SignatureError(Exception):
    """A request that is not proven to come from Alexa; `reason` says which check failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def certificate_url(url: str) -> str:
    """The chain's URL as it will be fetched, once it follows Amazon's rules; SignatureError otherwise."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme.lower() != "https":
        raise SignatureError("certificate URL is not https")
    if (parts.hostname or "") != CERT_HOST or parts.username is not None or parts.password is not None:
        raise SignatureError("certificate URL is not on s3.amazonaws.com")
    try:
        port = parts.port
    except ValueError:
        raise SignatureError("certificate URL has an invalid port") from None
    if port is not None and port != CERT_PORT:
        raise SignatureError("certificate URL is not on port 443")
    path = posixpath.normpath(urllib.parse.unquote(parts.path))
    if not path.startswith(CERT_PATH_PREFIX):
        raise SignatureError("certificate URL is not under /echo.api/")
    return f"https://{CERT_HOST}{urllib.parse.quote(path)}"


def download_chain(url: str) -> bytes:
    """The PEM chain at `url`, within DOWNLOAD_TIMEOUT_SECONDS and MAX_CHAIN_BYTES."""
    import ssl

    import certifi

    context = ssl.create_default_context(cafile=certifi.where())
    deadline = time.monotonic() + DOWNLOAD_TIMEOUT_SECONDS
    request = urllib.request.Request(url, headers={"User-Agent": "office-assistant-signature/1.0"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_SECONDS, context=context) as response:  # noqa: S310
        body = bytearray()
        while chunk := response.read1(16 * 1024):
            body += chunk
            if len(body) > MAX_CHAIN_BYTES or time.monotonic() > deadline:
                raise SignatureError("certificate chain too large or too slow")
    return bytes(body)


@cache
def public_roots() -> tuple[Certificate, ...]:
    """The trusted root certificates: certifi's bundle (Mozilla's list), each one that parses."""
    import re
    import warnings
    from pathlib import Path

    import certifi
    from cryptography import x509

    roots = []
    bundle = Path(certifi.where()).read_bytes()
    for pem in re.findall(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", bundle, re.DOTALL):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an old root's non-positive serial number
            try:
                roots.append(x509.load_pem_x509_certificate(pem))
            except ValueError:
                continue
    return tuple(roots)


@dataclass(frozen=True)
class _Cached:
    signer: Certificate | None  # None: the chain failed, and is not fetched again before `until`
    until: datetime
    reason: str = ""


@dataclass
class SignatureVerifier:
    """Checks signed Alexa requests; `roots`, `fetch` and `now` are the trust roots, the certificate
    source and the clock (public roots, HTTPS downloads and the system clock unless a test says otherwise)."""

    roots: Sequence[Certificate] | None = None  # None: public_roots()
    fetch: Callable[[str], bytes] = download_chain
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    _cache: dict[str, _Cached] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def verify(self, headers: Headers, body: bytes) -> None:
        """Return when `body` was signed by Alexa within the last 150 s; raise SignatureError otherwise."""
        url, signature = _header(headers, CERT_URL_HEADER), _header(headers, SIGNATURE_HEADER)
        if not url or not signature:
            raise SignatureError("request is not signed")
        now = self.now()
        signer = self._signer(certificate_url(url), now)
        _check_signature(signer, signature, body)
        _check_timestamp(body, now)

    def _signer(self, url: str, now: datetime) -> Certificate:
        with self._lock:
            cached = self._cache.get(url)
        if cached is None or cached.until <= now:
            cached = self._load(url, now)
            with self._lock:
                if len(self._cache) >= MAX_CACHED:
                    self._cache.pop(min(self._cache, key=lambda key: self._cache[key].until))
                self._cache[url] = cached
        if cached.signer is None:
            raise SignatureError(cached.reason)
        return cached.signer

    def _load(self, url: str, now: datetime) -> _Cached:
        try:
            chain = self._chain(url)
            _check_chain(chain, public_roots() if self.roots is None else self.roots, now)
        except SignatureError as error:
            return _Cached(None, now + timedelta(seconds=FAILURE_CACHE_SECONDS), error.reason)
        expiry = min(certificate.not_valid_after_utc for certificate in chain)
        return _Cached(chain[0], min(now + timedelta(seconds=CACHE_SECONDS), expiry))

    def _chain(self, url: str) -> list[Certificate]:
        from cryptography import x509

        try:
            pem = self.fetch(url)
        except SignatureError:
            raise
        except Exception:  # any network or HTTP failure: the request cannot be proven to be Alexa's
            raise SignatureError("certificate chain not available") from None
        try:
            chain = x509.load_pem_x509_certificates(pem)
        except ValueError:
            raise SignatureError("certificate chain is not PEM") from None
        return chain


def _header(headers: Headers, name: str) -> str | None:
    value = headers.get(name)
    if value is None:  # a plain dict; http.server's headers are case-insensitive already
        value = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
    return value.strip() if isinstance(value, str) else None


def _check_chain(chain: Sequence[Certificate], roots: Sequence[Certificate], now: datetime) -> None:
    from cryptography import x509
    from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

    signer = chain[0]
    try:
        names = signer.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        raise SignatureError("signing certificate has no subject alternative names") from None
    if SIGNER_NAME not in names.get_values_for_type(x509.DNSName):
        raise SignatureError("signing certificate is not echo-api.amazon.com's")
    if not signer.not_valid_before_utc <= now <= signer.not_valid_after_utc:
        raise SignatureError("signing certificate is not valid now")
    if not roots:
        raise SignatureError("no trusted roots")
    verifier = PolicyBuilder().store(Store(list(roots))).time(now).build_server_verifier(x509.DNSName(SIGNER_NAME))
    try:
        verifier.verify(signer, list(chain[1:]))
    except VerificationError:
        raise SignatureError("certificate chain does not lead to a trusted root") from None


def _check_signature(signer: Certificate, signature: str, body: bytes) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("signature is not base64") from None
    key = signer.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureError("signing certificate has no RSA key")
    try:
        key.verify(raw, body, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise SignatureError("signature does not match the body") from None


def _check_timestamp(body: bytes, now: datetime) -> None:
    try:
        envelope = json.loads(body)
        stamp = datetime.fromisoformat(str(envelope["request"]["timestamp"]))
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise SignatureError("request has no timestamp") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    if abs(now - stamp) > TIMESTAMP_TOLERANCE:
        raise SignatureError("request timestamp is more than 150 seconds from now")


# ---------------------------------------------------------------- the local server's check

_verifiers: weakref.WeakKeyDictionary[Any, SignatureVerifier] = weakref.WeakKeyDictionary()


@cache
def _default_verifier() -> SignatureVerifier:
    return SignatureVerifier()


def use_verifier(server: Any, verifier: SignatureVerifier) -> None:
    """For tests: `server` checks signatures with `verifier` (their own root and certificate source).
    A verifier always verifies; there is no way to switch the checks off."""
    _verifiers[server] = verifier


def is_loopback_host(host: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1); anything else, unparsable
    included, counts as beyond loopback."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def refusal(server: Any, headers: Headers, body: bytes) -> str | None:
    """Why `server` must refuse this request (its signature), or None: always None on loopback."""
    if is_loopback_host(str(server.server_address[0])):
        return None
    verifier = _verifiers.get(server) or _default_verifier()
    try:
        verifier.verify(headers, body)
    except SignatureError as error:
        return f"signature check failed: {error.reason}"
    return None
