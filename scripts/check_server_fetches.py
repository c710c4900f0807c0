"""Does `coopx serve` stay responsive while it fetches slow pages? (issue #11: 40 requests for
a page that trickles 1 byte/s made /health wait 59 s)

Starts `coopx serve` (rules only, private URLs allowed) and a local page that sends one byte a
second, fires `--slow` concurrent /v1/extract requests for that page, and meanwhile times
/health and a text request; the baseline is the same two requests on the idle server, same
run. Then waits for the slow requests and counts their answers (422: the fetch deadline;
503: no fetch slot free within it) and the seconds until the last one.

    python scripts/check_server_fetches.py [--slow 40]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import slow_page  # scripts/slow_page.py
from bench_api import free_port, wait_ready  # scripts/bench_api.py

ROOT = Path(__file__).resolve().parent.parent
TEXT = ("Das Klinikum Hardenbrück und das Universitätsklinikum Mühlberg haben am 3. Juni 2025 einen "
        "Kooperationsvertrag unterzeichnet. Die Zusammenarbeit umfasst die Weiterbildung von Ärztinnen und Ärzten.")


def timed(client: httpx.Client, method: str, url: str, **kw) -> float:
    started = time.monotonic()
    resp = client.request(method, url, **kw)
    assert resp.status_code == 200, resp.text
    return time.monotonic() - started


def probe(client: httpx.Client, base: str, n: int = 5) -> dict:
    health = [timed(client, "GET", f"{base}/health") for _ in range(n)]
    text = [timed(client, "POST", f"{base}/v1/extract", json={"text": TEXT}) for _ in range(n)]
    return {"health_ms": round(statistics.median(health) * 1000, 1), "health_max_ms": round(max(health) * 1000, 1),
            "text_ms": round(statistics.median(text) * 1000, 1), "text_max_ms": round(max(text) * 1000, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, default=40)
    opts = parser.parse_args()
    trickle = slow_page.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "extractor.cli", "serve", "--port", str(port), "--model", "blank",
                               "--allow-private-urls"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        wait_ready(base, server)
        with httpx.Client(timeout=120) as client:
            idle = probe(client, base)
            statuses: Counter = Counter()
            slow_url = f"http://127.0.0.1:{trickle.server_port}/slow"

            def slow() -> None:
                with httpx.Client(timeout=300) as c:
                    statuses[c.post(f"{base}/v1/extract", json={"url": slow_url}).status_code] += 1

            started = time.monotonic()
            threads = [threading.Thread(target=slow) for _ in range(opts.slow)]
            for t in threads:
                t.start()
            time.sleep(2.0)
            busy = probe(client, base)
            for t in threads:
                t.join()
            all_done = time.monotonic() - started
    finally:
        os.killpg(server.pid, signal.SIGINT)
        server.wait(timeout=30)
        trickle.shutdown()
    print(json.dumps({"idle": idle, f"during {opts.slow} slow fetches": busy}))
    print(json.dumps({"slow_answers": dict(statuses), "seconds_until_last": round(all_done, 1)}))
    print(f"/health {busy['health_ms']} ms (max {busy['health_max_ms']}) during the fetches vs {idle['health_ms']} ms "
          f"idle; text request {busy['text_ms']} ms vs {idle['text_ms']} ms idle")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
