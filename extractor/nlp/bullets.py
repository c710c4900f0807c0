"""Bulleted lists of names: "Die Gründungsmitglieder: • Klinikum A gGmbH • Kliniken B AG • ...".

Press releases list members, partners and founders line by line. A line of such a list holds one
name as a whole, also where the name rules see less ("Klinikum Talberg am See KU") or nothing
(a brand without a head noun). Remarks after the name stay out: "(AöR)", "(Schweden)", ", Talberg".
"""

from __future__ import annotations

from spacy.tokens import Doc

from extractor.nlp.docdata import words
from extractor.nlp.labels import ARTICLES

BULLETS = frozenset("• - * ▪ · – ► ‣ ○ ◦".split())
MIN_LINES = 3  # a list, not a dash that opens a single line
MAX_ITEM = 8  # tokens: a name, not a sentence
_REMARK = frozenset({"(", ",", ":", ";", "|"})
_TRAILING = frozenset({".", "und", "sowie", "oder"})
_LOWER_MAX = 4  # longer lower-case words are verbs and nouns of a sentence, not a name's "am", "der", "für"


def _lines(texts: list[str]) -> list[tuple[int, int]]:
    """Token ranges of the text's lines (without the line breaks)."""
    out, start = [], 0
    for k, t in enumerate(texts):
        if "\n" in t:
            out.append((start, k))
            start = k + 1
    out.append((start, len(texts)))
    return out


def _item(texts: list[str], s: int, e: int) -> tuple[int, int] | None:
    """The name at the start of a list line s:e, or None when the line is no name."""
    while s < e and (not texts[s].strip() or texts[s].lower() in ARTICLES):
        s += 1  # "•  Der Landkreis Talberg"
    k = s
    while k < e and texts[k] not in _REMARK:
        k += 1
    while k > s and (not texts[k - 1].strip() or texts[k - 1] in _TRAILING):
        k -= 1  # "Stadtwerke Talberg.", "Klinikum Nordhain und"
    if k == s or k - s > MAX_ITEM or not texts[s][:1].isupper():
        return None
    if any(t.islower() and len(t) > _LOWER_MAX for t in texts[s:k]):
        return None
    return s, k


def bullet_lists(doc: Doc) -> list[list[tuple[int, int]]]:
    """(start, end) of the names that stand alone on the lines of bulleted lists (runs of at
    least `MIN_LINES` lines opened by the same bullet), one list per run."""
    texts = words(doc)[0]
    marked = []  # (line number, bullet, first token after it, line end)
    for n, (s, e) in enumerate(_lines(texts)):
        while s < e and not texts[s].strip():
            s += 1
        if s < e and texts[s] in BULLETS:
            marked.append((n, texts[s], s + 1, e))
    runs: list[list[tuple[int, str, int, int]]] = []
    for line in marked:
        if runs and line[0] == runs[-1][-1][0] + 1 and line[1] == runs[-1][-1][1]:
            runs[-1].append(line)  # the next line, opened by the same bullet
        else:
            runs.append([line])
    lists = [[span for _, _, s, e in run if (span := _item(texts, s, e))] for run in runs if len(run) >= MIN_LINES]
    return [items for items in lists if items]
