"""What `coopx batch` was asked to do, and what it did."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class BatchOptions:
    inputs: list[str]
    output: Path
    errors: Path | None = None
    workers: int | None = None  # None: all cores
    engine: str = "local"  # local | dask
    scheduler: str | None = None  # dask scheduler address; None: a LocalCluster here
    resume: bool = False
    format: str = "jsonl"  # jsonl | parquet
    progress: bool | None = None  # None: a progress bar when stderr is a terminal


@dataclass
class BatchSummary:
    """Totals for the whole job (earlier, resumed runs included) and the speed of this run."""

    processed: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count
    failed: int = 0
    duplicates: int = 0
    seconds: float = 0.0
    this_run: int = 0  # inputs finished by this run
    earlier: int = 0  # inputs finished by earlier runs (--resume)
    output: Path | None = None
    errors: Path | None = None
    tables: list[Path] = field(default_factory=list)  # Parquet files written

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    @property
    def total(self) -> int:
        return self.processed + self.skipped_total + self.failed + self.duplicates

    @property
    def throughput(self) -> float:
        return self.this_run / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        """The final summary line for stderr."""
        skipped = f"{self.skipped_total} skipped"
        if self.skipped:
            skipped += " (" + ", ".join(f"{reason}: {n}" for reason, n in sorted(self.skipped.items())) + ")"
        parts = [f"{self.processed} processed", skipped, f"{self.failed} failed", counted(self.duplicates, "duplicate")]
        text = "coopx batch: " + ", ".join(parts)
        text += f"; {counted(self.this_run, 'document')} in {self.seconds:.1f} s ({self.throughput:.1f} docs/s)"
        if self.earlier:
            text += f", {self.earlier} done by earlier runs"
        if self.errors is not None and (self.failed or self.skipped_total or self.duplicates):
            text += f"; see {self.errors}"
        return text


def counted(n: int, noun: str) -> str:
    """'1 document', '2 documents', '0 documents'."""
    return f"{n} {noun}" + ("" if n == 1 else "s")
