"""Features of one date mention, for "is this the date of the cooperation".

The preposition ("seit", "ab", "am"), the precision the text gives, the cue and status words of
its sentence, the verbs of signing and announcing, where the sentence stands and whether the
rules read it as an event of the main cooperation.
"""

from __future__ import annotations

import re

from extractor.assemble.dates import resolve as resolve_date
from extractor.features.view import ArticleView
from extractor.nlp.labels import ATTRIBUTIVE_AFTER

_START = re.compile(r"^(start\w*|beginn\w*|gestartet|läuft|laufen|gegründet|eröffnet|aufgenommen)$")
_AROUND = frozenset("bis zum seit ab am im vom anfang ende mitte bereits schon jahr".split())


def date_candidates(view: ArticleView) -> list[tuple[dict, str]]:
    """Date mentions with a resolvable value, as (mention, ISO value), in text order. A day or
    month without a year gives two candidates when the year named last and the publication year
    differ; the mention's "year_from" says which (the decision learns which to trust)."""
    out = []
    last_year = None
    doc = view.doc
    for d in sorted(view.facts.get("date", []), key=lambda d: d["start"]):
        if d["end"] < len(doc) and doc[d["end"]].lower_.startswith(ATTRIBUTIVE_AFTER):
            continue  # "das seit 2024 bestehende Netzwerk": dates the network, not this cooperation (GOLD_FORMAT)
        no_year = d.get("year") is None and d.get("month") is not None
        value = resolve_date(d, view.published, last_year)
        if value:
            out.append((dict(d, year_from="context" if no_year and last_year else "text"), value))
        if no_year and last_year and view.published:
            alt = resolve_date(d, view.published, None)
            if alt and alt != value:
                out.append((dict(d, year_from="published"), alt))
        if d.get("year") and not d.get("weak"):
            last_year = d["year"]
    return out


def date_features(view: ArticleView, d: dict, value: str, event_sents: set[int], main_sents: set[int]) -> dict[str, float]:
    doc = view.doc
    f: dict[str, float] = {"bias_date": 1.0}
    si = view.sentence(d["start"])
    f[f"prep={d.get('prep') or 'none'}"] = 1.0
    precision = "day" if len(value) == 10 else "month" if len(value) == 7 else "year"
    f[f"precision={precision}"] = 1.0
    f[f"year_from={d.get('year_from', 'text')}"] = 1.0
    if d.get("weak"):
        f["weak_form"] = 1.0
    if d.get("relative_years") is not None:
        f["relative_year"] = 1.0
    if d.get("relative_days") is not None:
        f["relative"] = 1.0
    if d.get("weekday") is not None:
        f["weekday"] = 1.0
    if view.published and value == view.published[: len(value)]:
        f["is_published"] = 1.0
    if view.published and value > view.published[: len(value)]:
        f["after_published"] = 1.0
    if si is None:
        f["no_sentence"] = 1.0
        return f
    rank = view.content_rank.get(si, -1)
    f[f"sent_rank={rank if 0 <= rank < 4 else ('late' if rank >= 4 else 'short')}"] = 1.0
    if si in event_sents:
        f["event_sentence"] = 1.0
    if si in main_sents:
        f["main_event_sentence"] = 1.0
    if main_sents:
        gap = min(abs(si - m) for m in main_sents)
        f[f"main_event_gap={min(gap, 3)}"] = 1.0
    cc = view.cue_counts[si]
    for key in ("cue:strong", "cue:weak", "join:join", "ma:ma", "nonpartner:nonpartner"):
        if cc[key]:
            f["sent_" + key] = 1.0
    for key in cc:
        if key.startswith("status:"):
            f["sent_" + key] = 1.0
    sent = view.sents[si]
    if si in view.article.signed:
        f["sent_sign"] = 1.0
    if si in view.article.announced:
        f["sent_announce"] = 1.0
    if any(_START.match(t.lower_) for t in sent):
        f["sent_start"] = 1.0
    f[f"sent_entities={min(len(view.entities_in[si]), 3)}"] = 1.0
    if view.dates_in[si] > 1:
        f["other_dates_in_sentence"] = 1.0
    for k in range(max(sent.start, d["start"] - 2), d["start"]):
        if doc[k].lower_ in _AROUND:
            f["before=" + doc[k].lower_] = 1.0
    if sent.start == d["start"] or (d["start"] - sent.start <= 2 and "\n" in sent.text):
        f["line_start"] = 1.0
    return f


def sentence_entities(view: ArticleView, d: dict) -> list[int]:
    """Indices of the entities in the date mention's sentence."""
    si = view.sentence(d["start"])
    if si is None:
        return []
    inside = view.entities_in[si]
    return [k for k, e in enumerate(view.entities) if e in inside]


def with_sentence_parties(features: dict[str, float], scores: list[float], threshold: float) -> dict[str, float]:
    """The date's features plus how likely the organisations in its sentence are parties (the
    first-stage partner scores): the cooperation's date stands beside its parties."""
    f = dict(features)
    f["sent_party_max"] = max(scores, default=0.0)
    f[f"sent_parties={min(2, sum(p >= threshold for p in scores))}"] = 1.0
    return f
