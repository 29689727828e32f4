"""Webhooks: organisation endpoints told about cases and actions through a durable outbox."""
