"""German date expressions -> parts (year, month, day or a relative anchor), with the preposition
that says what the date means ("seit März", "Ab 14.09.2023", "am Mittwoch, 14. Juni 2000").
Resolution against the publication date happens in `extractor.assemble.dates`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc

from extractor.nlp import lexicons
from extractor.nlp.docdata import words

_NUMERIC = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})\.?$")
_ORDINAL = re.compile(r"^(\d{1,2})\.$")
_YEAR = re.compile(r"^(1[89]\d\d|20\d\d)\.?$")
_PREPS = {"seit", "ab", "am", "im", "zum", "bis", "vom", "von", "bereits", "anfang", "ende", "mitte", "schon", "jahr",
          "frühjahr", "sommer", "herbst", "winter", "frühling", "jahresbeginn", "jahresende", "in", "zu", "vor", "nach"}
_RELATIVE = {"heute": 0, "gestern": -1, "vorgestern": -2, "morgen": 1}
_SLASH_YEAR = re.compile(r"^(1[89]\d\d|20\d\d)/(\d\d|\d{4})\.?$")  # "2014/15", "Schuljahr 2022/2023"
_MONTH_YEAR = re.compile(r"^(\d{1,2})/(1[89]\d\d|20\d\d)\.?$")  # "01/2020"
# "dieses Jahr", "im kommenden Jahr", "des vergangenen Jahres": a year relative to publication
_YEAR_WORDS = {"dieses": 0, "diesen": 0, "diesem": 0, "laufenden": 0, "kommenden": 1, "nächsten": 1, "folgenden": 1,
               "vergangenen": -1, "letzten": -1, "vorigen": -1}
_SEASONS = {"frühjahr", "frühling", "sommer", "herbst", "winter", "jahresbeginn", "jahresende", "jahresanfang"}


@dataclass
class DateMention:
    start: int
    end: int
    year: int | None = None
    month: int | None = None
    day: int | None = None
    relative_days: int | None = None  # heute 0, gestern -1
    weekday: int | None = None  # "am Mittwoch" without a calendar date
    prep: str | None = None  # the word before the date, lower case
    relative_years: int | None = None  # "im kommenden Jahr" +1
    weak: bool = False  # a school year, a month/year, a relative year: candidates for the learned date decision only


def find_dates(doc: Doc) -> list[DateMention]:
    months, weekdays = lexicons.calendar()
    out: list[DateMention] = []
    texts, lows = words(doc)
    i, n = 0, len(doc)
    while i < n:
        low = lows[i]
        m = None
        start = i
        # "am Mittwoch, 14. Juni 2000" / "Freitag, 21. November 2014": the weekday joins the date
        wd = weekdays.get(low)
        if wd is not None:
            k = i + 1
            if k < n and texts[k] == ",":
                k += 1
            if k < n and (_ORDINAL.match(texts[k]) or _NUMERIC.match(texts[k])):
                i = k
                low = lows[i]
            else:
                m = DateMention(start, i + 1, weekday=wd)
        if m is None and (nm := _NUMERIC.match(texts[i])):
            d, mo, y = int(nm.group(1)), int(nm.group(2)), int(nm.group(3))
            y = y + 2000 if y < 100 and y < 50 else (y + 1900 if y < 100 else y)
            if 1 <= mo <= 12 and 1 <= d <= 31:
                m = DateMention(start, i + 1, y, mo, d)
        elif m is None and (om := _ORDINAL.match(texts[i])) and i + 1 < n and lows[i + 1] in months:
            d, mo = int(om.group(1)), months[lows[i + 1]]
            y = None
            end = i + 2
            if end < n and _YEAR.match(texts[end]):
                y, end = int(_YEAR.match(texts[end]).group(1)), end + 1
            m = DateMention(start, end, y, mo, d)
        elif m is None and low in months and texts[i][:1].isupper():
            end = i + 1
            y = None
            if end < n and _YEAR.match(texts[end]):
                y, end = int(_YEAR.match(texts[end]).group(1)), end + 1
            prev = lows[i - 1] if i > 0 else ""
            if y is not None or prev in _PREPS or prev in ("des", "dem"):
                if low == "mai" and y is None and prev not in _PREPS:
                    m = None
                else:
                    m = DateMention(start, end, y, months[low], None)
        elif m is None and _YEAR.match(texts[i]) and i > 0 and (lows[i - 1] in _PREPS or lows[i - 1] in _SEASONS):
            m = DateMention(start, i + 1, int(_YEAR.match(texts[i]).group(1)))
        elif m is None and low in _RELATIVE and not (i + 1 < n and lows[i + 1] in ("früh", "abend", "morgen", "mittag")):
            m = DateMention(start, i + 1, relative_days=_RELATIVE[low])
        elif m is None and i + 2 < n and texts[i + 1] == "/" and (sy := _SLASH_YEAR.match(f"{texts[i]}/{texts[i + 2]}")):
            m = DateMention(start, i + 3, int(sy.group(1)), weak=True)
        elif m is None and i + 2 < n and texts[i + 1] == "/" and (my := _MONTH_YEAR.match(f"{texts[i]}/{texts[i + 2]}")) \
                and 1 <= int(my.group(1)) <= 12:
            m = DateMention(start, i + 3, int(my.group(2)), int(my.group(1)), weak=True)
        elif m is None and low in _YEAR_WORDS and i + 1 < n and lows[i + 1] in ("jahr", "jahres", "jahre"):
            m = DateMention(start, i + 2, relative_years=_YEAR_WORDS[low], weak=True)

        if m is not None:
            # preposition / season word before the expression: "seit", "im Sommer", "Anfang"
            before: list[str] = []
            k = m.start - 1
            while k >= 0 and m.start - k <= 3 and lows[k] in _PREPS | _SEASONS | {"jahr", "jahres"}:
                before.append(lows[k])
                m.start = k
                k -= 1
                if before[-1] in ("seit", "ab", "bereits", "schon", "bis"):
                    break
            m.prep = next((w for w in reversed(before) if w in _PREPS), None)
            out.append(m)
            i = max(m.end, i + 1)
            continue
        i += 1
    return out
