"""Signal types: how a kind of content is hashed and how two hashes compare."""
