"""Single-article extraction speed on one core, against the tokenizer alone as the baseline.

Usage: python scripts/bench_extract.py [--model blank|auto|shipped] [--runs 200]
Prints ms per 400-word article for: blank German tokenizer, the full pipeline (NLP + rules +
assembly + validation), and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent


def article(words: int = 400) -> str:
    """A ~400-word German press release built from the team's corpus texts."""
    texts = [json.loads(p.read_text(encoding="utf-8"))["text"] for p in sorted((ROOT / "corpus" / "gold").glob("*.json"))]
    out, n = [], 0
    for t in texts:
        for para in t.split("\n"):
            out.append(para)
            n += len(para.split())
            if n >= words:
                return "\n".join(out)
    return "\n".join(out)


def timed(fn, runs: int) -> list[float]:
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default="blank")
    ap.add_argument("--runs", type=int, default=200)
    a = ap.parse_args()
    import spacy

    from extractor.documents import RawDocument
    from extractor.pipeline import Pipeline
    from extractor.settings import Settings

    text = article()
    t0, c0 = time.perf_counter(), time.process_time()
    tok = spacy.blank("de")
    blank_wall, blank_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    pipe = Pipeline(Settings(model=a.model))
    load_wall, load_cpu = time.perf_counter() - t0, time.process_time() - c0
    raw = RawDocument(origin="bench", content=text, content_type="text", published="2025-01-15")
    base = timed(lambda: tok(text), a.runs)
    full = timed(lambda: pipe.extract(raw), a.runs)
    print(f"article: {len(text.split())} words; pipeline: {pipe.info.model} ({pipe.info.kind})")
    print(f"tokenizer only : median {statistics.median(base):7.2f} ms  p95 {sorted(base)[int(0.95 * len(base))]:7.2f} ms")
    print(f"full extraction: median {statistics.median(full):7.2f} ms  p95 {sorted(full)[int(0.95 * len(full))]:7.2f} ms")
    print(f"ratio full/tokenizer: {statistics.median(full) / statistics.median(base):.1f}x")
    print(f"load: pipeline ready in {load_wall:.2f} s wall, {load_cpu:.2f} s CPU "
          f"(blank tokenizer {blank_wall:.2f} s / {blank_cpu:.2f} s: {load_cpu / max(blank_cpu, 1e-3):.0f}x)")


if __name__ == "__main__":
    main()
