"""The appraisal evidence pack: a one-page PDF and a JSON record that a leader's 360 was
completed, with a public verification page (docs/integration.md)."""
