"""Settings, read from the environment with the ``CHILDGUARD_`` prefix.

Every field has a description; ``docs/configuration.md`` lists them all and a test checks that
the list and this class agree.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration. Build one per process (or per test); nothing reads it at import."""

    model_config = SettingsConfigDict(env_prefix="CHILDGUARD_", extra="ignore")

    data_dir: Path = Field(
        default=Path("childguard-data"),
        description="Directory for the SQLite database, indexes and caches; created on first use.",
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
            "created on first use."
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
        default=100_000_000,
        gt=0,
        description="Largest image (width x height) decoded; larger ones are refused unread.",
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
    admin_org: str = Field(
        default="admin",
        description=(
            "Organisation whose admin keys manage every organisation and key of the deployment; "
            "`childguard serve --bootstrap` creates it with a first admin key."
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
    max_lookup_hashes: int = Field(
        default=1000, gt=0, description="Most hashes accepted by one lookup request."
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

    @model_validator(mode="after")
    def _normalise_paths(self) -> Settings:
        self.data_dir = self.data_dir.expanduser()
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL actually used (the SQLite default spelled out)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'childguard.db').absolute()}"
