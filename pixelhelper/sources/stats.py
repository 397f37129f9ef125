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


@dataclass
class Meter:
    """How far an audit has got, for a progress display on another thread (never reported).

    Readers set `position` as they go; the audit loop moves on `done`, `flows` and `events`.
    Plain attribute writes: a reader on another thread sees a recent value, which is all a
    progress bar needs.
    """

    total: int = 0
    """Bytes of every file to read."""
    done: int = 0
    """Bytes of the files already read."""
    position: int = 0
    """Bytes read of the current file."""
    flows: int = 0
    """Records of the files already read."""
    events: int = 0
    """Pixel events decoded so far."""
    current: SourceStats | None = None

    @property
    def bytes_read(self) -> int:
        """Bytes read so far, over all files."""
        return self.done + self.position

    @property
    def flows_read(self) -> int:
        """Records read so far, over all files."""
        return self.flows + (self.current.flows if self.current else 0)
