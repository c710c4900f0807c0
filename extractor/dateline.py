"""The publication date a plain-text article states at its top, for texts that come without
one: "Magdeburg, 11. März 2025 –", "11.03.2025 – Das Klinikum ...", "Veröffentlicht: 11.03.2025",
"Pressemitteilung vom 11. März 2025".

Only the first lines are read, and only a date in a dateline's position counts: a date inside
the story ("am 11. März 2025 unterzeichnet") says when something happened, not when the text
was published.
"""

from __future__ import annotations

import re
from functools import lru_cache

from extractor import published

HEAD_LINES = 4
HEAD_CHARS = 400
_LABELS = (r"Veröffentlicht|Veröffentlichung|Erschienen|Publiziert|Datum|Stand|Pressemitteilung|Pressemeldung|"
           r"Presseinformation|Meldung|Mitteilung")
_STORY = r"(?:Am|Ab|Seit|Bis|Vom|Von|Im|Zum|Zur|Bereits|Schon|Noch|Nach|Vor|Der|Die|Das|Den|Dem|Ein|Eine|Wie|Als)"
_WEEKDAY = r"(?:(?:Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag|Mo|Di|Mi|Do|Fr|Sa|So)\.?,?\s+)?"


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern, ...]:
    names = "|".join(sorted((re.escape(m) for m in published.months()), key=len, reverse=True))
    day = rf"(?:\d{{1,2}}\.\s?\d{{1,2}}\.\s?\d{{4}}|\d{{1,2}}\.?\s*(?i:{names})\.?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})"
    date = rf"(?P<date>{day})(?![\d.]*\d)"
    return (
        # "Veröffentlicht am: Dienstag, 11. März 2025", "Pressemitteilung vom 11.03.2025"
        re.compile(rf"^(?:{_LABELS})(?:\s+(?:am|vom))?\s*[:\-–]?\s*{_WEEKDAY}{date}", re.I | re.M),
        # "Magdeburg, 11. März 2025 –", "Frankfurt am Main (dpa), den 11.03.2025." (not "Am Freitag, 11. ...")
        re.compile(rf"^(?!{_STORY}\b)[A-ZÄÖÜ][\w./\- ]{{1,40}}?(?:\s*\([^)\n]{{1,30}}\))?,\s*(?:den\s+|am\s+)?"
                   rf"{_WEEKDAY}{date}", re.M),
        # "11.03.2025 – Das Klinikum ...", a line with the date alone
        re.compile(rf"^{_WEEKDAY}{date}\s*(?:[–—|-]|$)", re.M),
    )


def find(text: str) -> str | None:
    """The ISO date of the text's dateline, or None."""
    head = "\n".join(text[:HEAD_CHARS].splitlines()[:HEAD_LINES])
    for pattern in _patterns():
        m = pattern.search(head)
        if m and (iso := published.parse_or_none(m.group("date"))):
            return iso
    return None
