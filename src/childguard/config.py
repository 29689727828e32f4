"""Settings, read from the environment with the ``CHILDGUARD_`` prefix.

Every field has a description; ``docs/configuration.md`` lists them all and a test checks that
the list and this class agree.

Every setting is a scalar, so reading them needs no more than a pydantic model filled from
``os.environ``: pydantic-settings, which did it before, cost every command 120 ms of imports
(asyncio, pydantic's dataclasses, its cloud secret providers) on a 0.4 s ``childguard hash``
(issue 13: a quick CLI).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

#: The prefix of every setting's environment variable.
ENV_PREFIX = "CHILDGUARD_"


def default_data_dir() -> Path:
    """The user's data directory for childguard: ``$XDG_DATA_HOME/childguard``, by default
    ``~/.local/share/childguard``. The CLI and the server use it wherever they are started from."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "childguard"


def environment_values(names: Iterable[str]) -> dict[str, str]:
    """The ``CHILDGUARD_*`` variables of this process that name one of ``names``.

    Matched case-insensitively (``childguard_org`` sets ``org`` too), as pydantic-settings did.
    """
    wanted = set(names)
    out: dict[str, str] = {}
    for key, value in os.environ.items():
        upper = key.upper()
        if upper.startswith(ENV_PREFIX):
            name = upper[len(ENV_PREFIX) :].lower()
            if name in wanted:
                out[name] = value
    return out


class Settings(BaseModel):
    """Runtime configuration. Build one per process (or per test); nothing reads it at import.

    ``Settings(**values)`` takes each setting from ``values``, else from the environment
    variable ``CHILDGUARD_<NAME>``, else its default; every value is validated, defaults too.
    ``model_copy`` and unpickling (a Dask worker) keep the values as they were: they do not
    read the environment again.
    """

    model_config = ConfigDict(extra="ignore", validate_default=True)

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, data: Any) -> Any:
        # A validator, not an ``__init__``, so that type checkers still see each keyword.
        if isinstance(data, dict):
            return {**environment_values(cls.model_fields), **data}
        return data

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description=(
            "Directory for the SQLite database, indexes and caches; created on first use. "
            "Default: `$XDG_DATA_HOME/childguard` (`~/.local/share/childguard`), the same for "
            "the CLI and the server whatever folder they start in."
        ),
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy database URL. Empty means a SQLite file `childguard.db` in the data "
            "directory; use `postgresql+psycopg://user:pass@host/db` in production."
        ),
    )
    org: str = Field(
        default="local",
        description=(
            "Organisation the command line acts for (banks are owned per organisation); "
            "created on first use. The server's first admin key (`serve --bootstrap`) belongs "
            "to it too, so lists imported by the CLI match the API's scans."
        ),
    )
    max_upload_bytes: int = Field(
        default=200 * 1024 * 1024, gt=0, description="Largest file accepted for hashing, in bytes."
    )
    upload_memory_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=0,
        description=(
            "Uploads up to this size are hashed in memory and never touch the disk; larger ones "
            "go through a private temporary file, deleted once hashed."
        ),
    )
    fast_routes: bool = Field(
        default=True,
        description=(
            "Serve the hot routes (POST /v1/scan, POST /v1/lookup, GET and POST /m/lookup) by a "
            "lean ASGI handler with the same behaviour; off sends them through FastAPI's router."
        ),
    )
    max_pixels: int = Field(
        default=50_000_000,
        gt=0,
        description=(
            "Largest image (width x height) decoded; larger ones are refused unread (413, "
            "CLI exit 2). 50 million pixels covers 50-megapixel camera photos."
        ),
    )
    decode_pixel_budget: int = Field(
        default=100_000_000,
        gt=0,
        description=(
            "Pixels all image decodes of one process may hold at once (decoding peaks near "
            "4 bytes a pixel, so 100 million is about 400 MB); a decode waits for room."
        ),
    )
    decode_wait_seconds: float = Field(
        default=30.0,
        ge=0,
        description=(
            "Longest a decode waits for room in the pixel budget before the request is "
            "answered 503 with Retry-After."
        ),
    )
    max_video_seconds: float = Field(
        default=4 * 3600.0, gt=0, description="Longest video hashed, in seconds."
    )
    pdq_threshold: int = Field(
        default=31,
        ge=0,
        le=256,
        description="Default PDQ match distance (Hamming bits) for banks without their own.",
    )
    pdq_min_quality: int = Field(
        default=50,
        ge=0,
        le=100,
        description="PDQ hashes of lower quality are reported but never used for a match.",
    )
    video_timeout_seconds: float = Field(
        default=1800.0,
        gt=0,
        description="Longest time one video may take to probe and hash before it is refused.",
    )
    video_memory_mb: int = Field(
        default=4096,
        ge=256,
        description="Address-space limit, in MiB, of the child process that decodes a video.",
    )
    vpdq_frames_per_second: float = Field(
        default=1.0, gt=0, description="Frames sampled per second of video for vPDQ."
    )
    vpdq_match_percent: float = Field(
        default=80.0,
        gt=0,
        le=100,
        description="Share of a video's unique good frames that must match a banked video.",
    )
    admin_org: str | None = Field(
        default=None,
        description=(
            "Organisation whose admin keys manage every organisation and key of the deployment; "
            "`childguard serve --bootstrap` creates it with a first admin key. Empty means "
            "`CHILDGUARD_ORG`: one organisation for the CLI and the server."
        ),
    )
    index_poll_seconds: float = Field(
        default=0.5,
        gt=0,
        le=60,
        description="How often each server process applies bank changes made by other processes.",
    )
    request_timeout_seconds: float = Field(
        default=120.0, gt=0, description="Longest time an API request may take before a 503."
    )
    auth_failure_limit: int = Field(
        default=30,
        ge=0,
        description=(
            "Failed authentications a client address may make per rate-limit window; past "
            "it, every request from that address is answered 429 until the window ends. "
            "0 turns the throttle off."
        ),
    )
    key_request_limit: int = Field(
        default=0,
        ge=0,
        description=(
            "Requests one API key may make per rate-limit window (429 past it); 0 means no limit."
        ),
    )
    rate_limit_window_seconds: float = Field(
        default=60.0, gt=0, le=86400, description="Length of a rate-limit window, in seconds."
    )
    rate_limit_sync_seconds: float = Field(
        default=1.0,
        ge=0,
        le=60,
        description=(
            "How often a server adds its per-key request counts to the shared counters in "
            "the database (0: on every request); failed authentications are added at once."
        ),
    )
    max_lookup_hashes: int = Field(
        default=1000, gt=0, description="Most hashes accepted by one lookup request."
    )
    audit_key_path: Path | None = Field(
        default=None,
        description=(
            "Ed25519 key (PEM) that signs audit checkpoints and witness countersignatures; "
            "kept outside the database. Empty means `audit-signing.key` in the data directory, "
            "created on first use."
        ),
    )
    audit_checkpoint_path: Path | None = Field(
        default=None,
        description=(
            "File the signed audit checkpoints are appended to; empty means "
            "`audit-checkpoints.jsonl` in the data directory."
        ),
    )
    audit_checkpoint_seconds: float = Field(
        default=600.0,
        ge=0,
        description=(
            "How often a server signs a checkpoint of the audit log when it grew; 0 turns "
            "the periodic checkpoints off (`childguard audit checkpoint` still works)."
        ),
    )
    log_level: str = Field(default="INFO", description="Logging level (DEBUG, INFO, WARNING...).")
    log_json: bool | None = Field(
        default=None,
        description="Force JSON logs (true) or plain text (false); default: JSON unless on a TTY.",
    )

    textrisk_model_path: Path | None = Field(
        default=None,
        description=(
            "Text-risk model file (`.npz` with a `.json` beside it) made by `childguard text "
            "train`; empty means the model shipped inside the package."
        ),
    )
    textrisk_threshold_grooming: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description=(
            "Conversation GROOMING probability that flags it, for every language; empty means "
            "the model's thresholds, calibrated per language."
        ),
    )
    textrisk_threshold_sextortion: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description=(
            "Conversation SEXTORTION probability that flags it, for every language; empty means "
            "the model's thresholds, calibrated per language."
        ),
    )
    textrisk_threshold_bullying: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description=(
            "Conversation BULLYING probability that flags it, for every language; empty means "
            "the model's thresholds, calibrated per language."
        ),
    )
    textrisk_threshold_csam_trade: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description=(
            "Conversation CSAM_TRADE probability that flags it, for every language; empty means "
            "the model's thresholds, calibrated per language."
        ),
    )
    textrisk_finding_threshold: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Message-level model probability from which a model finding is reported.",
    )
    textrisk_stage_window: int = Field(
        default=200,
        gt=0,
        description="Grooming stages count towards a conversation only within this many messages.",
    )
    textrisk_max_messages: int = Field(
        default=10_000, gt=0, description="Most messages accepted in one conversation."
    )
    textrisk_max_message_chars: int = Field(
        default=2_000_000,
        gt=0,
        description="Longest message accepted, in characters; longer ones are refused.",
    )
    textrisk_analysed_chars: int = Field(
        default=4_000,
        gt=0,
        description=(
            "Characters of each message that are analysed; the rest is skipped and the "
            "message is marked `truncated`, which bounds the time a huge message takes."
        ),
    )
    textrisk_max_findings: int = Field(
        default=500, gt=0, description="Most findings listed per conversation (highest first)."
    )
    textrisk_interventions_dir: Path | None = Field(
        default=None,
        description=(
            "Directory of per-language safety-message files (`en.json`, `km.json`, `vi.json`) "
            "that replace the shipped ones for this deployment."
        ),
    )
    textrisk_khmer_words: bool = Field(
        default=False,
        description=(
            "Explain Khmer model findings with khmer-nltk words (loads a 2 s model on first use); "
            "off means Khmer syllables, which need no model."
        ),
    )

    evidence_enabled: bool = Field(
        default=False,
        description=(
            "Keep the original bytes of every organisation's case media in the encrypted "
            "evidence store; off means only organisations that opt in (`childguard evidence "
            "enable`, `PUT /v1/evidence/settings`) keep them."
        ),
    )
    evidence_dir: Path | None = Field(
        default=None,
        description=(
            "Directory of the encrypted evidence files; empty means `evidence` in the data "
            "directory. Servers that share a database must share this directory too."
        ),
    )
    evidence_master_key: SecretStr | None = Field(
        default=None,
        description=(
            "Master key (32 bytes, base64) that wraps each organisation's evidence data key; "
            "empty means the key file (`CHILDGUARD_EVIDENCE_KEY_FILE`)."
        ),
    )
    evidence_previous_master_keys: SecretStr | None = Field(
        default=None,
        description=(
            "Earlier master keys (base64, comma-separated) still accepted for unwrapping while "
            "`childguard evidence rotate-key --master` re-wraps the data keys under the new one."
        ),
    )
    evidence_key_file: Path | None = Field(
        default=None,
        description=(
            "File holding the master key (base64, one per line, current first) when "
            "`CHILDGUARD_EVIDENCE_MASTER_KEY` is empty; default `evidence-master.key` in the "
            "data directory, generated with mode 0600 on first use."
        ),
    )
    evidence_retention_days: int = Field(
        default=90, gt=0, description="Days kept evidence lives before the purge deletes it."
    )
    evidence_reported_retention_days: int = Field(
        default=365,
        gt=0,
        description="Days evidence lives after it was reported to a hotline (counted from then).",
    )
    evidence_purge_interval_seconds: float = Field(
        default=3600.0,
        ge=0,
        description=(
            "How often the server purges expired evidence and sweeps orphaned files; "
            "0 turns the schedule off (`childguard evidence purge` still works)."
        ),
    )
    feed_poll_seconds: float = Field(
        default=60.0,
        ge=0,
        description=(
            "How often the server pulls the feeds this deployment subscribes to and sends "
            "pending feedback; 0 turns polling off (`childguard feed sync` still works)."
        ),
    )
    feed_page_size: int = Field(
        default=50_000,
        ge=1,
        le=50_000,
        description=(
            "Changes asked for per feed page when syncing a subscription (1 to 50,000; "
            "bigger pages mean fewer round trips and commits; the subscriber holds its write lock "
            "while it applies one)."
        ),
    )
    feed_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Longest wait for a publisher or partner API answer."
    )
    feed_max_backoff_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="Longest wait between retries of a failing subscription (backoff doubles).",
    )
    ncmec_hash_url: str = Field(
        default="",
        description=(
            "Base URL of NCMEC's hash-sharing API (e.g. https://report.cybertip.org/hashsharing); "
            "empty leaves the NCMEC exchange unconfigured."
        ),
    )
    ncmec_hash_user: str = Field(default="", description="NCMEC hash-sharing API user name.")
    ncmec_hash_password: str = Field(
        default="", description="NCMEC hash-sharing API password (never logged)."
    )
    stopncii_url: str = Field(
        default="",
        description="Base URL of StopNCII's hash API; empty leaves the exchange unconfigured.",
    )
    stopncii_subscription_key: str = Field(
        default="", description="StopNCII API subscription key (never logged)."
    )
    stopncii_fetch_key: str = Field(
        default="", description="StopNCII function key for fetching hashes (never logged)."
    )
    webhook_allow_private: bool = Field(
        default=False,
        description=(
            "Allow webhook URLs that resolve to loopback, private or link-local addresses "
            "(checked when a webhook is added and again at every delivery); tests and "
            "single-host installs set it."
        ),
    )
    webhook_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="Connect and read timeout of one webhook delivery, in seconds.",
    )
    outbox_retry_hours: float = Field(
        default=24.0,
        gt=0,
        description=(
            "A message of the outbox (webhook events) is retried with exponential backoff for "
            "this many hours after it was queued (or redelivered), then dead-lettered."
        ),
    )
    stats_k: int = Field(
        default=10,
        ge=2,
        le=1000,
        description=(
            "Disclosure control threshold: a published count from 1 to k-1 is suppressed, "
            "with complementary suppression so it cannot be recovered."
        ),
    )
    stats_ministry_url: str = Field(
        default="",
        description=(
            "Base URL of the ministry's childguard instance that receives this platform's "
            "signed monthly statistics and assessments (empty: nothing is sent on a schedule)."
        ),
    )
    stats_ministry_key: str = Field(
        default="",
        description="API key this organisation holds on the ministry's instance (platform role).",
    )
    stats_submit_day: int = Field(
        default=5,
        ge=0,
        le=28,
        description=(
            "Day of the month on which the server queues last month's statistics for the "
            "ministry (0: never on a schedule; `childguard stats submit` still works)."
        ),
    )
    outbox_worker: bool = Field(
        default=True,
        description=(
            "Run the outbox delivery worker inside each server process; off leaves delivery "
            "to other servers on the same database."
        ),
    )
    outbox_concurrency: int = Field(
        default=8,
        ge=1,
        le=256,
        description="Deliveries one server process makes at the same time (threads).",
    )
    outbox_poll_seconds: float = Field(
        default=0.5,
        gt=0,
        le=60,
        description="How often an idle outbox worker looks for messages that are due.",
    )
    outbox_lease_seconds: float = Field(
        default=120.0,
        gt=0,
        description=(
            "How long a worker holds a claimed message; a worker killed mid-delivery leaves it "
            "to be claimed again after this time. At least twice the webhook timeout."
        ),
    )
    backfill_batch_size: int = Field(
        default=1024,
        gt=0,
        le=10_000,
        description=(
            "Most files per Dask task in `childguard backfill`; within it, batches are sized "
            "to take a worker about `backfill_batch_seconds`, and the last batches of a run "
            "are smaller, so the workers finish together. Each finished batch is recorded in "
            "the run's manifest, so a crash re-scans at most the batches in flight."
        ),
    )
    backfill_batch_seconds: float = Field(
        default=1.0,
        gt=0,
        le=600,
        description=(
            "How long one backfill batch should take a worker: longer batches cost fewer Dask "
            "messages, shorter ones move the progress bar more often and lose less work when "
            "a worker dies."
        ),
    )
    backfill_worker_memory_mb: int = Field(
        default=1024,
        ge=256,
        description=(
            "Memory limit, in MiB, of each local Dask worker process of `childguard backfill`; "
            "a worker past it is restarted and the file it held is listed as failed."
        ),
    )
    s3_endpoint_url: str | None = Field(
        default=None,
        description=(
            "Endpoint of an S3-compatible store (MinIO, Ceph, ...) for `s3://` backfill sources; "
            "empty means AWS. Credentials come from the usual `AWS_*` variables."
        ),
    )
    intel_enabled: bool = Field(
        default=True,
        description=(
            "Compute media intelligence (metadata, places, faces, nudity score, text in images) "
            "for backfilled and inspected images; it orders review and never decides."
        ),
    )
    intel_ocr: bool = Field(
        default=True,
        description=(
            "Read text in images with Tesseract, only when a cheap detector says the image "
            "likely holds text, and analyse it with the text-risk engine."
        ),
    )
    intel_ocr_languages: str = Field(
        default="khm+vie+eng",
        description="Tesseract languages used to read text in images (`+`-separated).",
    )
    intel_nudity: bool = Field(
        default=True,
        description="Score nudity with NudeNet's 320n detector (onnxruntime, CPU).",
    )
    intel_faces: bool = Field(
        default=True, description="Count faces with OpenCV's bundled Haar cascade."
    )
    priority_weight_match: float = Field(
        default=60.0,
        ge=0,
        description="Review-priority points for a match in a (non-allow) bank.",
    )
    priority_weight_text: float = Field(
        default=20.0,
        ge=0,
        description=(
            "Review-priority points times the highest text-risk score of text in the image."
        ),
    )
    priority_weight_nudity: float = Field(
        default=15.0, ge=0, description="Review-priority points times the nudity score (0 to 1)."
    )
    priority_weight_faces: float = Field(
        default=5.0,
        ge=0,
        description="Review-priority points for faces (full weight from three faces up).",
    )

    ncmec_url: str = Field(
        default="",
        description=(
            "Base URL of NCMEC's CyberTipline reporting API (e.g. "
            "https://exttest.cybertip.org/ispws for the test server); empty leaves NCMEC "
            "reporting unconfigured unless the secrets file names it."
        ),
    )
    ncmec_username: str = Field(default="", description="CyberTipline API user name.")
    ncmec_password: SecretStr | None = Field(
        default=None, description="CyberTipline API password (never logged)."
    )
    ncmec_secrets_file: Path | None = Field(
        default=None,
        description=(
            "JSON file of CyberTipline credentials per organisation, "
            '`{"<org name>": {"url": ..., "username": ..., "password": ...}}` ("*" for every '
            "other organisation); it wins over the three settings above."
        ),
    )
    ncmec_timeout_seconds: float = Field(
        default=60.0, gt=0, description="Longest wait for one CyberTipline API answer."
    )
    report_contact_email: str = Field(
        default="",
        description=(
            "E-mail address of the person NCMEC and the hotline contact about reports (the "
            "reporting person; required by law in a CyberTipline report). The secrets file may "
            "give one per organisation (`contact_email`)."
        ),
    )
    report_contact_name: str = Field(
        default="", description="Name of the reporting person (optional, `First Last`)."
    )
    report_poll_seconds: float = Field(
        default=5.0,
        ge=0,
        description=(
            "How often the server's report worker sends reports that are due; 0 turns it off "
            "(`childguard report run` still works)."
        ),
    )
    report_threads: int = Field(
        default=4,
        ge=1,
        le=64,
        description=(
            "Reports the server's report worker sends at once (a bounded pool; each report has "
            "one sender at a time whatever the number)."
        ),
    )
    report_lease_seconds: float = Field(
        default=120.0,
        gt=0,
        description=(
            "How long a worker holds a report while sending it; a worker killed mid-way leaves "
            "it to another worker after this."
        ),
    )
    report_sinks: str = Field(
        default="ncmec",
        description=(
            "Sinks a confirmed decision with the `report` action files with "
            "(comma-separated: `ncmec`, `kh_referral`)."
        ),
    )
    report_retry_seconds: float = Field(
        default=5.0,
        gt=0,
        description="Wait before the first retry of a report after a timeout or 5xx (doubles).",
    )
    report_max_backoff_seconds: float = Field(
        default=900.0,
        gt=0,
        description="Longest wait between retries of a report after timeouts or 5xx answers.",
    )
    kh_referral_hotline_org: str = Field(
        default="",
        description=(
            "Name of the local organisation of the Cambodian hotline; its hotline keys may read "
            "and download the referral packages sent to it."
        ),
    )
    kh_referral_email_to: str = Field(
        default="",
        description=(
            "Address the Cambodian referral packages are e-mailed to; empty means the package "
            "is only downloaded (API, console)."
        ),
    )
    kh_referral_email_from: str = Field(
        default="childguard@localhost", description="Sender address of referral e-mails."
    )
    smtp_host: str = Field(default="localhost", description="SMTP server for referral e-mails.")
    smtp_port: int = Field(default=25, ge=1, le=65535, description="SMTP server port.")
    smtp_starttls: bool = Field(
        default=False, description="Upgrade the SMTP connection with STARTTLS before sending."
    )
    smtp_username: str = Field(default="", description="SMTP user name (empty: no login).")
    smtp_password: SecretStr | None = Field(
        default=None, description="SMTP password (never logged)."
    )

    web_idle_minutes: int = Field(
        default=30,
        ge=1,
        le=24 * 60,
        description=(
            "A console session unused for this many minutes ends; the next page asks to sign in."
        ),
    )
    web_max_failed_logins: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Failed console sign-ins in a row after which the account is locked.",
    )
    web_lockout_minutes: int = Field(
        default=15,
        ge=1,
        le=24 * 60,
        description="How long a console account stays locked after too many failed sign-ins.",
    )
    web_login_attempts_per_minute: int = Field(
        default=10,
        ge=1,
        le=10_000,
        description="Sign-in attempts one client address may make per minute (more are refused).",
    )

    @model_validator(mode="after")
    def _normalise_paths(self) -> Settings:
        self.data_dir = self.data_dir.expanduser()
        if self.evidence_dir is not None:
            self.evidence_dir = self.evidence_dir.expanduser()
        if self.evidence_key_file is not None:
            self.evidence_key_file = self.evidence_key_file.expanduser()
        if self.outbox_lease_seconds < 2 * self.webhook_timeout_seconds:
            raise ValueError(
                "CHILDGUARD_OUTBOX_LEASE_SECONDS must be at least twice "
                "CHILDGUARD_WEBHOOK_TIMEOUT_SECONDS"
            )
        if self.ncmec_secrets_file is not None:
            self.ncmec_secrets_file = self.ncmec_secrets_file.expanduser()
        return self

    @property
    def resolved_admin_org(self) -> str:
        """The deployment's admin organisation (``admin_org``, else ``org``)."""
        return self.admin_org or self.org

    @property
    def resolved_database_url(self) -> str:
        """The database URL actually used (the SQLite default spelled out)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'childguard.db').absolute()}"

    @property
    def resolved_evidence_dir(self) -> Path:
        """The directory of encrypted evidence files actually used."""
        return self.evidence_dir or self.data_dir / "evidence"

    @property
    def resolved_evidence_key_file(self) -> Path:
        """The master key file actually used when no master key is set."""
        return self.evidence_key_file or self.data_dir / "evidence-master.key"
