"""Latency and throughput of the HTTP API: `POST /v1/extract` with a ~400-word German press release.

Starts the real server (`coopx serve`, as a subprocess on 127.0.0.1 and a free port), waits for
/health, sends N sequential requests, then M requests from C concurrent clients, and prints
requests/s and p50/p95 latency for both. Target: p95 < 100 ms with the shipped model.

Usage: python scripts/bench_api.py [--model shipped|blank|auto|PATH] [-n 200] [-m 200] [-c 4]
       python scripts/bench_api.py --url http://127.0.0.1:8000   # an already running server
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent

# Written for this benchmark (invented institutions and people), about 400 words.
TEXT = """Uniklinikum Nordhafen und Kreiskrankenhaus Eichenried bündeln Kräfte in der Krebsmedizin

Nordhafen, 14. Mai 2025. Das Universitätsklinikum Nordhafen und das Kreiskrankenhaus Eichenried arbeiten in der \
Versorgung von Krebspatientinnen und Krebspatienten künftig eng zusammen. Die Geschäftsführungen beider Häuser haben \
am 12. Mai 2025 in Nordhafen einen Kooperationsvertrag unterzeichnet, der zunächst auf fünf Jahre angelegt ist. Ziel \
ist es, Patientinnen und Patienten aus dem ländlichen Raum den Zugang zu moderner Tumortherapie zu erleichtern, ohne \
dass sie für jede Untersuchung weite Wege auf sich nehmen müssen.

Kern der Zusammenarbeit ist eine gemeinsame Tumorkonferenz, die jede Woche per Video stattfindet. Dort besprechen \
Fachärztinnen und Fachärzte aus Onkologie, Chirurgie, Strahlentherapie und Pathologie beider Kliniken jeden neuen \
Fall und legen gemeinsam die Behandlung fest. Die Chemotherapie kann anschließend in der onkologischen Ambulanz in \
Eichenried erfolgen, während aufwendige Operationen und Bestrahlungen am Universitätsklinikum durchgeführt werden. \
Befunde und Bilder werden über eine gesicherte Telemedizin-Plattform ausgetauscht.

„Mit der Kooperation holen wir das Wissen eines großen Tumorzentrums in die Region“, sagt Prof. Dr. med. Katharina \
Lindqvist, Direktorin der Klinik für Hämatologie und Onkologie am Universitätsklinikum Nordhafen. „Für unsere \
Patientinnen und Patienten bedeutet das kurze Wege und trotzdem eine Behandlung auf dem neuesten Stand der \
Forschung.“ Dr. Matthias Oberhuber, Chefarzt der Inneren Medizin am Kreiskrankenhaus Eichenried, ergänzt: „Wir \
können unseren Patienten jetzt Studien anbieten, die bisher nur in Nordhafen möglich waren.“

Auch die Weiterbildung ist Teil der Vereinbarung. Assistenzärztinnen und Assistenzärzte aus Eichenried können \
Rotationen von bis zu sechs Monaten am Universitätsklinikum absolvieren, Pflegekräfte erhalten Zugang zu den \
Fortbildungen der onkologischen Fachpflege. Im Gegenzug übernimmt das Kreiskrankenhaus die Nachsorge von \
Patientinnen und Patienten, die in Nordhafen operiert wurden.

Für die Patientinnen und Patienten ändert sich zunächst wenig: Ansprechpartner bleibt der behandelnde Arzt vor Ort. \
Neu ist eine gemeinsame Lotsin, die Termine in beiden Häusern koordiniert, Fragen zur Therapie beantwortet und \
Angehörige berät. Sie ist montags bis freitags telefonisch erreichbar und hält zweimal pro Woche eine Sprechstunde in \
Eichenried ab. Zusätzlich bieten beide Kliniken ab Herbst gemeinsame Informationsabende für Betroffene an, bei \
denen Ärztinnen, Psychoonkologen und Ernährungsberaterinnen über Behandlung und Alltag mit der Erkrankung sprechen.

Die Kooperation ist Teil des Netzwerks Onkologie Küste, dem bereits seit März 2022 die Klinik am Leuchtturm und das \
Medizinische Versorgungszentrum Hafenstadt angehören. Das Land fördert den Ausbau der digitalen Infrastruktur mit \
rund 400.000 Euro. Eine erste Bilanz wollen die Partner nach zwei Jahren ziehen; bis dahin sollen mindestens \
300 Patientinnen und Patienten von dem gemeinsamen Angebot profitieren.

Foto: Universitätsklinikum Nordhafen / Pressestelle
Quelle: Universitätsklinikum Nordhafen
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def report(label: str, latencies: list[float], wall: float) -> None:
    print(f"{label:<24} {len(latencies):5d} req  {len(latencies) / wall:7.1f} req/s   "
          f"p50 {percentile(latencies, 0.50):6.1f} ms   p95 {percentile(latencies, 0.95):6.1f} ms   "
          f"max {max(latencies):6.1f} ms   mean {statistics.mean(latencies):6.1f} ms")


def start_server(model: str, port: int) -> subprocess.Popen:
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    cmd = [sys.executable, "-m", "extractor.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--model", model]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_ready(base: str, proc: subprocess.Popen | None, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}:\n{proc.stderr.read() if proc.stderr else ''}")
        try:
            health = httpx.get(base + "/health", timeout=2).json()
            if health.get("status") == "ok":
                return health
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not become ready")


def one(client: httpx.Client, body: dict) -> float:
    t0 = time.perf_counter()
    resp = client.post("/v1/extract", json=body)
    ms = (time.perf_counter() - t0) * 1000
    if resp.status_code != 200:
        raise SystemExit(f"HTTP {resp.status_code}: {resp.text[:300]}")
    return ms


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="shipped", help="model for the server it starts (default: shipped)")
    ap.add_argument("--url", help="benchmark an already running server instead of starting one")
    ap.add_argument("-n", "--requests", type=int, default=200, help="sequential requests (default 200)")
    ap.add_argument("-m", "--concurrent-requests", type=int, default=200, help="requests in the concurrent run")
    ap.add_argument("-c", "--concurrency", type=int, default=4, help="concurrent clients (default 4)")
    ap.add_argument("--warmup", type=int, default=10)
    args = ap.parse_args()

    proc = None
    if args.url:
        base = args.url.rstrip("/")
    else:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(args.model, port)
    try:
        health = wait_ready(base, proc)
        pipe = health["pipeline"]
        body = {"text": TEXT, "published": "2025-05-14"}
        with httpx.Client(base_url=base, timeout=60) as client:
            rec = client.post("/v1/extract", json=body).json()
            print(f"server {base}: pipeline {pipe['model']} ({pipe['kind']}); text {len(TEXT.split())} words; "
                  f"record: {len(rec.get('cooperations', []))} cooperation(s), {len(rec.get('people', []))} person(s), "
                  f"{len(rec.get('institutions', []))} institution(s)")
            for _ in range(args.warmup):
                one(client, body)
            t0 = time.perf_counter()
            seq = [one(client, body) for _ in range(args.requests)]
            report("sequential", seq, time.perf_counter() - t0)

        clients = [httpx.Client(base_url=base, timeout=60) for _ in range(args.concurrency)]
        try:
            t0 = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                conc = list(pool.map(lambda k: one(clients[k % args.concurrency], body), range(args.concurrent_requests)))
            report(f"concurrent (c={args.concurrency})", conc, time.perf_counter() - t0)
        finally:
            for c in clients:
                c.close()
        p95 = percentile(seq, 0.95)
        print(f"sequential p95 {p95:.1f} ms: {'meets' if p95 < 100 else 'misses'} the 100 ms target")
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
