"""Local engine: worker processes on this machine (forkserver, else spawn), each loading the
pipeline once in its initializer; chunks of documents go to whichever worker is free.

Workers ignore Ctrl-C from their first instruction (the fork server is started with SIGINT
ignored, which Python then keeps): the batch process alone handles it, and when it stops early
(Ctrl-C, an error, a closed output) it kills the workers instead of waiting for their chunks.

A worker process that dies (segfault, out of memory) breaks the pool: the pool is restarted
and the chunks that were in flight are retried one document at a time, one at a time, so the
document that kills a worker is pinned down and reported, and the others are processed.
One worker runs in this process (no pool, no pickling).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from extractor.batch import work
from extractor.errors import CoopxError
from extractor.settings import Settings

MAX_BREAKS = 3  # consecutive pool breaks without any chunk coming back: give up, it is not one bad document
CRASH_REASON = "the worker process died on this document (crash or out of memory)"
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _context():
    methods = mp.get_all_start_methods()
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        # Workers fork from a server that has already imported spaCy and the pipeline code.
        ctx.set_forkserver_preload(["extractor.batch.work", "extractor.pipeline"])
        _start_forkserver_without_sigint()
        return ctx
    return mp.get_context("spawn")


def _start_forkserver_without_sigint() -> None:
    """Start the fork server with SIGINT ignored: Python keeps an ignored SIGINT at start-up, and
    every worker forked from the server inherits it, so a Ctrl-C (sent to the whole process
    group) never raises KeyboardInterrupt in a worker that is still importing or loading."""
    from multiprocessing import forkserver

    if threading.current_thread() is not threading.main_thread():
        forkserver.ensure_running()
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _sigint_after() -> Iterator[None]:
    """A Ctrl-C during the block takes effect right after it. Used around `submit`, which may
    start a worker: one killed half-started would print a traceback from its fork."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(frame))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught and callable(previous):
            previous(signal.SIGINT, caught[0])
        elif caught and previous == signal.SIG_DFL:
            raise KeyboardInterrupt


def _kill(pool: ProcessPoolExecutor) -> None:
    """Stop the workers now: their chunks are not committed, so a resumed run redoes them."""
    kill = getattr(pool, "kill_workers", None)  # Python 3.14+
    if kill is not None:
        kill()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()


def _pool(workers: int, settings: Settings) -> ProcessPoolExecutor:
    for var in _THREAD_VARS:  # one core per worker: no BLAS thread pools fighting each other
        os.environ.setdefault(var, "1")
    return ProcessPoolExecutor(max_workers=workers, mp_context=_context(), initializer=work.init_worker,
                               initargs=(settings, os.getpid()))


def run_local(chunks: Iterable[list], settings: Settings, workers: int, process=work.process_chunk) -> Iterator[list]:
    """Outcome lists, one per chunk, in completion order."""
    if workers <= 1:
        work.get_pipeline(settings)
        for chunk in chunks:
            yield process(chunk, settings)
        return
    yield from _run_pool(iter(chunks), settings, workers, process)


def _run_pool(chunks: Iterator[list], settings: Settings, workers: int, process) -> Iterator[list]:
    pool = _pool(workers, settings)
    inflight: dict[Future, list] = {}
    singles: deque[list] = deque()  # after a crash: documents retried alone, serially
    exhausted = False
    breaks = 0  # pool breaks since the last chunk that came back
    try:
        while True:
            limit = 1 if singles else 2 * workers
            while len(inflight) < limit:
                if singles:
                    chunk = singles.popleft()
                elif not exhausted:
                    chunk = next(chunks, None)
                    if chunk is None:
                        exhausted = True
                        continue
                else:
                    break
                with _sigint_after():
                    inflight[pool.submit(process, chunk, settings)] = chunk
            if not inflight:
                break
            done, _ = wait(inflight, return_when=FIRST_COMPLETED)
            broken: list[list] = []
            for fut in done:
                chunk = inflight.pop(fut)
                try:
                    result = fut.result()
                except BrokenProcessPool as exc:
                    broken.append(chunk)
                    cause = str(exc.__cause__ or exc)
                except CoopxError:
                    raise  # the pipeline cannot be loaded at all: stop with its message
                except Exception as exc:
                    yield work.failed_chunk(chunk, f"worker error: {type(exc).__name__}: {exc}")
                else:
                    breaks = 0
                    yield result
            if broken:
                breaks += 1
                if breaks >= MAX_BREAKS:
                    raise CoopxError(f"worker processes keep dying ({cause}); stopped. Fix the cause and run the same "
                                     "command with --resume", stage="extract")
                broken += list(inflight.values())  # every other chunk in flight died with the pool
                inflight.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = _pool(workers, settings)
                for chunk in broken:
                    if len(chunk) == 1 and len(broken) == 1:
                        yield work.failed_chunk(chunk, CRASH_REASON)
                    else:
                        singles.extend([item] for item in chunk)
    except BaseException:  # Ctrl-C, a consumer that stopped, a fatal error: no waiting for the workers
        _kill(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
