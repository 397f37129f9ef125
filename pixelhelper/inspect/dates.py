"""Dates of birth: under keys that say birth, or in free text right after a birth word.

"born 12/03/1985", "DOB: 1985-03-12", "né le 12/03/1985", "geboren am 12.03.1985", "fecha de
nacimiento: 12/03/1985", "Birthday: March 12, 1985"... A date alone is not personal data (order
dates, delivery dates fill every shop); a date announced as a birth date is.
"""

from __future__ import annotations

import re
from functools import cache

_MONTHS = (
    r"jan(?:uary|vier|uar|eiro|naio)?|feb(?:ruary|rero|braio|ruar)?|f[ée]v(?:rier)?|mar(?:ch|s|zo|ço)?"
    r"|m[äa]rz|apr(?:il|ile)?|avr(?:il)?|abr(?:il)?|may|mai|mayo|maio|maggio|jun(?:e|i|io|ho)?|juin"
    r"|giugno|jul(?:y|i|io|ho)?|juil(?:let)?|luglio|aug(?:ust)?|ao[uû]t|ago(?:sto)?|sep(?:t|tember"
    r"|tembre|tiembre|tembro)?|set(?:tembre|embro)?|oct(?:ober|obre|ubre)?|okt(?:ober)?|out(?:ubro)?"
    r"|ott(?:obre)?|nov(?:ember|embre|iembre|embro)?|dec(?:ember)?|d[ée]c(?:embre)?|dez(?:ember"
    r"|embro)?|dic(?:iembre|embre)?"
)
_YEAR = r"(?:19|20)\d\d"


@cache
def _date() -> re.Pattern[str]:
    """The date pattern, compiled on first use: it is the costliest of the detectors' to
    compile (5 ms of every audit's start), and most audits never see a birth word."""
    return re.compile(
        rf"(?<!\d)(?:{_YEAR}[-/. ](?:0?[1-9]|1[0-2])[-/. ](?:0?[1-9]|[12]\d|3[01])\.?"
        rf"|(?:0?[1-9]|[12]\d|3[01])[-/. ](?:0?[1-9]|1[0-2])[-/. ]{_YEAR}"
        rf"|(?:0?[1-9]|1[0-2])[-/. ](?:0?[1-9]|[12]\d|3[01])[-/. ]{_YEAR}"
        rf"|(?:0?[1-9]|[12]\d|3[01])\.?\s+(?:de\s+)?(?:{_MONTHS})\.?(?:\s+de)?\s+{_YEAR}"
        rf"|(?:{_MONTHS})\.?\s+(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?,?\s+{_YEAR}"
        rf"|{_YEAR}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))(?!\d)",
        re.IGNORECASE,
    )


_BIRTH = re.compile(
    r"(?<![^\W\d_])(?:born|birth|birthday|birthdate|date\s+of\s+birth|dob|d\.o\.b|b\.|n[ée]e?"
    r"|naissance|date\s+de\s+naissance|geboren|geburtsdatum|geburtstag|nacimiento|nacid[oa]"
    r"|fecha\s+de\s+nacimiento|nat[oa]|data\s+di\s+nascita|nascimento|nascid[oa]"
    r"|data\s+de\s+nascimento|geboortedatum|geboren\s+op|f[öo]delsedatum|f[öo]dd|f[øo]dselsdato"
    r"|f[øo]dt|syntym[äa]aika|syntynyt|data\s+urodzenia|urodzon[ya]|sz[üu]let[ée]si\s+d[áa]tum"
    r"|sz[üu]letett|datum\s+narozen[íi]|narozen[aá]?|data\s+na[șs]terii|n[ăa]scut[ăa]?"
    r"|do[ğg]um\s+tarihi|дата\s+рождения|родил(?:ся|ась)|생년월일|生年月日|出生日期|生日)"
    r"(?![^\W\d_])",
    re.IGNORECASE,
)
_WINDOW = 40


def birth_dates(text: str) -> list[str]:
    """Dates in `text` that a birth word announces (within a few words before the date)."""
    if not _BIRTH.search(text):
        return []
    found = []
    for match in _date().finditer(text):
        window = text[max(0, match.start() - _WINDOW) : match.start()]
        last = None
        for word in _BIRTH.finditer(window):
            last = word
        if last is None:
            continue
        gap = window[last.end() :]
        if re.search(r"\d", gap) or len(re.findall(r"[^\W_]+", gap)) > 4:
            continue
        found.append(match.group(0).rstrip("."))
    return found


def dates(text: str) -> list[str]:
    """Every date in `text` (for fields whose key already says birth)."""
    return [m.group(0).rstrip(".") for m in _date().finditer(text)]
