"""Extraction scores of several pipelines on a gold folder, side by side.

Usage: python scripts/eval_extraction.py [--gold ../shared/dev] [--models blank shipped]
Runs each pipeline in this process over the gold articles (GOLD_FORMAT files) and scores the
records with ../shared/eval/score.py (the official scorer; it must exist).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
METRICS = ("detect", "partners", "pairs", "types", "status", "dates", "institutions", "people")


def load_scorer(path: Path):
    spec = importlib.util.spec_from_file_location("coopx_gold_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--gold", type=Path, default=ROOT.parent / "shared" / "dev")
    ap.add_argument("--scorer", type=Path, default=ROOT.parent / "shared" / "eval" / "score.py")
    ap.add_argument("--models", nargs="+", default=["blank", "shipped"])
    a = ap.parse_args()
    from extractor.documents import RawDocument
    from extractor.pipeline import Pipeline
    from extractor.settings import Settings

    scorer = load_scorer(a.scorer)
    golds = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(a.gold.glob("*.json"))]
    raws = [RawDocument(origin=g["id"], content=g["text"], id=g["id"], content_type="text", published=g.get("published"))
            for g in golds]
    rows = {}
    for model in a.models:
        pipe = Pipeline(Settings(model=model))
        t0 = time.perf_counter()
        records = list(pipe.run_many(raws))
        secs = time.perf_counter() - t0
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as fh:
            for rec in records:
                fh.write(rec.model_dump_json() + "\n")
        res = scorer.score(a.gold, Path(fh.name))
        rows[f"{model} ({pipe.info.model})"] = (res, secs)
    names = list(rows)
    print(f"{len(golds)} articles from {a.gold}")
    print(f"{'metric':14s}" + "".join(f"{n[:28]:>30s}" for n in names))
    for m in METRICS:
        print(f"{m + ' F1':14s}" + "".join(f"{rows[n][0][m]['f1']:>30.3f}" for n in names))
    print(f"{'overall':14s}" + "".join(f"{rows[n][0]['overall']:>30.4f}" for n in names))
    print(f"{'seconds':14s}" + "".join(f"{rows[n][1]:>30.2f}" for n in names))


if __name__ == "__main__":
    main()
