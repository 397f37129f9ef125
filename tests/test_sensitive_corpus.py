"""Precision and recall of the sensitive-data detectors on the labelled field corpus.

The corpus (tests/corpus/sensitive_fields.jsonl, built by build_corpus.py) holds payload fields
labelled with the categories a correct detector reports. Each field is placed in a pixel
payload at its path and run through the full detector (walker included), so URL decoding,
JSON-in-strings and key context are exercised as in real traffic.
"""

from __future__ import annotations

import pytest

from corpus.scoring import FIELDS, field_cases, records, score, table

TARGETS = {
    "email": (0.99, 0.98),
    "phone": (0.99, 0.98),
    "card_number": (0.99, 0.98),
    "national_id": (0.99, 0.98),
    "health": (0.90, 0.90),
}


def test_corpus_size():
    rows = records(FIELDS)
    positives = [r for r in rows if r["labels"]]
    assert len(positives) >= 200
    assert len(rows) - len(positives) >= 500


def test_precision_and_recall(capsys):
    scores, mistakes = score(field_cases())
    with capsys.disabled():
        print()
        table(scores)
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
    scores, _ = score(field_cases())
    precision, recall, _n = scores[category]
    assert precision >= 0.9 and recall >= 0.9
