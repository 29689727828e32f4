"""Indexes from hash strings to bank-entry ids."""
