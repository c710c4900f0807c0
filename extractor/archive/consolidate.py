"""`coopx consolidate`: add batch outputs to the store and rebuild what derives from them,
all in one transaction."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from extractor.archive import cooperations, entities
from extractor.archive.ingest import Ingested, ingest
from extractor.archive.store import count_dropped, counts, opened, transaction
from extractor.settings import Settings


@dataclass
class Consolidated:
    inputs: list[Ingested] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def line(self) -> str:
        new = sum(i.new for i in self.inputs)
        read = sum(i.read for i in self.inputs)
        c = self.counts
        dropped = (f", {c['reports_dropped']} cooperation reports dropped (their partners are one organisation)"
                   if c.get("reports_dropped") else "")
        return (f"{read} records read, {new} new, {read - new} already in the store; store: {c['articles']} articles, "
                f"{c['entities']} organisations, {c['cooperations']} cooperations, {c['cooperation_events']} events"
                f"{dropped} ({self.seconds:.1f} s)")


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Derived tables from the raw ones (and the corrections); call inside a transaction."""
    entities.rebuild(con)
    cooperations.rebuild(con)
    count_dropped(con)


def consolidate(store: Path, inputs: list[Path], settings: Settings,
                say: Callable[[str], None] = lambda _: None) -> Consolidated:
    """Add `inputs` (JSON Lines files or Parquet folders) to `store` and rebuild the derived
    tables (not when nothing was new: every write rebuilds them); with no inputs, rebuild."""
    start = time.perf_counter()
    result = Consolidated()
    with opened(store, settings) as con:
        with transaction(con):
            for path in inputs:
                say(f"reading {path}")
                result.inputs.append(ingest(con, Path(path)))
            if not inputs or any(i.new for i in result.inputs):  # else the derived tables are current
                say("linking organisations and cooperations")
                rebuild(con)
        result.counts = counts(con)
    result.seconds = time.perf_counter() - start
    return result
