"""The HTTP API (FastAPI). Build an app with ``childguard.api.app.create_app(settings)``."""
