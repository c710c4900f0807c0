"""Train the CNN baseline of coopx's German NER (spaCy tok2vec + ner) from the openly licensed corpora.

The shipped model is the CRF of ``scripts/train_crf_ner.py``, which scores higher on
GermEval; this trainer is kept as the baseline it is compared against (MODEL_CARD.md).
One command converts the corpora to DocBins under ``.work/ner/`` (git-ignored) and
runs spaCy training with ``configs/ner.cfg`` and a fixed seed, then copies the
pipeline to ``.work/ner/de_coopx_ner_cnn/``::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
        .venv/bin/python scripts/train_ner.py --max-minutes 40

Training data (default): GermEval 2014 train (reconstructed outer layer), DFKI
SmartData v1 train+test (deduplicated by id, without the v3 test documents so that
v3 test stays a clean held-out set) and DFKI MobIE train+dev+test.  ``--final`` adds
GermEval dev to the training data (used after the hyper-parameters were fixed; the
checkpoint is then the last one, not the best on dev).  ``--europeana`` adds the
historical Europeana newspapers.  LER is never used (unclear licence).

Development checkpoints are chosen on GermEval dev; GermEval test is only read by
``eval_ner.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import spacy  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ner_data as nd  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = REPO.parent / "shared" / "corpora"
DEFAULT_OUTPUT = REPO / ".work" / "ner" / "de_coopx_ner_cnn"
DEFAULT_CONFIG = REPO / "configs" / "ner.cfg"
DEFAULT_WORK = REPO / ".work" / "ner"

MODEL_NAME = "coopx_ner"
MODEL_VERSION = "0.1.0"
MODEL_LICENSE = "CC BY 4.0"
MODEL_DESCRIPTION = (
    "German named-entity recognition (PER, ORG, LOC, MISC) for coopx: spaCy CNN tok2vec + "
    "transition-based NER, trained from scratch (no pretrained vectors) on GermEval 2014, "
    "DFKI SmartData and DFKI MobIE."
)
SOURCES = [
    {
        "name": "GermEval 2014 NER (NoSta-D)",
        "url": "https://sites.google.com/site/germeval2014ner/data",
        "license": "CC BY 4.0",
        "author": "D. Benikova, C. Biemann, M. Reznicek",
        "citation": "D. Benikova, C. Biemann, M. Reznicek. NoSta-D Named Entity Annotation for German: "
        "Guidelines and Dataset. Proceedings of LREC 2014, Reykjavik, Iceland.",
    },
    {
        "name": "DFKI SmartData Corpus (v1 2018-01-19)",
        "url": "https://github.com/DFKI-NLP/smartdata-corpus",
        "license": "CC BY 4.0",
        "author": "M. Schiersch, V. Mironova, M. Schmitt, P. Thomas, A. Gabryszak, L. Hennig",
        "citation": "Martin Schiersch, Veselina Mironova, Maximilian Schmitt, Philippe Thomas, Aleksandra "
        "Gabryszak, Leonhard Hennig. A German Corpus for Fine-Grained Named Entity Recognition and Relation "
        "Extraction of Traffic and Industry Events. Proceedings of LREC 2018, Miyazaki, Japan.",
    },
    {
        "name": "DFKI MobIE (v1 2021-08-11, NER CoNLL export)",
        "url": "https://github.com/DFKI-NLP/MobIE",
        "license": "CC BY 4.0",
        "author": "L. Hennig, P. T. Truong, A. Gabryszak",
        "citation": "Leonhard Hennig, Phuc Tran Truong, Aleksandra Gabryszak. MobIE: A German Dataset for Named "
        "Entity Recognition, Entity Linking and Relation Extraction in the Mobility Domain. "
        "Proceedings of KONVENS 2021, Düsseldorf.",
    },
]
EUROPEANA_SOURCE = {
    "name": "Europeana Newspapers NER corpora (German part)",
    "url": "https://github.com/EuropeanaNewspapers/ner-corpora/",
    "license": "CC0 1.0",
    "author": "Europeana Newspapers Project, 2012-2015",
    "citation": "Clemens Neudecker. An Open Corpus for Named Entity Recognition in Historic Newspapers. "
    "Proceedings of LREC 2016, Portorož.",
}


class TimeLimitReached(Exception):
    """Raised from spaCy's before_update hook to end training after --max-minutes."""


@spacy.registry.callbacks("coopx.time_limit.v1")
def make_time_limit(max_seconds: float, start: float = 0.0):
    deadline = (start or time.time()) + max_seconds

    def before_update(nlp, args):
        if time.time() > deadline:
            raise TimeLimitReached(f"time limit reached at step {args['step']}, epoch {args['epoch']}")

    return before_update


# --------------------------------------------------------------------------- data
def build_corpora(corpora: Path, work: Path, *, final: bool = False, europeana: bool = False,
                  mobie: bool = True, smartdata: bool = True, limit: int | None = None,
                  deriv_part: str = "O", merge_abbrev: float = 0.5) -> tuple[Path, Path, dict]:
    """Convert the corpora to ``train.spacy`` and ``dev.spacy`` in ``work``; return paths and counts."""
    nlp = nd.blank_de()
    ge = corpora / "germeval2014"
    train_docs = list(nd.germeval_docs(ge / "NER-de-train.reconstructed.outer-bio.tsv", nlp.vocab, deriv_part, limit,
                                       merge_abbrev=merge_abbrev, seed=1))
    dev_docs = list(nd.germeval_docs(ge / "NER-de-dev.tsv", nlp.vocab, deriv_part, limit))
    counts = {"germeval_train": len(train_docs), "germeval_dev": len(dev_docs), "merge_abbrev": merge_abbrev}
    if final:
        train_docs += list(nd.germeval_docs(ge / "NER-de-dev.tsv", nlp.vocab, deriv_part, limit,
                                            merge_abbrev=merge_abbrev, seed=2))
    if smartdata:
        sd = corpora / "smartdata"
        v3_test = nd.smartdata_ids(sd / "v3_20200302" / "test.jsonl")
        docs = list(nd.smartdata_docs([sd / "v1_20180119" / "train.jsonl", sd / "v1_20180119" / "test.jsonl"],
                                      nlp, exclude_ids=v3_test, limit=limit))
        counts["smartdata"] = len(docs)
        train_docs += docs
    if mobie:
        docs = []
        for split in ("train", "dev", "test"):
            docs += list(nd.mobie_docs(corpora / "mobie" / f"{split}.conll2003", nlp.vocab, limit))
        counts["mobie"] = len(docs)
        train_docs += docs
    if europeana:
        eu = corpora / "europeana-newspapers-de"
        docs = list(nd.europeana_docs([eu / f"enp_DE.{x}.bio" for x in ("lft", "onb", "sbb")], nlp.vocab, limit))
        counts["europeana"] = len(docs)
        train_docs += docs
    counts["train_docs"] = len(train_docs)
    counts["train_tokens"] = sum(len(d) for d in train_docs)
    work.mkdir(parents=True, exist_ok=True)
    train_path, dev_path = work / "train.spacy", work / "dev.spacy"
    nd.write_docbin(train_docs, train_path)
    nd.write_docbin(dev_docs, dev_path)
    return train_path, dev_path, counts


def build_raw_text(corpora: Path, work: Path, *, final: bool = False, limit: int | None = None) -> Path:
    """Raw text (one JSON line per sentence/paragraph) for the optional ``spacy pretrain`` step.

    Only text that may be trained on: GermEval train (+ dev with ``final``), SmartData v1
    without the v3 test documents, MobIE, Europeana (CC0).  Never GermEval test, never LER.
    """
    nlp = nd.blank_de()
    texts: list[str] = []
    ge = corpora / "germeval2014"
    files = [ge / "NER-de-train.reconstructed.outer-bio.tsv"] + ([ge / "NER-de-dev.tsv"] if final else [])
    for f in files:
        with open(f, encoding="utf-8") as fh:
            texts += [" ".join(t for t, _, _ in s) for s in nd.read_germeval_sentences(fh)][:limit]
    sd = corpora / "smartdata"
    v3_test = nd.smartdata_ids(sd / "v3_20200302" / "test.jsonl")
    texts += [d.text for d in nd.smartdata_docs([sd / "v1_20180119" / "train.jsonl", sd / "v1_20180119" / "test.jsonl"],
                                               nlp, exclude_ids=v3_test, limit=limit)]
    for split in ("train", "dev", "test"):
        texts += [" ".join(t.text for t in d) for d in nd.mobie_docs(corpora / "mobie" / f"{split}.conll2003", nlp.vocab, limit)]
    eu = corpora / "europeana-newspapers-de"
    texts += [" ".join(t.text for t in d)
              for d in nd.europeana_docs([eu / f"enp_DE.{x}.bio" for x in ("lft", "onb", "sbb")], nlp.vocab, limit)]
    path = work / "raw_text.jsonl"
    work.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for t in texts:
            fh.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
    return path


def pretrain(config_path: Path, raw_path: Path, out_dir: Path, *, minutes: float, seed: int = 42) -> Path:
    """``spacy pretrain`` (characters objective) for ``minutes``; return the weights file."""
    import signal

    from spacy.training.pretrain import pretrain as spacy_pretrain
    from spacy.util import load_config

    config = load_config(config_path, overrides={"paths.raw_text": str(raw_path), "system.seed": seed,
                                                 "paths.train": None, "paths.dev": None}, interpolate=False).interpolate()
    out_dir.mkdir(parents=True, exist_ok=True)

    def _stop(signum, frame):
        raise TimeLimitReached("pretraining time limit")

    old = signal.signal(signal.SIGALRM, _stop)
    signal.alarm(max(1, int(minutes * 60)))
    try:
        spacy_pretrain(config, out_dir, silent=False)
    except TimeLimitReached as exc:
        print(f"[train_ner] {exc}", file=sys.stderr)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    return out_dir / "model-last.bin"


# --------------------------------------------------------------------------- training
def train(config_path: Path, train_path: Path, dev_path: Path, run_dir: Path, *,
          max_minutes: float | None = None, max_epochs: int = 0, max_steps: int = 0,
          eval_frequency: int | None = None, seed: int = 42, use_last: bool = False,
          overrides: dict | None = None, quiet: bool = False) -> Path:
    """Run spaCy training; return the folder of the chosen checkpoint (best on dev, or last)."""
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train as spacy_train
    from spacy.util import load_config

    all_overrides = {
        "paths.train": str(train_path),
        "paths.dev": str(dev_path),
        "system.seed": seed,
        "training.max_epochs": max_epochs,
        "training.max_steps": max_steps,
    }
    if eval_frequency:
        all_overrides["training.eval_frequency"] = eval_frequency
    all_overrides.update(overrides or {})
    config = load_config(config_path, overrides=all_overrides, interpolate=False)
    if max_minutes:
        config["training"]["before_update"] = {
            "@callbacks": "coopx.time_limit.v1", "max_seconds": max_minutes * 60.0, "start": time.time()}
    spacy.util.fix_random_seed(seed)
    import io
    out = io.StringIO() if quiet else sys.stdout
    nlp = init_nlp(config)
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        spacy_train(nlp, run_dir, stdout=out, stderr=out)
    except TimeLimitReached as exc:
        print(f"[train_ner] {exc}", file=sys.stderr)
    chosen = run_dir / ("model-last" if use_last else "model-best")
    if not chosen.exists():
        chosen = run_dir / "model-last"
    return chosen


def export(model_dir: Path, output: Path, *, counts: dict | None = None, europeana: bool = False,
           command: str | None = None) -> Path:
    """Copy a checkpoint to ``output`` as a clean pipeline with coopx's meta and no training callbacks."""
    if output.exists():
        shutil.rmtree(output)
    shutil.copytree(model_dir, output)
    cfg = spacy.util.load_config(output / "config.cfg", interpolate=False)
    cfg["training"]["before_update"] = None
    cfg["paths"]["train"] = None
    cfg["paths"]["dev"] = None
    cfg["paths"]["init_tok2vec"] = None
    cfg["paths"]["raw_text"] = None
    cfg.to_disk(output / "config.cfg")
    meta_path = output / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.update(base_meta(europeana))
    if counts:
        meta.setdefault("coopx", {})["training_data"] = counts
    if command:
        meta.setdefault("coopx", {})["training_command"] = command
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return output


def base_meta(europeana: bool = False) -> dict:
    return {
        "lang": "de",
        "name": MODEL_NAME,
        "version": MODEL_VERSION,
        "description": MODEL_DESCRIPTION,
        "author": "coopx",
        "license": MODEL_LICENSE,
        "sources": SOURCES + ([EUROPEANA_SOURCE] if europeana else []),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA, help="folder with the corpora (default ../shared/corpora)")
    p.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where the final pipeline goes")
    p.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    p.add_argument("--work", type=Path, default=DEFAULT_WORK, help="DocBins and checkpoints (git-ignored)")
    p.add_argument("--max-minutes", type=float, default=None, help="stop training after this many minutes")
    p.add_argument("--max-epochs", type=int, default=0, help="0 = unlimited (stop by patience/time/steps)")
    p.add_argument("--max-steps", type=int, default=0)
    p.add_argument("--eval-frequency", type=int, default=None)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--final", action="store_true", help="also train on GermEval dev; ship the last checkpoint")
    p.add_argument("--europeana", action="store_true", help="add Europeana newspapers (CC0) to the training data")
    p.add_argument("--no-smartdata", action="store_true")
    p.add_argument("--no-mobie", action="store_true")
    p.add_argument("--deriv-part", choices=("O", "missing", "base"), default="O")
    p.add_argument("--merge-abbrev", type=float, default=0.5,
                   help="share of GermEval 'Dr' '.' pairs joined to spaCy's 'Dr.' token (train only)")
    p.add_argument("--limit", type=int, default=None, help="sentences/docs per corpus file (smoke runs)")
    p.add_argument("--tiny", action="store_true", help="smoke run: --limit 200, 1 epoch")
    p.add_argument("--skip-convert", action="store_true", help="reuse the DocBins in --work")
    p.add_argument("--pretrain-minutes", type=float, default=0,
                   help="run `spacy pretrain` on the corpora's raw text first (0 = off)")
    p.add_argument("--init-tok2vec", type=Path, default=None, help="pretrained tok2vec weights to start from")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="extra config override, e.g. training.dropout=0.3 (JSON values)")
    args = p.parse_args(argv)
    if args.tiny:
        args.limit = args.limit or 200
        args.max_epochs = args.max_epochs or 1
        args.eval_frequency = args.eval_frequency or 50

    t0 = time.time()
    counts = None
    if args.skip_convert:
        train_path, dev_path = args.work / "train.spacy", args.work / "dev.spacy"
        counts_file = args.work / "counts.json"
        counts = json.loads(counts_file.read_text()) if counts_file.exists() else None
    else:
        train_path, dev_path, counts = build_corpora(
            args.corpora, args.work, final=args.final, europeana=args.europeana, mobie=not args.no_mobie,
            smartdata=not args.no_smartdata, limit=args.limit, deriv_part=args.deriv_part,
            merge_abbrev=args.merge_abbrev)
        (args.work / "counts.json").write_text(json.dumps(counts, indent=2))
    print(f"[train_ner] data: {counts} ({time.time() - t0:.0f}s)", file=sys.stderr)
    overrides = {}
    for item in args.set:
        key, _, value = item.partition("=")
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    t1 = time.time()
    init_tok2vec = args.init_tok2vec
    if args.pretrain_minutes:
        raw = build_raw_text(args.corpora, args.work, final=args.final, limit=args.limit)
        init_tok2vec = pretrain(args.config, raw, args.work / "pretrain", minutes=args.pretrain_minutes, seed=args.seed)
        if counts is not None:
            counts["pretrain_minutes"] = args.pretrain_minutes
    if init_tok2vec:
        overrides["paths.init_tok2vec"] = str(init_tok2vec)
    chosen = train(args.config, train_path, dev_path, args.work / "run", max_minutes=args.max_minutes,
                   max_epochs=args.max_epochs, max_steps=args.max_steps, eval_frequency=args.eval_frequency,
                   seed=args.seed, use_last=args.final, overrides=overrides)
    train_s = time.time() - t1
    command = "scripts/train_ner.py " + " ".join(argv if argv is not None else sys.argv[1:])
    if counts is not None:
        counts = dict(counts, train_wall_seconds=round(train_s), checkpoint=chosen.name)
    export(chosen, args.output, counts=counts, europeana=args.europeana, command=command.strip())
    print(f"[train_ner] exported {chosen.name} to {args.output} (training {train_s / 60:.1f} min)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
