"""Tiny end-to-end training run through scripts/train_ner.py's own code path.

A synthetic corpora folder (GermEval 2-column train, 4-column dev, SmartData JSONL,
MobIE CoNLL) is written into tmp_path; train_ner.main() converts it, trains one short
run with configs/ner.cfg and exports a loadable pipeline.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import spacy

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import train_ner  # noqa: E402

PERSONS = [["Anna", "Berger"], ["Jonas", "Keller"], ["Maria", "Schulte"], ["Tobias", "Wendt"]]
ORGS = [["Klinikum", "Rheinfurt"], ["Stadtwerke", "Nordhain"], ["Hochschule", "Lindenau"], ["Aurelia", "AG"]]
LOCS = [["Rheinfurt"], ["Nordhain"], ["Lindenau"], ["Kassel"]]
TEMPLATES = [
    ["{PER}", "leitet", "seit", "2020", "das", "{ORG}", "in", "{LOC}", "."],
    ["Das", "{ORG}", "kooperiert", "künftig", "mit", "{PER}", "."],
    ["In", "{LOC}", "sprach", "{PER}", "über", "das", "Buch", "{MISC}", "."],
]


def _sentences(n: int, seed: int) -> list[list[tuple[str, str]]]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        sent = []
        for slot in rnd.choice(TEMPLATES):
            if slot.startswith("{"):
                label = slot[1:-1]
                words = {"PER": rnd.choice(PERSONS), "ORG": rnd.choice(ORGS), "LOC": rnd.choice(LOCS),
                         "MISC": ["Roter", "Mond"]}[label]
                tag = "OTH" if label == "MISC" else label
                sent += [(w, ("B-" if i == 0 else "I-") + tag) for i, w in enumerate(words)]
            else:
                sent.append((slot, "O"))
        out.append(sent)
    return out


def _write_corpora(root: Path) -> None:
    ge = root / "germeval2014"
    ge.mkdir(parents=True)
    with open(ge / "NER-de-train.reconstructed.outer-bio.tsv", "w", encoding="utf-8") as fh:
        for sent in _sentences(40, 1):
            fh.write("".join(f"{w}\t{t}\n" for w, t in sent) + "\n")
    with open(ge / "NER-de-dev.tsv", "w", encoding="utf-8") as fh:
        for sent in _sentences(12, 2):
            fh.write("#\thttp://example.org\t[2014-01-01]\t\n")
            fh.write("".join(f"{i}\t{w}\t{t}\tO\n" for i, (w, t) in enumerate(sent, 1)) + "\n")
    sd = root / "smartdata"
    (sd / "v1_20180119").mkdir(parents=True)
    (sd / "v3_20200302").mkdir(parents=True)
    text = "Tobias Wendt übernimmt die Stadtwerke Nordhain."
    rec = {"id": "sd1", "text": text, "conceptMentions": [
        {"span": {"start": 0, "end": 12}, "type": "person"},
        {"span": {"start": 27, "end": 46}, "type": "organization-company"}]}
    for name in ("v1_20180119/train.jsonl", "v1_20180119/test.jsonl", "v3_20200302/test.jsonl"):
        (sd / name).write_text(json.dumps(dict(rec, id=name)) + "\n", encoding="utf-8")
    mobie = root / "mobie"
    mobie.mkdir()
    for split in ("train", "dev", "test"):
        (mobie / f"{split}.conll2003").write_text(
            "-DOCSTART- -1- O O\n\nStau\tNN\tI-NN\tB-trigger\nin\tAPPR\tI-AP\tO\nKassel\tNE\tI-NE\tB-location-city\n\n",
            encoding="utf-8")


def test_tiny_training_run(tmp_path):
    corpora = tmp_path / "corpora"
    _write_corpora(corpora)
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
