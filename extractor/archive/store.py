"""The archive store: one embedded DuckDB file, its tables, and the one way to write to it.

Raw tables hold what the records said (`articles`, `institutions`, `record_cooperations`) plus
the analysts' `corrections`; everything else (`entities`, `entity_variants`, `entity_keys`,
`entity_members`, `cooperations`, `cooperation_partners`, `cooperation_events`) is derived from
them and rebuilt inside the same transaction as every write, so a reader never sees raw and
derived tables disagree. A write that fails, or a process that is killed, leaves the file as
the last committed transaction left it (DuckDB's write-ahead log is replayed up to the last
commit). Columns: docs/archive.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from extractor.errors import CoopxError
from extractor.settings import Settings

STORE_FORMAT = "1"

RAW_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS ingests (
    ingest_id INTEGER PRIMARY KEY, input VARCHAR, records_read BIGINT, records_new BIGINT,
    added_at TIMESTAMP DEFAULT current_timestamp);
CREATE TABLE IF NOT EXISTS articles (
    record_id VARCHAR PRIMARY KEY, schema_version VARCHAR, source_id VARCHAR, url VARCHAR, title VARCHAR,
    published VARCHAR, sitename VARCHAR, outlet VARCHAR, is_cooperation BOOLEAN, ingest_id INTEGER);
CREATE TABLE IF NOT EXISTS institutions (
    record_id VARCHAR, institution_id VARCHAR, name VARCHAR, kind VARCHAR, abbreviation VARCHAR,
    location VARCHAR, mentions VARCHAR[]);
CREATE TABLE IF NOT EXISTS record_cooperations (
    record_id VARCHAR, cooperation_id VARCHAR, name VARCHAR, types VARCHAR[], status VARCHAR, date VARCHAR,
    date_kind VARCHAR, date_text VARCHAR, confidence DOUBLE, partner_ids VARCHAR[], evidence VARCHAR[]);
CREATE TABLE IF NOT EXISTS corrections (
    seq INTEGER PRIMARY KEY, action VARCHAR, entity_ids VARCHAR[], sides JSON, note VARCHAR,
    added_at TIMESTAMP DEFAULT current_timestamp);
CREATE OR REPLACE VIEW sources AS
    SELECT record_id, url, outlet, sitename, title, published, source_id, is_cooperation, ingest_id FROM articles;
"""

# The derived tables, empty; `entities.rebuild` and `cooperations.rebuild` fill them.
DERIVED_TABLES = """
CREATE TABLE IF NOT EXISTS entity_keys (
    key VARCHAR, entity_id VARCHAR, key_id VARCHAR, names VARCHAR[], linked_to VARCHAR, rule VARCHAR,
    score DOUBLE, detail VARCHAR);
CREATE TABLE IF NOT EXISTS name_units (name VARCHAR, qualifier VARCHAR, abbreviation BOOLEAN, key VARCHAR);
CREATE TABLE IF NOT EXISTS entity_members (record_id VARCHAR, institution_id VARCHAR, entity_id VARCHAR);
CREATE TABLE IF NOT EXISTS entities (
    entity_id VARCHAR, name VARCHAR, kind VARCHAR, location VARCHAR, first_seen VARCHAR, last_seen VARCHAR,
    n_articles BIGINT, n_mentions BIGINT, n_variants BIGINT, n_cooperations BIGINT, n_partners BIGINT);
CREATE TABLE IF NOT EXISTS entity_variants (entity_id VARCHAR, variant VARCHAR, count BIGINT);
CREATE TABLE IF NOT EXISTS cooperations (
    cooperation_id VARCHAR, name VARCHAR, partner_ids VARCHAR[], partner_names VARCHAR[], types VARCHAR[],
    status VARCHAR, first_date VARCHAR, last_date VARCHAR, n_reports BIGINT, n_articles BIGINT, n_outlets BIGINT);
CREATE TABLE IF NOT EXISTS cooperation_partners (cooperation_id VARCHAR, entity_id VARCHAR);
CREATE TABLE IF NOT EXISTS cooperation_events (
    cooperation_id VARCHAR, event VARCHAR, date VARCHAR, date_source VARCHAR, date_text VARCHAR, status VARCHAR,
    types VARCHAR[], record_id VARCHAR, record_cooperation_id VARCHAR, url VARCHAR, outlet VARCHAR,
    title VARCHAR, evidence VARCHAR, confidence DOUBLE);
"""

EXPORT_TABLES = ("entities", "entity_variants", "cooperations", "cooperation_events", "sources")


def connect(path: Path, settings: Settings, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (or, for writing, create) the store; a clear CoopxError when it cannot be opened."""
    path = Path(path)
    if read_only and not path.is_file():
        raise CoopxError(f"{path}: no such archive store (create it with `coopx consolidate RECORDS --store {path}`)")
    if path.is_dir():
        raise CoopxError(f"{path}: is a folder; the store is one DuckDB file (e.g. archive.duckdb)")
    config = {"threads": settings.archive_threads, "memory_limit": settings.archive_memory_limit,
              "preserve_insertion_order": False}
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=config)
    except duckdb.IOException as exc:
        text = str(exc)
        reason = "it is in use by another coopx process" if "lock" in text.lower() else text.splitlines()[0]
        raise CoopxError(f"{path}: cannot open the archive store: {reason}") from None
    except duckdb.Error as exc:
        raise CoopxError(f"{path}: not an archive store ({str(exc).splitlines()[0]})") from None
    if not read_only:
        _create(con, path)
    elif not _is_store(con):
        con.close()
        raise CoopxError(f"{path}: not an archive store (no coopx tables in it)")
    return con


def _is_store(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'").fetchone()[0])


def _create(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    with transaction(con):
        con.execute(RAW_TABLES)
        con.execute(DERIVED_TABLES)
        row = con.execute("SELECT value FROM meta WHERE key = 'store_format'").fetchone()
        if row is None:
            con.execute("INSERT INTO meta VALUES ('store_format', ?)", [STORE_FORMAT])
        elif row[0] != STORE_FORMAT:
            raise CoopxError(f"{path}: archive store format {row[0]}, this coopx reads format {STORE_FORMAT}")


@contextmanager
def opened(path: Path, settings: Settings, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection that is closed afterwards; a DuckDB failure becomes one clear CoopxError."""
    con = connect(path, settings, read_only=read_only)
    try:
        yield con
    except duckdb.Error as exc:
        raise CoopxError(f"{path}: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT, or ROLLBACK on any exception (which is re-raised)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def replace_table(con: duckdb.DuckDBPyConnection, name: str, select_sql: str, params: list | None = None) -> None:
    """Refill a derived table from a query, keeping its declared columns."""
    con.execute(f"DELETE FROM {name}")
    con.execute(f"INSERT INTO {name} BY NAME {select_sql}", params or [])


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per table: what `coopx consolidate` reports and the tests compare."""
    tables = ("articles", "institutions", "record_cooperations", "entities", "cooperations", "cooperation_events",
              "corrections")
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
