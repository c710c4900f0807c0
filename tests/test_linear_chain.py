"""The array tagger gives crfsuite's own labels: on a small trained model, on random input, and
with the shipped NER over the team's texts; saved arrays are only used for their own model."""

from __future__ import annotations

import json
import random

import numpy as np
import pycrfsuite
import pytest

from extractor.nlp.linear_chain import LinearChain, saved_path
from tests.conftest import ROOT

WORDS = ["klinik", "stadt", "und", "mit", "partner", "der", "Uni", "AG", "GmbH", "sagte", "Berger", "Anna"]
LABELS = ["O", "B-ORG", "I-ORG", "B-PER", "I-PER"]


def _features(rng: random.Random, n: int) -> list[list[str]]:
    words = [rng.choice(WORDS) for _ in range(n)]
    return [[f"w={w}", f"s2={w[-2:]}", f"-1w={words[i - 1] if i else '^'}", "bias", *(["cap"] if w[0].isupper() else [])]
            for i, w in enumerate(words)]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    rng = random.Random(3)
    trainer = pycrfsuite.Trainer(verbose=False)
    for _ in range(300):
        feats = _features(rng, rng.randint(1, 12))
        tags = [rng.choice(LABELS) if "cap" in f else "O" for f in feats]
        trainer.append(pycrfsuite.ItemSequence(feats), tags)
    trainer.set_params({"c1": 0.01, "c2": 0.01, "max_iterations": 60, "feature.possible_transitions": True})
    path = tmp_path_factory.mktemp("crf") / "toy.crfsuite"
    trainer.train(str(path))
    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    return path, tagger


def _scores(chain: LinearChain, feats: list[list[str]]) -> np.ndarray:
    return chain.add_local(np.zeros((len(feats), len(chain.labels))), feats)


def test_viterbi_gives_crfsuite_labels(model):
    _, tagger = model
    chain = LinearChain.from_tagger(tagger)
    rng = random.Random(5)
    sentences = [_features(rng, rng.randint(1, 40)) for _ in range(300)]
    fast = chain.tag_many([_scores(chain, f) for f in sentences])
    assert fast == [tagger.tag(pycrfsuite.ItemSequence(f)) for f in sentences]
    assert chain.tag_many([]) == []


def test_a_very_long_sentence_is_decoded_apart_with_the_same_labels(model, monkeypatch):
    from extractor.nlp import linear_chain

    monkeypatch.setattr(linear_chain, "_CELLS", 60)  # groups of at most 60 padded tokens
    _, tagger = model
    chain = LinearChain.from_tagger(tagger)
    rng = random.Random(8)
    sentences = [_features(rng, n) for n in (300, 1, 7, 59, 60, 61, 2, 30, 30, 30, 1)]
    fast = chain.tag_many([_scores(chain, f) for f in sentences])
    assert fast == [tagger.tag(pycrfsuite.ItemSequence(f)) for f in sentences]


def test_saved_arrays_serve_only_their_own_model(model, tmp_path):
    path, tagger = model
    chain = LinearChain.from_tagger(tagger)
    chain.save(saved_path(path), path.read_bytes())
    again = LinearChain.for_model(tagger, path.read_bytes(), saved_path(path))
    assert again.labels == chain.labels and list(again.index) == list(chain.index)
    assert np.array_equal(again.weights, chain.weights) and np.array_equal(again.transitions, chain.transitions)
    stale = LinearChain(chain.labels, list(chain.index), np.zeros_like(chain.weights), chain.transitions)
    stale.save(saved_path(path), b"another model")
    assert np.array_equal(LinearChain.for_model(tagger, path.read_bytes(), saved_path(path)).weights, chain.weights)
    short = LinearChain(chain.labels, list(chain.index)[:-1], chain.weights, chain.transitions)  # rows and names disagree
    short.save(saved_path(path), path.read_bytes())
    assert list(LinearChain.for_model(tagger, path.read_bytes(), saved_path(path)).index) == list(chain.index)


def test_shipped_ner_tags_as_crfsuite_does_on_the_team_texts():
    from extractor.nlp import loader

    if not loader._shipped_available():
        pytest.skip("no shipped NER model")
    nlp = loader._load_statistical(loader.SHIPPED_MODEL)
    ner = nlp.get_pipe("coopx_crf_ner")
    fz, chain = ner._featurizer, ner._chain
    sentences = []
    for path in sorted((ROOT / "corpus" / "gold").glob("*.json")):
        doc = nlp.make_doc(json.loads(path.read_text(encoding="utf-8"))["text"])
        words = [t.text for t in doc]
        sentences += [[words[i] for i in range(a, b) if not words[i].isspace()] for a, b in ner._chunks(doc, words)]
    sentences = [s for s in sentences if s]
    assert len(sentences) > 300
    fast = chain.tag_many([fz.emissions(chain, s, *fz.parts(s, brief=True)) for s in sentences])
    assert fast == [ner._tagger.tag(pycrfsuite.ItemSequence(fz.sentence(s))) for s in sentences]
