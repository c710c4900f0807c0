"""`coopx serve --workers N`: the loaded process forks N servers on one socket, all answer, and
SIGTERM to the parent stops every one of them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import psutil
import pytest

from extractor.api.app import _listen
from tests.conftest import ROOT, free_port

TEXT = ("Das Klinikum Rheinfurt und die Hochschule Nordhain kooperieren künftig in der Pflegeausbildung, "
        "teilten beide Partner am Dienstag mit.")


def test_the_listening_socket_names_tcp():
    """asyncio turns Nagle off only on sockets whose proto is TCP (else ~40 ms per keep-alive reply)."""
    sock = _listen("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP and sock.type == socket.SOCK_STREAM
    finally:
        sock.close()


def _start(port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "extractor.cli", "serve", "--port", str(port), "--model", "blank",
                             "--workers", "2"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for _ in range(150):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail("server did not start: " + (proc.stderr.read() if proc.poll() is not None else ""))


def _gone(workers: list) -> bool:
    return not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_workers_serve_and_stop_together():
    port = free_port()
    proc = _start(port)
    try:
        workers = psutil.Process(proc.pid).children()
        assert len(workers) == 2
        clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) for _ in range(4)]
        for c in clients:
            rec = c.post("/v1/extract", json={"text": TEXT}).json()
            assert rec["is_cooperation"] is True
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert _gone(workers)
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_worker_that_dies_stops_the_server_with_a_failure():
    """No half-served port: a service manager sees the failure and restarts the whole server."""
    proc = _start(free_port())
    try:
        workers = psutil.Process(proc.pid).children()
        workers[0].kill()
        assert proc.wait(timeout=30) != 0
        assert _gone(workers)
        assert "exited with" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
