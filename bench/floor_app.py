"""The least an HTTP scan can cost on uvicorn: a bare ASGI app that only hashes the body.

Run by ``api_bench.py`` as ``uvicorn bench.floor_app:app`` beside childguard's server, to show
how much of childguard's API overhead any ASGI service on the same stack would pay. It reads
the raw request body, calls ``hash_data`` on it (on a worker thread when
``FLOOR_WORK=thread``, as childguard's handlers do; on the event loop when ``inline``; not at
all when ``none``, which leaves only the transport: loopback, uvicorn, the body) and answers a
few bytes of JSON. No routing, authentication, multipart parsing, matching, logging
or metrics: not a service, a measuring stick.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from childguard.config import Settings
from childguard.media.scan import hash_data
from childguard.runtime import tune_allocator

_settings = Settings()
_threads = ThreadPoolExecutor(thread_name_prefix="floor-work")
_work = os.environ.get("FLOOR_WORK", "thread")
if _work not in ("thread", "inline", "none"):
    raise SystemExit(f"FLOOR_WORK={_work!r}: use thread, inline or none")
tune_allocator()


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """ASGI entry point: lifespan handshakes, and any HTTP request hashes its body."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            kind = message["type"].rsplit(".", 1)[-1]
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return
    if scope["type"] != "http":
        return
    parts = []
    while True:
        message = await receive()
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    data = b"".join(parts)
    if _work == "inline":
        hash_data(data, "upload", _settings)
    elif _work == "thread":
        await asyncio.get_running_loop().run_in_executor(
            _threads, hash_data, data, "upload", _settings
        )
    body = b'{"hashed":%d}' % len(data)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
