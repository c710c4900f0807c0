"""Sentences and boilerplate for press texts.

Line breaks end sentences (headlines, date lines, captions stand alone); a period ends one only
before a capital, a quote or a digit, so "Prof. Dr." and "3. Juni" stay inside. Boilerplate lines
("Quelle:", "Foto:") and teaser blocks ("Mehr zum Thema" and everything after it) are marked so
that no rule reads facts from them.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc, Span

from extractor.nlp import lexicons
from extractor.nlp.labels import QUOTES_CLOSE

_ENDERS = {".", "!", "?", "…"}
_YEAR_DOT = re.compile(r"^\d{4}\.$")


def set_sentences(doc: Doc) -> Doc:
    months, _ = lexicons.calendar()
    n = len(doc)
    starts = [False] * n
    if n:
        starts[0] = True
    for i, tok in enumerate(doc):
        if i + 1 >= n:
            break
        nxt = doc[i + 1]
        if tok.is_space and "\n" in tok.text:
            starts[i + 1] = True
            continue
        if "\n" in tok.whitespace_ or (tok.text.endswith("\n")):
            starts[i + 1] = True
            continue
        end = tok.text in _ENDERS or (_YEAR_DOT.match(tok.text) and nxt.lower_ not in months)
        if tok.text in QUOTES_CLOSE and i > 0 and doc[i - 1].text in _ENDERS:
            end = True
        if not end:
            continue
        j = i + 1
        while j < n and doc[j].text in QUOTES_CLOSE and tok.text not in QUOTES_CLOSE:
            j += 1  # the sentence ends after the closing quote
        if j < n and (doc[j].text[:1].isupper() or doc[j].text[:1].isdigit() or doc[j].text[:1] in "„\"»(" or doc[j].is_space):
            starts[j] = True
    for i, tok in enumerate(doc):
        tok.is_sent_start = starts[i]
    return doc


def boilerplate_spans(doc: Doc) -> list[Span]:
    """Sentences that are boilerplate: source/photo lines and everything after a teaser marker."""
    line_prefixes, rest_markers = lexicons.boilerplate()
    out: list[Span] = []
    rest_from = None
    for sent in doc.sents:
        text = sent.text.strip().lower()
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
