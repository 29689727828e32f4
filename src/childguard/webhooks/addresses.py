"""Webhook URLs: only http(s), and only to public addresses unless private ones are allowed.

The host is resolved when a webhook is added and again at every delivery, and the delivery
connects to an address checked by that same resolution (``Target.address``), so a name that
re-resolves to an internal address after the check (DNS rebinding) is never reached.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from childguard.errors import InvalidInput

MAX_URL_LENGTH = 2000

#: ``(host, port) -> addresses``; injectable so tests can play a rebinding resolver.
Resolver = Callable[[str, int], list[str]]


class UnsafeUrl(InvalidInput):
    """A webhook URL that may not be called (scheme, form or the addresses it resolves to)."""

    code = "unsafe_url"


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to for a TCP connection, in the system's order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class Target:
    """A checked URL: scheme, host name (for ``Host`` and TLS), port, path and the address used."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def parse_url(url: str) -> tuple[str, str, int, str]:
    """``(scheme, host, port, path and query)`` of an http(s) URL; else ``UnsafeUrl``."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(f"webhook URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(f"webhook URL is malformed: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeUrl("webhook URL must start with http:// or https://")
    if not parts.hostname:
        raise UnsafeUrl("webhook URL has no host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("webhook URL must not carry a user name or password")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80), path


def _forbidden(address: str) -> str | None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return "reserved"
    if not ip.is_global:
        return "private"
    return None


def resolve_target(url: str, *, allow_private: bool, resolver: Resolver | None = None) -> Target:
    """Check ``url`` and resolve its host; the address to connect to is the first one returned.

    Raises ``UnsafeUrl`` when the URL is not http(s), the host does not resolve, or (unless
    ``allow_private``) any of its addresses is loopback, private, link-local or reserved.
    """
    scheme, host, port, path = parse_url(url)
    try:
        addresses = (resolver or system_resolver)(host, port)
    except (OSError, UnicodeError):
        raise UnsafeUrl(f"webhook host {host[:100]!r} does not resolve") from None
    if not addresses:
        raise UnsafeUrl(f"webhook host {host[:100]!r} does not resolve")
    if not allow_private:
        for address in addresses:
            why = _forbidden(address)
            if why is not None:
                raise UnsafeUrl(
                    f"webhook host {host[:100]!r} resolves to a {why} address ({address}); "
                    "set CHILDGUARD_WEBHOOK_ALLOW_PRIVATE=true to allow internal receivers"
                )
    return Target(scheme, host, port, path, addresses[0])
