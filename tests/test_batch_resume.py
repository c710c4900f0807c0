"""Durable, resumable output: a real `coopx batch` is killed with SIGKILL midway, then
`--resume` finishes the job; every input's record is present exactly once, no partial line."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from tests.test_batch import write_folder

N_DOCS = 2000  # long enough that the first commit (about 1 s in) comes well before the end


def _lines(path):
    return path.read_bytes().count(b"\n") if path.exists() else 0


def _committed(state) -> int:
    """Records the state store holds as done. A normal (read-write) connection: a read-only one
    cannot read a WAL database reliably while the writer holds it, nor recover it after a kill."""
    try:
        db = sqlite3.connect(f"file:{state}?mode=rw", uri=True, timeout=2)
        try:
            return db.execute("SELECT count(*) FROM docs WHERE status = 'ok'").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_kill_9_then_resume_gives_every_record_exactly_once(tmp_path):
    folder = tmp_path / "in"
    paths = write_folder(folder, N_DOCS)
    out = tmp_path / "out.jsonl"
    state = tmp_path / "out.jsonl.state.sqlite"
    cmd = [sys.executable, "-m", "extractor.cli", "batch", str(folder), "-o", str(out), "--model", "blank",
           "--workers", "2"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)  # its own process group: the workers die with it
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if _committed(state) >= 1:  # midway: the first records are committed, more are being written
                time.sleep(0.05)
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the batch finished before it could be killed: " + proc.stderr.read().decode()
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stderr.close()
    written, committed = _lines(out), _committed(state)
    assert 0 < committed <= written < N_DOCS
    print(f"killed with {written} lines written, {committed} committed")
    # a torn write (as after a power cut) must not survive either
    with out.open("ab") as fh:
        fh.write(b'{"schema_version":"1.0","id":"torn-li')

    res = subprocess.run(cmd + ["--resume"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stderr
    assert "done by earlier runs" in res.stderr

    data = out.read_bytes()
    assert data.endswith(b"\n")
    records = [json.loads(line) for line in data.decode("utf-8").splitlines()]  # every line is whole JSON
    ids = [r["source"]["id"] for r in records]
    assert len(ids) == len(set(ids)) == N_DOCS  # exactly once
    assert set(ids) == {p.stem for p in paths}
    errors = tmp_path / "out.jsonl.errors.jsonl"
    assert not errors.exists() or errors.read_text() == ""
