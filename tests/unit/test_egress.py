"""The egress address policy: which feed and webhook URLs, and which resolved addresses, may be reached."""

from __future__ import annotations

import ipaddress

import pytest

from skill.domain.egress import LOCAL, STRICT, EgressPolicy, address_refusal, is_loopback_url, url_refusal


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback address"),
        ("127.8.9.10", "loopback address"),
        ("::1", "loopback address"),
        ("::ffff:127.0.0.1", "loopback address"),
        ("10.0.0.1", "private address"),
        ("172.16.5.4", "private address"),
        ("192.168.1.20", "private address"),
        ("fd12:3456::1", "private address"),
        ("100.64.0.9", "private address"),
        ("::ffff:10.1.1.1", "private address"),
        ("2002:0a00:0001::1", "private address"),  # 6to4 carrying 10.0.0.1
        ("64:ff9b::a9fe:a9fe", "metadata address"),  # NAT64 carrying 169.254.169.254
        ("169.254.169.254", "metadata address"),
        ("fd00:ec2::254", "metadata address"),
        ("169.254.10.10", "link-local address"),
        ("fe80::1", "link-local address"),
        ("0.0.0.0", "unspecified address"),
        ("::", "unspecified address"),
        ("224.0.0.1", "non-global address"),
        ("240.0.0.1", "private address"),
        ("192.0.2.1", "private address"),  # documentation range
    ],
)
def test_addresses_that_are_not_public_are_refused(address: str, reason: str) -> None:
    # Given an address a feed's host name resolved to / When checked strictly / Then it is refused, and why
    assert address_refusal(ipaddress.ip_address(address), STRICT) == reason


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:93.184.216.34"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address), STRICT) is None


def test_loopback_is_allowed_only_by_the_policy_and_private_addresses_never() -> None:
    # Given the local runtime's policy / Then loopback passes, private and metadata addresses still do not
    assert address_refusal(ipaddress.ip_address("127.0.0.1"), LOCAL) is None
    assert address_refusal(ipaddress.ip_address("::ffff:127.0.0.1"), LOCAL) is None
    assert address_refusal(ipaddress.ip_address("10.0.0.1"), LOCAL) == "private address"
    assert address_refusal(ipaddress.ip_address("169.254.169.254"), LOCAL) == "metadata address"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://2130706433/feed.ics", "loopback address"),  # 127.0.0.1 as one number
        ("http://0x7f.1/feed.ics", "loopback address"),
        ("http://0177.0.0.1/feed.ics", "loopback address"),
        ("http://127.1/feed.ics", "loopback address"),
        ("http://LOCALHOST./feed.ics", "loopback address"),
        ("http://api.localhost/feed.ics", "loopback address"),
        ("http://[::ffff:a9fe:a9fe]/latest/meta-data", "metadata address"),
        ("http://0xa9fea9fe/latest/meta-data", "metadata address"),
        ("https://10.0.0.1:8443/x", "private address"),
        ("http://[fe80::1%25eth0]/x", "link-local address"),
        ("gopher://example.com/x", "not an http(s) URL"),
        ("http://example.com:99999/x", "invalid port"),
    ],
)
def test_urls_are_refused_for_the_address_their_host_writes(url: str, reason: str) -> None:
    assert url_refusal(url, STRICT) == reason


def test_a_name_is_left_to_resolution_and_files_to_the_policy() -> None:
    # Given public names, and file feeds
    assert url_refusal("https://calendar.example.com/fuji.ics", STRICT) is None
    assert url_refusal("http://10.example.com/x", STRICT) is None  # a name; checked once resolved

    # Then a file feed is refused unless files are allowed, and is never a webhook
    assert url_refusal("./feeds/fuji.ics", STRICT, files=True) == "file feeds are read only by the local runtime"
    assert url_refusal("file:///srv/fuji.ics", LOCAL, files=True) is None
    assert url_refusal("file:///srv/fuji.ics", LOCAL) == "not an http(s) URL"
    assert url_refusal("http://127.0.0.1:9000/x", EgressPolicy(allow_loopback=True)) is None


@pytest.mark.parametrize(
    ("endpoint", "loopback"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://localhost:8000", True),
        ("http://[::1]:8000", True),
        ("https://dynamodb.us-east-1.amazonaws.com", False),
        ("http://10.0.0.5:8000", False),
        (None, False),
    ],
)
def test_an_endpoint_on_loopback_is_recognised(endpoint: str | None, loopback: bool) -> None:
    assert is_loopback_url(endpoint) is loopback
