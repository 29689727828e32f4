"""Regenerate docs/configuration.md from the Settings class (run after adding a setting)."""

from __future__ import annotations

from pathlib import Path

from childguard.config import Settings

HEADER = """# Configuration

childguard reads its settings from environment variables with the prefix `CHILDGUARD_`
(read when a command or the server starts). Every variable is optional. This file is generated from
`src/childguard/config.py` by `python scripts/gen_config_docs.py`; a test keeps the two in step.

| variable | default | meaning |
|---|---|---|
"""


def main() -> None:
    """Write the table of settings."""
    rows = []
    for name, field in Settings.model_fields.items():
        if field.default_factory is not None:
            default = "(see meaning)"
        else:
            default = field.default if field.default is not None else ""
        rows.append(f"| `CHILDGUARD_{name.upper()}` | `{default}` | {field.description} |")
    out = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
    out.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
