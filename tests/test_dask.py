"""The dask engine on a real LocalCluster (2 worker processes): the same records as the local
engine, and the pipeline loaded once per worker by the WorkerPlugin."""

from __future__ import annotations

import json
import logging

import pytest

from extractor.batch import BatchOptions, run_batch
from extractor.settings import Settings
from tests.test_batch import release, write_folder

S = Settings(model="blank")


def _lines(path):
    return set(path.read_text(encoding="utf-8").splitlines())


@pytest.mark.slow
def test_dask_cluster_output_equals_local_engine(tmp_path):
    distributed = pytest.importorskip("distributed")
    from extractor.batch import work

    folder = tmp_path / "in"
    write_folder(folder, 60)
    (folder / "english.txt").write_text("The hospital and the university signed a cooperation agreement on Monday.")
    (folder / "binary.txt").write_bytes(b"\x00\x01" * 64)
    dump = tmp_path / "dump.jsonl"
    dump.write_text(json.dumps({"id": "j1", "text": release(77), "published": "2025-06-01"}) + "\n", encoding="utf-8")
    inputs = [str(folder), str(dump)]

    local = run_batch(BatchOptions(inputs=inputs, output=tmp_path / "local.jsonl", workers=1), S)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=logging.ERROR) as cluster, distributed.Client(cluster) as client:
        remote = run_batch(BatchOptions(inputs=inputs, output=tmp_path / "dask.jsonl", engine="dask",
                                        scheduler=cluster.scheduler_address), S)
        loads = client.run(work.pipeline_loads)
    assert _lines(tmp_path / "dask.jsonl") == _lines(tmp_path / "local.jsonl")
    assert len(_lines(tmp_path / "dask.jsonl")) == 61
    assert _lines(tmp_path / "dask.jsonl.errors.jsonl") == _lines(tmp_path / "local.jsonl.errors.jsonl")
    assert (remote.processed, remote.failed, remote.skipped) == (local.processed, local.failed, local.skipped) \
        == (61, 1, {"not German": 1})
    assert len(loads) == 2 and set(loads.values()) == {1}  # once per worker, not per document or task


@pytest.mark.slow
def test_cli_dask_engine_starts_its_own_local_cluster(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    write_folder(tmp_path / "in", 12)
    out = tmp_path / "out.jsonl"
    res = subprocess.run([sys.executable, "-m", "extractor.cli", "batch", str(tmp_path / "in"), "-o", str(out),
                          "--engine", "dask", "--workers", "2", "--model", "blank"],
                         cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)
    assert res.returncode == 0, res.stderr
    assert len(_lines(out)) == 12 and "12 processed" in res.stderr
