"""Journeys: a scripted visit (TOML) replayed through the proxy for `scan`, `check` and
`crawl` (`model` reads the file, `steps` performs one step, `run` walks the journey, `log` is
what happened and when, `summary` is the report's `journey` section)."""
