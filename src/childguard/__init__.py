"""childguard: self-hostable child online protection.

Nothing is created at import time; build settings with ``childguard.config.Settings`` and an
app with ``childguard.api.app.create_app`` (when present).
"""

__version__ = "0.1.0"
