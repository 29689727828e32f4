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
    max_upload_bytes: int = Field(
        default=200 * 1024 * 1024, gt=0, description="Largest file accepted for hashing, in bytes."
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
    log_level: str = Field(default="INFO", description="Logging level (DEBUG, INFO, WARNING...).")
    log_json: bool | None = Field(
        default=None,
        description="Force JSON logs (true) or plain text (false); default: JSON unless on a TTY.",
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
