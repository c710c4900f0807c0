"""Tiny end-to-end run of scripts/train_crf_ner.py (the shipped model's trainer) and the
`coopx_crf_ner` component it exports: load, tag, save, reload."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import spacy

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import train_crf_ner  # noqa: E402


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from conftest import write_synthetic_corpora

    root = tmp_path_factory.mktemp("crf")
    write_synthetic_corpora(root / "corpora")
    out = root / "model"
    rc = train_crf_ner.main(["--corpora", str(root / "corpora"), "--work", str(root / "work"), "--output", str(out),
                             "--final", "--iters", "60"])
    assert rc == 0
    return root, out


def _ents(nlp, text):
    return [(e.text, e.label_) for e in nlp(text).ents]


def test_export_is_a_spacy_pipeline_with_meta(trained):
    root, out = trained
    nlp = spacy.load(out)
    assert nlp.pipe_names == ["coopx_crf_ner"]
    assert set(nlp.get_pipe("coopx_crf_ner").labels) == {"PER", "ORG", "LOC", "MISC"}
    assert nlp.meta["name"] == "coopx_ner" and nlp.meta["lang"] == "de"
    assert {s["license"] for s in nlp.meta["sources"]} >= {"CC BY 4.0", "CC0 1.0"}
    info = json.loads((root / "work" / "final" / "info.json").read_text())
    assert info["sentences"] == 52 and info["final"] is True  # 40 train + 12 dev
    assert info["clustered_words"] > 10


def test_tags_what_it_was_trained_on(trained):
    nlp = spacy.load(trained[1])
    ents = _ents(nlp, "Maria Schulte leitet seit 2020 das Klinikum Rheinfurt in Kassel.")
    assert ("Maria Schulte", "PER") in ents, ents
    assert ("Kassel", "LOC") in ents, ents


def test_sentences_are_tagged_separately_and_results_survive_a_round_trip(trained, tmp_path):
    nlp = spacy.load(trained[1], config={"components": {"coopx_crf_ner": {"max_sentence": 12}}})
    text = ("Das Klinikum Rheinfurt kooperiert künftig mit Anna Berger. "
            "In Nordhain sprach Jonas Keller über das Buch Roter Mond.")
    doc = nlp(text)
    assert not doc.has_annotation("SENT_START")
    first = [(e.text, e.label_) for e in doc.ents]
    assert ("Jonas Keller", "PER") in first, first
    nlp.to_disk(tmp_path / "copy")
    again = spacy.load(tmp_path / "copy")
    assert [(e.text, e.label_) for e in again(text).ents] == first


def test_space_tokens_are_skipped_not_tagged(trained):
    nlp = spacy.load(trained[1])
    doc = nlp("Anna Berger leitet das Klinikum Rheinfurt.\n\nIn Kassel sprach Tobias Wendt.")
    assert all(not t.is_space or t.ent_type_ == "" for t in doc)
    assert ("Tobias Wendt", "PER") in [(e.text, e.label_) for e in doc.ents]


def test_empty_and_whitespace_only_texts(trained):
    nlp = spacy.load(trained[1])
    assert list(nlp("").ents) == [] and list(nlp(" \n\n ").ents) == []


def test_an_unloaded_component_says_so():
    from extractor.nlp.ner_crf import CrfEntityRecognizer

    with pytest.raises(ValueError, match="no CRF model loaded"):
        CrfEntityRecognizer()(spacy.blank("de")("Anna Berger"))
