"""Statistics for the regulator: counts only, with small-cell disclosure control (issue 19)."""
