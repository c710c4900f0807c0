"""Extraction scores with the official scorer: cross-validated, or of pipelines side by side.

    python scripts/eval_extraction.py --cv 5            # train on 4/5 of the visible gold, score the 5th
    python scripts/eval_extraction.py --cv 5 --repeats 4   # and the mean over four fold assignments
    python scripts/eval_extraction.py --cv 5 --repeats 4 --tagger-repeats 3   # and over three taggers
    python scripts/eval_extraction.py --cv 5 --repeats 4 --taggers-from .work/base   # paired: the taggers of a base run
    python scripts/eval_extraction.py --gold ../shared/dev --models blank shipped

`--cv`: the gold folders (default ../shared/train, ../shared/dev, corpus/gold) are split into
folds by a hash of the article id; for each fold the organisation tagger and the decisions are
trained on the other folds (scripts/decision_training.py, as train_decisions.py does) and the
fold's records are scored; then all records together (pooled). This is the figure every change
is judged by: no model ever scores an article it was trained on.

Without `--cv`: each pipeline runs over the gold articles as shipped (its decisions may have been
trained on them) and is scored, side by side.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import decision_training as dt

from extractor.documents import RawDocument
from extractor.pipeline import Pipeline
from extractor.settings import Settings

METRICS, EXTRA = dt.METRICS, dt.EXTRA


def print_table(rows: dict[str, dict]) -> None:
    names = list(rows)
    print(f"{'metric':20s}" + "".join(f"{n[:18]:>19s}" for n in names))
    for m in METRICS:
        print(f"{m + ' F1':20s}" + "".join(f"{rows[n][m]['f1']:>19.3f}" for n in names))
    for m in EXTRA:
        print(f"{m:20s}" + "".join(f"{rows[n][m] if rows[n][m] is not None else float('nan'):>19.3f}" for n in names))
    print(f"{'overall':20s}" + "".join(f"{rows[n]['overall']:>19.4f}" for n in names))


def cross_validated(gold: list[Path], scorer, work: Path, out: Path | None, repeats: int = 1,
                    tagger_repeats: int = 1, taggers: Path | None = None) -> None:
    golds = dt.load_gold(gold)
    print(f"{len(golds)} gold articles from {', '.join(str(g) for g in gold)}")
    t0 = time.time()
    pipe, corpus, rows = dt.prepare(golds, scorer, work, taggers=taggers)
    pooled, per_fold = dt.cross_validate(pipe, corpus, rows, scorer)
    print_table({**{f"fold {k} ({r['articles']})": r for k, r in enumerate(per_fold)}, "pooled": pooled})
    if out is not None:
        out.write_text(json.dumps({"pooled": pooled, "folds": per_fold}, indent=2) + "\n", encoding="utf-8")
    if repeats > 1 or tagger_repeats > 1:
        grid = [_repeated(pipe, corpus, rows, scorer, repeats, pooled)]
        for m in range(1, tagger_repeats):
            # the organisation tagger trained under another fold assignment: its own realisation
            # of the out-of-fold spans, which the decisions' repeats alone do not vary
            salt = f"tagger{m}:"
            pipe, corpus, rows = dt.prepare(golds, scorer, work / salt[:-1], log=lambda *_: None, salt=salt,
                                            taggers=taggers / salt[:-1] if taggers is not None else None)
            grid.append(_repeated(pipe, corpus, rows, scorer, repeats))
        for m, overall in enumerate(grid):
            print(f"tagger assignment {m}: overall over {repeats} decision fold assignments "
                  f"{' '.join(f'{o:.4f}' for o in overall)}")
        flat = [o for overall in grid for o in overall]
        print(f"overall over {len(grid)} x {repeats} fold assignments: mean {statistics.mean(flat):.4f}"
              + (f", standard deviation {statistics.stdev(flat):.4f}" if len(flat) > 1 else ""))
    print(f"{time.time() - t0:.0f} s")


def _repeated(pipe: Pipeline, corpus: dt.Corpus, rows: list, scorer, repeats: int, first: dict | None = None) -> list[float]:
    """Overall figures of the decisions cross-validated under `repeats` fold assignments (the
    corpus's own first; the tagger's spans stay out of fold under every one)."""
    own = corpus.folds
    overall = [(first or dt.cross_validate(pipe, corpus, rows, scorer, log=lambda *_: None)[0])["overall"]]
    for n in range(1, repeats):
        corpus.folds = dt.salted_folds(corpus.golds, f"repeat{n}:")
        overall.append(dt.cross_validate(pipe, corpus, rows, scorer, log=lambda *_: None)[0]["overall"])
    corpus.folds = own
    return overall


def side_by_side(gold: list[Path], models: list[str], scorer) -> None:
    golds = dt.load_gold(gold)
    raws = [RawDocument(origin=g["id"], content=g["text"], id=g["id"], content_type="text", published=g.get("published"))
            for g in golds]
    rows = {}
    for model in models:
        pipe = Pipeline(Settings(model=model))
        records = [r.model_dump_json() for r in pipe.run_many(raws) if hasattr(r, "model_dump_json")]
        rows[f"{model} ({pipe.info.kind})"] = dt.score_lines(scorer, golds, records)
    print(f"{len(golds)} articles from {', '.join(str(g) for g in gold)}")
    print_table(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cv", type=int, metavar="K", help="cross-validate with K folds (5)")
    ap.add_argument("--gold", type=Path, nargs="+", help="gold folders (default: all visible gold; without --cv: ../shared/dev)")
    ap.add_argument("--models", nargs="+", default=["blank", "shipped"])
    ap.add_argument("--scorer", type=Path, default=dt.SCORER)
    ap.add_argument("--work", type=Path, default=dt.REPO / ".work" / "eval")
    ap.add_argument("--json", type=Path, help="with --cv: write the pooled and per-fold figures here")
    ap.add_argument("--repeats", type=int, default=1, metavar="N",
                    help="with --cv: also cross-validate the decisions under N-1 other fold assignments and print the mean overall")
    ap.add_argument("--tagger-repeats", type=int, default=1, metavar="M",
                    help="with --cv: and all that again with the organisation tagger trained under M-1 other fold "
                         "assignments (about 5 min each); the mean over M x N is what a change of a few thousandths is judged by")
    ap.add_argument("--taggers-from", type=Path, metavar="WORK",
                    help="with --cv: use the fold taggers an earlier run left in its --work folder instead of training "
                         "them (a rule change judged paired: the same taggers before and after)")
    a = ap.parse_args()
    if not a.scorer.is_file():
        raise SystemExit(f"the official scorer is needed: {a.scorer} not found")
    scorer = dt.load_scorer(a.scorer)
    if a.cv is not None and a.cv != dt.NFOLD:
        raise SystemExit(f"the folds are fixed by a hash of the article id: --cv {dt.NFOLD}")
    if a.cv:
        cross_validated(a.gold or [p for p in dt.DEFAULT_GOLD if p.is_dir()], scorer, a.work, a.json, a.repeats,
                        a.tagger_repeats, a.taggers_from)
    else:
        side_by_side(a.gold or [dt.SHARED / "dev"], a.models, scorer)


if __name__ == "__main__":
    main()
