"""The learned decisions for one article, from its view and the rules' reading of it.

Rules propose (organisations, cooperation events, dates); the models decide which organisations
are parties, whether the article is about a cooperation, its types, status and date. The rules'
grouping of parties into cooperations is kept where the models confirm its parties; parties the
models add join the main cooperation.
"""

from __future__ import annotations

from dataclasses import dataclass

from extractor.decide import Decisions
from extractor.features.article import article_features, type_features, with_parties
from extractor.features.dates import date_candidates, date_features, sentence_entities, with_sentence_parties
from extractor.assemble.cooperations import START_PREPS
from extractor.features.entities import context, entity_features
from extractor.features.neighbours import coordinated, partner_list_features
from extractor.features.view import ArticleView
from extractor.nlp.segmentation import sentence_evidence

_EVIDENCE = 5


@dataclass
class Decided:
    cooperations: list[dict]
    keep: list  # entities that belong in the record


def entity_rows(view: ArticleView, rule_coops: list[dict]) -> list[dict[str, float]]:
    ctx = context(view, rule_coops)
    return [entity_features(view, e, ctx) for e in view.entities]


def event_sentences(rule_coops: list[dict]) -> tuple[set[int], set[int]]:
    """Sentence numbers of every rule event, and of the main cooperation's events."""
    every, main = set(), set()
    for k, c in enumerate(rule_coops):
        for ev in c.get("events", []):
            every.add(ev.sent)
            if k == 0:
                main.add(ev.sent)
    return every, main


def date_rows(view: ArticleView, rule_coops: list[dict]) -> list[tuple[dict, str, dict[str, float]]]:
    every, main = event_sentences(rule_coops)
    return [(d, value, date_features(view, d, value, every, main)) for d, value in date_candidates(view)]


def _evidence(view: ArticleView, partners: list) -> list[dict]:
    chosen = []
    pset = set(partners)
    for si, ents in enumerate(view.entities_in):
        if ents & pset and (si in view.cue_sents or len(ents & pset) >= 2):
            chosen.append(si)
    if not chosen:
        chosen = [si for si, ents in enumerate(view.entities_in) if ents & pset][:1]
    return [sentence_evidence(view.sents[si]) for si in chosen[:_EVIDENCE]]


def decide(view: ArticleView, rule_is_coop: bool, rule_coops: list[dict], models: Decisions) -> Decided:
    rows = entity_rows(view, rule_coops)
    first = [models.partner.proba(r) for r in rows]
    neighbours = coordinated(view)
    inst_p = {id(e): models.institution.proba(r) for e, r in zip(view.entities, rows)}
    art = with_parties(article_features(view, rule_is_coop, rule_coops), first, models.partner.threshold,
                       [e.kind for e in view.entities])
    coop_p = models.detect.proba(art)
    partner_p = {id(e): models.partner_list.proba(partner_list_features(r, k, first, neighbours, models.partner.threshold, coop_p))
                 for k, (e, r) in enumerate(zip(view.entities, rows))}
    partners = _partners(view.entities, partner_p, models.partner_list.threshold)
    keep = [e for e in view.entities if inst_p[id(e)] >= models.institution.threshold]
    coops: list[dict] = []
    if coop_p >= models.detect.threshold and len(partners) >= 2:  # fewer only when the article names fewer
        coops = _split_apart(view, _group(view, rule_coops, partners))
    if coops:
        main = coops[0]
        main["types"] = models.types.chosen({**art, **type_features(rule_coops)})
        for c in coops[1:]:
            c["types"] = confirmed_types(c["types"], main["types"])
        main["status"] = models.status.best(art)
        ranked = _ranked_dates(view, rule_coops, models, first)
        if ranked and ranked[0][0] >= models.date.threshold:
            main["date"] = _date(view, ranked[0][1], ranked[0][2], main["status"])
            _second_date(view, coops, ranked, models)
        else:
            main["date"] = None
        for c in coops:
            ps = [partner_p[id(p)] for p in c["partners"]]
            c["confidence"] = round(min(coop_p, sum(ps) / len(ps)), 2)
    return Decided(coops, kept(view, coops, keep))


def confirmed_types(rule_types: list[str], chosen: list[str]) -> list[str]:
    """A further cooperation's types: the rules' that the article's types model also chose, else
    the model's. On their own, the rules' types of further cooperations were mostly wrong (11 of
    41 right in the cross-validated records)."""
    return [t for t in rule_types if t in chosen] or list(chosen)


def kept(view: ArticleView, coops: list[dict], extra: list = ()) -> list:
    """The entities a record lists, once each and in text order: the cooperations' partners and
    names, the people's employers, and `extra`."""
    keep = [*extra, *view.affiliations]
    for c in coops:
        keep += c["partners"]
        if c.get("name_entity") is not None:
            keep.append(c["name_entity"])
    ids = {id(e) for e in keep}
    return [e for e in view.entities if id(e) in ids]


def _partners(entities: list, partner_p: dict[int, float], threshold: float) -> list:
    """Entities over the threshold; a cooperation has two parties at least, so when fewer pass,
    the next most likely join them (whether it is a cooperation at all is the detection's call)."""
    chosen = [e for e in entities if partner_p[id(e)] >= threshold]
    if len(chosen) < 2:
        rest = sorted((e for e in entities if e not in chosen), key=lambda e: -partner_p[id(e)])
        chosen += rest[: 2 - len(chosen)]
        chosen.sort(key=entities.index)
    return chosen


def _group(view: ArticleView, rule_coops: list[dict], partners: list) -> list[dict]:
    """The rules' cooperations restricted to the decided parties; parties no rule cooperation
    holds join the first one (or form it)."""
    pset = set(partners)
    coops = []
    for rc in rule_coops:
        parts = [p for p in rc["partners"] if p in pset]
        if len(parts) >= 2:
            coops.append(dict(rc, partners=parts))
    placed = {p for c in coops for p in c["partners"]}
    rest = [p for p in partners if p not in placed]
    if coops:
        coops[0]["partners"] = coops[0]["partners"] + rest
        if rest:
            coops[0]["evidence"] = _evidence(view, coops[0]["partners"])
    else:
        name = rule_coops[0]["name_entity"] if rule_coops else None
        coops.append({"partners": partners, "name": name.name if name is not None else None, "name_entity": name,
                      "types": [], "status": "started", "date": None, "evidence": _evidence(view, partners),
                      "confidence": 0.5, "events": []})
    return coops


def _sentence_groups(view: ArticleView, parties: list) -> list[list]:
    """The parties grouped by sharing sentences (connected components: two are together when some
    sentence names both), in the parties' order. A party that shares no sentence with another
    (who it cooperates with is not said there) joins the largest group; cross-validated (mean of
    four fold assignments) pairs 0.459 -> 0.466 against keeping the parties whole then. A few
    lines rather than networkx, whose import would cost every process start a quarter of a second."""
    parent = list(range(len(parties)))

    def root(k: int) -> int:
        while parent[k] != k:
            k = parent[k]
        return k
    alone = set(parent)
    for ents in view.entities_in:
        here = [k for k, e in enumerate(parties) if e in ents]
        if len(here) >= 2:
            alone.difference_update(here)
            for k in here[1:]:
                parent[root(k)] = root(here[0])
    groups: dict[int, list[int]] = {}
    for k in range(len(parties)):
        if k not in alone:
            groups.setdefault(root(k), []).append(k)
    if not groups:
        return [parties]
    ordered = list(groups.values())
    largest = max(range(len(ordered)), key=lambda n: len(ordered[n]))
    ordered[largest] = sorted(ordered[largest] + list(alone))
    return [[parties[k] for k in g] for g in ordered]


def _split_apart(view: ArticleView, coops: list[dict]) -> list[dict]:
    """A cooperation whose parties fall into groups that no sentence joins is several: a chronicle
    of separate agreements, a hub's bilateral partnerships told one by one (GOLD_FORMAT: one entry
    per distinct cooperation). The first group keeps the cooperation's name and date."""
    out = []
    for c in coops:
        groups = _sentence_groups(view, c["partners"])
        if len(groups) < 2:
            out.append(c)
            continue
        out.append(dict(c, partners=groups[0], evidence=_evidence(view, groups[0])))
        out += [dict(c, partners=g, name=None, name_entity=None, date=None, evidence=_evidence(view, g)) for g in groups[1:]]
    return out


def _ranked_dates(view: ArticleView, rule_coops: list[dict], models: Decisions, first: list[float]) -> list[tuple[float, dict, str]]:
    """(probability, mention, value) of each date value, by its likeliest mention, likeliest first."""
    best: dict[str, tuple[float, dict, str]] = {}
    for d, value, feats in date_rows(view, rule_coops):
        p = models.date.proba(with_sentence_parties(feats, [first[k] for k in sentence_entities(view, d)],
                                                    models.partner.threshold))
        if value not in best or p > best[value][0]:
            best[value] = (p, d, value)
    return sorted(best.values(), key=lambda b: -b[0])


def _date(view: ArticleView, d: dict, value: str, status: str) -> dict:
    if d.get("prep") in START_PREPS:
        kind = "start"
    else:
        kind = {"planned": "planned", "ended": "ended"}.get(status, "signed" if status == "started" else "announced")
    return {"value": value, "kind": kind, "text": view.doc[d["start"] : d["end"]].text}


def _second_date(view: ArticleView, coops: list[dict], ranked: list[tuple[float, dict, str]], models: Decisions) -> None:
    """A second date value the model is sure of (`second_threshold`), and that no cooperation of
    the record has, dates the undated further cooperation two of whose parties its sentence names;
    else a background cooperation of the main one's parties (GOLD_FORMAT: "seit 2007" beside an
    extension signed today are two entries), whose parties are those of the date's sentence when
    two are there."""
    second = models.date.second_threshold
    if len(ranked) < 2 or second is None or ranked[1][0] < max(second, models.date.threshold):
        return
    _, d, value = ranked[1]
    if value in {c["date"]["value"] for c in coops if c.get("date")}:
        return
    si = view.sentence(d["start"])
    named = view.entities_in[si] if si is not None else set()
    for c in coops[1:]:
        if c.get("date") is None and sum(e in named for e in c["partners"]) >= 2:
            c["date"] = _date(view, d, value, c["status"])
            return
    main = coops[0]
    here = [e for e in main["partners"] if e in named]
    if d.get("prep") in START_PREPS:
        status = "ongoing"
    else:
        status = "started" if value < ranked[0][2] else "planned"
    coops.append({"partners": here if len(here) >= 2 else list(main["partners"]), "name": main.get("name"),
                  "name_entity": main.get("name_entity"), "types": list(main["types"]), "status": status,
                  "date": _date(view, d, value, status),
                  "evidence": [sentence_evidence(view.sents[si])] if si is not None else main["evidence"],
                  "confidence": 0.5, "events": []})
