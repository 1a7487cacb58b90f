"""A certificate authority of the tests' own that signs Alexa requests as Amazon does: a root, an
intermediate and a signing certificate for echo-api.amazon.com, and the headers of a signed request.

The verifier under test trusts this root only through `skill.local.signature.use_verifier`, and gets the
chain from `fetch` instead of s3.amazonaws.com."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CHAIN_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-tests.pem"
ISSUED = datetime(2026, 1, 1, tzinfo=UTC)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "office-assistant tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])  # fmt: skip


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    flags = dict.fromkeys(
        ("content_commitment", "data_encipherment", "key_agreement", "encipher_only", "decipher_only"), False
    )
    return x509.KeyUsage(digital_signature=not ca, key_encipherment=not ca, key_cert_sign=ca, crl_sign=ca, **flags)


def _certificate(
    subject: str,
    key: rsa.RSAPrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: rsa.RSAPrivateKey,
    *,
    ca: bool,
    dns_names: tuple[str, ...] = (),
    days: int = 3650,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.subject if issuer else _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(ISSUED)
        .not_valid_after(ISSUED + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None if issuer is None or not ca else 0), True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key((issuer_key if issuer else key).public_key()), False
        )
        .add_extension(_key_usage(ca=ca), True)
    )
    if dns_names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names]), False)
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(*certificates: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


@dataclass
class AlexaCA:
    """The tests' root, intermediate and signing certificate; `sign` makes a request's headers."""

    root_key: rsa.RSAPrivateKey = field(default_factory=_key)
    signer_key: rsa.RSAPrivateKey = field(default_factory=_key)

    def __post_init__(self) -> None:
        intermediate_key = _key()
        self.root = _certificate("Tests Root CA", self.root_key, None, self.root_key, ca=True)
        self.intermediate = _certificate("Tests Issuing CA", intermediate_key, self.root, self.root_key, ca=True)
        self.signer = _certificate(
            "echo-api.amazon.com", self.signer_key, self.intermediate, intermediate_key,
            ca=False, dns_names=("echo-api.amazon.com",), days=365,
        )  # fmt: skip
        self.chain = _pem(self.signer, self.intermediate)
        self._intermediate_key = intermediate_key
        self.fetched: list[str] = []

    def fetch(self, url: str) -> bytes:
        """The chain at CHAIN_URL, as s3.amazonaws.com would serve it; counts every download."""
        self.fetched.append(url)
        if url != CHAIN_URL:
            raise OSError("404 Not Found")
        return self.chain

    def impostor_chain(self, *, dns_name: str = "echo-api.amazon.com", days: int = 365) -> tuple[bytes, Any]:
        """A signing certificate of another name or lifetime from the same intermediate, and its key."""
        key = _key()
        signer = _certificate(
            dns_name, key, self.intermediate, self._intermediate_key, ca=False, dns_names=(dns_name,), days=days
        )
        return _pem(signer, self.intermediate), key

    @staticmethod
    def signature(body: bytes, key: rsa.RSAPrivateKey) -> str:
        return base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()

    def sign(self, body: bytes, *, url: str = CHAIN_URL, key: rsa.RSAPrivateKey | None = None) -> dict[str, str]:
        """The headers Alexa sends with `body`."""
        return {"SignatureCertChainUrl": url, "Signature-256": self.signature(body, key or self.signer_key)}


def envelope_at(moment: datetime, application_id: str = "amzn1.ask.skill.office-assistant-local") -> bytes:
    """A LaunchRequest envelope with `request.timestamp` at `moment`, as raw bytes."""
    envelope = {
        "version": "1.0",
        "session": {"new": True, "sessionId": "s-1", "application": {"applicationId": application_id},
                    "user": {"userId": "amzn1.ask.account.SIGNED"}},
        "context": {"System": {"application": {"applicationId": application_id},
                               "user": {"userId": "amzn1.ask.account.SIGNED"},
                               "device": {"deviceId": "amzn1.ask.device.SIGNED", "supportedInterfaces": {}}}},
        "request": {"type": "LaunchRequest", "requestId": "r-1", "locale": "en-US",
                    "timestamp": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
    }  # fmt: skip
    return json.dumps(envelope).encode()
