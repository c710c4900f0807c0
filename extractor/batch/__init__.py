"""Batch processing: many inputs -> one JSON line per article, errors to a side file."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from extractor.documents import Skip
from extractor.settings import Settings


@dataclass
class BatchOptions:
    inputs: list[str]
    output: Path
    errors: Path | None = None
    workers: int | None = None
    engine: str = "local"
    scheduler: str | None = None
    resume: bool = False
    format: str = "jsonl"


@dataclass
class BatchSummary:
    processed: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    duplicates: int = 0
    seconds: float = 0.0


def run_batch(options: BatchOptions, settings: Settings) -> BatchSummary:
    from extractor.pipeline import Pipeline
    from extractor.readers import read

    pipeline = Pipeline(settings)
    summary = BatchSummary()
    errors_path = options.errors or options.output.with_suffix(".errors.jsonl")

    def raws():
        for source in options.inputs:
            yield from read(source, settings)

    with options.output.open("w", encoding="utf-8") as out, errors_path.open("w", encoding="utf-8") as err:
        pending = []
        items = raws()
        direct = (r for r in items)
        for item in pipeline.run_many(r for r in direct if not isinstance(r, Skip) or pending.append(r)):
            for skip in pending:
                err.write(json.dumps(skip.to_dict(), ensure_ascii=False) + "\n")
                summary.failed += 1
            pending.clear()
            if isinstance(item, Skip):
                err.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
                summary.failed += 1
                print(f"coopx: {item.origin}: {item.reason}", file=sys.stderr)
            else:
                out.write(item.model_dump_json() + "\n")
                summary.processed += 1
        for skip in pending:
            err.write(json.dumps(skip.to_dict(), ensure_ascii=False) + "\n")
            print(f"coopx: {skip.origin}: {skip.reason}", file=sys.stderr)
            summary.failed += 1
    print(f"processed {summary.processed}, failed {summary.failed}", file=sys.stderr)
    return summary
