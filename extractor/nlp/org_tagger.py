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

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path

import pycrfsuite
from spacy.attrs import IS_SPACE
from spacy.language import Language
from spacy.tokens import Doc

from extractor.decide import MODELS
from extractor.nlp import labels, lexicons
from extractor.nlp.docdata import add_mentions, facts, set_mentions, words
from extractor.nlp.docdata import blocked as blocked_tokens
from extractor.nlp.linear_chain import LinearChain, batches, saved_path
from extractor.nlp.mentions import InstMention
from extractor.nlp.names import ADJ, fold_adjective, join_name
from extractor.nlp.ner_crf import SHARED_FEATURES, SHIPPED_MODEL
from extractor.nlp.ner_features import Featurizer, NerResources, bio_spans

MODEL = MODELS / "org_tagger.crfsuite"
_LEAD = 4  # sentences from the top that are always tagged (headline, date line, lead)
_CUE_WORDS = ("kooperation", "zusammenarbeit", "partner", "vertrag", "vereinbarung", "netzwerk", "verbund",
              "gemeinsam", "allianz", "bündnis", "beitr", "mitglied")
# a sentence with one of these is tagged too, beside the `_CUE_WORDS` ones (a feature of the model):
# cooperation verbs ("kooperieren", "unterzeichnen", "schließen sich zusammen", "gründen")
_TAG_WORDS = _CUE_WORDS + ("kooperier", "unterzeichn", "unterschr", "zusammen", "vereinbar", "gründ")
_COORDINATORS = frozenset(("und", "sowie", "oder", ",", ";"))  # a span over one of these joins two names


def sentence_parts(doc: Doc, featurizer: Featurizer, full: bool = False,
                   keep: Callable[[int, list[int]], bool] | None = None) -> list[tuple[list[int], list[str], list[tuple], list[list[str]]]]:
    """(token indices, words, type features, sentence features) of every sentence: the NER's
    `Featurizer.parts` (brief, as the NER left them in the Doc, else computed; `full`: in
    full, always computed) with, in the sentence features, the NER label, the rule mention
    source and the sentence's cue words around each token. The NER's lists are extended in
    place: it has used them. `keep(n, indices)`: only the n-th sentences (counting those with
    words) it accepts."""
    n_tok = len(doc)
    rule = ["O"] * n_tok
    for m in facts(doc).get("inst", []):
        for k in range(m["start"], m["end"]):
            rule[k] = ("B-" if k == m["start"] else "I-") + m["source"]
    ner = ["O"] * n_tok
    for e in doc.ents:
        for k in range(e.start, e.end):
            ner[k] = ("B-" if k == e.start else "I-") + e.label_
    texts, lows = words(doc)
    spaces = doc.to_array(IS_SPACE).tolist()
    out = []
    shared = doc.user_data.pop(SHARED_FEATURES, None) or {}
    n = -1
    for s in doc.sents:
        idx = [i for i in range(s.start, s.end) if not spaces[i]]
        if not idx:
            continue
        n += 1
        if keep is not None and not keep(n, idx):
            continue
        sent = [texts[i] for i in idx]
        hit = shared.get(idx[0])
        if hit is not None and hit[0] == idx and not full:
            types, local = hit[1:]
        else:
            types, local = featurizer.parts(sent, brief=not full)
        low = " ".join(lows[i] for i in idx)
        cue = any(c in low for c in _CUE_WORDS)
        last = len(idx) - 1
        for p, (i, x) in enumerate(zip(idx, local)):
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
        out.append((idx, sent, types, local))
    return out


def sentence_items(doc: Doc, featurizer: Featurizer) -> list[tuple[list[int], list[list[str]]]]:
    """(token indices, features per token as strings) of every sentence: what the tagger trains on."""
    return [(idx, featurizer.joined(types, local)) for idx, _, types, local in sentence_parts(doc, featurizer, True)]


def _people(doc: Doc) -> set[int]:
    return {k for e in doc.ents if e.label_ == "PER" for k in range(e.start, e.end)}


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
        self._chain: LinearChain | None = None

    def load(self, model_path: Path) -> None:
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(model_path))
        self._chain = LinearChain.for_model(self._tagger, Path(model_path).read_bytes(), saved_path(Path(model_path)))

    def featurizer(self, nlp: Language | None = None) -> Featurizer:
        if self._featurizer is None:
            if nlp is not None and nlp.has_pipe("coopx_crf_ner"):
                ner = nlp.get_pipe("coopx_crf_ner")
                self._featurizer = ner._featurizer
                ner.share_features = True  # the same word features: computed once, by the NER
            if self._featurizer is None:  # another NER (de_core_news_lg): the shipped model's word features
                self._featurizer = Featurizer(NerResources.from_disk(SHIPPED_MODEL / "coopx_crf_ner"))
        return self._featurizer

    @staticmethod
    def _tagged(n: int, idx: list[int], lows: list[str], people: set[int]) -> bool:
        """The headline, the lead, sentences with a cooperation word (`_TAG_WORDS`) and sentences
        naming people: the others hold no party."""
        if n < _LEAD or any(i in people for i in idx):
            return True
        low = " ".join(lows[i] for i in idx)
        return any(c in low for c in _TAG_WORDS)

    def spans(self, doc: Doc, items: list | None = None) -> list[tuple[int, int, str]]:
        """(start, end, label) of every span the CRF tags in the sentences `_tagged` keeps; the
        label says whether the gold named such a span as a partner ("PART") or as another
        organisation ("ORG"). `items`: the doc's `sentence_items` (strings, tagged by crfsuite
        itself, as in training); without them, the doc's `sentence_parts` are scored as arrays."""
        if self._tagger is None:
            return []
        if items is None:
            return self._spans_many([doc])[0]
        people = _people(doc)
        lows = words(doc)[1]
        out = []
        for n, (idx, feats) in enumerate(items):
            if self._tagged(n, idx, lows, people):
                tags = self._tagger.tag(pycrfsuite.ItemSequence(feats))
                out += [(idx[a], idx[b - 1] + 1, label) for a, b, label in bio_spans(tags)]
        return out

    def _spans_many(self, docs: list[Doc]) -> list[list[tuple[int, int, str]]]:
        """`spans` of several docs, their sentences decoded in one Viterbi pass."""
        where, scores = [], []
        featurizer = self.featurizer()
        for d, doc in enumerate(docs):
            people = _people(doc)
            lows = words(doc)[1]
            keep = partial(self._tagged, lows=lows, people=people)
            for idx, sent, types, local in sentence_parts(doc, featurizer, keep=keep):
                where.append((d, idx))
                scores.append(featurizer.emissions(self._chain, sent, types, local))
        out: list[list[tuple[int, int, str]]] = [[] for _ in docs]
        for (d, idx), tags in zip(where, self._chain.tag_many(scores)):
            out[d] += [(idx[a], idx[b - 1] + 1, label) for a, b, label in bio_spans(tags)]
        return out

    def __call__(self, doc: Doc) -> Doc:
        return self._add([doc])[0]

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for batch in batches(docs, batch_size):
            yield from self._add(batch)

    def _add(self, docs: list[Doc]) -> list[Doc]:
        found = self._spans_many(docs) if self._tagger is not None else [[] for _ in docs]
        for doc, spans in zip(docs, found):
            add_spans(doc, spans)
            doc.user_data.pop(SHARED_FEATURES, None)  # never left in the Doc, also when no model is loaded
        return docs


def add_spans(doc: Doc, spans: Sequence[tuple[int, int, str]]) -> None:
    """Tagged spans become mentions where no rule or NER mention lies, or where they widen one
    (`_widened`: the wider span replaces it); all of them, with their label, are kept as
    `facts(doc)["tagged"]`: the decisions read what the tagger said of every mention, also of
    those a rule found first."""
    facts(doc)["tagged"] = [[a, b, label] for a, b, label in spans]
    rule = facts(doc).get("inst", [])
    owner = {k: n for n, m in enumerate(rule) for k in range(m["start"], m["end"])}
    taken = set(owner) | blocked_tokens(doc)
    added, replaced = [], set()
    for a, b, _ in spans:
        if b < len(doc) and doc[b].text == ")" and sum(t.text == "(" for t in doc[a:b]) > sum(t.text == ")" for t in doc[a:b]):
            b += 1  # "Talberg AG (Schweiz": the tagger left the parenthesis open
        inside = _widened(doc, a, b, rule, owner)
        if inside is None and any(k in taken for k in range(a, b)):
            continue
        name, head, kind = canonical(doc, a, b)
        if not name or not name[:1].isupper():
            continue
        added.append(InstMention(a, b, name, kind, head, source="crf"))
        replaced.update(inside or ())
        taken.update(range(a, b))
    if replaced:
        set_mentions(doc, [m for n, m in enumerate(rule) if n not in replaced])
    add_mentions(doc, added)


def _widened(doc: Doc, a: int, b: int, rule: list[dict], owner: dict[int, int]) -> set[int] | None:
    """The rule mentions a tagged span widens: it holds them whole and more words beside them
    ("Universitätsklinikum Knappschaftskrankenhaus Talberg" over the head rule's
    "Knappschaftskrankenhaus Talberg", "DB Regio" over "DB"), with no coordinator between names;
    None when it does not."""
    inside = {owner[k] for k in range(a, b) if k in owner}
    if not inside or any(rule[n]["start"] < a or rule[n]["end"] > b for n in inside):
        return None
    if sum(rule[n]["end"] - rule[n]["start"] for n in inside) >= b - a:
        return None
    lows = words(doc)[1]
    if any(lows[k] in _COORDINATORS and not lows[k - 1].endswith("-") for k in range(a + 1, b - 1)):
        return None
    return inside


@Language.factory("coopx_org_tagger", default_config={"model": None})
def make_org_tagger(nlp: Language, name: str, model: str | None) -> OrgTagger:
    tagger = OrgTagger()
    path = Path(model) if model else MODEL
    if path.is_file():
        tagger.load(path)
    tagger.featurizer(nlp)
    return tagger
