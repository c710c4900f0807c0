"""Batch processing: many inputs -> one JSON line (or Parquet rows) per article, errors to a side file.

Modules, one job each:
- `options`: BatchOptions / BatchSummary;
- `job`: `run_batch`, the orchestration (reading, chunking, writing, committing);
- `work`: the worker side (pipeline once per process, `process_chunk`);
- `engine_local` / `engine_dask`: where chunks run;
- `state`: the SQLite state store (resume, duplicates);
- `sinks`: durable JSON Lines files; `parquet`: the analyst tables;
- `progress`: the terminal progress bar.
"""

from __future__ import annotations

from extractor.batch.job import run_batch
from extractor.batch.options import BatchOptions, BatchSummary

__all__ = ["BatchOptions", "BatchSummary", "run_batch"]
