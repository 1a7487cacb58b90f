"""Where the office assistant may send requests: the address policy for calendar feeds and webhooks.

A fleet file names URLs that the backend then fetches (ICS feeds) or posts to (webhooks): whoever writes
them could point the backend at itself or at its network. So a URL is refused when its host is an address
that is not globally reachable: loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local
(169.254/16, fe80::/10), the cloud metadata services (169.254.169.254, fd00:ec2::254), shared address
space, multicast, reserved and unspecified addresses, also when written in another form (`::ffff:10.0.0.1`,
`2130706433`, `0x7f.1`, 6to4 and NAT64 addresses carrying one of them).

The same rules run twice: on the URL as written when a fleet is applied (`url_refusal`), and on every
address a host name resolves to, for every redirect hop, when a feed is fetched or a webhook sent
(`address_refusal`, used by skill.adapters.egress).

Loopback is allowed only when the policy says so (`OFFICE_ALLOW_LOOPBACK_URLS=1`, or a DynamoDB endpoint
on loopback: the local runtime, its admin CLI and the tests); file feeds only where files are the local
runtime's own (never in Lambda).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from skill.domain.errors import ReasonError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_ADDRESSES = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
NAT64 = ipaddress.ip_network("64:ff9b::/96")
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_LEGACY_IPV4 = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$")


class EgressRefused(ReasonError):
    """A URL or address the backend must not reach; `reason` is short and safe to log ("private address")."""


@dataclass(frozen=True)
class EgressPolicy:
    """What outbound requests may reach beyond the public internet."""

    allow_loopback: bool = False  # 127.0.0.0/8 and ::1 (the local runtime, its CLI, the tests)
    allow_files: bool = False  # file:// feeds and plain paths (the local runtime only, never Lambda)


STRICT = EgressPolicy()
LOCAL = EgressPolicy(allow_loopback=True, allow_files=True)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64, IPv4-compatible), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64 or (int(address) >> 32) == 0:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_refusal(address: IPAddress, policy: EgressPolicy) -> str | None:
    """Why the backend must not connect to `address`, or None when it may."""
    if address.is_loopback:
        return None if policy.allow_loopback else "loopback address"
    if address.is_unspecified:
        return "unspecified address"
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None and not embedded.is_unspecified:
            return address_refusal(embedded, policy)
    if address in METADATA_ADDRESSES:
        return "metadata address"
    if address.is_link_local:
        return "link-local address"
    if address.is_private or (isinstance(address, ipaddress.IPv4Address) and address in SHARED_ADDRESS_SPACE):
        return "private address"
    if address.is_multicast or address.is_reserved or not address.is_global:
        return "non-global address"
    return None


def literal_address(host: str) -> IPAddress | None:
    """The address a URL's host names literally, in any form a resolver accepts ("127.1", "0x7f000001"),
    or None when it is a name."""
    bare = host.strip("[]").split("%", 1)[0].lower()
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    if _LEGACY_IPV4.match(bare):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(bare))
        except OSError:
            return None
    return None


def host_refusal(host: str, policy: EgressPolicy) -> str | None:
    """Why a URL's host is refused as written (an address, or a name that always means loopback)."""
    name = host.strip("[]").rstrip(".").lower()
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return None if policy.allow_loopback else "loopback address"
    address = literal_address(name)
    return address_refusal(address, policy) if address is not None else None


def is_file_feed(url: str) -> bool:
    """A `file://` URL or a plain path (what the local runtime reads from disk)."""
    scheme = urlsplit(url).scheme.lower()
    return scheme == "file" or scheme == "" or (len(scheme) == 1 and url[1:2] == ":")


def url_refusal(url: str, policy: EgressPolicy, *, files: bool = False) -> str | None:
    """Why `url` is refused as written, or None. `files` says whether a file feed is a possible value at
    all (calendars: yes; webhooks: no)."""
    if files and is_file_feed(url):
        return None if policy.allow_files else "file feeds are read only by the local runtime"
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "not an http(s) URL"
    try:
        parts.port  # noqa: B018 - a port out of range raises here
    except ValueError:
        return "invalid port"
    return host_refusal(parts.hostname, policy)


def is_loopback_url(url: str | None) -> bool:
    """True when `url` (an endpoint such as DynamoDB's) points to this machine."""
    if not url:
        return False
    host = urlsplit(url).hostname or ""
    return host_refusal(host, STRICT) == "loopback address"
