"""Alexa request signatures as `office-skill serve` checks them beyond loopback, with a certificate chain
the tests make (tests/alexa_ca.py): certificate URL rules, the chain, the signature, the timestamp."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alexa_ca import CHAIN_URL, AlexaCA, envelope_at
from support import Canned

from skill.local import signature
from skill.local.signature import (
    CERT_URL_HEADER,
    SignatureError,
    SignatureVerifier,
    certificate_url,
    download_chain,
    is_loopback_host,
    refusal,
    use_verifier,
)

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def verifier(ca: AlexaCA, now: datetime = NOW, **options: Any) -> SignatureVerifier:
    return SignatureVerifier(roots=[ca.root], fetch=ca.fetch, now=lambda: now, **options)


def failure(check: SignatureVerifier, headers: dict[str, str], body: bytes) -> str:
    with pytest.raises(SignatureError) as err:
        check.verify(headers, body)
    return err.value.reason


@pytest.mark.parametrize(
    "url",
    [
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
        "https://S3.AMAZONAWS.COM/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
        "HTTPS://s3.amazonaws.com/echo.api/echo-api-cert.pem",
    ],
)
def test_certificate_urls_of_amazons_form_are_accepted(url: str) -> None:
    assert certificate_url(url) == "https://s3.amazonaws.com/" + url.split("/", 3)[3].replace("../echo.api/", "")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://s3.amazonaws.com/echo.api/echo-api-cert.pem", "certificate URL is not https"),
        ("https://notamazon.com/echo.api/echo-api-cert.pem", "certificate URL is not on s3.amazonaws.com"),
        ("https://s3.amazonaws.com.evil.example/echo.api/x.pem", "certificate URL is not on s3.amazonaws.com"),
        ("https://evil@s3.amazonaws.com/echo.api/x.pem", "certificate URL is not on s3.amazonaws.com"),
        ("https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem", "certificate URL is not under /echo.api/"),
        ("https://s3.amazonaws.com/invalid.path/echo-api-cert.pem", "certificate URL is not under /echo.api/"),
        ("https://s3.amazonaws.com/echo.api/../invalid.path/x.pem", "certificate URL is not under /echo.api/"),
        ("https://s3.amazonaws.com/echo.api/%2e%2e/evil/x.pem", "certificate URL is not under /echo.api/"),
        ("https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem", "certificate URL is not on port 443"),
    ],
)
def test_certificate_urls_that_break_amazons_rules_are_refused(url: str, reason: str) -> None:
    with pytest.raises(SignatureError) as err:
        certificate_url(url)
    assert err.value.reason == reason


def test_a_request_signed_by_the_chain_within_150_seconds_passes(alexa_ca: AlexaCA) -> None:
    # Given a request made 100 s before the verifier's now, signed with the signing certificate's key
    body = envelope_at(NOW - timedelta(seconds=100))

    # When checked / Then it passes, its chain downloaded from the URL it names
    verifier(alexa_ca).verify(alexa_ca.sign(body), body)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda h, b: ({}, b), "request is not signed"),
        (lambda h, b: ({**h, "Signature-256": ""}, b), "request is not signed"),
        (lambda h, b: ({CERT_URL_HEADER: h[CERT_URL_HEADER], "Signature": "x"}, b), "request is not signed"),
        (lambda h, b: (h, b + b" "), "signature does not match the body"),
        (lambda h, b: ({**h, "Signature-256": "not base64!"}, b), "signature is not base64"),
        (lambda h, b: ({**h, CERT_URL_HEADER: CHAIN_URL.replace("tests", "x")}, b), "certificate chain not available"),
    ],
)  # fmt: skip
def test_a_request_whose_headers_or_body_do_not_match_is_refused(alexa_ca: AlexaCA, change: Any, reason: str) -> None:
    # Given a signed request, then one thing about it changed
    body = envelope_at(NOW)
    headers, sent = change(alexa_ca.sign(body), body)

    # When checked / Then it is refused, and the reason names the check
    assert failure(verifier(alexa_ca), headers, sent) == reason


@pytest.mark.parametrize("age", [timedelta(seconds=151), timedelta(seconds=-151), timedelta(hours=2)])
def test_a_request_more_than_150_seconds_from_now_is_refused(alexa_ca: AlexaCA, age: timedelta) -> None:
    # Given a correctly signed request replayed (or dated ahead) beyond the tolerance
    body = envelope_at(NOW - age)
    reason = failure(verifier(alexa_ca), alexa_ca.sign(body), body)
    assert reason == "request timestamp is more than 150 seconds from now"


def test_a_chain_from_an_untrusted_root_is_refused(alexa_ca: AlexaCA) -> None:
    # Given a verifier that trusts another root (as the public roots would not know the tests' CA)
    stranger = AlexaCA()
    body = envelope_at(NOW)
    check = SignatureVerifier(roots=[stranger.root], fetch=alexa_ca.fetch, now=lambda: NOW)

    # When a request signed by the tests' chain arrives / Then the chain leads to no trusted root
    assert failure(check, alexa_ca.sign(body), body) == "certificate chain does not lead to a trusted root"


def test_a_signing_certificate_for_another_name_is_refused(alexa_ca: AlexaCA) -> None:
    # Given a chain from the trusted CA, but for another host name, served at the expected URL
    chain, key = alexa_ca.impostor_chain(dns_name="attacker.example.com")
    body = envelope_at(NOW)
    check = SignatureVerifier(roots=[alexa_ca.root], fetch=lambda url: chain, now=lambda: NOW)

    # When a request signed with its key arrives / Then the certificate is not echo-api.amazon.com's
    assert failure(check, alexa_ca.sign(body, key=key), body) == "signing certificate is not echo-api.amazon.com's"


def test_an_expired_signing_certificate_is_refused(alexa_ca: AlexaCA) -> None:
    # Given a signing certificate that expired (valid for one day in January 2026)
    chain, key = alexa_ca.impostor_chain(days=1)
    body = envelope_at(NOW)
    check = SignatureVerifier(roots=[alexa_ca.root], fetch=lambda url: chain, now=lambda: NOW)
    assert failure(check, alexa_ca.sign(body, key=key), body) == "signing certificate is not valid now"


def test_a_download_that_is_not_a_certificate_is_refused(alexa_ca: AlexaCA) -> None:
    body = envelope_at(NOW)
    check = SignatureVerifier(roots=[alexa_ca.root], fetch=lambda url: b"<html>hi</html>", now=lambda: NOW)
    assert failure(check, alexa_ca.sign(body), body) == "certificate chain is not PEM"


def test_the_chain_is_downloaded_once_and_again_after_an_hour(alexa_ca: AlexaCA) -> None:
    # Given a verifier whose clock can move
    clock = [NOW]
    check = SignatureVerifier(roots=[alexa_ca.root], fetch=alexa_ca.fetch, now=lambda: clock[0])
    before = len(alexa_ca.fetched)

    # When three requests arrive within the hour, and one after it
    for minutes in (0, 10, 59, 61):
        clock[0] = NOW + timedelta(minutes=minutes)
        body = envelope_at(clock[0])
        check.verify(alexa_ca.sign(body), body)

    # Then the chain was fetched for the first, and again once the cached copy was an hour old
    assert alexa_ca.fetched[before:] == [CHAIN_URL, CHAIN_URL]


def test_a_chain_that_failed_is_not_fetched_again_for_every_request(alexa_ca: AlexaCA) -> None:
    # Given requests naming a chain that does not exist
    check = verifier(alexa_ca)
    body = envelope_at(NOW)
    headers = alexa_ca.sign(body, url=CHAIN_URL.replace("tests", "missing"))
    before = len(alexa_ca.fetched)

    # When ten of them arrive / Then each is refused, and the URL was tried once
    for _ in range(10):
        assert failure(check, headers, body) == "certificate chain not available"
    assert len(alexa_ca.fetched) - before == 1


class Bound:
    """What the check needs of a server: the address it listens on."""

    def __init__(self, host: str) -> None:
        self.server_address = (host, 9000)


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("::1", True), ("0.0.0.0", False),
                                                 ("192.168.1.10", False), ("::", False), ("", False)])  # fmt: skip
def test_only_a_loopback_address_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


def test_a_server_beyond_loopback_refuses_unsigned_requests_and_one_on_loopback_does_not(alexa_ca: AlexaCA) -> None:
    # Given a server on every interface (with the tests' root to trust) and one on loopback
    everywhere, local = Bound("0.0.0.0"), Bound("127.0.0.1")
    use_verifier(everywhere, verifier(alexa_ca, now=datetime.now(UTC)))
    body = envelope_at(datetime.now(UTC))

    # When an unsigned and a signed request arrive
    unsigned_everywhere = refusal(everywhere, {}, body)
    signed_everywhere = refusal(everywhere, alexa_ca.sign(body), body)

    # Then beyond loopback only the signed one passes; on loopback nothing is checked
    assert unsigned_everywhere == "signature check failed: request is not signed"
    assert signed_everywhere is None
    assert refusal(local, {}, body) is None
    # And a server given no verifier of the tests checks with the public roots: unsigned is still refused
    assert refusal(Bound("10.0.0.7"), {}, body) == "signature check failed: request is not signed"


def test_a_chain_download_is_bounded_in_size(canned_server: Callable[..., Canned], alexa_ca: AlexaCA) -> None:
    # Given a server that answers with the chain, and one that answers with far more than a chain
    served = canned_server({"/chain.pem": (200, {}, alexa_ca.chain), "/huge.pem": (200, {}, b"A" * 200_000)})

    # When each is downloaded / Then the chain comes back, the huge answer is cut short and refused
    assert download_chain(f"{served.url}/chain.pem") == alexa_ca.chain
    with pytest.raises(SignatureError) as err:
        download_chain(f"{served.url}/huge.pem")
    assert err.value.reason == "certificate chain too large or too slow"


def test_a_chain_download_that_does_not_answer_in_time_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a server that accepts the connection and never answers, and a short download time
    import socket

    monkeypatch.setattr(signature, "DOWNLOAD_TIMEOUT_SECONDS", 0.3)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        # When the chain is downloaded / Then the wait ends with an error, which the verifier turns into a refusal
        with pytest.raises(OSError):
            download_chain(f"http://127.0.0.1:{silent.getsockname()[1]}/chain.pem")
