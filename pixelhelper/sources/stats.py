"""What reading one capture file produced: counts, errors and warnings (JSON `sources`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SourceStats:
    """What reading one capture file produced. Serialised as-is into the JSON `sources` list.

    Attributes:
        path: The file as given.
        flows: Records read (flows, HAR entries, listed requests), pixel or not.
        pixel_requests: Of those, requests recognised as TikTok pixel traffic.
        errors: Why the file could not be read completely (exit code 2).
        warnings: What had to be repaired to read it (odd encodings); every event was kept.
    """

    path: str
    flows: int = 0
    pixel_requests: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
