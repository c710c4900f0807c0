"""The shipped German NER model (extractor/models/de_coopx_ner) loads and finds PER/ORG.

Needs only the model folder, not /work/shared.  Sentences are written for this test
(press-release style, invented names), not taken from any training corpus.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

MODEL = Path(__file__).resolve().parent.parent / "extractor" / "models" / "de_coopx_ner"

pytestmark = pytest.mark.skipif(not (MODEL / "meta.json").is_file(), reason="shipped NER model not built")


@pytest.fixture(scope="module")
def nlp():
    return spacy.load(MODEL)


def _ents(nlp, text):
    return [(e.text, e.label_) for e in nlp(text).ents]


def test_pipeline_shape(nlp):
    assert nlp.lang == "de"
    assert nlp.pipe_names == ["coopx_crf_ner"]
    assert set(nlp.get_pipe("coopx_crf_ner").labels) == {"PER", "ORG", "LOC", "MISC"}
    assert nlp.meta["name"] == "coopx_ner"
    assert nlp.meta["version"] == "0.2.0"
    assert nlp.meta["license"] == "CC BY 4.0"
    assert {"GermEval 2014 NER (NoSta-D)"} <= {s["name"] for s in nlp.meta["sources"]}
    # GermEval test F1 0.749 since the list of well-known organisations left (0.751 with it)
    assert nlp.meta["performance"]["ents_f"] >= 0.745


def test_tokenizer_is_german_default(nlp):
    text = "Prof. Dr. Anna Berger (Universitätsklinikum Rheinfurt) sagte am 3. Mai 2024: „Wir freuen uns.“"
    assert [t.text for t in nlp.make_doc(text)] == [t.text for t in spacy.blank("de").make_doc(text)]


def test_folder_size_under_40_mb():
    size = sum(p.stat().st_size for p in MODEL.rglob("*") if p.is_file())
    assert size <= 40 * 1024 * 1024



def test_finds_person_and_organisation_in_press_release(nlp):
    text = ("Prof. Dr. Anna Berger, Ärztliche Direktorin des Universitätsklinikums Rheinfurt, "
            "unterzeichnete am Montag den Kooperationsvertrag mit der Hochschule Lindenau.")
    ents = _ents(nlp, text)
    assert ("Anna Berger", "PER") in ents
    orgs = [t for t, l in ents if l == "ORG"]
    assert any("Universitätsklinikums Rheinfurt" in t for t in orgs)


@pytest.mark.parametrize("text,person,org", [
    ("Die Nordwerk Energie AG und die Voltaro Systemtechnik AG wollen enger zusammenarbeiten, sagte Vorstandschef "
     "Markus Lehmann.", "Markus Lehmann", "Voltaro Systemtechnik AG"),
    pytest.param("„Das ist ein wichtiger Schritt für die Region“, erklärte Thomas Krüger, Vorstand der Sparkasse Nordhain.",
                 "Thomas Krüger", "Sparkasse Nordhain",
                 marks=pytest.mark.xfail(strict=True, reason="known limitation (MODEL_CARD.md): the CRF splits "
                                         "'Sparkasse <unknown place>' into ORG + LOC")),
    ("Stefan Lorenz, Präsident der Technischen Universität Talberg, begrüßte die Entscheidung.",
     "Stefan Lorenz", "Technischen Universität Talberg"),
])
def test_finds_person_and_organisation(nlp, text, person, org):
    ents = _ents(nlp, text)
    assert (person, "PER") in ents, ents
    assert any(org in t for t, l in ents if l == "ORG"), ents


def test_location(nlp):
    ents = _ents(nlp, "Das neue Zentrum entsteht in Leipzig und soll 2026 eröffnen.")
    assert ("Leipzig", "LOC") in ents
