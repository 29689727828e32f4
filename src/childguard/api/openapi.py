"""The OpenAPI document, made to say what the API really does.

FastAPI documents a 422 for every validated route and nothing about authentication; childguard
answers bad input with 400, needs a bearer key on every route but the health checks, limits
request rates, bodies and time, and serves some routes as plain text or CSV. ``install_openapi``
replaces the app's ``openapi()`` with one that post-processes FastAPI's document accordingly.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

#: Routes that need no key (and so are neither authenticated nor rate limited).
PUBLIC_PATHS = frozenset(
    {"/healthz", "/readyz", "/v1/safety/messages", "/safety", "/safety/posters/{audience}.pdf"}
)

#: Error statuses every authenticated route may answer, and why.
COMMON_ERRORS = {
    "400": "Invalid input: a parameter or the body is malformed or out of range.",
    "401": "No API key, or an unknown, revoked or expired one.",
    "403": "Your role or organisation may not do this.",
    "404": "No such bank, entry, key or organisation visible to you.",
    "409": "The change conflicts with what is stored.",
    "413": "The body is over CHILDGUARD_MAX_UPLOAD_BYTES or the image over CHILDGUARD_MAX_PIXELS.",
    "429": "Rate limited: retry after the seconds the `Retry-After` header says.",
    "503": "Busy (decoding budget, timeout) or the database is unavailable; see `Retry-After`.",
}
#: Further statuses of routes that take an uploaded file.
UPLOAD_ERRORS = {
    "415": "The file is not a photo or video childguard can hash.",
    "422": "The file could not be hashed (corrupt, truncated, too flat).",
}
#: Operations that call another deployment (a feed's publisher) while the caller waits.
PARTNER_OPERATIONS = frozenset(
    {("/v1/subscriptions", "post"), ("/v1/subscriptions/{sub_id}/sync", "post")}
)
PARTNER_ERRORS = {
    "502": "The publisher could not be reached, answered with an error, or its key or page "
    "did not check out (error code partner_unavailable or page_refused).",
}
PUBLIC_ERRORS = {"503": "Not ready: the database is unreachable or the indexes are loading."}

#: Responses that are not JSON: (path, method) -> {media type: schema}.
NON_JSON = {
    ("/metrics", "get"): {"text/plain": {"schema": {"type": "string"}}},
    ("/status", "get"): {"text/plain": {"schema": {"type": "string"}}},
    ("/v1/banks/{name}/export", "get"): {
        "text/csv": {"schema": {"type": "string"}},
        "text/plain": {"schema": {"type": "string"}},
    },
    ("/safety", "get"): {"text/html": {"schema": {"type": "string"}}},
    ("/safety/posters/{audience}.pdf", "get"): {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}}
    },
}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {
                    "type": "string",
                    "description": "Stable machine code, e.g. invalid_input, not_found.",
                },
                "message": {"type": "string", "description": "What to fix, in words."},
            },
        },
        "message": {"type": "string", "description": "The same message (HMA routes only)."},
    },
}


BANK_NAME = {"type": "string", "pattern": "^[A-Z][A-Z0-9_]{0,63}$", "example": "NCMEC_PDQ"}
ORG_NAME = {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,63}$", "example": "acme-social"}
HEX = {"pdq": 64, "md5": 32, "sha256": 64, "video_md5": 32}
#: Signal types a hash can be looked up or banked by, with the hash pattern of each.
HASHES: dict[str, dict[str, Any]] = {
    name: {"type": "string", "pattern": f"^[0-9a-fA-F]{{{n}}}$"} for name, n in HEX.items()
}
SIGNAL_TYPES = {"type": "string", "enum": ["md5", "pdq", "sha256", "vpdq"]}
HMA_SIGNAL_TYPES = {"type": "string", "enum": ["md5", "pdq", "sha256", "vpdq", "video_md5"]}
TYPES_LIST = {
    "type": "string",
    "pattern": "^(pdq|md5|sha256|vpdq|video_md5)(,(pdq|md5|sha256|vpdq|video_md5))*$",
}
NEVER = {"not": {}, "description": "Not supported: childguard never fetches media by URL."}

#: Parameter schemas the code checks itself (with its own messages), by (path prefix, name).
PARAMETERS: dict[tuple[str, str], dict[str, Any]] = {
    ("/v1/banks/", "name"): BANK_NAME,
    ("/c/bank/", "bank_name"): BANK_NAME,
    ("/v1/banks/", "org"): ORG_NAME,
    ("/v1/keys", "org"): ORG_NAME,
    ("/v1/banks/", "signal_type"): SIGNAL_TYPES,
    ("/m/", "signal_type"): HMA_SIGNAL_TYPES,
    ("/", "types"): TYPES_LIST,
    ("/", "url"): NEVER,
}
#: JSON bodies the HMA-compatible routes parse themselves, by (path, method).
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("/c/banks", "post"): {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": BANK_NAME,
            "enabled_ratio": {"type": "number", "minimum": 0, "maximum": 1},
        },
    },
    ("/c/bank/{bank_name}", "put"): {
        "type": "object",
        "properties": {
            "name": BANK_NAME,
            "enabled": {"type": "boolean"},
            "enabled_ratio": {"type": "number", "minimum": 0, "maximum": 1},
        },
    },
    ("/c/bank/{bank_name}/signal", "post"): {
        "type": "object",
        "properties": {**HASHES, "note": {"type": "string", "maxLength": 255}},
        "additionalProperties": False,
        "anyOf": [{"required": [name]} for name in HASHES],
    },
    ("/c/bank/{bank_name}/content/{content_id}", "put"): {
        "type": "object",
        "properties": {
            "disable_until_ts": {
                "type": "integer",
                "minimum": 0,
                "description": "Unix time; at most 5 years ahead. 0 or 1 enables.",
            },
            "note": {"type": "string", "maxLength": 255},
        },
    },
    ("/m/compare", "post"): {
        "type": "object",
        "properties": {
            name: {"type": "array", "items": schema, "minItems": 2, "maxItems": 2}
            for name, schema in HASHES.items()
        },
        "additionalProperties": False,
    },
}


def _upload_body(fields: tuple[str, ...]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {f: {"type": "string", "format": "binary"} for f in fields},
        "minProperties": 1,
        "maxProperties": 1,
    }


HMA_UPLOAD = {"multipart/form-data": {"schema": _upload_body(("photo", "video"))}}
#: Multipart bodies the HMA-compatible routes read themselves.
UPLOADS = {
    ("/h/hash", "post"): HMA_UPLOAD,
    ("/m/lookup", "post"): HMA_UPLOAD,
    ("/c/bank/{bank_name}/content", "post"): HMA_UPLOAD,
}
#: Parameters a route needs although FastAPI sees them as optional (checked in the code).
REQUIRED = {("/m/lookup", "get"): ("signal_type", "signal")}
#: Operations that answer success for any value of a parameter (HMA does the same).
ANY_VALUE = {("/c/bank/{bank_name}", "delete", "bank_name")}

#: HMA routes kept for compatibility that childguard always refuses (fetching by URL).
ALWAYS_REFUSED = {("/h/hash", "get")}

#: Request models whose hashes must match their signal type: one variant per type.
TYPED_HASH_MODELS = {"LookupRequest": "hashes", "EntryCreate": "signal"}


def _typed_hash_variants(model: dict[str, Any], field: str) -> dict[str, Any]:
    """``model`` as one variant per signal type, each with that type's hash pattern."""
    variants = []
    for name in ("md5", "pdq", "sha256"):
        props = dict(model.get("properties", {}))
        props["signal_type"] = {"type": "string", "enum": [name]}
        if "banks" in props:
            props["banks"] = {"type": "array", "items": BANK_NAME}
        if props.get(field, {}).get("type") == "array":
            props[field] = {**props[field], "items": HASHES[name]}
        else:
            props[field] = HASHES[name]
        variants.append({**model, "properties": props})
    return {"oneOf": variants, "title": model.get("title", "")}


def _is_upload(operation: dict[str, Any]) -> bool:
    content = operation.get("requestBody", {}).get("content", {})
    return "multipart/form-data" in content or "application/octet-stream" in content


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def rewrite(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with 400 for 422, the bearer scheme, error statuses and real content types."""
    components = document.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "An API key."}
    }
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or method == "parameters":
                continue
            for param in operation.get("parameters", []):
                if param.get("name") in REQUIRED.get((path, method), ()):
                    param["required"] = True
                for (prefix, name), schema in PARAMETERS.items():
                    if (path, method, name) in ANY_VALUE:
                        continue
                    if param.get("name") == name and path.startswith(prefix):
                        param["schema"] = {**param.get("schema", {}), **schema}
                        param["schema"].pop("anyOf", None)
            if (path, method) in UPLOADS:
                operation["requestBody"] = {"required": True, "content": UPLOADS[path, method]}
            body = BODIES.get((path, method))
            if body is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": body}},
                }
            responses: dict[str, Any] = operation.setdefault("responses", {})
            responses.pop("422", None)
            if path in PUBLIC_PATHS:
                operation["security"] = []
                errors = dict(PUBLIC_ERRORS)
                if operation.get("parameters"):
                    errors["400"] = COMMON_ERRORS["400"]
            else:
                operation["security"] = [{"bearer": []}]
                errors = {**COMMON_ERRORS, **(UPLOAD_ERRORS if _is_upload(operation) else {})}
                if (path, method) in PARTNER_OPERATIONS:
                    errors.update(PARTNER_ERRORS)
            for status, description in errors.items():
                responses.setdefault(status, _error(description))
            if (path, method) in ALWAYS_REFUSED:
                operation["deprecated"] = True
            media = NON_JSON.get((path, method))
            if media is not None:
                ok = next((s for s in ("200", "201") if s in responses), "200")
                responses[ok] = {"description": responses.get(ok, {}).get("description", "OK")}
                responses[ok]["content"] = media
    schemas = components["schemas"]
    for model, field in TYPED_HASH_MODELS.items():
        if model in schemas:
            schemas[model] = _typed_hash_variants(schemas[model], field)
    if "BankCreate" in schemas:
        schemas["BankCreate"]["properties"]["name"] = BANK_NAME
    if "OrgCreate" in schemas:
        schemas["OrgCreate"]["properties"]["name"] = ORG_NAME
    if "ShareCreate" in schemas:
        schemas["ShareCreate"]["properties"]["org"] = ORG_NAME
    if "KeyCreate" in schemas:
        schemas["KeyCreate"]["properties"]["role"] = {
            "type": "string",
            "enum": ["admin", "platform", "reviewer", "hotline", "regulator"],
        }
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return document


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the rewritten document (built once, then cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = rewrite(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                    tags=app.openapi_tags,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
