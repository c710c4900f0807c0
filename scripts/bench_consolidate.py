"""Consolidation at archive scale: time and peak RSS of `coopx consolidate`.

    python scripts/bench_consolidate.py [--records 1000000] [--add 10000] [--workdir DIR] [--keep]

Generates realistic synthetic records (`extractor.archive.synthetic`: name variants, repeated
cooperations, 2,000 outlets), consolidates them into a new store, then adds `--add` more
records of the same archive (new reports of known cooperations) and finally re-adds those
(idempotence: nothing new). Each step runs `coopx consolidate` as its own process and
reports wall time and that process's peak RSS. Targets (2-core machine): peak RSS <= 2 GB for
1M records, < 60 s to add 10,000. Uses several GB of disk in --workdir (default: a temp dir).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.archive.store import remove  # noqa: E402
from extractor.archive.synthetic import write_jsonl  # noqa: E402

# runs the coopx CLI in a child process that reports its own peak RSS when it ends
CHILD = """import resource, sys
from extractor.cli import app
try:
    code = app(sys.argv[1:], standalone_mode=False)
finally:
    print(f"peak_rss_kb {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr)
sys.exit(code or 0)
"""


def run(args: list[str]) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, coopx's summary line) of one coopx process."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    lines = proc.stderr.strip().splitlines()
    peak = [ln for ln in lines if ln.startswith("peak_rss_kb ")]
    if proc.returncode or not peak:
        raise SystemExit(f"coopx {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()}")
    summary = [ln for ln in lines if not ln.startswith("peak_rss_kb ")]
    return seconds, int(peak[-1].split()[1]) / 1024, (summary or [""])[-1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--add", type=int, default=10_000)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the generated files and the store")
    args = ap.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="coopx-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    big, more, store = work / "records.jsonl", work / "more.jsonl", work / "archive.duckdb"
    remove(store)
    try:
        t = time.perf_counter()
        write_jsonl(big, args.records)
        write_jsonl(more, args.add, start=args.records, archive=args.records)
        print(f"generated {args.records:,} + {args.add:,} records ({big.stat().st_size / 1e9:.2f} GB JSON Lines) "
              f"in {time.perf_counter() - t:.0f} s", flush=True)
        steps = [(f"consolidate {args.records:,} records into a new store", [str(big)]),
                 (f"add {args.add:,} more records", [str(more)]),
                 (f"re-add the same {args.add:,} (idempotent, nothing new)", [str(more)])]
        for label, inputs in steps:
            seconds, rss, line = run(["consolidate", *inputs, "--store", str(store)])
            print(f"{label}: {seconds:.1f} s, peak RSS {rss:,.0f} MB", flush=True)
            print(f"  {line}", flush=True)
        print(f"store: {store.stat().st_size / 1e6:,.0f} MB on disk")
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
