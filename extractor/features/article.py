"""Features of a whole article, for "does it report a cooperation", its types and its status.

Cue counts by where they stand (headline, lead, body), what the rule assembly concluded, the
kinds of the organisations beside a cue and of the cooperation's own name (a centre or a network
named there says what kind of cooperation it is), and the words of the headline, the lead and
the sentences that carry cue words. Words are lower
case and at least four letters long, so the models learn open classes of German vocabulary
("Ausbildungsverbund", "Lieferkette", "Fusion") rather than names.
"""

from __future__ import annotations

import math
import re

from extractor.features.view import ArticleView
from extractor.nlp import lexicons

_WORD = re.compile(r"^[a-zäöüß][a-zäöüß\-]{3,}$")
_LEAD = 3  # content sentences that count as headline and lead
_GROUPS = ("cue:strong", "cue:weak", "join:join", "ma:ma", "blocked:blocked", "nonpartner:nonpartner")


def _named_tokens(view: ArticleView) -> set[int]:
    """Tokens of names (organisations, people, the NER's entities): the word features are
    vocabulary, never the names of particular organisations or people."""
    out = {k for m in [*view.mentions, *view.facts.get("person", [])] for k in range(m["start"], m["end"])}
    out.update(t.i for e in view.doc.ents for t in e)
    return out


def _words(sent, named: set[int]) -> set[str]:
    return {t.lower_ for t in sent if t.i not in named and _WORD.match(t.lower_)}


def _org_heads(view: ArticleView, lead: set[int]) -> dict[str, float]:
    """The head nouns of the organisations named in the lead and the cue sentences, compounds read
    as their head ("Krebszentrum" -> zentrum, "Kreisklinik" -> klinik): the words of names are
    left out of the word features, yet a new centre or network named there says what kind of
    cooperation it is. Cross-validated (mean of four fold assignments): types 0.655 -> 0.659."""
    f: dict[str, float] = {}
    for si in lead | view.cue_sents:
        for e in view.entities_in[si]:
            noun = lexicons.heads().noun(e.head.split()[-1]) if e.head else None
            if noun:
                f[f"org_head@{'lead' if si in lead else 'cue'}={noun.lower()}"] = 1.0
    return f


def article_features(view: ArticleView, rule_is_coop: bool, rule_coops: list[dict]) -> dict[str, float]:
    f: dict[str, float] = {"bias_article": 1.0}
    lead = set(view.content[:_LEAD])
    title = view.content[0] if view.content else None
    totals = {g: 0 for g in _GROUPS}
    for si, cc in enumerate(view.cue_counts):
        where = "title" if si == title else "lead" if si in lead else "body"
        for g in _GROUPS:
            if cc[g]:
                totals[g] += cc[g]
                f[f"{g}@{where}"] = f.get(f"{g}@{where}", 0.0) + 1.0
        for key, n in cc.items():
            if key.startswith(("type:", "status:")):
                k = f"{key}@{'lead' if where != 'body' else 'body'}"
                f[k] = f.get(k, 0.0) + n
    for g, n in totals.items():
        f[f"{g}_log"] = math.log1p(n)
    for key in list(f):
        if "@" in key:
            f[key] = math.log1p(f[key])
    f["rule_is_coop"] = float(rule_is_coop)
    f[f"rule_coops={min(len(rule_coops), 3)}"] = 1.0
    if rule_coops:
        f[f"rule_main_partners={min(len(rule_coops[0]['partners']), 4)}"] = 1.0
        for t in rule_coops[0]["types"]:
            f[f"rule_type={t}"] = 1.0
        f[f"rule_status={rule_coops[0]['status']}"] = 1.0
        name = rule_coops[0].get("name_entity")
        if name is not None:
            f[f"coop_name_kind={name.kind}"] = 1.0
        if rule_coops[0].get("name"):
            f["coop_named"] = 1.0
    for si in view.cue_sents:
        for e in view.entities_in[si]:
            f[f"cue_kind={e.kind}"] = 1.0
    f.update(_org_heads(view, lead))
    n_ents = len(view.entities)
    f[f"n_entities={min(n_ents, 6)}"] = 1.0
    f["n_sentences_log"] = math.log1p(len(view.content))
    named = _named_tokens(view)
    for si in view.content[:_LEAD]:
        for w in _words(view.sents[si], named):
            f["lead:" + w] = 1.0
    for si in sorted(view.cue_sents):
        for w in _words(view.sents[si], named):
            f["cue:" + w] = 1.0
    return f


def type_features(rule_coops: list[dict]) -> dict[str, float]:
    """What only the types model reads: the kinds of the rules' main partners (two hospitals
    mostly share patient care, a university and a firm research). Detection did worse with them."""
    if not rule_coops:
        return {}
    return {f"rule_party_kind={e.kind}": 1.0 for e in rule_coops[0]["partners"]}


def with_parties(features: dict[str, float], first: list[float], threshold: float, kinds: list[str]) -> dict[str, float]:
    """The article's features plus how sure the first-stage partner model is of its two most
    likely parties, how many pass its threshold (a cooperation needs two named parties) and
    their kinds (two hospitals mostly share patient care, a university and a firm research)."""
    f = dict(features)
    top = sorted(first, reverse=True)
    f["party_p1"] = top[0] if top else 0.0
    f["party_p2"] = top[1] if len(top) > 1 else 0.0
    f[f"parties={min(4, sum(p >= threshold for p in top))}"] = 1.0
    for p, kind in zip(first, kinds):
        if p >= threshold:
            f[f"party_kind={kind}"] = 1.0
    return f
