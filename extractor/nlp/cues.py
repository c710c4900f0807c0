"""Cooperation cue words from `data/cues.jsonl`: cooperation nouns and verbs, joining a network,
mergers and acquisitions, status words, type keywords and non-partner contexts (funding,
approving, announcing)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Doc

from extractor.nlp import lexicons
from extractor.nlp.docdata import words
from extractor.nlp.segmentation import sentence_bounds


@dataclass
class CueMention:
    start: int
    end: int
    group: str  # cue | join | ma | status | type | nonpartner
    label: str


@lru_cache(maxsize=200_000)
def _first_token_hits(low: str) -> tuple[int, ...]:
    """Indices of the cues whose first token pattern matches this word (memoised: words repeat)."""
    if not lexicons.cue_first_tokens().match(low):
        return ()
    return tuple(k for k, cue in enumerate(lexicons.cues()) if cue.tokens[0].match(low))


def find_cues(doc: Doc) -> list[CueMention]:
    cues = lexicons.cues()
    out: list[CueMention] = []
    lows = words(doc)[1]
    bounds = sentence_bounds(doc)
    for i, low in enumerate(lows):
        for idx in _first_token_hits(low):
            cue = cues[idx]
            n = len(cue.tokens)
            if n > 1 and (i + n > len(doc) or not all(rx.match(lows[i + k]) for k, rx in enumerate(cue.tokens[1:], 1))):
                continue
            if cue.when_later is not None and not any(cue.when_later.match(lows[k]) for k in range(i + 1, bounds[i].end)):
                continue
            out.append(CueMention(i, i + n, cue.group, cue.label))
    return out
