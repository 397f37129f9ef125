"""Precision and recall of the sensitive-data detectors on the labelled corpus.

The corpus (tests/corpus/sensitive_fields.jsonl, built by build_corpus.py) holds payload fields
labelled with the categories a correct detector reports. Each field is placed in a pixel
payload at its path and run through the full detector (walker included), so URL decoding,
JSON-in-strings and key context are exercised as in real traffic.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pixelhelper.inspect.sensitive import SensitiveDataDetector
from pixelhelper.models import PixelEvent

from flowfactory import payload_event

CORPUS = Path(__file__).parent / "corpus" / "sensitive_fields.jsonl"
TARGETS = {
    "email": (0.99, 0.98),
    "phone": (0.99, 0.98),
    "card_number": (0.99, 0.98),
    "national_id": (0.99, 0.98),
    "health": (0.90, 0.90),
}


def _payload(path: str, value: Any) -> dict[str, Any]:
    root: dict[str, Any] = {}
    node = root
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return root


def _event(record: dict[str, Any]) -> PixelEvent:
    return payload_event(_payload(record["path"], record["value"]), source="corpus")


def _records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]


def _scores() -> tuple[dict[str, tuple[float, float, int]], list[str]]:
    detector = SensitiveDataDetector(region="US")
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    mistakes = []
    for record in _records():
        predicted = {f.category for f in detector.findings(0, _event(record))}
        labelled = set(record["labels"])
        for category in predicted | labelled:
            if category in predicted and category in labelled:
                tp[category] += 1
            elif category in predicted:
                fp[category] += 1
                mistakes.append(f"FP {category}: {record['path']}={record['value']!r}")
            else:
                fn[category] += 1
                mistakes.append(f"FN {category}: {record['path']}={record['value']!r}")
    scores = {}
    for category in set(tp) | set(fp) | set(fn):
        precision = (
            tp[category] / (tp[category] + fp[category]) if tp[category] + fp[category] else 1.0
        )
        recall = (
            tp[category] / (tp[category] + fn[category]) if tp[category] + fn[category] else 1.0
        )
        scores[category] = (precision, recall, tp[category] + fn[category])
    return scores, mistakes


def test_corpus_size():
    records = _records()
    positives = [r for r in records if r["labels"]]
    assert len(positives) >= 200
    assert len(records) - len(positives) >= 500


def test_precision_and_recall(capsys):
    scores, mistakes = _scores()
    with capsys.disabled():
        print("\ncategory            precision  recall  positives")
        for category, (precision, recall, n) in sorted(scores.items()):
            print(f"{category:20} {precision:9.3f} {recall:7.3f} {n:10d}")
        for line in mistakes:
            print("  " + line)
    for category, (min_precision, min_recall) in TARGETS.items():
        precision, recall, n = scores[category]
        assert n >= 20, category
        assert precision >= min_precision, (category, precision)
        assert recall >= min_recall, (category, recall)


@pytest.mark.parametrize(
    "category", ["person_name", "date_of_birth", "street_address", "precise_location", "ip_address"]
)
def test_lower_severity_categories_are_found(category):
    scores, _ = _scores()
    precision, recall, _n = scores[category]
    assert precision >= 0.9 and recall >= 0.9
