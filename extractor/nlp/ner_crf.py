"""`coopx_crf_ner`: the shipped German NER, a linear-chain CRF (python-crfsuite) as a spaCy component.

It tags sentence by sentence (the doc's own sentences when set, else a light splitter)
and writes PER/ORG/LOC/MISC into `doc.ents`.  The folder it serialises holds the CRF
weights plus the lexical resources of `ner_features.NerResources`; training lives in
`scripts/train_crf_ner.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pycrfsuite
from spacy.lang.lex_attrs import is_quote
from spacy.language import Language
from spacy.tokens import Doc, Span

from extractor.nlp.ner_features import Featurizer, NerResources, bio_spans

SHIPPED_MODEL = Path(__file__).resolve().parent.parent / "models" / "de_coopx_ner"  # the pipeline folder
MODEL_FILE = "model.crfsuite"
ATTRIBUTES_FILE = "attributes.txt"  # the attributes the CRF has weights for, one per line
LABELS = ("LOC", "MISC", "ORG", "PER")
_SENT_FINAL = frozenset({".", "!", "?"})
# doc.user_data key: {first token: (token indices, features)} of every tagged sentence, left for
# the organisation tagger (which takes it away, so it never travels with the Doc)
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
        self.attributes: frozenset[str] = frozenset()
        self._tagger: pycrfsuite.Tagger | None = None
        self._featurizer: Featurizer | None = None
        self.share_features = False  # set by a later component that reads the same word features

    @property
    def labels(self) -> tuple[str, ...]:
        return LABELS

    def load(self, model_path: Path, resources: NerResources, attributes: frozenset[str] | None = None) -> None:
        """`attributes`: those the model has weights for (read from the model when not given)."""
        self.model_bytes = Path(model_path).read_bytes()
        self.resources = resources
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open_inmemory(self.model_bytes)
        if attributes is None:
            attributes = frozenset(a for a, _ in self._tagger.info().state_features)
        self.attributes = attributes
        self._featurizer = Featurizer(resources, attributes=attributes)

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
        if self._tagger is None:
            raise ValueError(f"{self.name}: no CRF model loaded")
        words = [t.text for t in doc]  # plain strings: Token objects cost more than the tagging
        ents = []
        shared = doc.user_data.setdefault(SHARED_FEATURES, {}) if self.share_features else None
        for a, b in self._chunks(doc, words):
            index = [i for i in range(a, b) if not words[i].isspace()]
            if not index:
                continue
            feats = self._featurizer.sentence([words[i] for i in index])
            if shared is not None:
                shared[index[0]] = (index, feats)
            tags = self._tagger.tag(pycrfsuite.ItemSequence(feats))
            for s, e, label in bio_spans(tags):
                ents.append(Span(doc, index[s], index[e - 1] + 1, label=label))
        doc.ents = ents
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for doc in docs:
            yield self(doc)

    # ----------------------------------------------------------------- serialisation
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        if self.model_bytes is None or self.resources is None:
            raise ValueError(f"{self.name}: nothing to save, no CRF model loaded")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / MODEL_FILE).write_bytes(self.model_bytes)
        (path / ATTRIBUTES_FILE).write_text("\n".join(sorted(self.attributes)) + "\n", encoding="utf-8")
        self.resources.to_disk(path)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> CrfEntityRecognizer:
        path = Path(path)
        attributes = frozenset((path / ATTRIBUTES_FILE).read_text(encoding="utf-8").split("\n")) - {""}
        self.load(path / MODEL_FILE, NerResources.from_disk(path), attributes)
        return self
