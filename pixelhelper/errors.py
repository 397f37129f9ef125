"""One exception type per pipeline layer, so callers can tell bad input from bad use."""


class PixelHelperError(Exception):
    """Base class of every error pixelhelper raises on purpose."""


class SourceError(PixelHelperError):
    """A capture file could not be read (missing, corrupt, truncated, not a capture)."""


class ConfigError(PixelHelperError):
    """An option, policy or identities file is unusable."""
