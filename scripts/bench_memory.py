"""Memory over many distinct texts: does a long-running worker or server stay flat?

spaCy keeps every new string (token, lemma, ...) it sees in the vocabulary's string store, so
without `nlp.memory_zone()` a process grows with each distinct text (issue #11: about 137 KB
per input in-process, 42 KB per request in the server). Each variant runs in a fresh process:

- batch: `Pipeline.run_many` (what a batch worker calls), in chunks of 32;
- server: `Pipeline.extract_clean`, one text at a time (what a request calls);

each with coopx's memory zones, and as the baseline in the same run with `memory_zone`
replaced by a no-op. Printed: RSS after the warm-up and at the end, growth per text, strings
in the store, and entries in the NLP's per-word caches (bounded `lru_cache`s: they grow until
they are full, memory zones or not).

    python scripts/bench_memory.py [--texts 10000] [--model blank]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARMUP = 300


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def distinct_text(n: int, rnd: random.Random) -> str:
    """A short German cooperation text with made-up names: every text brings new words."""
    def word() -> str:
        return "".join(rnd.choice("bcdfghklmnprstvwz") + rnd.choice("aeiouäöü") for _ in range(4)).capitalize()

    a, b, who = word(), word(), word()
    return (f"Das Klinikum {a} und die Universität {b} haben am {n % 28 + 1}. Mai 2025 einen Kooperationsvertrag "
            f"unterzeichnet. „Wir freuen uns“, sagte Prof. Dr. Anna {who}, Direktorin des Klinikums {a}. "
            f"Die Partner {word()} und {word()} wollen in der Forschung zu {word()}-Erkrankungen zusammenarbeiten.")


def child(path: str, zones: bool, texts: int, model: str) -> dict:
    sys.path.insert(0, str(ROOT))
    from extractor.clean import clean
    from extractor.documents import RawDocument
    from extractor.pipeline import Pipeline
    from extractor.settings import Settings

    settings = Settings(model=model)
    pipeline = Pipeline(settings)
    if not zones:
        pipeline.nlp.memory_zone = lambda *a, **k: contextlib.nullcontext()
    rnd = random.Random(11)
    raws = (RawDocument(origin=f"m{n}", content=distinct_text(n, rnd), content_type="text") for n in range(texts))

    def run(batch: list[RawDocument]) -> None:
        if path == "batch":
            for result in pipeline.run_many(batch, 32):
                assert not hasattr(result, "reason"), result
        else:
            for raw in batch:
                pipeline.extract_clean(clean(raw, settings))

    done, after_warmup, batch = 0, None, []
    for raw in raws:
        batch.append(raw)
        if len(batch) == 32:
            run(batch)
            done += len(batch)
            batch = []
            if after_warmup is None and done >= WARMUP:
                after_warmup, warm_done = rss_kb(), done
    run(batch)
    done += len(batch)
    end = rss_kb()
    return {"path": path, "zones": zones, "texts": done, "rss_warm_mb": round(after_warmup / 1024, 1),
            "rss_end_mb": round(end / 1024, 1), "kb_per_text": round((end - after_warmup) / (done - warm_done), 2),
            "strings": len(pipeline.nlp.vocab.strings), "word_cache_entries": word_cache_entries()}


def word_cache_entries() -> int:
    """Entries in the NLP's bounded per-word caches (functools.lru_cache with maxsize > 1000):
    growth that memory zones do not free, but that stops at the caches' sizes."""
    import gc
    import functools

    return sum(f.cache_info().currsize for f in gc.get_objects()
               if isinstance(f, functools._lru_cache_wrapper) and (f.cache_info().maxsize or 0) > 1000
               and getattr(f, "__module__", "").startswith("extractor."))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=10_000)
    parser.add_argument("--model", default="blank")
    parser.add_argument("--child", nargs=2, metavar=("PATH", "ZONES"), help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.child:
        print(json.dumps(child(opts.child[0], opts.child[1] == "1", opts.texts, opts.model)))
        return 0
    rows = []
    for path in ("batch", "server"):
        for zones in (False, True):
            res = subprocess.run([sys.executable, __file__, "--texts", str(opts.texts), "--model", opts.model,
                                  "--child", path, "1" if zones else "0"], capture_output=True, text=True, check=True)
            rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
            print(json.dumps(rows[-1]), flush=True)
    for path in ("batch", "server"):
        base, zoned = [r for r in rows if r["path"] == path]
        print(f"{path}: {zoned['kb_per_text']} KB/text with memory zones vs {base['kb_per_text']} KB/text without "
              f"(baseline, same run); RSS {zoned['rss_end_mb']} MB vs {base['rss_end_mb']} MB after {zoned['texts']} texts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
