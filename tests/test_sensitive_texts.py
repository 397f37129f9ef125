"""Precision and recall on free text: contact lines, chat messages, addresses, support
requests and health vocabulary in the styles of many countries (tests/corpus/
sensitive_texts.jsonl, built by build_texts.py), placed where page text reaches a pixel."""

from __future__ import annotations

import pytest

from corpus.scoring import TEXT_PLACES, score, table, text_cases

GOALS = {
    "phone": (0.95, 0.80),
    "card_number": (0.98, 0.97),
    "date_of_birth": (0.95, 0.90),
    "health": (0.95, 0.92),
}


@pytest.mark.parametrize("place", TEXT_PLACES)
def test_free_text_precision_and_recall(place, capsys):
    scores, mistakes = score(text_cases(place), set(GOALS))
    with capsys.disabled():
        print(f"\n{place}:")
        table(scores)
        for line in mistakes[:20]:
            print("    " + line)
    for category, (min_precision, min_recall) in GOALS.items():
        precision, recall, n = scores[category]
        assert n >= 15, category
        assert precision >= min_precision, (category, precision)
        assert recall >= min_recall, (category, recall)
