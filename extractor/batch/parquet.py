"""Records (JSON Lines) -> flat Parquet tables for analysts (columns: docs/parquet.md).

articles, institutions, people, cooperations and cooperation_partners (one row per
cooperation x partner), joined on `record_id` and the entity ids. Written in row groups
while streaming the JSON Lines, so memory stays flat however large the job; each file
appears atomically (written under a temporary name, then renamed).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROWS_PER_GROUP = 5000

_SPAN = pa.struct([("text", pa.string()), ("start", pa.int32()), ("end", pa.int32())])
_STR = pa.string()
_STRS = pa.list_(pa.string())

SCHEMAS: dict[str, pa.Schema] = {
    "articles": pa.schema([
        ("record_id", _STR), ("schema_version", _STR), ("source_id", _STR), ("path", _STR), ("url", _STR),
        ("title", _STR), ("published", _STR), ("sitename", _STR), ("language", _STR), ("text_sha256", _STR),
        ("is_cooperation", pa.bool_()), ("n_institutions", pa.int32()), ("n_people", pa.int32()),
        ("n_cooperations", pa.int32()), ("pipeline_model", _STR), ("pipeline_model_version", _STR),
        ("pipeline_kind", _STR), ("coopx_version", _STR), ("warnings", _STRS),
    ]),
    "institutions": pa.schema([
        ("record_id", _STR), ("institution_id", _STR), ("name", _STR), ("kind", _STR), ("abbreviation", _STR),
        ("location", _STR), ("mentions", _STRS), ("spans", pa.list_(_SPAN)),
    ]),
    "people": pa.schema([
        ("record_id", _STR), ("person_id", _STR), ("name", _STR), ("title", _STR), ("role", _STR),
        ("affiliation_id", _STR), ("affiliation_name", _STR), ("mentions", _STRS), ("spans", pa.list_(_SPAN)),
    ]),
    "cooperations": pa.schema([
        ("record_id", _STR), ("cooperation_id", _STR), ("name", _STR), ("types", _STRS), ("status", _STR),
        ("date", _STR), ("date_kind", _STR), ("date_text", _STR), ("confidence", pa.float64()),
        ("partner_ids", _STRS), ("partner_names", _STRS), ("n_partners", pa.int32()), ("evidence", pa.list_(_SPAN)),
        ("published", _STR),
    ]),
    "cooperation_partners": pa.schema([
        ("record_id", _STR), ("cooperation_id", _STR), ("partner_index", pa.int32()), ("institution_id", _STR),
        ("institution_name", _STR), ("institution_kind", _STR), ("institution_location", _STR),
    ]),
}
TABLES = tuple(SCHEMAS)


def _spans(items) -> list[dict]:
    return [{"text": s.get("text"), "start": s.get("start"), "end": s.get("end")} for s in items or []]


def rows(record: dict) -> dict[str, list[dict]]:
    """One record -> its rows in every table."""
    rid = record["id"]
    src = record.get("source") or {}
    pipe = record.get("pipeline") or {}
    insts = record.get("institutions") or []
    by_id = {i["id"]: i for i in insts}
    out: dict[str, list[dict]] = {name: [] for name in TABLES}
    out["articles"].append({
        "record_id": rid, "schema_version": record.get("schema_version"), "source_id": src.get("id"),
        "path": src.get("path"), "url": src.get("url"), "title": src.get("title"), "published": src.get("published"),
        "sitename": src.get("sitename"), "language": src.get("language"), "text_sha256": src.get("text_sha256"),
        "is_cooperation": record.get("is_cooperation"), "n_institutions": len(insts),
        "n_people": len(record.get("people") or []), "n_cooperations": len(record.get("cooperations") or []),
        "pipeline_model": pipe.get("model"), "pipeline_model_version": pipe.get("model_version"),
        "pipeline_kind": pipe.get("kind"), "coopx_version": pipe.get("coopx_version"),
        "warnings": list(record.get("warnings") or []),
    })
    for inst in insts:
        out["institutions"].append({
            "record_id": rid, "institution_id": inst["id"], "name": inst.get("name"), "kind": inst.get("kind"),
            "abbreviation": inst.get("abbreviation"), "location": inst.get("location"),
            "mentions": list(inst.get("mentions") or []), "spans": _spans(inst.get("spans")),
        })
    for person in record.get("people") or []:
        aff = person.get("affiliation")
        out["people"].append({
            "record_id": rid, "person_id": person["id"], "name": person.get("name"), "title": person.get("title"),
            "role": person.get("role"), "affiliation_id": aff,
            "affiliation_name": by_id.get(aff, {}).get("name") if aff else None,
            "mentions": list(person.get("mentions") or []), "spans": _spans(person.get("spans")),
        })
    for coop in record.get("cooperations") or []:
        partners = list(coop.get("partners") or [])
        date = coop.get("date") or {}
        out["cooperations"].append({
            "record_id": rid, "cooperation_id": coop["id"], "name": coop.get("name"), "types": list(coop.get("types") or []),
            "status": coop.get("status"), "date": date.get("value"), "date_kind": date.get("kind"),
            "date_text": date.get("text"), "confidence": coop.get("confidence"), "partner_ids": partners,
            "partner_names": [by_id.get(p, {}).get("name") for p in partners], "n_partners": len(partners),
            "evidence": _spans(coop.get("evidence")), "published": src.get("published"),
        })
        for n, pid in enumerate(partners):
            inst = by_id.get(pid, {})
            out["cooperation_partners"].append({
                "record_id": rid, "cooperation_id": coop["id"], "partner_index": n, "institution_id": pid,
                "institution_name": inst.get("name"), "institution_kind": inst.get("kind"),
                "institution_location": inst.get("location"),
            })
    return out


def _records(path: Path) -> Iterator[dict]:
    with path.open("rb") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def write_tables(records_jsonl: Path, folder: Path, rows_per_group: int = ROWS_PER_GROUP) -> list[Path]:
    """Write every table (empty tables too, with their columns) into `folder`; the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = {name: folder / f".{name}.parquet.tmp" for name in TABLES}
    writers = {name: pq.ParquetWriter(tmp[name], SCHEMAS[name], compression="zstd") for name in TABLES}
    buffers: dict[str, list[dict]] = {name: [] for name in TABLES}

    def flush(name: str) -> None:
        if buffers[name]:
            writers[name].write_table(pa.Table.from_pylist(buffers[name], schema=SCHEMAS[name]))
            buffers[name] = []

    try:
        for record in _records(records_jsonl):
            for name, new in rows(record).items():
                buffers[name].extend(new)
                if len(buffers[name]) >= rows_per_group:
                    flush(name)
        for name in TABLES:
            flush(name)
    finally:
        for w in writers.values():
            w.close()
    paths = []
    for name in TABLES:
        final = folder / f"{name}.parquet"
        os.replace(tmp[name], final)
        paths.append(final)
    return paths
