"""``Exchange`` plugins: pull signals from other systems into banks (and give opinions back)."""
