"""`coopx_crf_ner`: the shipped German NER, a linear-chain CRF (python-crfsuite) as a spaCy component.

It tags sentence by sentence (the doc's own sentences when set, else a light splitter)
and writes PER/ORG/LOC/MISC into `doc.ents`.  The folder it serialises holds the CRF
weights plus the lexical resources of `ner_features.NerResources`; training lives in
`scripts/train_crf_ner.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Set
from pathlib import Path

import pycrfsuite
from spacy.lang.lex_attrs import is_quote
from spacy.language import Language
from spacy.tokens import Doc, Span

from extractor.nlp import docdata
from extractor.nlp.linear_chain import LinearChain, batches, saved_path
from extractor.nlp.ner_features import Featurizer, NerResources, bio_spans

SHIPPED_MODEL = Path(__file__).resolve().parent.parent / "models" / "de_coopx_ner"  # the pipeline folder
MODEL_FILE = "model.crfsuite"
LABELS = ("LOC", "MISC", "ORG", "PER")
_SENT_FINAL = frozenset({".", "!", "?"})
# doc.user_data key: {first token: (token indices, `Featurizer.parts`)} of every tagged sentence,
# left for the organisation tagger (which takes it away, so it never travels with the Doc)
SHARED_FEATURES = "coopx_ner_features"


@Language.factory("coopx_crf_ner", default_config={"max_sentence": 150})
def make_crf_ner(nlp: Language, name: str, max_sentence: int) -> CrfEntityRecognizer:
    return CrfEntityRecognizer(name, max_sentence=max_sentence)


class CrfEntityRecognizer:
    """Sets `doc.ents`; empty until `load` or `from_disk` gives it a model."""

    def __init__(self, name: str = "coopx_crf_ner", *, max_sentence: int = 150):
        self.name = name
        self.max_sentence = max_sentence
        self.model_bytes: bytes | None = None
        self.resources: NerResources | None = None
        self.attributes: Set[str] = frozenset()
        self._tagger: pycrfsuite.Tagger | None = None
        self._featurizer: Featurizer | None = None
        self._chain: LinearChain | None = None
        self.share_features = False  # set by a later component that reads the same word features

    @property
    def labels(self) -> tuple[str, ...]:
        return LABELS

    def load(self, model_path: Path, resources: NerResources) -> None:
        self.model_bytes = Path(model_path).read_bytes()
        self.resources = resources
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open_inmemory(self.model_bytes)
        self._chain = LinearChain.for_model(self._tagger, self.model_bytes, saved_path(Path(model_path)))
        self.attributes = self._chain.index.keys()  # the attributes the model has weights for
        self._featurizer = Featurizer(resources, attributes=self.attributes)

    # ----------------------------------------------------------------- tagging
    def _chunks(self, doc: Doc, words: list[str]) -> Iterator[tuple[int, int]]:
        """Token ranges to tag: the doc's sentences, else splits after . ! ? before a capital, a
        quote or a line break, and at line breaks; at most `max_sentence` tokens each."""
        if doc.has_annotation("SENT_START"):
            bounds = [(s.start, s.end) for s in doc.sents]
        else:
            bounds, start, n = [], 0, len(words)
            for i, w in enumerate(words):
                nxt = words[i + 1] if i + 1 < n else None
                if nxt is None or ("\n" in w and w.isspace()) or (
                        w in _SENT_FINAL and (nxt.istitle() or is_quote(nxt) or nxt.isspace())):
                    bounds.append((start, i + 1))
                    start = i + 1
        for a, b in bounds:
            while b - a > self.max_sentence:
                yield a, a + self.max_sentence
                a += self.max_sentence
            if b > a:
                yield a, b

    def __call__(self, doc: Doc) -> Doc:
        return self._tag([doc])[0]

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        """Docs tagged `batch_size` at a time: one Viterbi pass decodes all their sentences."""
        for batch in batches(docs, batch_size):
            yield from self._tag(batch)

    def _tag(self, docs: list[Doc]) -> list[Doc]:
        if self._chain is None:
            raise ValueError(f"{self.name}: no CRF model loaded")
        fz, chain = self._featurizer, self._chain
        where, scores = [], []
        for d, doc in enumerate(docs):
            words = docdata.words(doc)[0]
            shared = doc.user_data.setdefault(SHARED_FEATURES, {}) if self.share_features else None
            for a, b in self._chunks(doc, words):
                index = [i for i in range(a, b) if not words[i].isspace()]
                if not index:
                    continue
                sent = [words[i] for i in index]
                types, local = fz.parts(sent, brief=True)
                if shared is not None:
                    shared[index[0]] = (index, types, local)
                where.append((d, index))
                scores.append(fz.emissions(chain, sent, types, local))
        ents: list[list[Span]] = [[] for _ in docs]
        for (d, index), tags in zip(where, chain.tag_many(scores)):
            ents[d] += [Span(docs[d], index[s], index[e - 1] + 1, label=label) for s, e, label in bio_spans(tags)]
        for doc, found in zip(docs, ents):
            doc.ents = found
        return docs

    # ----------------------------------------------------------------- serialisation
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        if self.model_bytes is None or self.resources is None:
            raise ValueError(f"{self.name}: nothing to save, no CRF model loaded")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / MODEL_FILE).write_bytes(self.model_bytes)
        self._chain.save(saved_path(path / MODEL_FILE), self.model_bytes)
        self.resources.to_disk(path)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> CrfEntityRecognizer:
        path = Path(path)
        self.load(path / MODEL_FILE, NerResources.from_disk(path))
        return self
