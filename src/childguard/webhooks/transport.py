"""One POST to a checked address, with timeouts, never following redirects."""

from __future__ import annotations

import http.client
import socket
import ssl

from childguard.webhooks.addresses import Target

#: Most bytes of a receiver's answer read (and thrown away) before the connection is closed.
MAX_RESPONSE_BYTES = 64 * 1024


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to ``address`` while the ``Host`` header names the URL's host."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        """Connect to the checked address, not to a fresh resolution of the host name."""
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to ``address``, verifying the certificate for the URL's host name."""

    def __init__(self, target: Target, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=context)
        self._address = target.address
        self._tls = context

    def connect(self) -> None:
        """Connect to the checked address and start TLS for the host name."""
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


def post(
    target: Target,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    tls: ssl.SSLContext | None = None,
) -> int:
    """POST ``body`` to ``target`` and return the status code.

    ``timeout`` bounds the connection and every read; the answer's body is read up to
    ``MAX_RESPONSE_BYTES`` and discarded. HTTPS verifies the certificate against the system's
    trusted authorities (or ``tls``). Network and TLS faults raise ``OSError`` or
    ``http.client.HTTPException``.
    """
    conn: http.client.HTTPConnection
    if target.scheme == "https":
        conn = _PinnedHTTPSConnection(target, timeout, tls or ssl.create_default_context())
    else:
        conn = _PinnedHTTPConnection(target, timeout)
    try:
        conn.request("POST", target.path, body=body, headers=headers)
        response = conn.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        return response.status
    finally:
        conn.close()
