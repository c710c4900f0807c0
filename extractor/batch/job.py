"""`run_batch`: inputs -> chunks -> an engine -> durable output, errors file and state store.

Everything here runs in the batch process's main thread: reading inputs (contents only; URLs
are fetched by the workers), handing chunks to the engine, writing each outcome as one
line, and committing progress to the state store about once a second.

Output `-` streams the records to stdout (errors to stderr unless `--errors` names a file;
the state store then lives in memory, so there is nothing to resume). File and folder inputs
are made absolute first, so a resumed run recognises them however they are spelled.

Exact duplicates (the same cleaned text): the copy with the richest metadata (url, published,
title, site name) is kept. A richer copy found later is written too, and the earlier line is
dropped when the run ends (`compact`; not possible on stdout, where the first copy stays).

Ctrl-C stops at once (the workers are stopped, not waited for; `--resume` redoes their
chunks); a second Ctrl-C while it stops ends the process on the spot, as safe as kill -9.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from extractor import textsafe
from extractor.batch import compact
from extractor.batch.options import BatchOptions, BatchSummary
from extractor.batch.progress import Progress
from extractor.batch.sinks import LineSink, StreamSink
from extractor.batch.state import KeptText, StateStore, reason_key
from extractor.batch.work import Outcome
from extractor.documents import Skip
from extractor.errors import CoopxError
from extractor.readers import is_url
from extractor.settings import Settings

COMMIT_SECONDS = 1.0  # fsync + state commit at most this often ...
COMMIT_ROWS = 5000  # ... or after this many changes
ENGINES = ("local", "dask")
FORMATS = ("jsonl", "parquet")
STREAM = "-"


@dataclass(frozen=True)
class Layout:
    """Where a job's files live; None: the stream (records on stdout, errors on stderr, state in memory)."""

    records: Path | None  # the JSON Lines records (for parquet: the staging file in the folder)
    errors: Path | None
    state: Path | None
    folder: Path | None = None  # parquet: the output folder

    @classmethod
    def of(cls, options: BatchOptions) -> Layout:
        out = Path(options.output)
        streamed, parquet = str(options.output) == STREAM, options.format == "parquet"
        default = None if streamed else out / "errors.jsonl" if parquet else Path(f"{out}.errors.jsonl")
        errors = None if str(options.errors) == STREAM else Path(options.errors) if options.errors else default
        if streamed:
            return cls(None, errors, None)
        if parquet:
            return cls(out / "records.jsonl", errors, out / "state.sqlite", out)
        return cls(out, errors, Path(f"{out}.state.sqlite"))

    def own_files(self) -> set[Path]:
        return {p.resolve() for p in (self.records, self.errors, self.state) if p is not None}


def _check_output(options: BatchOptions, layout: Layout) -> None:
    out = Path(options.output)
    if layout.records is None:
        if options.format == "parquet":
            raise CoopxError("--format parquet writes a folder of tables: give a folder, not -", stage="setup")
        if options.resume:
            raise CoopxError("cannot resume a run whose output went to stdout (-o -): nothing was kept to resume from",
                             stage="setup")
        return
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
    if layout.errors is not None and layout.errors.resolve() == layout.records.resolve():
        raise CoopxError("the errors file must not be the output file", stage="setup")


class _Writer:
    """Turns items and outcomes into lines and state rows, committing at safe points."""

    def __init__(self, state: StateStore, out: LineSink, err: LineSink, progress: Progress, *,
                 replace_duplicates: bool) -> None:
        self.state, self.out, self.err, self.progress = state, out, err, progress
        self.replace_duplicates = replace_duplicates  # False on stdout: a line written stays
        self.inflight: dict[str, tuple[int, str | None]] = {}

    def _error(self, origin: str, id: str | None, stage: str, kind: str, reason: str, **extra) -> None:
        row = {"origin": origin, "id": id, "stage": stage, "kind": kind, "reason": reason, **extra}
        self.err.write(json.dumps({k: textsafe.optional(v) if isinstance(v, str) else v for k, v in row.items()},
                                  ensure_ascii=False))

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
        if o.line is None:
            kind = o.kind or "failed"
            reason = o.reason or "unknown error"
            self._error(o.origin, o.id, o.stage or "extract", kind, reason)
            self.state.finish(seq, kind, o.stage, _short(kind, reason))
            self.progress.advance(error=kind == "failed")
        else:
            self._record(o, seq)
            self.progress.advance()
        self.maybe_commit()

    def _record(self, o: Outcome, seq: int) -> None:
        kept = self.state.kept_text(o.sha) if o.sha else None
        replaceable = kept is not None and kept.start is not None and self.replace_duplicates  # (older stores: no offsets)
        if kept is not None and not (replaceable and o.score > kept.score):
            self._error(o.origin, o.id, "duplicate", "skipped", f"same text as {kept.origin}", duplicate_of=kept.origin)
            self.state.finish(seq, "duplicate", "duplicate", "same text")
            return
        start = self.out.size
        self.out.write(o.line)
        self.state.finish(seq, "ok")
        if o.sha:
            self.state.keep_text(o.sha, KeptText(o.origin, seq, o.id, o.score, start, self.out.size - start), kept)
        if kept is not None:  # this copy has more metadata: the earlier one becomes the duplicate
            self._error(kept.origin, kept.id, "duplicate", "skipped", f"same text as {o.origin}, which has more metadata",
                        duplicate_of=o.origin)
            if kept.seq is not None:
                self.state.finish(kept.seq, "duplicate", "duplicate", "same text")

    def maybe_commit(self, force: bool = False) -> None:
        state = self.state
        if force or state.uncommitted >= COMMIT_ROWS or (
                state.uncommitted and time.monotonic() - state.last_commit >= COMMIT_SECONDS):
            state.commit(self.out.sync(), self.err.sync())  # files durable first, then the rows


def _short(kind: str, reason: str) -> str:
    return reason_key(reason) if kind == "skipped" else reason[:300]


def _inputs(options: BatchOptions, layout: Layout) -> list[str]:
    """The inputs, file and folder paths made absolute (the state store's keys), without the job's own files."""
    own = layout.own_files()
    keep = []
    for source in options.inputs:
        if source == STREAM or is_url(source):
            keep.append(source)
            continue
        path = os.path.abspath(source)
        if Path(path).resolve() in own:
            print(f"coopx batch: ignoring input {textsafe.label(source)}: it is this job's own output", file=sys.stderr)
            continue
        keep.append(path)
    return keep


@contextmanager
def _interrupts() -> Iterator[None]:
    """The first Ctrl-C raises KeyboardInterrupt (the batch stops cleanly); a second one while
    it stops ends the process at once: the state store and the files survive that as they
    survive kill -9."""

    def second(signum, frame) -> None:
        os.write(2, b"coopx batch: interrupted again; stopped now (--resume continues)\n")
        os._exit(130)

    interrupted: list[bool] = []

    def first(signum, frame) -> None:
        interrupted.append(True)
        signal.signal(signal.SIGINT, second)
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, first)
    try:
        yield
    finally:
        if not interrupted:  # after a first Ctrl-C, a second one ends the process also while it winds up
            signal.signal(signal.SIGINT, previous)


def _sinks(layout: Layout, state: StateStore, resume: bool) -> tuple[LineSink, LineSink]:
    if state.compacting:  # the last run stopped between compaction's two steps: finish it first
        compact.install(layout.records)
        state.compaction_done()
    out = StreamSink(sys.stdout.fileno()) if layout.records is None else \
        LineSink(layout.records, resume_at=state.out_offset if resume else None)
    if layout.errors is None:
        return out, StreamSink(sys.stderr.fileno())
    try:
        return out, LineSink(layout.errors, resume_at=state.err_offset if resume else None)
    except BaseException:
        out.close()
        raise


def _compact(layout: Layout, state: StateStore) -> None:
    """Drop the lines of duplicates that a richer copy replaced (see `compact`)."""
    drop = state.superseded()
    if not drop or layout.records is None:
        return
    size = compact.write(layout.records, drop, state.out_offset)
    state.compacted(size, state.err_offset)
    compact.install(layout.records)
    state.compaction_done()


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
    if layout.state is not None:
        layout.state.parent.mkdir(parents=True, exist_ok=True)
    inputs = _inputs(options, layout)

    started = time.monotonic()
    job = {"format": options.format, "model": settings.model, "inputs": inputs}
    state = StateStore(layout.state, resume=options.resume, job=job)
    out = err = None
    progress = Progress(options.progress if layout.errors is not None else False, done_before=0)
    try:
        with _interrupts():
            out, err = _sinks(layout, state, options.resume)
            earlier = state.earlier

            def count() -> int | None:
                counts = [estimate(s) for s in inputs]
                return None if any(c is None for c in counts) else sum(counts) - earlier

            progress.count_in_background(count)
            writer = _Writer(state, out, err, progress, replace_duplicates=layout.records is not None)
            items = read_all(inputs, settings, fetch_urls=False, exclude=state.done_before)
            chunks = writer.chunks(items, settings.batch_size)
            if options.engine == "dask":
                from extractor.batch.engine_dask import run_dask

                results = run_dask(chunks, settings, workers, options.scheduler)
            else:
                from extractor.batch.engine_local import run_local

                results = run_local(chunks, settings, workers)
            try:
                for outcomes in results:
                    for o in outcomes:
                        writer.outcome(o)
            finally:
                results.close()  # stops the engine now, not whenever the generator is collected
            writer.maybe_commit(force=True)
            for sink in (out, err):
                sink.close()
            _compact(layout, state)
    except KeyboardInterrupt:
        progress.close()
        how = "" if layout.records is None else f"; run the same command with --resume to continue {options.output}"
        print(f"coopx batch: interrupted{how}", file=sys.stderr)
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
