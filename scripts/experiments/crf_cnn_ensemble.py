"""Diagnostic: combine the shipped CNN (de_coopx_ner) with a CRF run of crf_ner.py on GermEval test.

    OMP_NUM_THREADS=1 .venv/bin/python scripts/experiments/crf_cnn_ensemble.py --name a

The shipped CNN was trained on GermEval train+dev, so no ensemble rule can be tuned on dev
honestly; the rules below are fixed a priori and reported on test as an *indication* only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
import spacy  # noqa: E402
from spacy.tokens import Doc  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "scripts" / "experiments"))
import ner_data as nd  # noqa: E402
from crf_ner import BASE, GE, WORK, score_sets  # noqa: E402


def overlaps(a, b):
    return a[0] < b[1] and b[0] < a[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    args = ap.parse_args()
    with open(GE / "NER-de-test.tsv", encoding="utf-8") as fh:
        sents = list(nd.read_germeval_sentences(fh))
    nlp = spacy.load(REPO / "extractor" / "models" / "de_coopx_ner")
    docs = [Doc(nlp.vocab, words=[t for t, _, _ in s]) for s in sents]
    cnn = []
    for doc in nlp.pipe(docs, batch_size=256):
        cnn.append({(e.start, e.end, "OTH" if e.label_ == "MISC" else e.label_) for e in doc.ents} & {
            (e.start, e.end, "OTH" if e.label_ == "MISC" else e.label_) for e in doc.ents if (e.label_ if e.label_ != "MISC" else "OTH") in BASE})
    crf = []
    gold = []
    for line in open(WORK / f"{args.name}.test.pred.jsonl"):
        r = json.loads(line)
        gold.append({tuple(x) for x in r["gold"]})
        crf.append({tuple(x) for x in r["pred"]})
    assert len(gold) == len(cnn)

    def combine(rule):
        pairs = []
        for g, a, b in zip(gold, cnn, crf):
            if rule == "cnn":
                p = a
            elif rule == "crf":
                p = b
            elif rule == "intersection":
                p = a & b
            elif rule.startswith("union_prefer_"):
                first, second = (a, b) if rule.endswith("cnn") else (b, a)
                p = set(first) | {s for s in second if not any(overlaps(s, t) for t in first)}
            elif rule == "oracle_union":
                p = (a | b) & g  # upper bound on recall only
            pairs.append((g, p))
        return score_sets(pairs, BASE)

    out = {r: combine(r) for r in ("cnn", "crf", "intersection", "union_prefer_cnn", "union_prefer_crf", "oracle_union")}
    short = {r: {k: v["f"] if k != "micro" else v for k, v in res.items()} for r, res in out.items()}
    print(json.dumps(short, indent=1))
    (WORK / f"{args.name}.ensemble.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
