"""The durable outbox: everything sent to another system, written in the causing transaction.

``store`` writes, claims and settles messages; ``worker`` delivers them with retries and
backoff through a handler per ``kind`` (webhooks first; hotline reports, feeds and statistics
submissions later); ``registry`` assembles the handlers a server runs.
"""
