"""Shared parts of the HMA-compatible routes: errors, bank and match shapes, uploads."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import Request

from childguard.api.state import AppState
from childguard.api.uploads import ReceivedUpload, UploadRules, read_upload
from childguard.auth import Principal
from childguard.errors import ChildguardError, InvalidInput, NotFound
from childguard.media.banks import BankRepository
from childguard.media.matcher import Match
from childguard.media.signals.base import ContentKind, HashResult, SignalType
from childguard.media.signals.registry import get_signal_type
from childguard.store.models import Bank

ALIASES = {"video_md5": "md5"}
CONTENT_TYPES = ("photo", "video")
NOTE_MAX = 255


class HmaError(ChildguardError):
    """An error with the status HMA uses for the same case."""

    def __init__(self, status: int, message: str, code: str = "invalid_input") -> None:
        super().__init__(message)
        self.http_status = status  # type: ignore[misc]
        self.code = code  # type: ignore[misc]


def _signal(name: str) -> type[SignalType]:
    try:
        return get_signal_type(ALIASES.get(name, name))
    except InvalidInput:
        raise HmaError(400, f"No such SignalType '{name[:40]}'") from None


def _bank_public(bank: Bank) -> dict[str, Any]:
    return {"matching_enabled_ratio": 1.0 if bank.enabled else 0.0, "name": bank.name}


def _get_bank(repo: BankRepository, name: str, *, write: bool = False) -> Bank:
    try:
        return repo.get(name, write=write)
    except (NotFound, InvalidInput):
        raise HmaError(404, f"bank '{name[:80]}' not found", "not_found") from None


def _distance(m: Match) -> str:
    return str(m.distance) if get_signal_type(m.signal_type).default_threshold else "-"


def _by_bank(matches: Iterable[Match]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for m in matches:
        if m.allow or m.suppressed:
            continue
        out.setdefault(m.bank, []).append(
            {"bank_content_id": m.content_id, "distance": _distance(m)}
        )
    return out


def _bank_filter(state: AppState, principal: Principal, banks: str | None) -> frozenset[int]:
    visible = state.visible_banks(principal.org_id)
    if not banks:
        return visible
    names = {b.strip() for b in banks.split(",") if b.strip()}
    # HMA: unknown names simply match nothing
    return frozenset(
        i for i in visible if i in state.matcher.banks and state.matcher.banks[i].name in names
    )


UPLOAD_RULES = UploadRules(
    fields=frozenset(CONTENT_TYPES),
    missing="Missing multipart/form-data file upload",
    several="Only one file allowed per request",
    wrong_field=lambda name: f"no such content_type: '{name}'",
)


async def _one_upload(request: Request, state: AppState) -> ReceivedUpload:
    return await read_upload(
        request.stream(),
        request.headers.get("content-type", ""),
        None,
        state.settings,
        UPLOAD_RULES,
    )


def hash_received(
    state: AppState, upload: ReceivedUpload, types: str | None
) -> dict[str, HashResult]:
    """Hash an upload taken from field ``photo`` or ``video``: results by HMA signal name.

    ``types`` (comma-separated) keeps only those signal types; a file of the other kind than
    its field says is refused.
    """
    content_type = upload.field_name or "photo"
    media, results = upload.buffer.hash()
    expected = ContentKind.PHOTO if content_type == "photo" else ContentKind.VIDEO
    if media.kind is not expected:
        raise HmaError(
            400,
            f"the {content_type} field holds {media.mime}, not a {content_type}",
            "unsupported_media",
        )
    named = {_hma_name(name, media.kind): r for name, r in results.items()}
    if types is not None:
        wanted = [t.strip() for t in types.split(",") if t.strip()]
        if not wanted:
            raise HmaError(400, "empty signal type selection")
        for t in wanted:
            if t not in named:
                raise HmaError(400, f"signal type '{t[:40]}' doesn't exist or is disabled")
        named = {t: named[t] for t in wanted}
    return named


def _hma_name(name: str, kind: ContentKind) -> str:
    return "video_md5" if name == "md5" and kind is ContentKind.VIDEO else name


def _no_urls(url: str | None) -> None:
    if url is not None:
        raise HmaError(
            400,
            "fetching media by url is disabled in childguard (it would let callers make the "
            "server fetch any address); upload the file instead",
        )
