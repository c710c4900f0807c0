"""Peak memory of `coopx` on gzip bombs: about 1 MB on disk that unpacks to 1 GiB (issue #11:
4.7 GB of RAM before; the bar is 1.5 GB).

Each case runs `coopx batch` (or `extract`) in a fresh process and reads its peak RSS
(`ru_maxrss` of the finished child). The baseline, in the same run, is the same command on
one ordinary press release. Cases: a `.txt.gz` in a folder, a `.jsonl.gz` whose one line is the
bomb, the bomb on stdin to `coopx extract -`.

    python scripts/check_gzip_bomb.py [--gib 1]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_batch import release  # noqa: E402

BAR_MB = 1500
CHUNK = b"\0" * (1 << 20)


def bomb(path: Path, gib: float, prefix: bytes = b"") -> None:
    with gzip.open(path, "wb", compresslevel=6) as fh:
        fh.write(prefix)
        for _ in range(int(gib * 1024)):
            fh.write(CHUNK)


def peak_mb(args: list[str], stdin: Path | None = None) -> tuple[float, int, str]:
    """(peak RSS of the command in MB, its exit code, its last stderr line)."""
    code = ("import resource, subprocess, sys; "
            "p = subprocess.run(sys.argv[2:], stdin=open(sys.argv[1], 'rb') if sys.argv[1] != '-' else None, "
            "stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.returncode); "
            "sys.stderr.write(p.stderr.decode('utf-8', 'replace'))")
    cmd = [sys.executable, "-c", code, str(stdin) if stdin else "-", sys.executable, "-m", "extractor.cli", *args]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    kb, rc = res.stdout.split()
    last = (res.stderr.strip().splitlines() or [""])[-1]
    return int(kb) / 1024, int(rc), last[:160]


def measure(tmp: Path, gib: float) -> tuple[list[dict], float]:
    """(one row per case, the bomb's size on disk in MB)."""
    rows = []
    normal = tmp / "normal"
    normal.mkdir()
    (normal / "pm.txt").write_text(release(1), encoding="utf-8")
    folder = tmp / "bomb"
    folder.mkdir()
    bomb(folder / "bomb.txt.gz", gib)
    (folder / "pm.txt").write_text(release(2), encoding="utf-8")
    jsonl = tmp / "dump.jsonl.gz"
    bomb(jsonl, gib, prefix=b'{"id": "bomb", "text": "')
    size_mb = (folder / "bomb.txt.gz").stat().st_size / 1e6
    batch = ["--model", "blank", "--workers", "1"]
    cases = [
        ("baseline: one press release (batch)", ["batch", str(normal), "-o", str(tmp / "n.jsonl"), *batch], None),
        (".txt.gz bomb in a folder (batch)", ["batch", str(folder), "-o", str(tmp / "b.jsonl"), *batch], None),
        (".jsonl.gz whose line is the bomb (batch)", ["batch", str(jsonl), "-o", str(tmp / "j.jsonl"), *batch], None),
        ("bomb on stdin (extract -)", ["extract", "-", "--model", "blank"], folder / "bomb.txt.gz"),
    ]
    for name, args, stdin in cases:
        mb, rc, last = peak_mb(args, stdin)
        rows.append({"case": name, "peak_rss_mb": round(mb, 1), "exit": rc, "stderr": last})
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    return rows, size_mb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=1.0)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows, size_mb = measure(Path(tmp), opts.gib)
    base = rows[0]["peak_rss_mb"]
    worst = max(r["peak_rss_mb"] for r in rows[1:])
    print(f"bomb: {size_mb:.1f} MB on disk, {opts.gib:g} GiB unpacked; worst peak {worst} MB = {worst / base:.2f}x the "
          f"baseline ({base} MB, same run); bar {BAR_MB} MB: {'ok' if worst < BAR_MB else 'FAILED'}")
    return 0 if worst < BAR_MB else 1


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    raise SystemExit(main())
