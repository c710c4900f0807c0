"""The worker side, shared by both engines: the pipeline loaded once per process, and
`process_chunk`: a list of inputs -> one `Outcome` per input, never an exception."""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from extractor.documents import PendingURL, RawDocument, Skip
from extractor.errors import CoopxError
from extractor.readers import load
from extractor.settings import Settings

FETCH_THREADS = 8  # URLs of one chunk are fetched concurrently (I/O bound)


@dataclass(frozen=True)
class Outcome:
    """What became of one input: a record line, or the reason why not."""

    origin: str
    id: str | None = None
    line: str | None = None  # the record, one JSON line
    sha: str | None = None  # SHA-256 of the cleaned text (exact duplicates)
    score: int = 0  # how much metadata the record has (which duplicate to keep)
    stage: str | None = None
    kind: str | None = None  # skipped | failed
    reason: str | None = None

    @classmethod
    def from_skip(cls, skip: Skip) -> Outcome:
        return cls(skip.origin, skip.id, stage=skip.stage, kind=skip.kind, reason=skip.reason)


_LOAD_LOCK = threading.Lock()
_RUN_LOCK = threading.Lock()  # one pipeline call at a time per process (dask workers may have threads)
_CLIENTS: dict = {}


def get_pipeline(settings: Settings):
    """The process's Pipeline for these settings, loaded on first use only."""
    from extractor.pipeline import shared

    with _LOAD_LOCK:
        return shared(settings)


def pipeline_loads() -> int:
    """How many times this process has loaded a pipeline (tests check: once per worker)."""
    from extractor.pipeline import shared

    return shared.cache_info().misses


_INIT_ERROR: list[Exception] = []


def init_worker(settings: Settings, parent_pid: int | None = None) -> None:
    """Process-pool initializer: load the pipeline now, and exit if the batch process dies.

    A pipeline that cannot be loaded is remembered and raised by the first task (as a
    CoopxError), so the batch stops with its message instead of a broken pool."""
    try:
        get_pipeline(settings)
    except Exception as exc:
        _INIT_ERROR.append(exc)
    if parent_pid:
        # Ctrl-C is for the batch process, which stops the pool; a worker just finishes its chunk.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        threading.Thread(target=_watch_parent, args=(parent_pid, os.getppid()), daemon=True).start()


def _watch_parent(parent_pid: int, ppid: int) -> None:
    while True:
        time.sleep(1.0)
        try:
            os.kill(parent_pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            pass
        if os.getppid() != ppid:
            os._exit(1)


def _client(settings: Settings):
    with _LOAD_LOCK:
        client = _CLIENTS.get(settings)
        if client is None:
            from extractor.fetch import make_client

            client = _CLIENTS[settings] = make_client(settings)
        return client


def _load_all(items: list, settings: Settings) -> list[RawDocument | Skip]:
    pending = [i for i, item in enumerate(items) if isinstance(item, PendingURL)]
    if not pending:
        return list(items)
    out = list(items)
    client = _client(settings)
    if len(pending) == 1:
        out[pending[0]] = load(items[pending[0]], settings, client=client)
        return out
    with ThreadPoolExecutor(max_workers=min(FETCH_THREADS, len(pending))) as pool:
        for i, doc in zip(pending, pool.map(lambda i: load(items[i], settings, client=client), pending)):
            out[i] = doc
    return out


def _outcome(raw: RawDocument, result) -> Outcome:
    if isinstance(result, Skip):
        return Outcome.from_skip(result)
    return Outcome(raw.origin, raw.id, line=result.model_dump_json(), sha=result.source.text_sha256,
                   score=richness(result.source))


def richness(source) -> int:
    """How much metadata a record's source has: of exact duplicates, the richest is kept."""
    return sum(getattr(source, key) is not None for key in ("url", "published", "title", "sitename"))


def process_chunk(items: list, settings: Settings) -> list[Outcome]:
    """Inputs (RawDocument, Skip or PendingURL) -> one Outcome each, in the same order."""
    if _INIT_ERROR:
        exc = _INIT_ERROR[0]
        raise exc if isinstance(exc, CoopxError) else CoopxError(f"cannot load the pipeline: {exc}", stage="setup")
    docs = _load_all(items, settings)
    outcomes: list[Outcome | None] = [Outcome.from_skip(d) if isinstance(d, Skip) else None for d in docs]
    raws = [(i, d) for i, d in enumerate(docs) if isinstance(d, RawDocument)]
    if not raws:
        return outcomes  # type: ignore[return-value]
    pipeline = get_pipeline(settings)
    with _RUN_LOCK:
        try:
            results = list(pipeline.run_many([d for _, d in raws], settings.batch_size))
            if len(results) != len(raws):
                raise RuntimeError(f"pipeline returned {len(results)} results for {len(raws)} documents")
        except Exception:
            results = [_run_one(pipeline, d) for _, d in raws]  # find the one that breaks the batch
    for (i, raw), result in zip(raws, results):
        try:
            outcomes[i] = _outcome(raw, result)
        except Exception as exc:  # e.g. a record that cannot be serialised
            outcomes[i] = Outcome(raw.origin, raw.id, stage="extract", kind="failed", reason=f"{type(exc).__name__}: {exc}")
    return outcomes  # type: ignore[return-value]


def _run_one(pipeline, raw: RawDocument):
    try:
        return pipeline.run(raw)
    except Exception as exc:
        return Skip(raw.origin, "extract", f"{type(exc).__name__}: {exc}", raw.id)


def failed_chunk(items: list, reason: str, stage: str = "extract") -> list[Outcome]:
    """Outcomes for a chunk whose worker died or raised (the engine's last resort)."""
    return [Outcome(item.origin, getattr(item, "id", None), stage=stage, kind="failed", reason=reason) for item in items]
