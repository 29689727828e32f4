"""Statistics for the regulator: counts only, with small-cell disclosure control (issue 19)."""

#: Outbox kind of a signed statistics or assessment submission to the ministry's instance.
OUTBOX_KIND = "stats_submission"
