"""A publication date as people and crawlers give it -> ISO with its precision (`YYYY`,
`YYYY-MM` or `YYYY-MM-DD`), checked against the calendar.

Every `published` that enters coopx (the CLI's `--published`, a JSONL field, the API, the
Python functions, a page's metadata) goes through `parse`, so no later stage ever sees
2024-02-30 or a month 13. Accepted: ISO dates (also with a time, as in crawler dumps), the
German forms people type ("11.03.2025", "11. März 2025", "März 2025"), years 1000 to 2999
(further out nothing resolves "morgen" safely, and no press release is dated there).
"""

from __future__ import annotations

import csv
import re
from datetime import date
from functools import lru_cache
from pathlib import Path

from extractor.errors import CoopxError

MIN_YEAR, MAX_YEAR = 1000, 2999
FORMS = "YYYY-MM-DD (also YYYY-MM, YYYY, 11.03.2025 or 11. März 2025)"
_CALENDAR = Path(__file__).resolve().parent / "nlp" / "data" / "calendar.csv"

_TIME = r"(?:[T ,]\s*\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Uhr|Z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?" + _TIME)
_NUMERIC = re.compile(r"(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})" + _TIME)
_WORDS = re.compile(r"(?:(\d{1,2})\.?\s*)?([^\W\d_]+)\.?\s+(\d{4})" + _TIME)


@lru_cache(maxsize=1)
def months() -> dict[str, int]:
    """German month names and abbreviations (lower case, no dot) -> month number."""
    with _CALENDAR.open(encoding="utf-8") as fh:
        return {row["form"].rstrip(".").lower(): int(row["value"]) for row in csv.DictReader(fh)
                if row["type"] == "month"}


def _iso(year: int, month: int | None, day: int | None) -> str:
    """The ISO form, or ValueError saying what is impossible about it."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year} is outside {MIN_YEAR}-{MAX_YEAR}")
    if month is None:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        raise ValueError(f"there is no month {month}")
    if day is None:
        return f"{year:04d}-{month:02d}"
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        raise ValueError(f"{year:04d}-{month:02d} has no day {day}") from None


def _parts(value: str) -> tuple[int, int | None, int | None] | None:
    if m := _ISO.fullmatch(value):
        y, mo, d = m.groups()
        return int(y), int(mo) if mo else None, int(d) if d else None
    if m := _NUMERIC.fullmatch(value):
        d, mo, y = m.groups()
        return int(y), int(mo), int(d)
    if (m := _WORDS.fullmatch(value)) and m.group(2).lower() in months():
        d, name, y = m.groups()
        return int(y), months()[name.lower()], int(d) if d else None
    return None


def parse(value: str) -> str:
    """The ISO form of a publication date; CoopxError (stage "input") if it is none."""
    text = " ".join(str(value).split())
    parts = _parts(text)
    if parts is None:
        raise CoopxError(f"invalid publication date {text[:40]!r}: use {FORMS}", stage="input")
    try:
        return _iso(*parts)
    except ValueError as exc:
        raise CoopxError(f"invalid publication date {text[:40]!r}: {exc}", stage="input") from None


def parse_given(value: object) -> str | None:
    """`parse` for an optional field: None or blank is no date, anything else must be one."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse(str(value))


def parse_or_none(value: object) -> str | None:
    """`parse` for dates nobody typed (page metadata, a dateline): None instead of an error."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return parse(value)
    except CoopxError:
        return None
