#!/usr/bin/env python
"""Fingerprints of the records coopx makes today, for `tests/test_records_unchanged.py`.

A speed change must not change a record. This script runs the default pipeline over the team's
texts (corpus/gold, corpus/examples) and, when present, ../shared/dev and ../shared/train, and
writes one line per article: its id and a SHA-256 per top-level record field (the pipeline field
without `coopx_version`). Only digests are stored, so no text of ../shared enters the project.
Run it again, and commit the file, when a change is meant to change records:

    .venv/bin/python scripts/record_reference.py [--out tests/data/records_reference.jsonl]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.documents import RawDocument  # noqa: E402
from extractor.records import Record  # noqa: E402

DEFAULT_OUT = ROOT / "tests" / "data" / "records_reference.jsonl"
SHARED = ROOT.parent / "shared"
SETS = {"corpus/gold": ROOT / "corpus" / "gold", "shared/dev": SHARED / "dev", "shared/train": SHARED / "train"}


def inputs(sets: dict[str, Path] = SETS) -> Iterator[tuple[str, RawDocument]]:
    """(key, raw document) of every text there is: gold files (JSON with `text`) and the examples."""
    for name, folder in sets.items():
        for path in sorted(folder.glob("*.json")):
            d = json.loads(path.read_text(encoding="utf-8"))
            yield f"{name}/{path.stem}", RawDocument(origin=path.name, content=d["text"], id=d.get("id", path.stem),
                                                     content_type="text", published=d.get("published"))
    for path in sorted((ROOT / "corpus" / "examples").iterdir()):
        if path.suffix in (".txt", ".html"):
            yield f"corpus/examples/{path.name}", RawDocument(origin=path.name, content=path.read_text(encoding="utf-8"),
                                                               content_type="html" if path.suffix == ".html" else "text")


def fingerprint(record: Record) -> dict[str, str]:
    """SHA-256 of each top-level field's canonical JSON; the coopx version is left out."""
    data = json.loads(record.model_dump_json())
    data["pipeline"].pop("coopx_version", None)
    return {k: hashlib.sha256(json.dumps(v, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()[:20]
            for k, v in sorted(data.items())}


def fingerprints(pipeline, items: list[tuple[str, RawDocument]]) -> dict[str, dict[str, str]]:
    out = {}
    for (key, _), rec in zip(items, pipeline.run_many(raw for _, raw in items)):
        out[key] = fingerprint(rec) if isinstance(rec, Record) else {"skip": f"{rec.stage}: {rec.message}"}
    return out


def main() -> None:
    from extractor.pipeline import Pipeline

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args()
    prints = fingerprints(Pipeline(), list(inputs()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(json.dumps({"key": k, **v}, sort_keys=True) + "\n" for k, v in prints.items()),
                        encoding="utf-8")
    print(f"{len(prints)} records fingerprinted -> {args.out}")


if __name__ == "__main__":
    main()
