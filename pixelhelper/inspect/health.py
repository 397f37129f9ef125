"""Health-term matching over free text, driven by the lexicon in `data/health_terms.toml`.

Matching works on word tokens rather than one huge regex: the text is split once (camelCase,
hyphens, underscores, slashes and punctuation are word breaks), each token is reduced to a
singular form, and only tokens that start a lexicon phrase are looked at further. That keeps it
linear in the text and fast enough to run on every field of every event.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])|(?<=[A-Z])(?=[A-Z][a-z])")
_TOKEN = re.compile(r"[a-z0-9]+")
_UPPER = re.compile(r"[A-Z]")
_LETTER = re.compile(r"[A-Za-z]")


@lru_cache(maxsize=65536)
def singular(token: str) -> str:
    """A crude, consistent singular: applied to lexicon and text alike, so it only must agree."""
    if not token.endswith("s"):
        return token
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def tokens(text: str) -> list[str]:
    """Normalised word tokens of a text."""
    if _UPPER.search(text):
        text = _CAMEL.sub(" ", text)
    return [singular(t) for t in _TOKEN.findall(text.lower())]


@dataclass(frozen=True, slots=True)
class Term:
    """A lexicon entry."""

    text: str
    subcategory: str
    ambiguous: bool
    context_only: bool = False
    excluded: bool = False


@dataclass(frozen=True, slots=True)
class HealthHit:
    """A lexicon term found in a text."""

    term: str
    subcategory: str
    matched: str


class Lexicon:
    """Phrase index over the lexicon: first token -> phrases starting with it, longest first."""

    def __init__(self, data: dict[str, dict[str, list[str] | str]]) -> None:
        self.labels: dict[str, str] = {}
        index: dict[str, list[tuple[tuple[str, ...], Term]]] = {}
        for name, table in data.items():
            if name in ("context", "exclude"):
                continue
            self.labels[name] = str(table.get("label", name))
            for word in table.get("terms", []):
                self._add(index, Term(str(word), name, ambiguous=False))
            for word in table.get("ambiguous", []):
                self._add(index, Term(str(word), name, ambiguous=True))
        self._context = {tuple(tokens(str(w))) for w in data.get("context", {}).get("words", [])}
        known = {phrase for phrases in index.values() for phrase, _ in phrases}
        for phrase in self._context - known:
            self._add(index, Term(" ".join(phrase), "", ambiguous=False, context_only=True))
        for phrase_text in data.get("exclude", {}).get("phrases", []):
            self._add(index, Term(str(phrase_text), "", ambiguous=False, excluded=True))
        for phrases in index.values():
            phrases.sort(key=lambda item: len(item[0]), reverse=True)
        self._index = index

    @staticmethod
    def _add(index: dict[str, list[tuple[tuple[str, ...], Term]]], term: Term) -> None:
        phrase = tuple(tokens(term.text))
        if phrase:
            index.setdefault(phrase[0], []).append((phrase, term))

    def scan(self, text: str) -> tuple[list[tuple[Term, str]], set[str]]:
        """Return the terms found (with the words they matched) and the context phrases seen.

        Unambiguous terms count as context too, so "HIV" lets "PrEP" through.
        """
        found: list[tuple[Term, str]] = []
        context: set[str] = set()
        if not _LETTER.search(text):
            return found, context  # numbers and ids: no word to match
        words = tokens(text)
        i = 0
        while i < len(words):
            candidates = self._index.get(words[i])
            step = 1
            if candidates:
                for phrase, term in candidates:
                    if tuple(words[i : i + len(phrase)]) == phrase:
                        matched = " ".join(phrase)
                        step = len(phrase)
                        if term.excluded:
                            break
                        if phrase in self._context or not term.ambiguous:
                            context.add(matched)
                        if not term.context_only:
                            found.append((term, matched))
                        break
            i += step
        return found, context

    def has_context(self, text: str) -> bool:
        """True when the text holds a context word or an unambiguous health term."""
        return bool(self.scan(text)[1])

    def find(self, text: str, page_context: bool = False) -> list[HealthHit]:
        """Health terms in `text`; ambiguous ones only with context here or on the page."""
        found, context = self.scan(text)
        hits = []
        seen = set()
        for term, matched in found:
            if term.ambiguous and not (page_context or context - {matched}):
                continue
            if term.text in seen:
                continue
            seen.add(term.text)
            hits.append(HealthHit(term.text, term.subcategory, matched))
        return hits


@cache
def default_lexicon() -> Lexicon:
    """The lexicon shipped with pixelhelper."""
    raw = resources.files("pixelhelper").joinpath("data/health_terms.toml").read_text("utf-8")
    return Lexicon(tomllib.loads(raw))
