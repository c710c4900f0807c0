"""Features of one organisation in one article, for "is it a partner" and "is it listed".

All are named so a decision can be explained: where the organisation is mentioned (headline,
lead, how often), next to which cue words, introduced by which word ("mit", "zwischen",
"vom ... gefördert"), which rule found it, what kind of name it is, and what the rule assembly
made of it (a party of an event, the network's hub, a person's employer).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from extractor.features.view import ArticleView
from extractor.nlp import lexicons
from extractor.nlp.labels import ARTICLES
from extractor.nlp.names import ALLCAPS
from extractor.nlp.frequencies import load_frequencies

# words before a mention that say what role the organisation plays in the sentence
_BEFORE = frozenset(
    "mit zwischen und sowie von vom durch laut wie des der dem den die das im am beim bei zum zur für an in "
    "aus über gegenüber neben partner partnern ihrer ihrem seinem seiner".split()
)
_AFTER = frozenset("und sowie , ( gmbh hat haben will wollen wird werden ist sind arbeitet arbeiten kooperiert kooperieren "
                   "unterzeichnet unterzeichneten schließen schloss".split())
_COORD = frozenset(("und", "sowie", ",", "&"))
_CUE_GROUPS = ("cue:strong", "cue:weak", "join:join", "ma:ma", "nonpartner:nonpartner", "blocked:blocked")


def _bucket(n: int, edges=(1, 2, 3, 5, 8)) -> str:
    for e in edges:
        if n <= e:
            return str(e)
    return f">{edges[-1]}"


@dataclass
class _Context:
    """What every entity's features compare against, computed once per article."""

    roles: dict[int, set[str]]
    salience: dict[int, tuple[int, int, int]]
    starts: dict[int, dict]
    ends: set[int]
    counts: list[int]  # mentions per entity, most first
    total: int  # mentions of all entities
    cue_counts: list[int]  # cue sentences per entity, most first
    staff: Counter
    tagged: list  # [start, end, label] of the press-text tagger's spans
    bullets: set[int]  # first tokens of the names on the lines of bulleted lists


def _salience(view: ArticleView) -> dict[int, tuple[int, int, int]]:
    """Per entity: (cue sentences mentioning it, mentions, -first token), to rank it among the others."""
    cue_sents: Counter = Counter()
    for si in view.cue_sents:
        for e in view.entities_in[si]:
            cue_sents[id(e)] += 1
    return {id(e): (cue_sents[id(e)], len(e.mentions), -e.first) for e in view.entities}


def context(view: ArticleView, rule_coops: list[dict]) -> _Context:
    sal = _salience(view)
    counts = sorted((len(e.mentions) for e in view.entities), reverse=True)
    return _Context(
        roles=rule_roles(view, rule_coops),
        salience=sal,
        starts={m["start"]: m for m in view.mentions},
        ends={m["end"] for m in view.mentions},
        counts=counts,
        total=sum(counts),
        cue_counts=sorted((v[0] for v in sal.values()), reverse=True),
        staff=Counter(id(e) for e in view.affiliations),
        tagged=view.facts.get("tagged", []),
        bullets={s for items in view.facts.get("bullets", []) for s, _ in items},
    )


def _ranks(view: ArticleView, ctx: _Context, entity) -> dict[str, float]:
    sal, cue_counts = ctx.salience, ctx.cue_counts
    mine = sal[id(entity)]
    out = {}
    for k, key in ((0, "cue_rank"), (2, "first_rank")):
        rank = sum(1 for e in view.entities if sal[id(e)][k] > mine[k])
        out[f"{key}={min(rank, 3)}"] = 1.0
    if mine[0] and len(cue_counts) > 1:
        other = cue_counts[1] if cue_counts[0] == mine[0] else cue_counts[0]
        out["cue_share_vs_best_other"] = mine[0] / max(1, mine[0] + other)
    return out


def coordinator_follows(doc, k: int, starts) -> int | None:
    """Where the mention starts that follows a coordinator at k, directly or after an article
    ("und die X"); None when no mention does."""
    if k >= len(doc) or doc[k].lower_ not in _COORD:
        return None
    if k + 1 in starts:
        return k + 1
    if k + 1 < len(doc) and doc[k + 1].lower_ in ARTICLES and k + 2 in starts:
        return k + 2
    return None


def entity_features(view: ArticleView, entity, ctx: _Context) -> dict[str, float]:
    doc = view.doc
    f: dict[str, float] = {"bias_entity": 1.0}
    ms = entity.mentions
    sents = sorted({s for s in (view.sentence(m["start"]) for m in ms) if s is not None})
    f[f"kind={entity.kind}"] = 1.0
    for src in {m["source"] for m in ms}:
        f[f"src={src}"] = 1.0
    f["n_mentions_log"] = math.log1p(len(ms))
    f[f"n_sents={_bucket(len(sents))}"] = 1.0
    rank = sum(1 for c in ctx.counts if c > len(ms))
    f[f"mention_rank={_bucket(rank, (0, 1, 2, 4))}"] = 1.0
    f["share_of_mentions"] = len(ms) / max(1, ctx.total)
    f[f"n_entities={_bucket(len(view.entities), (2, 3, 5, 8, 12))}"] = 1.0
    f.update(_ranks(view, ctx, entity))
    if sents:
        first = sents[0]
        f[f"first_sent={_bucket(view.content_rank.get(first, first), (0, 1, 2, 4, 8))}"] = 1.0
        f["first_pos"] = first / max(1, len(view.sents))
    else:
        f["no_sentence"] = 1.0
    # cue words in the sentences that mention it
    cue_sents = Counter()
    with_other = 0
    for si in sents:
        cc = view.cue_counts[si]
        for g in _CUE_GROUPS:
            if cc[g]:
                cue_sents[g] += 1
        if view.entities_in[si] - {entity} and (cc["cue:strong"] or cc["cue:weak"]):
            with_other += 1
        for key in cc:
            if key.startswith(("type:", "status:")):
                f[f"sent_{key.split(':')[0]}"] = 1.0
    for g, n in cue_sents.items():
        f[f"in_{g}"] = 1.0
        f[f"in_{g}_n"] = math.log1p(n)
    if with_other:
        f["cue_with_other"] = 1.0
        f["cue_with_other_n"] = math.log1p(with_other)
    # the words around its mentions
    seen = set()
    title = view.content[0] if view.content else -1
    for m in ms:
        a, b = m["start"], m["end"]
        si = view.sentence(a)
        if si is not None:
            sent = view.sents[si]
            for c in view.article.per_sent_cues.get(si, ()):
                if c["group"] in ("cue", "join"):
                    gap = c["start"] - b if c["start"] >= b else a - c["end"]
                    side = "after" if c["start"] >= b else "before"
                    seen.add(f"{c['group']}_{c['label']}_{side}_{'near' if gap <= 3 else 'mid' if gap <= 10 else 'far'}")
            if any(t.lower_ == "zwischen" for t in doc[max(sent.start, a - 10) : a]):
                seen.add("after_zwischen")
            if si == title:
                seen.add("in_title")
        # coordinated with another organisation: "X und Y", "X, Y sowie Z"
        if coordinator_follows(doc, b, ctx.starts) is not None:
            seen.add("coord_next")
        if a >= 2 and doc[a - 1].lower_ in _COORD and a - 1 in ctx.ends:
            seen.add("coord_prev")
        for k, tag in ((a - 1, "b1"), (a - 2, "b2")):
            if k >= 0 and doc[k].lower_ in _BEFORE:
                seen.add(f"{tag}={doc[k].lower_}")
        if b < len(doc) and doc[b].lower_ in _AFTER:
            seen.add(f"a1={doc[b].lower_}")
        if b < len(doc) and doc[b].is_lower and doc[b].is_alpha and doc[b].lower_.endswith(("en", "t", "te")):
            seen.add("a1=verbish")
        if a > 0 and doc[a - 1].is_quote:
            seen.add("quoted")
        if a == 0 or doc[a - 1].is_space or "\n" in doc[a - 1].text_with_ws:
            seen.add("line_start")
        if a in ctx.bullets:
            seen.add("bulleted")
    for key in seen:
        f[key] = 1.0
    # the name itself
    name = entity.name
    words = name.split() or [""]
    f[f"name_len={_bucket(len(words), (1, 2, 3, 5))}"] = 1.0
    if ALLCAPS.match(name):
        f["name_allcaps"] = 1.0
    if entity.abbreviation:
        f["has_abbreviation"] = 1.0
    if entity.head:
        f["has_head"] = 1.0
    if entity.place:
        f["has_place"] = 1.0
    if name in lexicons.media() or words[0] in lexicons.media():
        f["media"] = 1.0
    if _has_legal_form(words):
        f["legal_form"] = 1.0
    # how common its words are: "Kardiologie", "Praktika" are everyday nouns, brands and names are rare
    freq = load_frequencies()
    f[f"zipf_last={freq.get(words[-1].lower(), '0')}"] = 1.0
    if len(words) == 1:
        f[f"zipf_single={freq.get(words[0].lower(), '0')}"] = 1.0
    # what the press-text tagger (trained on the gold) said of its mentions
    said = Counter(label for m in ms for a, b, label in ctx.tagged if a < m["end"] and m["start"] < b)
    for label, n in said.items():
        f[f"tagged={label}"] = 1.0
        f[f"tagged={label}_share"] = n / len(ms)
    if not said:
        f["tagged=none"] = 1.0
    # people who speak for it
    if ctx.staff[id(entity)]:
        f["staff_n"] = math.log1p(ctx.staff[id(entity)])
    # the rule assembly's view
    for key in ctx.roles.get(id(entity), ()):
        f[f"rule_{key}"] = 1.0
    return f


def _has_legal_form(words: list[str]) -> bool:
    low = tuple(w.lower() for w in words)
    return any(low[i : i + len(form)] == form for form in _legal_forms() for i in range(len(low) - len(form) + 1))


@lru_cache(maxsize=1)
def _legal_forms() -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(w.lower() for w in form) for form in lexicons.legal_forms())


def rule_roles(view: ArticleView, rule_coops: list[dict]) -> dict[int, set[str]]:
    """Entity -> what the rules made of it: party of an event, partner of the rules' main or
    another cooperation, a cooperation's name, the network's hub, a person's employer."""
    out: dict[int, set[str]] = {}
    for ev in view.article.events:
        for p in ev.parties:
            out.setdefault(id(p), set()).add("event_party")
            if ev.strong:
                out[id(p)].add("strong_event_party")
        for n in ev.networks:
            out.setdefault(id(n), set()).add("event_network")
    for k, c in enumerate(rule_coops):
        for p in c["partners"]:
            out.setdefault(id(p), set()).add("main_partner" if k == 0 else "other_partner")
        if c.get("name_entity") is not None:
            out.setdefault(id(c["name_entity"]), set()).add("coop_name")
    for hub in view.article.hubs.values():
        out.setdefault(id(hub), set()).add("hub")
    for e in view.affiliations:
        out.setdefault(id(e), set()).add("affiliation")
    return out
