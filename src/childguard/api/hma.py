"""HMA-compatible routes (filled in from the HMA API spec)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["hma compatibility"])
