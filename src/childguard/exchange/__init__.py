"""Sharing signals between organisations: signed feeds both ways, feedback, account signals.

- ``feeds``: the publisher's side of childguard-to-childguard feeds (publish, grant, pages).
- ``pages``: the signed page format and its verification (signature, cursor, replay).
- ``subscriptions``: the subscriber's side (subscribe, sync with backoff, apply a page whole).
- ``feedback``: verdicts per entry, from review decisions or by hand, through an outbox.
- ``accounts``: Lantern-like account and URL signals (HMAC-SHA256 under a group key).
- ``adapters``: ``Exchange`` plugins for HMA, NCMEC hash sharing and StopNCII.
- ``transport``: the HTTP client, kept apart from the adapters (tests pass fakes or real servers).

Nothing here imports FastAPI, Typer or Jinja; the API and the CLI call these functions.
"""
