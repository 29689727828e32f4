"""Server-rendered pages (the console of issue 16 joins them here at merge)."""
