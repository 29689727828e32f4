"""Media hashing and matching: signals, decoding, banks, indexes and scanning."""
