"""`run_batch`: inputs -> chunks -> an engine -> durable output, errors file and state store.

Everything here runs in the batch process's main thread: reading inputs (contents only; URLs
are fetched by the workers), handing chunks to the engine, writing each outcome as one
line, and committing progress to the state store about once a second.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from extractor.batch.options import BatchOptions, BatchSummary
from extractor.batch.progress import Progress
from extractor.batch.sinks import LineSink
from extractor.batch.state import StateStore, reason_key
from extractor.batch.work import Outcome
from extractor.documents import Skip
from extractor.errors import CoopxError
from extractor.settings import Settings

COMMIT_SECONDS = 1.0  # fsync + state commit at most this often ...
COMMIT_ROWS = 5000  # ... or after this many changes
ENGINES = ("local", "dask")
FORMATS = ("jsonl", "parquet")


@dataclass(frozen=True)
class Layout:
    """Where a job's files live."""

    records: Path  # the JSON Lines records (for parquet: the staging file in the folder)
    errors: Path
    state: Path
    folder: Path | None = None  # parquet: the output folder

    @classmethod
    def of(cls, options: BatchOptions) -> Layout:
        out = Path(options.output)
        if options.format == "parquet":
            return cls(out / "records.jsonl", Path(options.errors) if options.errors else out / "errors.jsonl",
                       out / "state.sqlite", out)
        errors = Path(options.errors) if options.errors else out.with_suffix(".errors.jsonl")
        if errors.resolve() == out.resolve():
            errors = Path(f"{out}.errors.jsonl")
        return cls(out, errors, Path(f"{out}.state.sqlite"))

    def own_files(self) -> set[Path]:
        return {p.resolve() for p in (self.records, self.errors, self.state)}


def _check_output(options: BatchOptions, layout: Layout) -> None:
    out = Path(options.output)
    if options.format == "parquet":
        if out.exists() and not out.is_dir():
            raise CoopxError(f"{out} is a file; --format parquet writes a folder of tables", stage="setup")
        exists = out.is_dir() and any(out.iterdir())
    else:
        if out.is_dir():
            raise CoopxError(f"{out} is a folder; the JSON Lines output must be a file (or use --format parquet)",
                             stage="setup")
        exists = out.exists() and out.stat().st_size > 0
    if options.resume:
        if exists and not layout.state.exists():
            raise CoopxError(f"cannot resume {out}: no state store at {layout.state} (was it written by `coopx batch`?)",
                             stage="setup")
    elif exists:
        raise CoopxError(f"{out} already exists: add --resume to continue that run, or choose a new output path",
                         stage="setup")
    if layout.errors.resolve() == layout.records.resolve():
        raise CoopxError("the errors file must not be the output file", stage="setup")


class _Writer:
    """Turns items and outcomes into lines and state rows, committing at safe points."""

    def __init__(self, state: StateStore, out: LineSink, err: LineSink, progress: Progress) -> None:
        self.state, self.out, self.err, self.progress = state, out, err, progress
        self.inflight: dict[str, tuple[int, str | None]] = {}

    def _error(self, origin: str, id: str | None, stage: str, kind: str, reason: str, **extra) -> None:
        row = {"origin": origin, "id": id, "stage": stage, "kind": kind, "reason": reason, **extra}
        self.err.write(json.dumps(row, ensure_ascii=False))

    def chunks(self, items: Iterable, size: int) -> Iterator[list]:
        chunk: list = []
        for item in items:
            origin = item.origin
            if self.state.seen(origin):  # earlier runs are excluded by the reader: a repeat in this run
                reason = "input given more than once"
                self._error(origin, getattr(item, "id", None), "duplicate", "skipped", reason, duplicate_of=origin)
                self.state.add(origin, "duplicate", "duplicate", reason)
                self.progress.advance()
            elif isinstance(item, Skip):
                self._error(origin, item.id, item.stage, item.kind, item.reason)
                self.state.add(origin, item.kind, item.stage, _short(item.kind, item.reason))
                self.progress.advance(error=item.kind == "failed")
            else:
                self.inflight[origin] = (self.state.add(origin), getattr(item, "id", None))
                chunk.append(item)
                if len(chunk) >= size:
                    yield chunk
                    chunk = []
            self.maybe_commit()
        if chunk:
            yield chunk

    def outcome(self, o: Outcome) -> None:
        seq, _ = self.inflight.pop(o.origin)
        if o.line is not None:
            first = self.state.claim_text(o.sha, o.origin) if o.sha else None
            if first is None:
                self.out.write(o.line)
                self.state.finish(seq, "ok")
                self.progress.advance()
            else:
                reason = f"same text as {first}"
                self._error(o.origin, o.id, "duplicate", "skipped", reason, duplicate_of=first)
                self.state.finish(seq, "duplicate", "duplicate", "same text")
                self.progress.advance()
        else:
            kind = o.kind or "failed"
            reason = o.reason or "unknown error"
            self._error(o.origin, o.id, o.stage or "extract", kind, reason)
            self.state.finish(seq, kind, o.stage, _short(kind, reason))
            self.progress.advance(error=kind == "failed")
        self.maybe_commit()

    def maybe_commit(self, force: bool = False) -> None:
        state = self.state
        if force or state.uncommitted >= COMMIT_ROWS or (
                state.uncommitted and time.monotonic() - state.last_commit >= COMMIT_SECONDS):
            state.commit(self.out.sync(), self.err.sync())  # files durable first, then the rows


def _short(kind: str, reason: str) -> str:
    return reason_key(reason) if kind == "skipped" else reason[:300]


def _inputs(options: BatchOptions, layout: Layout) -> list[str]:
    own = layout.own_files()
    keep = []
    for source in options.inputs:
        if source != "-" and "://" not in source and Path(source).resolve() in own:
            print(f"coopx batch: ignoring input {source}: it is this job's own output", file=sys.stderr)
            continue
        keep.append(source)
    return keep


def run_batch(options: BatchOptions, settings: Settings) -> BatchSummary:
    from extractor.batch.engine_local import default_workers
    from extractor.readers import estimate, read_all

    if options.engine not in ENGINES:
        raise CoopxError(f"unknown engine {options.engine!r} (local or dask)", stage="setup")
    if options.format not in FORMATS:
        raise CoopxError(f"unknown format {options.format!r} (jsonl or parquet)", stage="setup")
    workers = options.workers if options.workers is not None else default_workers()
    if workers < 1:
        raise CoopxError("--workers must be at least 1", stage="setup")
    layout = Layout.of(options)
    _check_output(options, layout)
    if layout.folder is not None:
        layout.folder.mkdir(parents=True, exist_ok=True)
    layout.state.parent.mkdir(parents=True, exist_ok=True)
    inputs = _inputs(options, layout)

    started = time.monotonic()
    job = {"format": options.format, "model": settings.model, "inputs": inputs}
    state = StateStore(layout.state, resume=options.resume, job=job)
    out = err = None
    progress = Progress(options.progress, done_before=0)
    try:
        out = LineSink(layout.records, resume_at=state.out_offset if options.resume else None)
        err = LineSink(layout.errors, resume_at=state.err_offset if options.resume else None)
        earlier = state.earlier

        def count() -> int | None:
            counts = [estimate(s) for s in inputs]
            return None if any(c is None for c in counts) else sum(counts) - earlier

        progress.count_in_background(count)
        writer = _Writer(state, out, err, progress)
        items = read_all(inputs, settings, fetch_urls=False, exclude=state.done_before)
        chunks = writer.chunks(items, settings.batch_size)
        if options.engine == "dask":
            from extractor.batch.engine_dask import run_dask

            results = run_dask(chunks, settings, workers, options.scheduler)
        else:
            from extractor.batch.engine_local import run_local

            results = run_local(chunks, settings, workers)
        for outcomes in results:
            for o in outcomes:
                writer.outcome(o)
        writer.maybe_commit(force=True)
    except KeyboardInterrupt:
        progress.close()
        print(f"coopx batch: interrupted; run the same command with --resume to continue {options.output}",
              file=sys.stderr)
        raise
    finally:
        progress.close()
        for sink in (out, err):
            if sink is not None:
                sink.close()
    totals = state.totals()
    state.close()

    summary = BatchSummary(
        processed=totals["counts"].get("ok", 0),
        skipped=totals["skipped"],
        failed=totals["counts"].get("failed", 0),
        duplicates=totals["counts"].get("duplicate", 0),
        seconds=time.monotonic() - started,
        this_run=totals["this_run"],
        earlier=state.earlier,
        output=Path(options.output),
        errors=layout.errors,
    )
    if layout.folder is not None:
        from extractor.batch.parquet import write_tables

        summary.tables = write_tables(layout.records, layout.folder)
    print(summary.line(), file=sys.stderr)
    return summary
