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
    textrisk_threshold_grooming: float = Field(
        default=0.5, ge=0, le=1, description="Conversation GROOMING probability that flags it."
    )
    textrisk_threshold_sextortion: float = Field(
        default=0.5, ge=0, le=1, description="Conversation SEXTORTION probability that flags it."
    )
    textrisk_threshold_bullying: float = Field(
        default=0.5, ge=0, le=1, description="Conversation BULLYING probability that flags it."
    )
    textrisk_threshold_csam_trade: float = Field(
        default=0.5, ge=0, le=1, description="Conversation CSAM_TRADE probability that flags it."
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

    backfill_batch_size: int = Field(
        default=128,
        gt=0,
        le=10_000,
        description=(
            "Files per Dask task in `childguard backfill`; each finished batch is recorded in "
            "the run's manifest, so a crash re-scans at most the batches in flight."
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
