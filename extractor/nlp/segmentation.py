"""Sentences and boilerplate for press texts.

Line breaks end sentences (headlines, date lines, captions stand alone); a period ends one only
before a capital, a quote or a digit, so "Prof. Dr." and "3. Juni" stay inside. Boilerplate lines
("Quelle:", "Foto:") and teaser blocks ("Mehr zum Thema" and everything after it) are marked so
that no rule reads facts from them.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy
from spacy.attrs import SENT_START
from spacy.tokens import Doc, Span

from extractor.nlp import lexicons
from extractor.nlp.docdata import span_text, words
from extractor.nlp.labels import QUOTES_CLOSE

_ENDERS = {".", "!", "?", "…"}
_YEAR_DOT = re.compile(r"^\d{4}\.$")


class SentenceBounds(NamedTuple):
    number: int
    start: int
    end: int


def sentence_bounds(doc: Doc) -> list[SentenceBounds]:
    """The sentence of every token as (number, start, end), in one pass: rules that ask per
    token would otherwise build a Span each time."""
    out: list[SentenceBounds] = []
    for n, sent in enumerate(doc.sents):
        out += [SentenceBounds(n, sent.start, sent.end)] * len(sent)
    return out


def set_sentences(doc: Doc) -> Doc:
    months, _ = lexicons.calendar()
    n = len(doc)
    if not n:
        return doc
    texts = words(doc)[0]
    starts = numpy.full((n, 1), -1, dtype="int64")
    starts[0, 0] = 1
    for i in range(n - 1):
        text, nxt = texts[i], texts[i + 1]
        if "\n" in text:
            starts[i + 1, 0] = 1  # a line break ends a sentence (headlines, date lines, captions)
            continue
        end = text in _ENDERS or (_YEAR_DOT.match(text) is not None and nxt.lower() not in months)
        if text in QUOTES_CLOSE and i > 0 and texts[i - 1] in _ENDERS:
            end = True
        if not end:
            continue
        j = i + 1
        while j < n and texts[j] in QUOTES_CLOSE and text not in QUOTES_CLOSE:
            j += 1  # the sentence ends after the closing quote
        if j < n and (texts[j][:1].isupper() or texts[j][:1].isdigit() or texts[j][:1] in "„\"»(" or texts[j].isspace()):
            starts[j, 0] = 1
    doc.from_array([SENT_START], starts.astype("uint64"))  # -1 (not a start) wraps as spaCy expects
    return doc


def boilerplate_spans(doc: Doc) -> list[Span]:
    """Sentences that are boilerplate: source/photo lines and everything after a teaser marker."""
    line_prefixes, rest_markers = lexicons.boilerplate()
    out: list[Span] = []
    rest_from = None
    for sent in doc.sents:
        text = span_text(sent).strip().lower()
        if not text:
            continue
        if rest_from is None and any(text.startswith(m) for m in rest_markers) and len(text) < 80:
            rest_from = sent.start
        if rest_from is not None:
            continue
        if any(text.startswith(p) for p in line_prefixes):
            if len(text) < 120:
                out.append(sent)
            else:  # "Quelle: site.de – Ab 12.07.2023 ..." : only the credit before the dash
                dash = next((t.i for t in sent[:10] if t.text in ("–", "—", "-", "|")), None)
                if dash is not None:
                    out.append(doc[sent.start : dash + 1])
    if rest_from is not None:
        out.append(doc[rest_from:])
    return out


def sentence_evidence(sent: Span) -> dict:
    """A sentence as evidence: its text without surrounding whitespace, with character offsets."""
    raw = span_text(sent)
    text = raw.strip()
    start = sent.start_char + (len(raw) - len(raw.lstrip()))
    return {"text": text, "start": start, "end": start + len(text)}
