"""Dask engine: the same chunks on a Dask distributed cluster.

`scheduler` given: connect to it (workers need coopx installed; documents travel with the
tasks, so they need no access to the input files; URLs are fetched by the workers).
Otherwise a LocalCluster with one single-threaded worker process per requested worker.
A WorkerPlugin loads the pipeline once per worker when it joins; `work.process_chunk` would
load it lazily otherwise. At most two chunks per worker thread are in flight.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from extractor.batch import work
from extractor.errors import CoopxError
from extractor.settings import Settings

try:  # distributed is a declared dependency; keep the import error readable anyway
    from distributed import WorkerPlugin
except ImportError:  # pragma: no cover
    WorkerPlugin = object  # type: ignore[misc,assignment]


LOCAL_CLUSTER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.gil.enabled": False,
}


class PipelinePlugin(WorkerPlugin):
    """Loads the coopx pipeline once in every worker process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def setup(self, worker) -> None:
        work.init_worker(self.settings)


def _dask_task(chunk: list, settings: Settings) -> list:
    return work.process_chunk(chunk, settings)


def run_dask(chunks: Iterable[list], settings: Settings, workers: int, scheduler: str | None = None) -> Iterator[list]:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover
        raise CoopxError("the dask engine needs dask[distributed] installed", stage="setup") from exc

    cluster = None
    try:
        if scheduler:
            try:
                client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise CoopxError(f"cannot connect to the dask scheduler at {scheduler}: {exc}", stage="setup") from exc
        else:
            import dask

            # The statistical profiler and the GIL monitor sample the task thread every few ms: for
            # GIL-bound Python work like ours that costs ~25% of the CPU. Off for our own cluster.
            with dask.config.set(LOCAL_CLUSTER_CONFIG):
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                                       silence_logs=logging.ERROR)
            client = Client(cluster)
    except CoopxError:
        raise
    except Exception as exc:
        raise CoopxError(f"cannot start the dask engine: {type(exc).__name__}: {exc}", stage="setup") from exc
    try:
        client.register_plugin(PipelinePlugin(settings), name="coopx-pipeline")
        slots = max(1, sum(client.nthreads().values()) or workers)
        yield from _drive(client, as_completed, iter(chunks), settings, 2 * slots)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _drive(client, as_completed, chunks: Iterator[list], settings: Settings, limit: int) -> Iterator[list]:
    pending = {}
    queue = as_completed()

    def submit() -> bool:
        chunk = next(chunks, None)
        if chunk is None:
            return False
        fut = client.submit(_dask_task, chunk, settings, pure=False)
        pending[fut.key] = chunk
        queue.add(fut)
        return True

    for _ in range(limit):
        if not submit():
            break
    for fut in queue:
        chunk = pending.pop(fut.key)
        try:
            result = fut.result()
        except CoopxError:
            raise
        except Exception as exc:  # a task that raised, or a worker that died (KilledWorker)
            result = work.failed_chunk(chunk, f"dask task failed: {type(exc).__name__}: {exc}")
        fut.release()
        yield result
        submit()
