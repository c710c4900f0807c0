"""Cooperation events -> cooperations with partners, name, types, status, date and evidence.

Events about the same parties merge into one cooperation; members joining a network one after
another ("Im Februar folgte X und im März Y") each become their own cooperation with the
network's hub; a sentence about the same parties with its own "seit <date>" is an older one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from extractor.assemble.dates import resolve as resolve_date
from extractor.assemble.events import Article, Event
from extractor.nlp.segmentation import sentence_evidence

# a date after these words is when the cooperation starts ("seit 2024", "ab Januar")
START_PREPS = frozenset(("seit", "ab", "zum", "bereits", "schon"))
_STATUS_ORDER = ("ended", "planned", "extended", "started", "ongoing")
_TYPE_MIN = {"patient_care": 1, "education": 1, "research": 1, "telemedicine": 1, "network": 2, "joint_center": 1,
             "administration": 1, "strategic": 1, "other": 1}


@dataclass
class Coop:
    partners: list[object]
    events: list[Event] = field(default_factory=list)
    name: object = None
    background: bool = False
    planned: bool = False


def _group(events: list[Event], hubs: dict) -> list[Coop]:
    coops: list[Coop] = []
    main: Coop | None = None
    singles: list[object] = []
    foundings: list[Event] = []
    anonymous: list[Event] = []
    for ev in events:
        if ev.founding:
            foundings.append(ev)
            continue
        parties = list(ev.parties)
        if len(parties) == 1 and ev.strong and not ev.join and parties[0] not in singles:
            singles.append(parties[0])
        if ev.join and len(parties) == 1 and ev.networks:
            net = ev.networks[0]
            hub = hubs.get(net)
            partner = hub if hub is not None and hub is not parties[0] else net
            parties = [partner, parties[0]]
            if ev.past_join:
                coops.append(Coop(parties, [ev], name=net, background=True))
                continue
        if ev.both and main is not None and len(parties) < 2:
            parties = list(main.partners)
        if not parties:
            # "Die Kooperationsvereinbarung wurde am Montag unterzeichnet.": right after the main
            # cooperation, a sentence naming no party is about it (its date, status, types)
            if main is not None and any(0 < ev.sent - e.sent <= 2 for e in main.events):
                main.events.append(ev)
            else:
                anonymous.append(ev)
            continue
        if len(parties) < 2:
            if main is not None and all(p in main.partners for p in parties):
                main.events.append(ev)
            continue
        target = None
        for coop in coops:
            if coop.background:
                continue
            a, b = set(coop.partners), set(parties)
            if a == b or (a <= b or b <= a) and not _distinct_background(ev, coop):
                target = coop
                break
        if target is None:
            target = Coop(parties, [ev], name=ev.networks[0] if ev.networks else None)
            coops.append(target)
            if main is None:
                main = target
        else:
            target.events.append(ev)
            for p in parties:
                if p not in target.partners:
                    target.partners.append(p)
            if target.name is None and ev.networks:
                target.name = ev.networks[0]
    if main is None and len(singles) >= 2:
        # the parties are never named together, but each appears with a cooperation cue
        main = Coop(singles, [e for e in events if len(e.parties) == 1 and e.parties[0] in singles])
        coops.append(main)
    if main is not None:
        for ev in anonymous:  # the headline or lead before the parties are named
            if ev.sent <= 4 or any(0 < ev.sent - e.sent <= 2 for e in main.events):
                main.events.append(ev)
        main.events.sort(key=lambda e: e.sent)
        for ev in foundings:
            planned_apart = ev.statuses["planned"] > 0 and _status(main) != "planned"
            if planned_apart:
                coops.append(Coop(list(main.partners), [ev], name=ev.networks[0], planned=True))
            else:
                main.events.append(ev)
                main.name = main.name or ev.networks[0]
    coops.sort(key=lambda c: (c.background, c.events[0].sent))
    if main is not None and main in coops:
        coops.remove(main)
        coops.insert(0, main)
    return coops


def _distinct_background(ev: Event, coop: Coop) -> bool:
    """A sentence about the same parties with its own "seit <date>" is an older, separate cooperation."""
    return any(d.get("prep") in ("seit", "bereits") and d.get("year") for d in ev.dates) and bool(coop.events) \
        and not any(d.get("prep") in ("seit", "bereits") for e in coop.events for d in e.dates)


def _status(coop: Coop) -> str:
    if coop.background:
        return "ongoing"
    if coop.planned:
        return "planned"
    votes: Counter = Counter()
    signed = any(e.signed for e in coop.events)
    for rank, ev in enumerate(coop.events):
        w = 3 if rank == 0 else (2 if rank == 1 else 1)
        for label, n in ev.statuses.items():
            if label == "planned" and signed:
                continue
            votes[label] += w * n
        if ev.join and not ev.past_join:
            votes["extended"] += w

    if signed:
        votes["started"] += 0.5  # a signing decides a tie between "new" and "more"
    if not votes:
        return "started"
    if votes["ended"] >= max(votes.values()) * 0.5 and votes["ended"]:
        return "ended"
    best = max(_STATUS_ORDER, key=lambda s: (votes[s], -_STATUS_ORDER.index(s)))
    return best


def _date(coop: Coop, published: str | None, status: str) -> dict | None:
    """The date of this cooperation event: signing and start dates ("am 3. Juni unterzeichnet",
    "Ab 12.07.2023", "Zum 1. Januar 2026") before announcements ("am Dienstag vorgestellt");
    a date in the sentence just before the first event ("Ab 1.9. ... Die Häuser haben dazu ...")
    is the last resort. Attributive dates ("das seit 2024 bestehende Netzwerk") never count."""
    candidates = []
    for order, ev in enumerate(coop.events):
        for d in ev.dates:
            if d.get("_attributive"):
                continue
            value = resolve_date(d, published, d.get("year_context"))
            if not value:
                continue
            prep = d.get("prep")
            if coop.background and ev.join:
                kind, rank = "joined", 0
            elif ev.signed and prep not in START_PREPS:
                kind, rank = "signed", 0
            elif prep in START_PREPS:
                kind, rank = "start", 1
            elif ev.announced:
                kind, rank = "announced", 3
            elif status == "planned":
                kind, rank = "planned", 2
            elif status == "ended":
                kind, rank = "ended", 1
            elif ev.join:
                kind, rank = "joined", 1
            else:
                kind, rank = "start", 2
            if d.get("weekday") is not None or d.get("relative_days") is not None:
                rank = max(rank, 2)  # "heute unterzeichneten" may belong to another clause; named dates first
            candidates.append((rank, order, {"value": value, "kind": kind, "text": d["text"]}))
    if not candidates and coop.events:
        for d in coop.events[0].prev_dates:
            value = resolve_date(d, published, d.get("year_context"))
            if value:
                return {"value": value, "kind": "start" if d.get("prep") in START_PREPS else "signed", "text": d["text"]}
    if not candidates:
        return None
    return min(candidates, key=lambda c: (c[0], c[1]))[2]


def _paragraph_types(sents, coop: Coop, per_sent_cues: dict) -> Counter:
    """Type keywords of the other sentences in the paragraphs that report the main cooperation:
    press releases describe what the partners will do right after announcing it."""
    event_sents = {ev.sent for ev in coop.events}
    para_of = []
    para = 0
    for k, s in enumerate(sents):
        if k and "\n" in sents[k - 1].doc[sents[k - 1].start : s.start].text:
            para += 1
        para_of.append(para)
    paras = {para_of[k] for k in event_sents}
    out: Counter = Counter()
    for k in range(len(sents)):
        if k not in event_sents and para_of[k] in paras:
            out.update({c["label"]: 1 for c in per_sent_cues.get(k, []) if c["group"] == "type"})
    return out


def _finish(doc, sents, coop: Coop, context_types: Counter, published: str | None) -> dict:
    types: Counter = Counter()
    for ev in coop.events:
        types.update(ev.types)
    if not coop.background:
        # the surrounding text adds what the partners do, but not that it is a network
        types.update(context_types - Counter({"network": context_types["network"]}))
    chosen = [t for t, n in types.items() if n >= _TYPE_MIN.get(t, 1)]
    if any(e.join for e in coop.events) or (coop.name is not None and re.search(r"netzwerk|verbund|allianz|konsortium", coop.name.name.lower())):
        chosen.append("network")
    if coop.background:
        chosen = ["network"] if coop.name is not None else chosen
    chosen = list(dict.fromkeys(chosen))
    if coop.planned:
        chosen = [t for t in chosen if t not in ("strategic", "network", "patient_care", "telemedicine", "administration")]
    if not chosen:
        chosen = ["other"] if any(e.strong for e in coop.events) else ["strategic"]
    status = _status(coop)
    evidence = [sentence_evidence(sents[ev.sent]) for ev in coop.events[:5]]
    strong = sum(e.strong for e in coop.events)
    confidence = min(0.95, 0.5 + 0.1 * strong + 0.05 * len(coop.events))
    return {
        "partners": coop.partners,
        "name": coop.name.name if coop.name is not None else None,
        "name_entity": coop.name,
        "types": chosen,
        "status": status,
        "date": _date(coop, published, status),
        "evidence": evidence,
        "confidence": round(confidence, 2),
        "events": coop.events,
    }


def build(doc, art: Article, published: str | None) -> tuple[bool, list[dict]]:
    """(is_cooperation, cooperations as dicts with entity objects as partners)."""
    sents, per_sent_cues, context_types = art.sents, art.per_sent_cues, art.context_types
    coops = _group(art.events, art.hubs)
    is_coop = bool(coops) and not (art.ma_weight > art.strong_weight * 2 or (art.ma_weight >= 3 and art.strong_weight == 0))
    # a cooperation stopped by an authority ("Kartellbehörde untersagt ...") is reported in the lead
    if any(c["group"] == "blocked" for si in range(min(3, len(sents))) for c in per_sent_cues.get(si, [])):
        is_coop = False
    # mentioned only in passing: the main cooperation appears late and nothing in the lead is about it
    if coops and is_coop:
        # positions count sentences with content only: menu lines and bylines above the headline
        # ("Facebook Instagram", "Neues aus dem Klinikum") do not push the lead down
        content = art.content
        rank = {si: r for r, si in enumerate(content)}
        first = min(rank.get(ev.sent, ev.sent) for ev in coops[0].events)
        lead = [si for si in range(len(sents)) if si < 2 or si in content[:2]]
        lead_cue = any(c["group"] == "cue" and c["label"] == "strong" for si in lead for c in per_sent_cues.get(si, []))
        if first > max(5, 0.4 * len(content)) and not lead_cue:
            is_coop = False
    if not is_coop:
        return False, []
    out = []
    for coop in coops:
        extra = context_types + _paragraph_types(sents, coop, per_sent_cues) if coop is coops[0] else Counter()
        out.append(_finish(doc, sents, coop, extra, published))
    return True, out
