"""Tiny end-to-end training run through scripts/train_ner.py's own code path.

The synthetic corpora folder comes from conftest.py; train_ner.main() converts it, trains
one short run with configs/ner.cfg and exports a loadable pipeline.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import spacy

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import train_ner  # noqa: E402

def test_tiny_training_run(tmp_path, synthetic_corpora):
    corpora = synthetic_corpora
    out = tmp_path / "model"
    rc = train_ner.main(["--corpora", str(corpora), "--work", str(tmp_path / "work"), "--output", str(out),
                         "--max-epochs", "2", "--eval-frequency", "10", "--max-minutes", "2"])
    assert rc == 0
    counts = json.loads((tmp_path / "work" / "counts.json").read_text())
    assert counts["germeval_train"] == 40 and counts["smartdata"] == 2 and counts["mobie"] == 3
    nlp = spacy.load(out)
    assert nlp.pipe_names == ["tok2vec", "ner"]
    assert set(nlp.get_pipe("ner").labels) == {"PER", "ORG", "LOC", "MISC"}
    assert nlp.meta["name"] == "coopx_ner" and nlp.meta["lang"] == "de"
    assert "before_update" in nlp.config["training"] and nlp.config["training"]["before_update"] is None
    doc = nlp("Anna Berger leitet das Klinikum Rheinfurt.")
    assert [t.text for t in doc] == [t.text for t in spacy.blank("de")("Anna Berger leitet das Klinikum Rheinfurt.")]
