"""Batch outputs -> the store's raw tables, set-based in DuckDB, idempotent by record id.

Reads what `coopx batch` writes with either engine: a JSON Lines file of records (also .gz)
or a `--format parquet` folder (its tables). DuckDB parses and unnests the input itself; only
when it rejects an input does Python read that input line by line, to name the first bad line
and say what is wrong with it. Call inside `store.transaction`: a bad input then leaves the
store as it was.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from extractor.errors import CoopxError
from extractor.records import SCHEMA_VERSION

PARQUET_TABLES = ("articles", "institutions", "cooperations")

_JSON_COLUMNS = {
    "schema_version": "VARCHAR",
    "id": "VARCHAR",
    "source": "STRUCT(id VARCHAR, url VARCHAR, title VARCHAR, published VARCHAR, sitename VARCHAR)",
    "is_cooperation": "BOOLEAN",
    "institutions": "STRUCT(id VARCHAR, name VARCHAR, mentions VARCHAR[], kind VARCHAR, abbreviation VARCHAR, "
                    "location VARCHAR)[]",
    "cooperations": "STRUCT(id VARCHAR, partners VARCHAR[], name VARCHAR, types VARCHAR[], status VARCHAR, "
                    "date STRUCT(value VARCHAR, kind VARCHAR, text VARCHAR), evidence STRUCT(text VARCHAR)[], "
                    "confidence DOUBLE)[]",
}

# outlet: the site name, else the URL's host without "www."
_OUTLET = ("coalesce(nullif(trim({site}), ''), nullif(regexp_extract(lower({url}), "
           "'^[a-z][a-z0-9+.-]*://(?:www\\.)?([^/:?#]+)', 1), ''), 'unknown')")


@dataclass
class Ingested:
    input: str
    read: int
    new: int


def _json_stage(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    cols = "{" + ", ".join(f"'{k}': '{v}'" for k, v in _JSON_COLUMNS.items()) + "}"
    con.execute(f"CREATE OR REPLACE TEMP TABLE stage_records AS SELECT * FROM read_json(?, format='newline_delimited', "
                f"columns={cols}, maximum_object_size=67108864)", [str(path)])
    con.execute(f"""CREATE OR REPLACE TEMP TABLE stage_articles AS
        SELECT id AS record_id, schema_version, source.id AS source_id, source.url AS url, source.title AS title,
               source.published AS published, source.sitename AS sitename,
               {_OUTLET.format(site='source.sitename', url='source.url')} AS outlet, is_cooperation
        FROM stage_records""")
    con.execute("""CREATE OR REPLACE TEMP TABLE stage_institutions AS
        SELECT record_id, i.id AS institution_id, i.name, i.kind, i.abbreviation, i.location,
               coalesce(i.mentions, []) AS mentions
        FROM (SELECT id AS record_id, unnest(institutions) AS i FROM stage_records)""")
    con.execute("""CREATE OR REPLACE TEMP TABLE stage_cooperations AS
        SELECT record_id, c.id AS cooperation_id, c.name, c.types, c.status, c.date.value AS date,
               c.date.kind AS date_kind, c.date.text AS date_text, c.confidence, c.partners AS partner_ids,
               list_transform(c.evidence, lambda e: e.text) AS evidence
        FROM (SELECT id AS record_id, unnest(cooperations) AS c FROM stage_records)""")
    con.execute("DROP TABLE stage_records")


def _parquet_stage(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    missing = [t for t in PARQUET_TABLES if not (folder / f"{t}.parquet").is_file()]
    if missing:
        raise CoopxError(f"{folder}: not a coopx Parquet folder (missing {', '.join(t + '.parquet' for t in missing)}; "
                         "write one with `coopx batch ... --format parquet`)")
    p = {t: str(folder / f"{t}.parquet") for t in PARQUET_TABLES}
    con.execute(f"""CREATE OR REPLACE TEMP TABLE stage_articles AS
        SELECT record_id, schema_version, source_id, url, title, published, sitename,
               {_OUTLET.format(site='sitename', url='url')} AS outlet, is_cooperation
        FROM read_parquet(?)""", [p["articles"]])
    con.execute("""CREATE OR REPLACE TEMP TABLE stage_institutions AS
        SELECT record_id, institution_id, name, kind, abbreviation, location, coalesce(mentions, []) AS mentions
        FROM read_parquet(?)""", [p["institutions"]])
    con.execute("""CREATE OR REPLACE TEMP TABLE stage_cooperations AS
        SELECT record_id, cooperation_id, name, types, status, date, date_kind, date_text, confidence, partner_ids,
               list_transform(evidence, lambda e: e.text) AS evidence
        FROM read_parquet(?)""", [p["cooperations"]])


def _open_text(path: Path):
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open(encoding="utf-8")


def _line_problem(obj: object) -> str | None:
    if not isinstance(obj, dict):
        return f"not a coopx record (a JSON {type(obj).__name__}, not an object)"
    version = obj.get("schema_version")
    if version != SCHEMA_VERSION:
        return (f"unknown schema_version {version!r} (this coopx reads {SCHEMA_VERSION})" if version is not None
                else "not a coopx record (no schema_version)")
    if not isinstance(obj.get("id"), str) or not obj["id"]:
        return "not a coopx record (no id)"
    from pydantic import ValidationError

    from extractor.records import Record

    try:
        Record.model_validate(obj)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ()))
        return f"not a valid coopx record ({where}: {err.get('msg')})"
    return None


def locate_problem(path: Path) -> str | None:
    """'PATH:LINE: what is wrong' for the first line of a JSON Lines input that is no valid
    record (torn JSON, unknown schema_version, wrong field types), or None when all are."""
    try:
        with _open_text(path) as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    return f"{path}:{n}: not valid JSON ({exc.msg}, column {exc.colno}; a torn or truncated line?)"
                problem = _line_problem(obj)
                if problem:
                    return f"{path}:{n}: {problem}"
    except UnicodeDecodeError:
        return f"{path}: not a UTF-8 text file (expected JSON Lines records or a Parquet folder)"
    except (OSError, EOFError) as exc:
        return f"{path}: cannot be read ({exc})"
    return None


def _check_stage(con: duckdb.DuckDBPyConnection, label: str, locate: Callable[[], str | None]) -> None:
    bad = con.execute("""SELECT schema_version, record_id FROM stage_articles
        WHERE schema_version IS DISTINCT FROM ? OR record_id IS NULL OR record_id = '' LIMIT 1""",
                      [SCHEMA_VERSION]).fetchone()
    if bad is None:
        return
    raise CoopxError(locate() or (f"{label}: unknown schema_version {bad[0]!r} (this coopx reads {SCHEMA_VERSION})"
                                  if bad[1] else f"{label}: a record without an id"))


def _parquet_row(folder: Path) -> str | None:
    import pyarrow.parquet as pq

    table = pq.read_table(folder / "articles.parquet", columns=["schema_version", "record_id"])
    for n, (version, rid) in enumerate(zip(table.column(0).to_pylist(), table.column(1).to_pylist()), 1):
        if version != SCHEMA_VERSION:
            return f"{folder / 'articles.parquet'}: row {n}: unknown schema_version {version!r} (this coopx reads {SCHEMA_VERSION})"
        if not rid:
            return f"{folder / 'articles.parquet'}: row {n}: a record without an id"
    return None


def stage(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Read one input into the temp tables stage_articles/_institutions/_cooperations."""
    if path.is_dir():
        try:
            _parquet_stage(con, path)
        except duckdb.Error as exc:
            raise CoopxError(f"{path}: cannot read its Parquet tables ({str(exc).splitlines()[0]})") from None
        _check_stage(con, str(path), lambda: _parquet_row(path))
        return
    if not path.exists():
        raise CoopxError(f"{path}: no such file or folder")
    if path.suffix == ".parquet":
        raise CoopxError(f"{path}: give the Parquet folder that `coopx batch --format parquet` wrote, not one table")
    try:
        _json_stage(con, path)
    except duckdb.Error as exc:
        raise CoopxError(locate_problem(path) or f"{path}: cannot read it as JSON Lines records "
                         f"({str(exc).splitlines()[0]})") from None
    _check_stage(con, str(path), lambda: locate_problem(path))


def merge_stage(con: duckdb.DuckDBPyConnection, label: str) -> Ingested:
    """Add the staged records whose id the store does not have yet; the counts."""
    ingest_id = con.execute("SELECT coalesce(max(ingest_id), 0) + 1 FROM ingests").fetchone()[0]
    con.execute("""CREATE OR REPLACE TEMP TABLE new_ids AS
        SELECT DISTINCT record_id FROM stage_articles ANTI JOIN articles USING (record_id)""")
    read = con.execute("SELECT count(DISTINCT record_id) FROM stage_articles").fetchone()[0]
    new = con.execute("SELECT count(*) FROM new_ids").fetchone()[0]
    con.execute("""INSERT INTO articles BY NAME
        SELECT DISTINCT ON (record_id) *, ? AS ingest_id FROM stage_articles SEMI JOIN new_ids USING (record_id)""",
                [ingest_id])
    con.execute("""INSERT INTO institutions BY NAME
        SELECT DISTINCT ON (record_id, institution_id) * FROM stage_institutions SEMI JOIN new_ids USING (record_id)""")
    con.execute("""INSERT INTO record_cooperations BY NAME
        SELECT DISTINCT ON (record_id, cooperation_id) * FROM stage_cooperations SEMI JOIN new_ids USING (record_id)""")
    con.execute("INSERT INTO ingests (ingest_id, input, records_read, records_new) VALUES (?, ?, ?, ?)",
                [ingest_id, label, read, new])
    for t in ("stage_articles", "stage_institutions", "stage_cooperations", "new_ids"):
        con.execute(f"DROP TABLE {t}")
    return Ingested(label, read, new)


def ingest(con: duckdb.DuckDBPyConnection, path: Path) -> Ingested:
    stage(con, path)
    return merge_stage(con, str(path))
