"""Hold a session's decoded events compactly: a few facts in memory, the rest compressed.

A decoded event is a tree of small Python objects (its payload, properties, user, action):
about 16 KiB each, so a capture with a hundred thousand pixel hits needed gigabytes, and the
proxy's garbage collector walked all of them again and again. What the session checks, the
summaries and the live views consult is small and fixed (`EventFacts`); the full event is
needed only to print it, once. So each event is kept as its facts plus its JSON-mode dump,
marshalled (an exact copy, produced and read by this process or its inspection worker),
compressed with zstd a batch at a time: printed as it is, rebuilt only on access.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, TypeVar, overload

import zstandard

if TYPE_CHECKING:
    from pixelhelper.models import Finding, PixelEvent

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What the session checks, summaries and live views read of an event."""

    source: str
    kind: str
    endpoint: str
    event: str | None
    event_id: str | None
    pixel_code: str | None
    pixel_codes: tuple[str, ...]
    page_url: str | None
    decode_error: str | None
    capture_time: float | None
    raw_codes: str
    """`context.pixel.codes` exactly as sent ("" when absent)."""
    first_party_id: bool
    """The hit carries the `_ttp` id: the cookie, or `context.user.anonymous_id`."""
    payload_digest: bytes
    """Identifies the payload: byte-identical payloads have the same digest."""
    signal_diagnostics: dict[str, Any] | None
    inspection: dict[str, Any] | None
    consent: dict[str, Any] | None = None
    """`--consent`: the mode the event was sent in and the state then (`PixelEvent.consent`)."""
    step: int | None = None
    """`--journey`: the step under way when it was sent (`PixelEvent.step`)."""
    vendor: str = "tiktok"
    """Whose pixel it is (`PixelEvent.vendor`)."""

    def __reduce__(self) -> tuple[type[EventFacts], tuple[Any, ...]]:
        """Pickled as its values, rebuilt by the constructor: the live proxy unpickles one
        per pixel hit from its inspection process, and a slots dataclass's own `__setstate__`
        walks `dataclasses.fields()` each time (a third of unpickling a hit's result)."""
        return EventFacts, tuple(getattr(self, name) for name in _FACT_FIELDS)

    @classmethod
    def of(cls, event: PixelEvent) -> EventFacts:
        """The facts of a decoded event."""
        user = event.user if isinstance(event.user, dict) else {}
        canonical = _serial(event.payload)
        return cls(
            source=event.source,
            kind=event.kind,
            endpoint=event.endpoint,
            event=event.event,
            event_id=event.event_id,
            pixel_code=event.pixel_code,
            pixel_codes=tuple(event.pixel_codes),
            page_url=event.page_url,
            decode_error=event.decode_error,
            capture_time=event.capture_time,
            raw_codes=_raw_codes(event.payload),
            first_party_id=bool(event.cookies.get("_ttp") or user.get("anonymous_id")),
            payload_digest=hashlib.blake2b(canonical, digest_size=16).digest(),
            signal_diagnostics=event.signal_diagnostics,
            inspection=event.inspection,
            consent=event.consent,
            step=event.step,
            vendor=event.vendor,
        )


_FACT_FIELDS = tuple(f.name for f in fields(EventFacts))


def _serial(value: Any) -> bytes:
    """Bytes that are equal for equal JSON values built in the same order (as byte-identical
    bodies parse). marshal's version 2 writes no back-references, so the bytes do not depend
    on which objects happen to be shared; it is several times cheaper than `json.dumps`."""
    try:
        return marshal.dumps(value, 2)
    except ValueError:  # not a plain JSON value after all
        return json.dumps(value, sort_keys=True, default=repr).encode()


def _raw_codes(payload: Any) -> str:
    node = payload
    for key in ("context", "pixel", "codes"):
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, str) else ""


def _encoded(event: PixelEvent) -> bytes:
    """The event as it is stored: its JSON-mode dump (the fields a report prints, as it
    prints them), marshalled. A report reads it back without rebuilding the model (half of
    printing an event was unpickling it and dumping it again); `store[i]` validates it."""
    return marshal.dumps(event.model_dump(mode="json"))


def pack(event: PixelEvent) -> tuple[EventFacts, bytes]:
    """An event as a store holds it: its facts and its bytes (`EventStore.append_packed`)."""
    return EventFacts.of(event), _encoded(event)


class Repeated:
    """One copy of each value a session repeats.

    Each decoded event and each finding is built, by the decoder, a detector or unpickling,
    with its own copy of every string: the source, endpoint and event names, pixel codes and
    page URLs of the events, the rule, category, location and message of the findings. Those
    copies were most of what a held event costs: the live proxy's state held 1,630 B per
    event of the benchmarks' payloads, 923 B with facts and findings sharing them. Values are
    hashable (strings, tuples); the table stops growing at `limit` distinct values, so a
    session of all-different URLs costs no more than before.
    """

    def __init__(self, limit: int = 100_000) -> None:
        self._values: dict[Any, Any] = {}
        self._limit = limit

    def __call__(self, value: T) -> T:
        """The first copy seen of an equal value (`value` itself when it is the first)."""
        shared = self._values.get(value)
        if shared is not None:
            return shared
        if len(self._values) < self._limit:
            self._values[value] = value
        return value


# A finding's fields whose values repeat from event to event (`FindingCompactor`).
_FINDING_TEXTS = ("type", "rule", "category", "severity", "location", "message",
                  "subcategory", "pixel_code")  # fmt: skip


class FindingCompactor:
    """Findings made to share what they repeat as a session records them: their strings
    (`Repeated`) and pydantic's set of the fields they were given (728 B each, for the same
    nine names). A held finding went from 2,360 B to 1,240. Findings are changed in place;
    a shared fields set is safe because what later code sets (`event`, `message`) is a
    required field, in every set already."""

    def __init__(self) -> None:
        self._texts = Repeated()
        self._field_sets: dict[frozenset[str], set[str]] = {}

    def __call__(self, finding: Finding) -> None:
        fields = finding.__dict__
        for name in _FINDING_TEXTS:
            value = fields.get(name)
            if value is not None:
                fields[name] = self._texts(value)
        given = finding.__pydantic_fields_set__
        shared = self._field_sets.setdefault(frozenset(given), given)
        if shared is not given:
            object.__setattr__(finding, "__pydantic_fields_set__", shared)


# The facts' fields whose values a session's events repeat (`EventStore._compact`).
_REPEATED = ("source", "kind", "endpoint", "event", "pixel_code", "pixel_codes", "page_url",
             "decode_error", "raw_codes")  # fmt: skip

BATCH = 64  # events compressed together: they share most of their field names and values


class EventStore(Sequence["PixelEvent"]):
    """The events of an audit, in order: `facts[i]` at once, `store[i]` rebuilt on access.

    Events are dumped one by one and compressed `BATCH` at a time (an event compressed on its
    own keeps most of its size: its keys and the site's URLs repeat across events, not within
    one). With `keep=False` (a report streamed as it is decoded) only the facts are kept.
    Appends must be serialised by the caller (the live state holds its lock); reads may come
    from any thread.
    """

    def __init__(self, keep: bool = True) -> None:
        self.keep = keep
        self.facts: list[EventFacts] = []
        self._frames: list[tuple[bytes, tuple[int, ...]]] = []  # compressed batch, ends
        self._pending: list[bytes] = []  # events of the batch being filled
        self._lock = threading.Lock()
        self._shared: dict[bytes, Any] = {}
        self._values = Repeated()  # of the facts' strings and tuples
        self._compressor = zstandard.ZstdCompressor(level=3)

    def append(self, event: PixelEvent) -> None:
        """Add an event (it is copied: later changes to the object are not seen)."""
        self.facts.append(self._compact(EventFacts.of(event)))
        if self.keep:
            self._hold(_encoded(event))

    def append_packed(self, facts: EventFacts, stored: bytes) -> None:
        """Add an event packed where it was decoded (`pack`, in the live proxy's inspection
        process): nothing to compute here but the sharing. The store takes `facts` over."""
        self.facts.append(self._compact(facts))
        if self.keep:
            self._hold(stored)

    def _hold(self, stored: bytes) -> None:
        with self._lock:
            self._pending.append(stored)
            if len(self._pending) == BATCH:
                self._flush()

    def _flush(self) -> None:
        ends, end = [], 0
        for stored in self._pending:
            end += len(stored)
            ends.append(end)
        compressed = self._compressor.compress(b"".join(self._pending))
        # A copy: python-zstandard's result keeps the allocation of the worst-case bound.
        self._frames.append((bytes(memoryview(compressed)), tuple(ends)))
        self._pending = []

    def _compact(self, facts: EventFacts) -> EventFacts:
        """The facts holding one copy of each value the session's events repeat: strings and
        tuples (`Repeated`), diagnostics dicts (`_share`). Facts new to the store, seen by no
        one yet, are changed in place (`dataclasses.replace` cost a fifth of an append)."""
        for name in _REPEATED:
            value = getattr(facts, name)
            if value:
                shared = self._values(value)
                if shared is not value:
                    object.__setattr__(facts, name, shared)
        for name in ("signal_diagnostics", "inspection"):
            value = getattr(facts, name)
            shared = self._share(value)
            if shared is not value:
                object.__setattr__(facts, name, shared)
        return facts

    def _share(self, value: dict[str, Any] | None) -> dict[str, Any] | None:
        """One copy of each distinct diagnostics dict (most hits of a session repeat them);
        facts are read, never changed."""
        if not value:
            return value
        return self._shared.setdefault(_serial(value), value)

    def __len__(self) -> int:
        return len(self.facts)

    @overload
    def __getitem__(self, index: int) -> PixelEvent: ...

    @overload
    def __getitem__(self, index: slice) -> list[PixelEvent]: ...

    def __getitem__(self, index: int | slice) -> PixelEvent | list[PixelEvent]:
        if not self.keep:
            raise LookupError("this audit streamed its events and kept only their facts")
        if isinstance(index, slice):
            return [self._get(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("event index out of range")
        return self._get(index)

    def _get(self, index: int) -> PixelEvent:
        from pixelhelper.models import PixelEvent

        return PixelEvent.model_validate(self._dumped(index))

    def _dumped(self, index: int) -> dict[str, Any]:
        number, slot = divmod(index, BATCH)
        with self._lock:
            if number >= len(self._frames):
                return _loads(self._pending[slot])
            frame, ends = self._frames[number]
        data = _decompressed(frame)
        return _loads(data[ends[slot - 1] if slot else 0 : ends[slot]])

    def __iter__(self) -> Iterator[PixelEvent]:
        for index in range(len(self)):
            yield self[index]

    def dumps(self) -> Iterator[dict[str, Any]]:
        """Each event's `model_dump(mode="json")`, in order, without building the events."""
        if not self.keep:
            raise LookupError("this audit streamed its events and kept only their facts")
        for index in range(len(self)):
            yield self._dumped(index)

    def copy(self) -> EventStore:
        """A snapshot sharing the (immutable) stored events."""
        other = EventStore(self.keep)
        other.facts = list(self.facts)
        with self._lock:
            other._frames = list(self._frames)
            other._pending = list(self._pending)
        other._shared = self._shared
        other._values = self._values
        return other

    def stored_bytes(self) -> int:
        """Bytes of the stored events (for the benchmarks' bytes-per-event figures)."""
        with self._lock:
            frames = sum(len(frame) for frame, _ends in self._frames)
            return frames + sum(len(stored) for stored in self._pending)


_local = threading.local()  # zstd contexts are not to be shared between threads


def _decompressed(frame: bytes) -> bytes:
    """A batch's bytes; the last one is kept per thread, as events are mostly read in order."""
    cached = getattr(_local, "frame", None)
    if cached is not None and cached[0] is frame:
        return cached[1]
    decompressor = getattr(_local, "decompressor", None)
    if decompressor is None:
        decompressor = _local.decompressor = zstandard.ZstdDecompressor()
    data: bytes = decompressor.decompress(frame)
    _local.frame = (frame, data)
    return data


def _loads(stored: bytes) -> dict[str, Any]:
    dumped: dict[str, Any] = marshal.loads(stored)  # noqa: S302  (our own or our worker's)
    return dumped
