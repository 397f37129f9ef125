"""Files pixelhelper writes: checked before the work starts, private when they hold raw data.

A capture saved with `--save` keeps the traffic exactly as sent (credentials and personal data
included), so it is created 0600. Every output path is probed before an audit or a proxy
starts, so a typo in `--output` costs a one-line error, not the report of a long session.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from pixelhelper.errors import ConfigError

_CHUNK = 1 << 20


def check_writable(path: str | Path, what: str = "output") -> Path:
    """Fail early, with the reason, if `path` cannot be written.

    Creates and removes an empty file when `path` does not exist yet.

    Raises:
        ConfigError: naming the option's role (`what`) and the path.
    """
    target = Path(path)
    if target.is_dir():
        raise ConfigError(f"cannot write {what} {target}: it is a directory")
    existed = target.exists()
    try:
        with target.open("ab"):
            pass
    except OSError as exc:
        raise ConfigError(f"cannot write {what} {target}: {exc.strerror or exc}") from exc
    if not existed:
        target.unlink(missing_ok=True)
    return target


def open_private(path: str | Path) -> IO[bytes]:
    """Open `path` for writing, truncated, readable by its owner only (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with contextlib.suppress(OSError):  # a FIFO or a filesystem without modes
        os.fchmod(fd, 0o600)  # an existing file keeps its old mode otherwise
    return os.fdopen(fd, "wb")


def write_text(path: str | Path, text: str, private: bool = False) -> None:
    """Write a report completely (0600 when it holds raw values)."""
    data = text.encode("utf-8")
    if private:
        with open_private(path) as handle:
            _write_all(handle, data)
    else:
        with Path(path).open("wb") as handle:
            _write_all(handle, data)


Write = Callable[[str], None]


@contextlib.contextmanager
def report_stream(path: str | Path | None, private: bool = False) -> Iterator[Write]:
    """A `write(text)` for a report written piece by piece: to `path` (0600 when it holds raw
    values) or, without one, to stdout (undecodable characters replaced, never an error)."""
    if path is None:
        stream = sys.stdout
        buffer = getattr(stream, "buffer", None)
        if buffer is None:  # a replaced stdout (tests, embedding): text only

            def write(text: str) -> None:
                stream.write(text)

            yield write
            stream.flush()
            return
        stream.flush()
        encoding = stream.encoding or "utf-8"
        yield lambda text: _write_all(buffer, text.encode(encoding, errors="replace"))
        buffer.flush()
        return
    with open_private(path) if private else Path(path).open("wb") as handle:
        yield lambda text: _write_all(handle, text.encode("utf-8"))


def _write_all(handle: IO[bytes], data: bytes) -> None:
    view = memoryview(data)
    for start in range(0, len(view), _CHUNK):
        handle.write(view[start : start + _CHUNK])


def write_stdout(text: str) -> None:
    """Write a report of any size to stdout completely, in chunks (one `write` of more than
    2 GiB is cut short by the OS)."""
    stream = sys.stdout
    buffer = getattr(stream, "buffer", None)
    if buffer is None:  # a replaced stdout (tests, embedding): text only
        for start in range(0, len(text), _CHUNK):
            stream.write(text[start : start + _CHUNK])
        stream.flush()
        return
    stream.flush()
    _write_all(buffer, text.encode(stream.encoding or "utf-8", errors="replace"))
    buffer.flush()
