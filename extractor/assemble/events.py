"""Sentences -> cooperation events.

An event is a sentence that reports a cooperation (a strong cue such as "Kooperation", or a weak
one such as "Vertrag" with two organisations) with its parties, dates, status words and type
keywords. Parties left implicit are recovered: generic plurals ("beide Häuser") point to the
organisations named just before, "Zusammenarbeit mit X" to the article's own organisation.
Funders, approvers, announcers and frames ("im Rahmen des X") are not parties.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from extractor.nlp import docdata, labels, lexicons
from extractor.nlp.docdata import blocked as blocked_tokens

_BOTH = re.compile(r"^(beide[nr]?)$")
_PAST_JOIN = {"trat", "traten", "folgte", "folgten", "kam", "kamen", "schloss", "schlossen", "war", "waren", "wurde", "wurden"}
SIGN = re.compile(r"^(unterzeichn\w*|unterschrieb\w*|unterschreiben|besiegelt|abgeschlossen|geschlossen|vereinbart\w*)$")
ANNOUNCE = re.compile(r"^(mitteilte|mitgeteilt|teilte|bekannt|gab|gaben|verkündet\w*|vorgestellt|präsentiert\w*)$")
# verbs that make an organisation the hub of a network ("vom X gegründet", "am X angebunden")
_RUNS_NETWORK = re.compile(r"^(gegründet|gründen|gründet|gründete|ins|initiiert|koordiniert\w*|angebunden|aufgebaut)$")


@dataclass
class Event:
    sent: int
    parties: list[object]
    networks: list[object]
    statuses: Counter
    types: Counter
    dates: list[dict]
    join: bool = False
    past_join: bool = False
    signed: bool = False
    announced: bool = False
    both: bool = False
    strong: int = 0
    founding: bool = False
    prev_dates: list = field(default_factory=list)


@dataclass
class Article:
    """The sentences of an article with their cues, and the cooperation events found in them."""

    sents: list
    sent_of: dict[int, int]  # token index -> index into sents
    per_sent_ents: dict[int, list[tuple[object, dict]]]  # (entity, mention) per sentence, no boilerplate
    per_sent_cues: dict[int, list[dict]]
    events: list[Event]
    context_types: Counter  # type words of cue sentences that name no party
    hubs: dict  # network entity -> the organisation that runs it
    ma_weight: int  # merger/acquisition cues, lead sentences weighted
    strong_weight: int  # strong cooperation cues, weighted the same way
    cue_counts: list[Counter]  # per sentence: "group:label" -> count
    content: list[int]  # sentences with at least six words (menu lines and bylines have fewer)
    signed: set[int]  # sentences with a verb of signing ("unterzeichnet", "vereinbart")
    announced: set[int]  # sentences with a verb of announcing ("mitgeteilt", "vorgestellt")


def _sentences(doc):
    blocked = blocked_tokens(doc)
    out = []
    for s in doc.sents:
        if any(t.i not in blocked and not t.is_space for t in s):
            out.append(s)
    return out, blocked


def read_article(doc, facts: dict, of_mention: dict) -> Article:
    """Every cooperation event of the article, plus what the detection and the types need."""
    sents, blocked = _sentences(doc)
    texts, lows = docdata.words(doc)
    sent_of = {k: si for si, s in enumerate(sents) for k in range(s.start, s.end)}
    per_sent_ents: dict[int, list[tuple[object, dict]]] = {}
    for idx, m in enumerate(facts.get("inst", [])):
        si = sent_of.get(m["start"])
        if si is None or m["start"] in blocked:
            continue
        per_sent_ents.setdefault(si, []).append((of_mention[idx], m))
    per_sent_cues: dict[int, list[dict]] = {}
    for c in facts.get("cue", []):
        si = sent_of.get(c["start"])
        if si is not None:
            per_sent_cues.setdefault(si, []).append(c)
    per_sent_dates: dict[int, list[dict]] = {}
    last_year = None
    last_year_sent = -10
    for d in sorted((d for d in facts.get("date", []) if not d.get("weak")), key=lambda d: d["start"]):
        si = sent_of.get(d["start"])
        if si is not None and si - last_year_sent > 2:
            last_year = None  # a year named long before does not date a bare month
        after = doc[d["end"]].lower_ if d["end"] < len(doc) else ""
        attributive = after.startswith(labels.ATTRIBUTIVE_AFTER)
        d = dict(d, year_context=last_year, text=doc[d["start"] : d["end"]].text, _attributive=attributive)
        if d.get("year") and not attributive:  # "die seit 2018 bestehende ..." dates nothing after it
            last_year = d["year"]
            last_year_sent = si if si is not None else last_year_sent
        if si is not None:
            per_sent_dates.setdefault(si, []).append(d)
    hubs = _hubs(doc, sents, per_sent_ents, per_sent_cues)
    focal = _focal(per_sent_ents)

    events: list[Event] = []
    context_types: Counter = Counter()
    ma_weight = strong_weight = 0
    current_net = None
    cue_counts: list[Counter] = []
    signed: set[int] = set()
    announced: set[int] = set()
    for si, sent in enumerate(sents):
        ents = per_sent_ents.get(si, [])
        cues = per_sent_cues.get(si, [])
        groups = Counter(c["group"] + ":" + c["label"] for c in cues)
        cue_counts.append(groups)
        frames = [e for e, m in ents if _in_frame(doc, m)]
        nets = list(dict.fromkeys([e for e, _ in ents if e.kind == "network"] + frames))
        if nets:
            current_net = nets[0]
        lead = si < 3
        strong = groups["cue:strong"]
        ma = groups["ma:ma"]
        ma_weight += ma * (3 if lead else 1)
        strong_weight += strong * (3 if lead else 1)
        nonpartner = [c for c in cues if c["group"] == "nonpartner"]
        parties = []
        join_here = groups["join:join"] > 0
        for e, m in ents:
            if e in parties or e in frames:
                continue
            if e in nets and (join_here or e in hubs or len({x for x, _ in ents if x not in nets}) >= 2):
                continue  # the network members join (or its hub runs) is the cooperation's name, not a party
            if _non_partner(doc, m, nonpartner):
                continue
            parties.append(e)
        words = lows[sent.start : sent.end]
        if any(SIGN.match(w) for w in words):
            signed.add(si)
        if any(ANNOUNCE.match(w) for w in words):
            announced.add(si)
        join = groups["join:join"] > 0
        both = _generic_pair(words)
        if both and len(parties) < 2:
            parties = _antecedents(si, per_sent_ents, parties)
            both = len(parties) < 2
        if len(parties) == 1 and (strong or "gemeinsam" in words) and _with_partner(doc, ents, parties[0]):
            host = next((e for e in focal if e is not parties[0]), None)
            if host is not None:  # "Zusammenarbeit mit X": the other side is the article's own organisation
                parties = [host, parties[0]]
        named = _named_centre(doc, sent, ents, words)
        if named is not None:
            ev = Event(si, [], [named], Counter(c["label"] for c in cues if c["group"] == "status"),
                       Counter(c["label"] for c in cues if c["group"] == "type") + Counter({"joint_center": 1}),
                       per_sent_dates.get(si, []), strong=strong)
            ev.founding = True
            events.append(ev)
            continue
        if not (strong or (groups["cue:weak"] and (len(parties) >= 2 or both)) or (join and parties and (nets or current_net))):
            if strong or groups["cue:weak"]:
                context_types.update({c["label"]: 1 for c in cues if c["group"] == "type"})
            continue
        if ma and not strong:
            continue
        if not parties and not nets and not strong and si not in signed:
            # "Die Partner wollen ...": describes the cooperation, names no party
            context_types.update({c["label"]: 1 for c in cues if c["group"] == "type"})
            continue
        statuses = Counter(c["label"] for c in cues if c["group"] == "status")
        types = Counter(c["label"] for c in cues if c["group"] == "type")
        ev = Event(si, parties, nets or ([current_net] if join and current_net else []), statuses, types,
                   per_sent_dates.get(si, []), join=join, both=both, strong=strong)
        ev.past_join = join and any(w in _PAST_JOIN for w in words) and not any(w in ("nun", "jetzt") for w in words)
        ev.signed = si in signed
        ev.announced = si in announced
        prev = {e for e, _ in per_sent_ents.get(si - 1, [])}
        if prev & set(parties):
            ev.prev_dates = [d for d in per_sent_dates.get(si - 1, []) if d.get("prep") in ("ab", "seit", "zum", "am")]
        events.extend(_split_sequence(ev, doc, per_sent_ents.get(si, [])))

    content = [si for si, sent in enumerate(sents) if sum(w.isalpha() for w in texts[sent.start : sent.end]) >= 6]
    return Article(sents, sent_of, per_sent_ents, per_sent_cues, events, context_types, hubs, ma_weight, strong_weight,
                   cue_counts, content, signed, announced)


def _in_frame(doc, m: dict) -> bool:
    """"im Rahmen des Robotikzentrums X", "unter dem Dach der Y": the frame of a cooperation, not a
    party; so is a name only the statistical NER found after "im" ("Kliniken im Sanovia Cluster X")."""
    before = [t.lower_ for t in doc[max(0, m["start"] - 3) : m["start"]]]
    if m.get("source") == "ner" and before and before[-1] in ("im", "in", "beim"):
        return True
    return len(before) >= 2 and (before[-2] in ("rahmen", "dach") or before[-3:-1] == ["rahmen", "des"])


def _focal(per_sent_ents: dict) -> list:
    """Organisations by how much the article is about them (mentions, then first appearance)."""
    counts: Counter = Counter()
    first: dict = {}
    for si in sorted(per_sent_ents):
        for e, m in per_sent_ents[si]:
            if e.kind == "network":
                continue
            counts[e] += 1
            first.setdefault(e, m["start"])
    return sorted(counts, key=lambda e: (-counts[e], first[e]))


def _with_partner(doc, ents, party) -> bool:
    """"(Zusammenarbeit|gemeinsam) mit dem X": X is named as the counterpart of an implicit host."""
    for e, m in ents:
        if e is party:
            k = m["start"]
            before = [t.lower_ for t in doc[max(0, k - 3) : k]]
            if "mit" in before:
                return True
    return False


def _non_partner(doc, m: dict, nonpartner: list[dict]) -> bool:
    """"wie das Gesundheitsministerium mitteilte", "laut dem Klinikum", "X, das die Kooperation fördert",
    "gefördert vom Land": the organisation reports, approves or funds; it is not a party."""
    if m["start"] > 0 and doc[m["start"] - 1].lower_ in ("wie", "laut") or \
            m["start"] > 1 and doc[m["start"] - 2].lower_ in ("wie", "laut"):
        return True
    before = [t.lower_ for t in doc[max(0, m["start"] - 2) : m["start"]]]
    if before and before[-1] in ("vom", "von", "durch") or before[:1] == ["von"]:
        # "vom Landesforschungsministerium mit 1,8 Mio. Euro gefördert"
        if any(0 <= c["start"] - m["end"] <= 10 and doc[c["start"]].lower_.startswith(("geförder", "finanzier", "unterstützt"))
               for c in nonpartner):
            return True
    for c in nonpartner:
        if 0 <= c["start"] - m["end"] <= 3 or 0 <= m["start"] - c["end"] <= 2 and doc[c["start"]].lower_.startswith(("geförder", "finanzier", "unterstützt")):
            return True
    return False


def _generic_pair(words: list[str]) -> bool:
    """"beide Häuser", "die Kliniken", "das Unternehmen und die Hochschule": the parties named before."""
    plural, singular = lexicons.anaphora()
    for k, w in enumerate(words[:-1]):
        nxt = words[k + 1]
        if _BOTH.match(w) and (nxt in plural or (k + 2 < len(words) and words[k + 2] in plural)):
            return True
        if w in ("die", "den") and nxt in plural and nxt not in ("partner", "partnern"):
            return True
        if w in ("das", "die", "der") and nxt in singular and k + 4 < len(words) and words[k + 2] == "und" \
                and words[k + 3] in ("das", "die", "der") and words[k + 4] in singular:
            return True
        if w in singular and nxt == "und" and k + 2 < len(words) and words[k + 2] in singular \
                and words[k + 2] != w:
            return True  # "Universitätsmedizin und Institut arbeiten ... zusammen"
    return False


def _antecedents(si: int, per_sent_ents: dict, parties: list) -> list:
    """The organisations a generic plural refers to: those of the nearest earlier sentence naming two."""
    for back in (si - 1, si - 2, si - 3):
        cands = list(dict.fromkeys(e for e, _ in per_sent_ents.get(back, []) if e.kind != "network"))
        if len(cands) >= 2:
            return list(dict.fromkeys([*parties, *cands]))
    return parties


_CENTRE = re.compile(r"zentrum|zentren|center|centre|institut", re.IGNORECASE)
_NAME_INTRO = {"titel", "namen", "bezeichnung", "motto", "dach"}
# verbs that found a joint centre or project ("soll ... entstehen", "wurde ... begründet")
_FOUNDING = re.compile(r"^(gegründet|begründet|gründen|errichtet|eingerichtet|entstehen|entsteht|ins)$")


def _named_centre(doc, sent, ents, words) -> object:
    """A joint centre or project named in the sentence: "soll das „Zentrum für X“ gegründet werden",
    "trägt den Titel „Onkologisches Netzwerk Talberg“", "Unter der Bezeichnung „Zentrum ...“"."""
    nets = [e for e, _ in ents if e.kind == "network" or _CENTRE.search(e.name)]
    others = [e for e, _ in ents if e not in nets]
    if len(nets) != 1 or others:
        return None
    if any(_FOUNDING.match(w) for w in words) or any(w in _NAME_INTRO for w in words):
        return nets[0]
    return None


def _hubs(doc, sents, per_sent_ents, per_sent_cues) -> dict:
    """Network -> the organisation that runs it: "Netzwerk X des Herzzentrums Talberg", "vom Y gegründet"."""
    hubs = {}
    for si, ents in per_sent_ents.items():
        for k, (e, m) in enumerate(ents):
            if e.kind != "network":
                continue
            nxt = ents[k + 1] if k + 1 < len(ents) else None
            if nxt and nxt[0].kind != "network":
                gap = doc[m["end"] : nxt[1]["start"]]
                if len(gap) <= 3 and all(t.lower_ in ("des", "der", "vom", "von", "am", "beim", "dem") or t.is_punct for t in gap):
                    hubs.setdefault(e, nxt[0])
        words = {t.lower_ for t in sents[si]}
        others = [e for e, _ in ents if e.kind != "network"]
        nets = [e for e, _ in ents if e.kind == "network"]
        if not nets and words & {"netzwerk", "verbund", "zusammenschluss", "bündnis"}:
            nets = [last for last in [_last_network(per_sent_ents, si)] if last is not None]  # "Das Netzwerk wurde von X gegründet"
        if nets and len(set(others)) == 1 and any(_RUNS_NETWORK.match(w) for w in words):
            hubs.setdefault(nets[0], others[0])
    return hubs


def _last_network(per_sent_ents: dict, si: int):
    for back in range(si, -1, -1):
        nets = [e for e, _ in per_sent_ents.get(back, []) if e.kind == "network"]
        if nets:
            return nets[-1]
    return None


def _split_sequence(ev: Event, doc, ents) -> list[Event]:
    """"Im Februar folgte das A und im März das B": one joining event per member, each with its date."""
    if not (ev.join and len(ev.parties) >= 2 and len(ev.dates) >= 2):
        return [ev]
    out = []
    for party in ev.parties:
        pm = next(m for e, m in ents if e is party)
        before = [d for d in ev.dates if d["end"] <= pm["start"]]
        date = before[-1:] if before else []
        out.append(Event(ev.sent, [party], ev.networks, ev.statuses, Counter({"network": 1}), date, join=True,
                         past_join=ev.past_join, strong=ev.strong))
    return out
