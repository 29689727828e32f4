"""The static table of the ``childguard`` command line: its commands, their help lines, its options.

Plain data with no imports, so ``--version`` and the top-level ``--help`` are answered from it
without importing Typer or any command's module (see ``quick.py``); ``app.py`` builds the Typer
application from the same strings, and a test keeps each help line equal to its command's own.
"""

from __future__ import annotations

#: The top-level help text.
ROOT_HELP = "childguard: hash matching, chat risk detection and reporting to protect children."
#: The usage line's arguments after the program name.
ROOT_USAGE = "[OPTIONS] COMMAND [ARGS]..."
#: Help of the ``--version`` option.
VERSION_HELP = "Print the version and exit."
#: Help of the ``--help`` option (click's own wording).
HELP_HELP = "Show this message and exit."

#: Top-level command -> (module under ``childguard.cli`` whose ``register(app)`` adds it, the
#: one-line help shown by ``childguard --help``), in the order that help lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "hash": ("hash_cmd", "Hash files: PDQ for photos, vPDQ for videos, MD5 and SHA-256 for both."),
    "scan": ("scan_cmd", "Hash every file and look each signal up in every enabled bank."),
    "lookup": (
        "lookup_cmd",
        "Print, for each hash, the bank entries it matches (PDQ within each bank's threshold).",
    ),
    "bank": ("bank_cmd", "Manage hash banks (named lists of known hashes)."),
    "text": (
        "text_cmd",
        "Chat risk detection: grooming, sextortion, bullying, abuse-material trade.",
    ),
    "serve": (
        "server_cmd",
        "Serve the HTTP API (OpenAPI docs at /docs) and the web console (/login) until "
        "interrupted.",
    ),
    "db": ("db_cmd", "Database schema management."),
    "org": ("admin_cmd", "Organisations using this deployment."),
    "key": ("admin_cmd", "API keys (stored hashed, shown once)."),
    "audit": ("admin_cmd", "The hash-chained audit log."),
    "case": ("case_cmd", "Review cases: list, show, claim, decide."),
    "queue": ("queue_cmd", "Review queues and routing rules."),
    "webhook": (
        "webhook_cmd",
        "Webhooks: tell the platform about cases and actions (signed, retried).",
    ),
    "evidence": (
        "evidence_cmd",
        "The encrypted evidence store: opt-in, items, legal holds, purge and keys.",
    ),
    "feed": ("feed_cmd", "Signed feeds between organisations: publish, subscribe, sync, feedback."),
    "signals": ("signals_cmd", "Account and URL signals shared with a group as keyed hashes."),
    "exchange": (
        "exchange_cmd",
        "Pull signals from HMA, NCMEC hash sharing and StopNCII into banks.",
    ),
    "backfill": (
        "backfill_cmd",
        "Scan images, videos and conversation files (.jsonl) already stored, on Dask.",
    ),
    "inspect": (
        "inspect_cmd",
        "Show what a file says about itself: place, device, capture time, software, faces, "
        "nudity score, text in it (and its text risk), matches, and the review priority.",
    ),
    "report": (
        "report_cmd",
        "Reports to hotlines (NCMEC CyberTipline, Cambodian referral): file, list, show, "
        "retract, run, verify.",
    ),
    "dev": ("dev_cmd", "Development tools (local fakes of partner services)."),
    "user": ("user_cmd", "Console users (argon2id passwords)."),
    "stats": (
        "stats_cmd",
        "Statistics for the regulator: counts only, small numbers hidden; sent to the ministry.",
    ),
    "policy": (
        "stats_cmd",
        "Child online protection self-assessment against the shipped checklist.",
    ),
    "transparency": (
        "stats_cmd",
        "Write this organisation's transparency report (TRUST framework, EU 2024/2835 categories).",
    ),
}
