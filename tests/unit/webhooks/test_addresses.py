"""Webhook URLs: http(s) only, and no internal addresses unless allowed (also against rebinding)."""

from __future__ import annotations

import pytest

from childguard.errors import InvalidInput
from childguard.webhooks.addresses import UnsafeUrl, resolve_target


def fixed(*addresses: str):  # type: ignore[no-untyped-def]
    return lambda host, port: list(addresses)


@pytest.mark.parametrize(
    "url",
    ["ftp://example.org/x", "file:///etc/passwd", "javascript:alert(1)", "example.org/hook", ""],
)
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(UnsafeUrl, match="http:// or https://"):
        resolve_target(url, allow_private=True, resolver=fixed("93.184.216.34"))


def test_unsafe_url_is_bad_input() -> None:
    assert issubclass(UnsafeUrl, InvalidInput) and UnsafeUrl.http_status == 400


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("172.16.5.4", "private"),
        ("100.64.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("::ffff:127.0.0.1", "loopback"),
        ("0.0.0.0", "reserved"),
    ],
)
def test_internal_addresses_refused_unless_allowed(address: str, why: str) -> None:
    with pytest.raises(UnsafeUrl, match=f"{why} address.*CHILDGUARD_WEBHOOK_ALLOW_PRIVATE"):
        resolve_target("https://hooks.example.org/x", allow_private=False, resolver=fixed(address))
    target = resolve_target(
        "https://hooks.example.org/x", allow_private=True, resolver=fixed(address)
    )
    assert target.address == address


def test_any_internal_address_among_several_is_refused() -> None:
    with pytest.raises(UnsafeUrl):
        resolve_target(
            "http://a.example.org/",
            allow_private=False,
            resolver=fixed("93.184.216.34", "10.0.0.1"),
        )


def test_real_resolution_of_localhost_is_refused() -> None:
    with pytest.raises(UnsafeUrl, match="loopback"):
        resolve_target("http://localhost:8080/hook", allow_private=False)
    with pytest.raises(UnsafeUrl, match="loopback"):
        resolve_target("http://127.0.0.1:8080/hook", allow_private=False)


def test_public_address_is_used_with_host_port_and_path() -> None:
    target = resolve_target(
        "https://hooks.example.org:8443/in?x=1",
        allow_private=False,
        resolver=fixed("93.184.216.34"),
    )
    assert (target.scheme, target.host, target.port, target.path, target.address) == (
        "https",
        "hooks.example.org",
        8443,
        "/in?x=1",
        "93.184.216.34",
    )


def test_unresolvable_host_and_credentials_refused() -> None:
    def fail(host: str, port: int) -> list[str]:
        raise OSError("no such host")

    with pytest.raises(UnsafeUrl, match="does not resolve"):
        resolve_target("http://nowhere.invalid/", allow_private=False, resolver=fail)
    with pytest.raises(UnsafeUrl, match="user name or password"):
        resolve_target("http://u:p@example.org/", allow_private=True, resolver=fixed("1.1.1.1"))
    with pytest.raises(UnsafeUrl, match="malformed"):
        resolve_target("http://example.org:99999/", allow_private=True, resolver=fixed("1.1.1.1"))
