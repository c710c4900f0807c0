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
from functools import lru_cache
from pathlib import Path
from typing import TextIO, get_args

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ValidationError
from tld import get_fld

from extractor.errors import CoopxError
from extractor.records import (SCHEMA_VERSION, CooperationStatus, CooperationType, DateKind, Institution,
                               InstitutionKind, Record)
from extractor.records import Cooperation as ContractCooperation

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

# the URL's host without "www." (`_set_outlets` makes it the outlet: its registrable domain)
_HOST = "nullif(regexp_extract(lower({url}), '^[a-z][a-z0-9+.-]*://(?:[^/@?#]*@)?(?:www\\.)?([^/:?#]+)', 1), '')"

_SQL_LIST = "[{}]".format
_KINDS = _SQL_LIST(", ".join(f"'{v}'" for v in get_args(InstitutionKind)))
_TYPES = _SQL_LIST(", ".join(f"'{v}'" for v in get_args(CooperationType)))
_STATUSES = _SQL_LIST(", ".join(f"'{v}'" for v in get_args(CooperationStatus)))
_DATE_KINDS = _SQL_LIST(", ".join(f"'{v}'" for v in get_args(DateKind)))
# what the record contract allows where the staged tables do not show it: (what, query of the
# first offending record id); each query runs over the staged tables of one input
CONTRACT_CHECKS = (
    ("an institution without id or name", "SELECT record_id FROM stage_institutions "
     "WHERE institution_id IS NULL OR name IS NULL LIMIT 1"),
    ("an institution kind outside the contract", f"SELECT record_id FROM stage_institutions "
     f"WHERE kind IS NULL OR NOT list_contains({_KINDS}, kind) LIMIT 1"),
    ("a cooperation status outside the contract", f"SELECT record_id FROM stage_cooperations "
     f"WHERE status IS NULL OR NOT list_contains({_STATUSES}, status) LIMIT 1"),
    ("a cooperation type outside the contract", f"SELECT record_id FROM stage_cooperations "
     f"WHERE len(coalesce(types, [])) = 0 OR NOT list_has_all({_TYPES}, types) LIMIT 1"),
    ("a date kind outside the contract", f"SELECT record_id FROM stage_cooperations "
     f"WHERE date IS NOT NULL AND (date_kind IS NULL OR NOT list_contains({_DATE_KINDS}, date_kind)) LIMIT 1"),
    ("a confidence outside 0..1", "SELECT record_id FROM stage_cooperations "
     "WHERE confidence IS NULL OR confidence < 0 OR confidence > 1 LIMIT 1"),
    ("a cooperation whose partners are not two of the record's institutions", """
     SELECT c.record_id FROM stage_cooperations c
     LEFT JOIN (SELECT record_id, list(institution_id) AS ids FROM stage_institutions GROUP BY 1) i USING (record_id)
     WHERE len(list_distinct(coalesce(c.partner_ids, []))) < 2
        OR NOT list_has_all(coalesce(i.ids, []), c.partner_ids) LIMIT 1"""),
)
# the fields a record and its institutions and cooperations may have (any other is an error)
_FIELDS = {"record": sorted(Record.model_fields), "institution": sorted(Institution.model_fields),
           "cooperation": sorted(ContractCooperation.model_fields)}
UNKNOWN_FIELDS = f"""SELECT count(*) FROM read_ndjson_objects(?, maximum_object_size=67108864) WHERE
    NOT list_has_all({_FIELDS['record']}, json_keys(json))
    OR NOT list_bool_and(list_transform(coalesce(json_extract(json, '$.institutions[*]'), []),
                                        lambda x: list_has_all({_FIELDS['institution']}, json_keys(x))))
    OR NOT list_bool_and(list_transform(coalesce(json_extract(json, '$.cooperations[*]'), []),
                                        lambda x: list_has_all({_FIELDS['cooperation']}, json_keys(x))))"""


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
               {_HOST.format(url='source.url')} AS host, is_cooperation
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
               {_HOST.format(url='url')} AS host, is_cooperation
        FROM read_parquet(?)""", [p["articles"]])
    con.execute("""CREATE OR REPLACE TEMP TABLE stage_institutions AS
        SELECT record_id, institution_id, name, kind, abbreviation, location, coalesce(mentions, []) AS mentions
        FROM read_parquet(?)""", [p["institutions"]])
    con.execute("""CREATE OR REPLACE TEMP TABLE stage_cooperations AS
        SELECT record_id, cooperation_id, name, types, status, date, date_kind, date_text, confidence, partner_ids,
               list_transform(evidence, lambda e: e.text) AS evidence
        FROM read_parquet(?)""", [p["cooperations"]])


@lru_cache(maxsize=100_000)
def outlet(host: str) -> str:
    """An outlet is its registrable domain ("lokales.zeitung.de" and "www.zeitung.de" are one,
    "zeitung.de"); a host under no known public suffix stands for itself."""
    return get_fld(host, fix_protocol=True, fail_silently=True) or host


def _set_outlets(con: duckdb.DuckDBPyConnection) -> None:
    """stage_articles.host -> outlet (registrable domain), else the site name, else 'unknown'."""
    hosts = [r[0] for r in con.execute("SELECT DISTINCT host FROM stage_articles WHERE host IS NOT NULL").fetchall()]
    con.register("outlet_map", pa.table({"host": pa.array(hosts, pa.string()),
                                         "outlet": pa.array([outlet(h) for h in hosts], pa.string())}))
    con.execute("""CREATE OR REPLACE TEMP TABLE stage_articles AS
        SELECT s.* EXCLUDE (host), coalesce(m.outlet, nullif(trim(s.sitename), ''), 'unknown') AS outlet
        FROM stage_articles s LEFT JOIN outlet_map m USING (host)""")
    con.unregister("outlet_map")


def _open_text(path: Path) -> TextIO:
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
    try:
        record = Record.model_validate(obj)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ()))
        return f"not a valid coopx record ({where}: {err.get('msg')})"
    ids = {i.id for i in record.institutions}
    for n, coop in enumerate(record.cooperations):
        strangers = [p for p in coop.partners if p not in ids]
        if strangers:
            return f"not a valid coopx record (cooperations.{n}.partners: {strangers[0]!r} is no institution id of it)"
        if len(set(coop.partners)) < 2:
            return f"not a valid coopx record (cooperations.{n}.partners: fewer than two different institutions)"
    return None


def locate_problem(path: Path) -> str | None:
    """'PATH:LINE: what is wrong' for the first line of a JSON Lines input that is no valid
    record (torn JSON, unknown schema_version, a field outside the contract or of the wrong type
    or value, partners that are no institution of the record), or None when all are."""
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


def _check_stage(con: duckdb.DuckDBPyConnection, label: str, locate: Callable[[], str | None],
                 unknown_fields: Callable[[], bool] = lambda: False) -> None:
    """Every staged record on the contract, set-based; on a problem, `locate` names the line
    (or row) and what is wrong, else the record id and the kind of problem."""
    bad = con.execute("""SELECT schema_version, record_id FROM stage_articles
        WHERE schema_version IS DISTINCT FROM ? OR record_id IS NULL OR record_id = '' LIMIT 1""",
                      [SCHEMA_VERSION]).fetchone()
    if bad is not None:
        raise CoopxError(locate() or (f"{label}: unknown schema_version {bad[0]!r} (this coopx reads {SCHEMA_VERSION})"
                                      if bad[1] else f"{label}: a record without an id"))
    for what, query in CONTRACT_CHECKS:
        row = con.execute(query).fetchone()
        if row is not None:
            raise CoopxError(locate() or f"{label}: record {row[0]}: not a valid coopx record ({what})")
    if unknown_fields():
        raise CoopxError(locate() or f"{label}: not valid coopx records (a field outside the contract)")


def _parquet_row(folder: Path) -> str | None:
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
        _set_outlets(con)
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
    _check_stage(con, str(path), lambda: locate_problem(path),
                 lambda: con.execute(UNKNOWN_FIELDS, [str(path)]).fetchone()[0] > 0)
    _set_outlets(con)


def merge_stage(con: duckdb.DuckDBPyConnection, label: str) -> Ingested:
    """Add the staged records whose id the store does not have yet; the counts. `ingests`
    gets a row only for an input that brought new records."""
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
    if new:
        con.execute("INSERT INTO ingests (ingest_id, input, records_read, records_new) VALUES (?, ?, ?, ?)",
                    [ingest_id, label, read, new])
    for t in ("stage_articles", "stage_institutions", "stage_cooperations", "new_ids"):
        con.execute(f"DROP TABLE {t}")
    return Ingested(label, read, new)


def ingest(con: duckdb.DuckDBPyConnection, path: Path) -> Ingested:
    stage(con, path)
    return merge_stage(con, str(path))
