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


_SPECIAL_TABLES = ("context", "exclude", "site_context", "sites", "host_context")
_HOST_MIN = 6
# A site in these areas (an insurer, an exchange, a clinic finder) makes its appointment,
# intake and product words health information, but its name alone reveals no condition.
_CONTEXT_ONLY_AREAS = ("insurance", "care_seeking")


@dataclass(frozen=True, slots=True)
class HealthHit:
    """A lexicon term found in a text."""

    term: str
    subcategory: str
    matched: str


@dataclass(frozen=True, slots=True)
class SiteFacts:
    """What a page's host says: a health site (context), its care area, the terms its name holds."""

    health: bool = False
    subcategory: str | None = None
    hits: tuple[HealthHit, ...] = ()


class Lexicon:
    """Phrase index over the lexicon: first token -> phrases starting with it, longest first."""

    def __init__(self, data: dict[str, dict[str, list[str] | str]]) -> None:
        self.labels: dict[str, str] = {}
        index: dict[str, list[tuple[tuple[str, ...], Term]]] = {}
        for name, table in data.items():
            if name in _SPECIAL_TABLES:
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
        self._site_words = {
            tuple(tokens(str(w))) for w in data.get("site_context", {}).get("words", [])
        }
        self._site_words.discard(())
        self._longest_site_word = max((len(w) for w in self._site_words), default=1)
        self.sites = {str(k).lower(): str(v) for k, v in data.get("sites", {}).items()}
        # Terms and context words long enough to be recognised inside a run-together host name
        # (`plannedparenthood`, `mentalhealthcenter`) without matching inside other words.
        squeezed: dict[str, tuple[str, str, bool]] = {}
        for phrases in index.values():
            for phrase, term in phrases:
                joined = "".join(phrase)
                if len(joined) >= _HOST_MIN and not term.excluded and not term.ambiguous:
                    squeezed.setdefault(
                        joined, (" ".join(phrase), term.subcategory, term.context_only)
                    )
        for word in data.get("host_context", {}).get("words", []):  # a provider, by its name
            joined = "".join(tokens(str(word)))
            if len(joined) >= _HOST_MIN - 1:
                squeezed.setdefault(joined, (str(word), "care_seeking", True))
        self._squeezed = sorted(squeezed.items(), key=lambda item: len(item[0]), reverse=True)

    def site(self, host: str, registered: str, name: str) -> SiteFacts:
        """What a host name says about a site: the care its name names (`plannedparenthood`
        -> reproductive health), and whether it is a health site at all (`connectforhealthco`).

        Args:
            host: The full host name, lower case.
            registered: Its registrable domain (`plannedparenthood.org`).
            name: The registrable domain without its public suffix (`plannedparenthood`).
        """
        subcategory = self.sites.get(registered) or self.sites.get(name)
        hits: list[HealthHit] = []
        context = subcategory is not None
        labels = [part for part in re.split(r"[.\-_]", host.removesuffix(registered[len(name) :]))
                  if part and part != "www"]  # fmt: skip
        for label in labels:
            rest = label
            for joined, (phrase, sub, context_only) in self._squeezed:
                at = rest.find(joined)
                if at < 0 or rest[at + len(joined) : at + len(joined) + 1] == "y":
                    continue  # "healthy" is not "health"
                rest = rest[:at] + " " + rest[at + len(joined) :]
                context = True
                if not context_only and sub not in _CONTEXT_ONLY_AREAS:
                    hits.append(HealthHit(phrase, sub, phrase))
                subcategory = subcategory or (sub or None)
        if subcategory and subcategory not in _CONTEXT_ONLY_AREAS and not hits:
            hits.append(HealthHit(name, subcategory, name))
        return SiteFacts(context, subcategory, tuple(hits))

    def site_word(self, text: str) -> str | None:
        """The first word in `text` that is health information on a health site ("book an
        appointment", "patient portal", "refill", "get a quote")."""
        if not _LETTER.search(text):
            return None
        words = tokens(text)
        for i in range(len(words)):
            for size in range(min(self._longest_site_word, len(words) - i), 0, -1):
                if tuple(words[i : i + size]) in self._site_words:
                    return " ".join(words[i : i + size])
        return None

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
        """Health terms in `text`; ambiguous ones only with context here or on the page, or
        beside another ambiguous word of the same area ("therapy for anxiety", "refill Rx")."""
        found, context = self.scan(text)
        ambiguous: dict[str, set[str]] = {}
        for term, matched in found:
            if term.ambiguous and term.subcategory not in _CONTEXT_ONLY_AREAS:
                ambiguous.setdefault(term.subcategory, set()).add(matched)
        hits = []
        seen = set()
        for term, matched in found:
            paired = len(ambiguous.get(term.subcategory, ())) > 1  # "therapy for anxiety"
            if term.ambiguous and not (page_context or context - {matched} or paired):
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
