"""Sample calls of the HMA-compatible routes for the route x role matrix."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from childguard.api.permissions import Permission

Call = Callable[..., httpx.Response]

HMA_ROUTES: dict[tuple[str, str], tuple[Permission | None, Call]] = {}
