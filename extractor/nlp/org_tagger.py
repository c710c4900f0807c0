"""`coopx_org_tagger`: organisation mentions learned from press texts.

The head-noun rules and the general NER find the organisations they were written or trained
for; press releases name many others (brands, towns acting as parties, foreign universities,
heads no list has). This linear-chain CRF is trained on the gold articles (every name and alias
of an annotated organisation, projected onto the tokens) over the NER's word features plus
what the earlier components found: the NER's label and the rule mention around each token.
Its labels tell partners from other organisations (as the gold names them); its spans that no
rule found become mentions with source "crf", and every span's label is a feature of the decisions.
Training: ``scripts/train_decisions.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pycrfsuite
from spacy.attrs import IS_SPACE, LOWER
from spacy.language import Language
from spacy.tokens import Doc

from extractor.decide import MODELS
from extractor.nlp import labels, lexicons
from extractor.nlp.docdata import add_mentions, facts
from extractor.nlp.docdata import blocked as blocked_tokens
from extractor.nlp.mentions import InstMention
from extractor.nlp.names import ADJ, fold_adjective, join_name
from extractor.nlp.ner_crf import SHARED_FEATURES, SHIPPED_MODEL
from extractor.nlp.ner_features import Featurizer, NerResources, bio_spans

MODEL = MODELS / "org_tagger.crfsuite"
_LEAD = 4  # sentences from the top that are always tagged (headline, date line, lead)
_CUE_WORDS = ("kooperation", "zusammenarbeit", "partner", "vertrag", "vereinbarung", "netzwerk", "verbund",
              "gemeinsam", "allianz", "bündnis", "beitr", "mitglied")


def sentence_items(doc: Doc, featurizer: Featurizer) -> list[tuple[list[int], list[list[str]]]]:
    """(token indices, features per token) for every sentence: the NER's word features (as the
    NER left them in the Doc, else computed) plus the NER label, the rule mention source and the
    sentence's cue words around each token. The NER's lists are extended in place: it has used them."""
    n_tok = len(doc)
    rule = ["O"] * n_tok
    for m in facts(doc).get("inst", []):
        for k in range(m["start"], m["end"]):
            rule[k] = ("B-" if k == m["start"] else "I-") + m["source"]
    ner = ["O"] * n_tok
    for e in doc.ents:
        for k in range(e.start, e.end):
            ner[k] = ("B-" if k == e.start else "I-") + e.label_
    arr = doc.to_array([LOWER, IS_SPACE])  # no Token objects: they cost more than the features
    strings = doc.vocab.strings
    lows = [strings[h] for h in arr[:, 0].tolist()]
    spaces = arr[:, 1].tolist()
    out = []
    shared = doc.user_data.pop(SHARED_FEATURES, None) or {}
    for s in doc.sents:
        idx = [i for i in range(s.start, s.end) if not spaces[i]]
        if not idx:
            continue
        hit = shared.get(idx[0])
        base = hit[1] if hit is not None and hit[0] == idx else featurizer.sentence([doc[i].text for i in idx])
        low = " ".join(lows[i] for i in idx)
        cue = any(c in low for c in _CUE_WORDS)
        last = len(idx) - 1
        for p, (i, x) in enumerate(zip(idx, base)):
            r = rule[i]
            x += ["rule=" + r, "rulek=" + (r[2:] if r != "O" else "O"), "ner=" + ner[i]]
            if p > 0:
                x += ["-1ner=" + ner[idx[p - 1]], "-1rule=" + rule[idx[p - 1]][:1]]
                if p > 1:
                    x.append("-2w=" + lows[idx[p - 2]])
                    if p > 2:
                        x.append("-3w=" + lows[idx[p - 3]])
            if p < last:
                x += ["+1ner=" + ner[idx[p + 1]], "+1rule=" + rule[idx[p + 1]][:1]]
            if cue:
                x.append("sentcue")
        out.append((idx, base))
    return out


def canonical(doc: Doc, start: int, end: int) -> tuple[str, str | None, str]:
    """(nominative name, head, kind) of a tagged span: inflected head nouns and the adjectives
    before them fold to the nominative ("des Evangelischen Hilfswerkes Talberg" -> "Evangelisches Hilfswerk Talberg")."""
    toks = [t.text for t in doc[start:end]]
    while toks and toks[0].lower() in labels.ARTICLES:
        toks = toks[1:]
    heads = lexicons.heads()
    head_at, head = None, None
    for k, w in enumerate(toks):
        h = heads.lookup(w)
        if h is not None:
            head_at, head = k, h
    if head is not None and head.inflected and not head.plural:
        toks[head_at] = head.base
        for k in range(head_at):
            if ADJ.match(toks[k]):
                toks[k] = fold_adjective(toks[k], head.gender)
    return join_name(toks), head.base if head else None, head.kind if head else "other"


class OrgTagger:
    """Sets `facts(doc)["inst"]` mentions for the CRF's spans that no earlier rule took."""

    def __init__(self, featurizer: Featurizer | None = None) -> None:
        self._featurizer = featurizer
        self._tagger: pycrfsuite.Tagger | None = None

    def load(self, model_path: Path) -> None:
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(model_path))

    def featurizer(self, nlp: Language | None = None) -> Featurizer:
        if self._featurizer is None:
            if nlp is not None and nlp.has_pipe("coopx_crf_ner"):
                ner = nlp.get_pipe("coopx_crf_ner")
                self._featurizer = ner._featurizer
                ner.share_features = True  # the same word features: computed once, by the NER
            if self._featurizer is None:  # another NER (de_core_news_lg): the shipped model's word features
                self._featurizer = Featurizer(NerResources.from_disk(SHIPPED_MODEL / "coopx_crf_ner"))
        return self._featurizer

    def spans(self, doc: Doc, items: list | None = None) -> list[tuple[int, int, str]]:
        """(start, end, label) of every span the CRF tags in the headline, the lead, cue
        sentences and sentences naming people (the others hold no party); the label says
        whether the gold named such a span as a partner ("PART") or as another organisation
        ("ORG"). `items`: the doc's `sentence_items`, when already built."""
        if self._tagger is None:
            return []
        out = []
        people = {t.i for e in doc.ents if e.label_ == "PER" for t in e}
        for n, (idx, feats) in enumerate(items if items is not None else sentence_items(doc, self.featurizer())):
            if n >= _LEAD and "sentcue" not in feats[0] and not any(i in people for i in idx):
                continue
            tags = self._tagger.tag(pycrfsuite.ItemSequence(feats))
            out += [(idx[a], idx[b - 1] + 1, label) for a, b, label in bio_spans(tags)]
        return out

    def __call__(self, doc: Doc) -> Doc:
        add_spans(doc, self.spans(doc))
        doc.user_data.pop(SHARED_FEATURES, None)  # never left in the Doc, also when no model is loaded
        return doc


def add_spans(doc: Doc, spans: Sequence[tuple[int, int, str]]) -> None:
    """Tagged spans become mentions where no rule or NER mention lies; all of them, with their
    label, are kept as `facts(doc)["tagged"]`: the decisions read what the tagger said of every
    mention, also of those a rule found first."""
    facts(doc)["tagged"] = [[a, b, label] for a, b, label in spans]
    taken = {k for m in facts(doc).get("inst", []) for k in range(m["start"], m["end"])} | blocked_tokens(doc)
    added = []
    for a, b, _ in spans:
        if any(k in taken for k in range(a, b)):
            continue
        name, head, kind = canonical(doc, a, b)
        if not name or not name[:1].isupper():
            continue
        added.append(InstMention(a, b, name, kind, head, source="crf"))
        taken.update(range(a, b))
    add_mentions(doc, added)


@Language.factory("coopx_org_tagger", default_config={"model": None})
def make_org_tagger(nlp: Language, name: str, model: str | None) -> OrgTagger:
    tagger = OrgTagger()
    path = Path(model) if model else MODEL
    if path.is_file():
        tagger.load(path)
    tagger.featurizer(nlp)
    return tagger
