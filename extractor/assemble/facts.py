"""From an annotated Doc to the record's institutions, people and cooperations.

The rule components have written their candidates into the Doc; `build_facts` reads them once
(`features.view`), lets the rules read cooperation events, and then either lets the shipped
decision models decide (`extractor.decide`) or, without models, keeps the rules' own reading.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extractor.assemble import cooperations as coop_rules
from extractor.decide import Decisions
from extractor.decide.article import decide, kept
from extractor.features.view import ArticleView, build_view
from extractor.records import (
    Cooperation,
    CooperationDate,
    Institution,
    Person,
    TextSpan,
)


@dataclass
class Facts:
    is_cooperation: bool = False
    institutions: list[Institution] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    cooperations: list[Cooperation] = field(default_factory=list)


def _span(doc, start: int, end: int) -> TextSpan:
    span = doc[start:end]
    return TextSpan(text=span.text, start=span.start_char, end=span.end_char)


def build_facts(doc, published: str | None = None, decisions: Decisions | None = None) -> Facts:
    view = build_view(doc, published)
    rule_is_coop, rule_coops = coop_rules.build(doc, view.article, published)
    if decisions is not None:
        d = decide(view, rule_is_coop, rule_coops, decisions)
        return _facts(view, d.cooperations, d.keep)
    # negatives: the organisations the text is about (parties of a merger, a ban)
    return _facts(view, rule_coops, kept(view, rule_coops, [] if rule_is_coop else _salient(view)))


def _facts(view: ArticleView, coops: list[dict], kept: list) -> Facts:
    doc = view.doc
    ids = {id(e): f"i{n}" for n, e in enumerate(kept, 1)}
    institutions = [
        Institution(
            id=ids[id(e)],
            name=e.name,
            mentions=list(dict.fromkeys(doc[m["start"] : m["end"]].text for m in e.mentions)),
            spans=[_span(doc, m["start"], m["end"]) for m in e.mentions],
            kind=e.kind,
            abbreviation=e.abbreviation,
            location=e.place if e.kind != "network" else None,  # "Netzwerk X Ostbayern": a name, not a seat
        )
        for e in kept
    ]
    persons = [
        Person(
            id=f"p{n}",
            name=p.name,
            title=p.title,
            role=p.role,
            affiliation=ids.get(id(p.affiliation)) if p.affiliation is not None else None,
            mentions=list(dict.fromkeys(doc[m["start"] : m["end"]].text for m in p.mentions)),
            spans=[_span(doc, m["start"], m["end"]) for m in p.mentions],
        )
        for n, p in enumerate(view.people, 1)
    ]
    cooperations = []
    for n, c in enumerate(coops, 1):
        partner_ids = list(dict.fromkeys(ids[id(p)] for p in c["partners"]))
        if len(partner_ids) < 2:
            continue
        cooperations.append(
            Cooperation(
                id=f"c{n}",
                partners=partner_ids,
                name=c["name"],
                types=c["types"],
                status=c["status"],
                date=CooperationDate(**c["date"]) if c["date"] else None,
                evidence=[TextSpan(**e) for e in c["evidence"]],
                confidence=c["confidence"],
            )
        )
    return Facts(bool(cooperations), institutions, persons, cooperations)


def _salient(view: ArticleView) -> list:
    """Organisations in sentences with a cooperation or merger cue (for texts without a cooperation)."""
    out = []
    for si, cues in view.article.per_sent_cues.items():
        if any(c["group"] in ("cue", "ma") and c["label"] != "weak" for c in cues):
            out += view.entities_in[si]
    return out
