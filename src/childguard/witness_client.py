"""HTTP calls to a witness: another childguard instance that countersigns audit checkpoints.

Plain ``urllib`` (no extra dependency); errors become ``StorageError`` with the witness's message.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from childguard.audit_checkpoints import Checkpoint
from childguard.errors import InvalidInput, StorageError

TIMEOUT_SECONDS = 30.0


def _call(url: str, api_key: str, body: dict[str, Any] | None = None) -> Any:
    if not url.startswith(("http://", "https://")):
        raise InvalidInput(f"witness URL must start with http:// or https://, not {url[:60]!r}")
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        url,
        data=data,
        method="POST" if data is not None else "GET",
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_SECONDS) as resp:
            return json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        try:
            message = json.loads(exc.read())["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = exc.reason
        raise StorageError(f"the witness refused ({exc.code}): {message}") from None
    except (urllib.error.URLError, TimeoutError, ValueError) as exc:
        raise StorageError(f"cannot reach the witness at {url[:80]}: {exc}") from None


def request_cosignature(base_url: str, api_key: str, cp: Checkpoint) -> dict[str, str]:
    """Ask the witness at ``base_url`` to countersign ``cp``; returns its countersignature."""
    result = _call(base_url.rstrip("/") + "/v1/audit/witness", api_key, cp.to_dict())
    if not isinstance(result, dict):
        raise StorageError("the witness answered something that is not a countersignature")
    return {str(k): str(v) for k, v in result.items()}


def fetch_witnessed(base_url: str, api_key: str, origin: str) -> dict[str, Any] | None:
    """The newest checkpoint of log ``origin`` the witness countersigned, or None."""
    url = base_url.rstrip("/") + "/v1/audit/witness/" + urllib.parse.quote(origin)
    result = _call(url, api_key)
    return result if isinstance(result, dict) and result else None
