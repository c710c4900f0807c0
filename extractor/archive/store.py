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

STORE_FORMAT = "2"  # 1: before name_units.inflected and corrections by name (upgraded in place)

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
CREATE VIEW IF NOT EXISTS sources AS
    SELECT record_id, url, outlet, sitename, title, published, source_id, is_cooperation, ingest_id FROM articles;
"""

# The derived tables, empty; `entities.rebuild` and `cooperations.rebuild` fill them.
DERIVED_TABLES = """
CREATE TABLE IF NOT EXISTS entity_keys (
    key VARCHAR, entity_id VARCHAR, key_id VARCHAR, names VARCHAR[], linked_to VARCHAR, rule VARCHAR,
    score DOUBLE, detail VARCHAR);
CREATE TABLE IF NOT EXISTS name_units (
    name VARCHAR, qualifier VARCHAR, abbreviation BOOLEAN, inflected BOOLEAN, key VARCHAR);
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

# older formats this coopx upgrades in place; `coopx consolidate --store FILE` then rebuilds
UPGRADES = {"1": "ALTER TABLE name_units ADD COLUMN IF NOT EXISTS inflected BOOLEAN"}

EXPORT_TABLES = ("entities", "entity_variants", "cooperations", "cooperation_events", "sources")


def connect(path: Path, settings: Settings, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (or, for writing, create) the store; a clear CoopxError when it cannot be opened,
    or when the file is a DuckDB database of something else (coopx writes into no such file)."""
    path = Path(path)
    if read_only and not path.is_file():
        raise CoopxError(f"{path}: no such archive store (create it with `coopx consolidate RECORDS --store {path}`)")
    if path.is_dir():
        raise CoopxError(f"{path}: is a folder; the store is one DuckDB file (e.g. archive.duckdb)")
    if path.is_file() and not _is_duckdb_file(path):
        raise CoopxError(f"{path}: not a DuckDB archive store (the store is the DuckDB file that "
                         "`coopx consolidate RECORDS --store FILE` writes, e.g. archive.duckdb)")
    config = {"memory_limit": settings.archive_memory_limit, "preserve_insertion_order": False}
    if settings.archive_threads:
        config["threads"] = settings.archive_threads
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=config)
    except duckdb.IOException as exc:
        text = str(exc)
        reason = "it is in use by another coopx process" if "lock" in text.lower() else text.splitlines()[0]
        raise CoopxError(f"{path}: cannot open the archive store: {reason}") from None
    except duckdb.Error as exc:
        raise CoopxError(f"{path}: not a DuckDB archive store ({str(exc).splitlines()[0]})") from None
    try:
        if not read_only:
            _create(con, path)
        elif _store_format(con) is None:
            raise CoopxError(f"{path}: not a coopx archive store (no coopx tables in it)")
    except duckdb.Error as exc:
        con.close()
        raise CoopxError(f"{path}: cannot set up the archive store ({str(exc).splitlines()[0]})") from None
    except BaseException:
        con.close()
        raise
    return con


def _is_duckdb_file(path: Path) -> bool:
    """DuckDB's magic bytes, or an empty file. DuckDB itself opens any other file (JSON Lines,
    Parquet) as a fresh in-memory database, which would silently lose every write."""
    with path.open("rb") as fh:
        head = fh.read(12)
    return not head or head[8:12] == b"DUCK"


def _store_format(con: duckdb.DuckDBPyConnection) -> str | None:
    """The store format coopx wrote into this database; None when it holds no coopx store."""
    if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' "
                       "AND table_name = 'meta'").fetchone()[0]:
        return None
    row = con.execute("SELECT value FROM meta WHERE key = 'store_format'").fetchone()
    return row[0] if row else None


def _create(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    found = _store_format(con)
    if found is None and con.execute("SELECT count(*) FROM information_schema.tables").fetchone()[0]:
        raise CoopxError(f"{path}: a DuckDB database of something else (tables, but no coopx store format); "
                         "coopx writes its archive into a new file or a coopx store only")
    if found is not None and found not in UPGRADES and found != STORE_FORMAT:
        raise CoopxError(f"{path}: archive store format {found}, this coopx reads format {STORE_FORMAT}")
    with transaction(con):
        con.execute(RAW_TABLES)
        con.execute(DERIVED_TABLES)
        if found in UPGRADES:
            con.execute(UPGRADES[found])
        if found != STORE_FORMAT:
            con.execute("INSERT OR REPLACE INTO meta VALUES ('store_format', ?)", [STORE_FORMAT])


@contextmanager
def opened(path: Path, settings: Settings, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection that is closed afterwards; a DuckDB failure becomes one clear CoopxError.
    A store this call created is deleted again when the work fails (no empty store is left)."""
    path = Path(path)
    new = not read_only and not path.exists()
    try:
        con = connect(path, settings, read_only=read_only)
    except BaseException:
        if new:
            remove(path)
        raise
    done = False
    try:
        yield con
        done = True
    except duckdb.Error as exc:
        raise CoopxError(f"{path}: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()
        if new and not done:
            remove(path)


def remove(path: Path) -> None:
    """Delete a store file and its write-ahead log."""
    for p in (path, Path(f"{path}.wal")):
        p.unlink(missing_ok=True)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT, or ROLLBACK on any exception, which is re-raised (also when the
    ROLLBACK itself fails: the original error is what the user needs to see)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass  # the connection is broken; the original error below says why
        raise
    con.execute("COMMIT")


def replace_table(con: duckdb.DuckDBPyConnection, name: str, select_sql: str, params: list | None = None) -> None:
    """Refill a derived table from a query, keeping its declared columns."""
    con.execute(f"DELETE FROM {name}")
    con.execute(f"INSERT INTO {name} BY NAME {select_sql}", params or [])


DROPPED_REPORTS = """SELECT count(*) FROM (
    SELECT p.record_id, p.cooperation_id, count(DISTINCT p.institution_id) AS institutions,
           count(DISTINCT m.entity_id) AS partners
    FROM (SELECT record_id, cooperation_id, unnest(partner_ids) AS institution_id FROM record_cooperations) p
    LEFT JOIN entity_members m USING (record_id, institution_id) GROUP BY ALL)
WHERE institutions >= 2 AND partners < 2"""


def count_dropped(con: duckdb.DuckDBPyConnection) -> None:
    """Keep in `meta` how many reports no cooperation holds because their partners are one
    organisation (call after a rebuild; `counts` reads it)."""
    n = con.execute(DROPPED_REPORTS).fetchone()[0]
    con.execute("INSERT OR REPLACE INTO meta VALUES ('reports_dropped', ?)", [str(n)])


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None) -> list[dict]:
    """The result of a query as one dict per row, keyed by column name."""
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per table, and `reports_dropped` (`count_dropped`): what `coopx consolidate`
    reports and the tests compare."""
    tables = ("articles", "institutions", "record_cooperations", "entities", "cooperations", "cooperation_events",
              "corrections")
    out = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    row = con.execute("SELECT value FROM meta WHERE key = 'reports_dropped'").fetchone()
    out["reports_dropped"] = int(row[0]) if row else 0
    return out
