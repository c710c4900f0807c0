"""Fact assembly: pure functions from an annotated Doc to the record's institutions, people and
cooperations (the rule components have already written their mentions into the Doc)."""

from __future__ import annotations

from dataclasses import dataclass, field

from extractor.assemble import cooperations as coop_rules
from extractor.assemble import institutions as inst_rules
from extractor.assemble import people as people_rules
from extractor.nlp.components import facts as doc_facts
from extractor.nlp.segmentation import sentence_bounds
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


def build_facts(doc, published: str | None = None) -> Facts:
    f = doc_facts(doc)
    mentions = f.get("inst", [])
    entities, of_mention = inst_rules.resolve(doc, mentions)
    inst_starts = {m["start"]: (m["end"], of_mention[i]) for i, m in enumerate(mentions)}
    places = {e.place: e for e in entities if e.place and " " not in e.place}
    people = people_rules.build(doc, f.get("person", []), f.get("role", []), inst_starts, places, entities)
    is_coop, coops = coop_rules.build(doc, f, of_mention, published)

    keep = []
    for c in coops:
        keep += c["partners"]
        if c["name_entity"] is not None:
            keep.append(c["name_entity"])
    keep += [p.affiliation for p in people if p.affiliation is not None]
    if not is_coop:  # negatives: the organisations the text is about (parties of a merger, a ban)
        keep += _salient(doc, f, of_mention)
    kept = [e for e in entities if any(e is k for k in keep)]
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
        for n, p in enumerate(people, 1)
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


def _salient(doc, f: dict, of_mention: dict) -> list:
    """Organisations in sentences with a cooperation or merger cue (for texts without a cooperation)."""
    sent_of = sentence_bounds(doc)
    cue_sents = {sent_of[c["start"]].number for c in f.get("cue", []) if c["group"] in ("cue", "ma") and c["label"] != "weak"}
    return [of_mention[i] for i, m in enumerate(f.get("inst", [])) if sent_of[m["start"]].number in cue_sents]
