"""Date mentions -> ISO values with the precision the text gives, resolved against `published`.

Rules (GOLD_FORMAT): a month without a year takes the year last named before it in the text,
else the publication year; relative days ("heute", "gestern", "am Freitag") resolve against a
day-precise publication date, or to its month when only the month is known; otherwise null.
"""

from __future__ import annotations

from datetime import date, timedelta


def parse_published(published: str | None) -> tuple[int | None, int | None, int | None]:
    if not published:
        return None, None, None
    parts = [int(p) for p in published.split("-")[:3]]
    return tuple(parts + [None] * (3 - len(parts)))  # type: ignore[return-value]


def resolve(d: dict, published: str | None, year_context: int | None) -> str | None:
    py, pm, pd = parse_published(published)
    if d.get("relative_years") is not None:
        return f"{py + d['relative_years']:04d}" if py else None
    if d.get("relative_days") is not None or d.get("weekday") is not None:
        if py and pm and pd:
            base = date(py, pm, pd)
            if d.get("relative_days") is not None:
                return (base + timedelta(days=d["relative_days"])).isoformat()
            back = (base.weekday() - d["weekday"]) % 7  # the most recent such weekday, today included
            return (base - timedelta(days=back)).isoformat()
        if py and pm:
            return f"{py:04d}-{pm:02d}"
        return None
    year = d.get("year")
    if year is None and d.get("month") is not None:
        year = year_context or py
    if year is None:
        return None
    if d.get("month") is None:
        return f"{year:04d}"
    if d.get("day") is None:
        return f"{year:04d}-{d['month']:02d}"
    try:
        return date(year, d["month"], d["day"]).isoformat()
    except ValueError:
        return f"{year:04d}-{d['month']:02d}"
