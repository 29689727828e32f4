"""Native (C) hashers: bit-exact and several times faster than the pure-binding paths."""
