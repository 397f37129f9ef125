"""Score the sensitive-data detectors on the labelled corpora (used by the tests and by
benchmarks/bench_detectors.py, so both report the same figures)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pixelhelper.inspect.sensitive import SensitiveDataDetector
from pixelhelper.models import PixelEvent

HERE = Path(__file__).parent
FIELDS = HERE / "sensitive_fields.jsonl"
TEXTS = HERE / "sensitive_texts.jsonl"
TEXT_PLACES = ("properties.description", "auto_collected_properties.trigger_element.inner_text",
               "context.page.url?note")  # fmt: skip
Scores = dict[str, tuple[float, float, int]]


def _event(payload: Any) -> PixelEvent:
    return PixelEvent(
        source="corpus", flow=0, kind="pixel", method="POST",
        url="https://analytics.tiktok.com/api/v2/pixel", endpoint="api/v2/pixel", payload=payload,
    )  # fmt: skip


def at_path(path: str, value: Any) -> dict[str, Any]:
    """A payload holding `value` at a dotted path (`?name` puts it in the page URL's query)."""
    if path.endswith("?note"):
        url = f"https://shop.example/?note={quote(str(value))}"
        return {"context": {"page": {"url": url}}}
    root: dict[str, Any] = {}
    node = root
    *parents, leaf = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value
    return root


def records(path: Path) -> list[dict[str, Any]]:
    """The corpus lines as dicts."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def score(
    cases: Iterable[tuple[PixelEvent, set[str]]], categories: set[str] | None = None
) -> tuple[Scores, list[str]]:
    """Precision, recall and positives per category; plus one line per mistake."""
    detector = SensitiveDataDetector(region="US")
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    mistakes: list[str] = []
    for event, labels in cases:
        found = {f.category for f in detector.findings(0, event)}
        if categories is not None:
            found &= categories
        for category in found | labels:
            if category in found and category in labels:
                tp[category] += 1
            elif category in found:
                fp[category] += 1
                mistakes.append(f"FP {category}: {json.dumps(event.payload)[:160]}")
            else:
                fn[category] += 1
                mistakes.append(f"FN {category}: {json.dumps(event.payload)[:160]}")
    scores: Scores = {}
    for category in set(tp) | set(fp) | set(fn):
        found_n, real_n = tp[category] + fp[category], tp[category] + fn[category]
        scores[category] = (
            tp[category] / found_n if found_n else 1.0,
            tp[category] / real_n if real_n else 1.0,
            real_n,
        )
    return scores, mistakes


def field_cases() -> list[tuple[PixelEvent, set[str]]]:
    """The payload-field corpus: each value at its own path."""
    return [(_event(at_path(r["path"], r["value"])), set(r["labels"])) for r in records(FIELDS)]


def text_cases(place: str) -> list[tuple[PixelEvent, set[str]]]:
    """The free-text corpus, every text placed at `place`."""
    return [(_event(at_path(place, r["text"])), set(r["labels"])) for r in records(TEXTS)]


def table(scores: Scores, write: Callable[[str], None] = print) -> None:
    """Print the scores as a small table."""
    write(f"  {'category':18} precision  recall  positives")
    for category, (precision, recall, n) in sorted(scores.items()):
        write(f"  {category:18} {precision:9.3f} {recall:7.3f} {n:10d}")
