"""Files pixelhelper writes: checked before the work starts, private when they hold raw data,
and never left half-written.

A capture saved with `--save` keeps the traffic exactly as sent (credentials and personal data
included), so it is created 0600. Every output path is probed before an audit or a proxy
starts, so a typo in `--output` costs a one-line error, not the report of a long session.

Every file goes through `atomic_output`: it is written to a temporary file beside the target
and renamed over it only once complete, so a full disk or a file-size limit leaves the old
file (or none), never a truncated one, and ends in a `WriteError` that names the file (exit 2),
not in an internal error. A device or a FIFO (`-o /dev/stdout`) is written in place.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

from pixelhelper.errors import ConfigError

_CHUNK = 1 << 20


class WriteError(ConfigError):
    """A file could not be written completely (nothing partial is left at its path)."""


def refuse_inputs(output: str | Path | None, inputs: Iterable[str | Path], option: str) -> None:
    """Refuse an output that is one of the inputs: it would be emptied before it is read.

    Raises:
        ConfigError: naming the option and the file.
    """
    if not output:
        return
    for given in inputs:
        try:
            same = os.path.samefile(output, given)
        except (OSError, ValueError):
            continue
        if same:
            raise ConfigError(
                f"{option} {output} is one of the inputs; it would be overwritten before it "
                "is read: write elsewhere"
            )


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


class AtomicFile:
    """A file being written beside its target; `commit` renames it into place, `discard`
    removes it. Used directly where a file is written over a long time (`live --save`)."""

    def __init__(self, path: str | Path, private: bool = False) -> None:
        self.target = Path(path)
        self.temporary: Path | None = None
        special = _is_special(self.target)
        try:
            if special:  # a device or a FIFO: there is nothing to rename over
                fd = os.open(self.target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            else:
                self.temporary = self.target.with_name(
                    f".{self.target.name}.{secrets.token_hex(4)}.part"
                )
                mode = 0o600 if private else 0o666  # the umask applies to the latter
                fd = os.open(self.temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except OSError as exc:
            raise self._error(exc) from exc
        self.handle: IO[bytes] = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        """Write all of `data` (in pieces: one write of over 2 GiB is cut short by the OS)."""
        try:
            _write_all(self.handle, data)
        except OSError as exc:
            self.discard()
            raise self._error(exc) from exc

    def commit(self) -> None:
        """Flush, close and put the file in place."""
        try:
            self.handle.close()
            if self.temporary is not None:
                os.replace(self.temporary, self.target)
                self.temporary = None
        except OSError as exc:
            self.discard()
            raise self._error(exc) from exc

    def discard(self) -> None:
        """Close and remove what was written (the target keeps what it had)."""
        with contextlib.suppress(OSError):
            self.handle.close()
        if self.temporary is not None:
            with contextlib.suppress(OSError):
                self.temporary.unlink()
            self.temporary = None

    def _error(self, exc: OSError) -> WriteError:
        return WriteError(f"cannot write {self.target}: {exc.strerror or exc}")


def _is_special(path: Path) -> bool:
    try:
        return not stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


@contextlib.contextmanager
def atomic_output(path: str | Path, private: bool = False) -> Iterator[AtomicFile]:
    """An `AtomicFile` committed when the block ends normally, discarded otherwise.

    Raises:
        WriteError: the file could not be written completely; nothing partial is left.
    """
    output = AtomicFile(path, private)
    try:
        yield output
    except BaseException:
        output.discard()
        raise
    output.commit()


def write_text(path: str | Path, text: str, private: bool = False) -> None:
    """Write a report completely (0600 when it holds raw values), or not at all."""
    write_bytes(path, text.encode("utf-8", errors="replace"), private)


def write_bytes(path: str | Path, data: bytes, private: bool = False) -> None:
    """Write `data` completely (0600 when it holds raw values), or not at all."""
    with atomic_output(path, private) as output:
        output.write(data)


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
    with atomic_output(path, private) as output:
        yield lambda text: output.write(text.encode("utf-8", errors="replace"))


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
