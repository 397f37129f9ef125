"""pixelhelper: a TikTok Pixel Helper for the terminal and CI.

The public API is small: audit captures or plain requests, and read the plain-data result.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
