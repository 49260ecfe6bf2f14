"""Controllers: one job each, wired by the main screen (which holds no feature of its own)."""
