"""How `coopx batch` ends on Ctrl-C: seconds from the first SIGINT to the exit, exit code,
tracebacks on stderr, and whether `--resume` then finishes the job with every record once.

Ctrl-C on a terminal sends SIGINT to the whole foreground process group (the batch process,
its fork server and its workers), so the script starts the batch in a process group of its own
and signals that group. Scenarios:

- twice: two Ctrl-C 0.2 s apart in the middle of the run (issue #11: could hang);
- starting: one Ctrl-C 0.5 s after the start, while the workers load (issue #11: tracebacks);
- fetching: one Ctrl-C while every worker waits on a page that trickles one byte a second.

    python scripts/check_interrupt.py [--docs 3000] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import slow_page  # noqa: E402  (scripts/slow_page.py)
from tests.test_batch import write_folder  # noqa: E402  (the same synthetic press releases)

LIMIT_S = 15.0


def run(name: str, args: list[str], out: Path, signals: list[float], wait_for_commit: bool) -> dict:
    cmd = [sys.executable, "-m", "extractor.cli", "batch", *args, "-o", str(out), "--model", "blank"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    state = Path(f"{out}.state.sqlite")
    started = time.monotonic()
    if wait_for_commit:
        while time.monotonic() - started < 120 and proc.poll() is None and not (state.exists() and out.exists()
                                                                                and out.stat().st_size > 0):
            time.sleep(0.05)
        time.sleep(1.0)
    first = None
    for delay in signals:
        time.sleep(delay)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            first = first or time.monotonic()
    try:
        proc.wait(timeout=60)
        seconds = time.monotonic() - (first or time.monotonic())
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        seconds = float("inf")
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    return {"scenario": name, "seconds": round(seconds, 2), "exit": proc.returncode,
            "tracebacks": err.count("Traceback"), "stderr_lines": len(err.strip().splitlines()),
            "ok": seconds < LIMIT_S and "Traceback" not in err and proc.returncode == 130}


def resumed(args: list[str], out: Path, expected: int) -> dict:
    cmd = [sys.executable, "-m", "extractor.cli", "batch", *args, "-o", str(out), "--model", "blank", "--resume"]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    ids = [json.loads(line)["source"]["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    return {"resume_exit": res.returncode, "records": len(ids), "distinct": len(set(ids)), "expected": expected}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    opts = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        folder = tmp / "in"
        write_folder(folder, opts.docs)
        workers = ["--workers", str(opts.workers)]

        twice = run("twice", [str(folder), *workers], tmp / "twice.jsonl", [0.0, 0.2], wait_for_commit=True)
        twice.update(resumed([str(folder), *workers], tmp / "twice.jsonl", opts.docs))
        results.append(twice)
        results.append(run("starting", [str(folder), *workers], tmp / "start.jsonl", [0.5], wait_for_commit=False))

        server = slow_page.start()
        urls = tmp / "slow.urls"
        urls.write_text("".join(f"http://127.0.0.1:{server.server_port}/p{n}\n" for n in range(8)), encoding="utf-8")
        results.append(run("fetching", [str(urls), "--allow-private-urls", *workers], tmp / "fetch.jsonl", [3.0],
                           wait_for_commit=False))
        server.shutdown()
    for r in results:
        print(json.dumps(r))
    print(f"limit {LIMIT_S:g} s; all ok: {all(r['ok'] for r in results)}")
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
