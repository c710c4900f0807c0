"""`coopx export`: the store as GraphML (networkx), Neo4j `neo4j-admin import` CSV files, or
Parquet/CSV tables (entities, entity_variants, cooperations, cooperation_events, sources).

Formats and columns: docs/archive.md.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

import duckdb

from extractor.archive.store import EXPORT_TABLES
from extractor.errors import CoopxError

NEO4J_IMPORT = """neo4j-admin database import full neo4j \\
  --nodes=entities.csv --nodes=cooperations.csv --nodes=sources.csv \\
  --relationships=partner_of.csv --relationships=reported_in.csv \\
  --array-delimiter=';' --overwrite-destination
"""


def _list_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, bool]]:
    rows = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
                       "ORDER BY ordinal_position", [table]).fetchall()
    return [(name, dtype.endswith("[]")) for name, dtype in rows]


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def tables(con: duckdb.DuckDBPyConnection, folder: Path, fmt: str) -> list[Path]:
    """One file per table, Parquet or (`fmt` "csv") CSV, where lists are joined with ';'."""
    out = []
    for table in EXPORT_TABLES:
        path = folder / f"{table}.{fmt}"
        if fmt == "csv":
            cols = ", ".join(f"array_to_string({c}, ';') AS {c}" if is_list else c for c, is_list in _list_columns(con, table))
            con.execute(f"COPY (SELECT {cols} FROM {table}) TO '{_sql_path(path)}' (HEADER, DELIMITER ',')")
        else:
            con.execute(f"COPY (SELECT * FROM {table}) TO '{_sql_path(path)}' (FORMAT parquet, COMPRESSION zstd)")
        out.append(path)
    return out


def _clean(value) -> str | int | float | bool:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return value


def graph(con: duckdb.DuckDBPyConnection):
    """A networkx Graph: one node per organisation, one edge per pair of partners (all their
    cooperations together: `weight` = reports)."""
    import networkx as nx

    g = nx.Graph(name="coopx archive")
    for row in con.execute("""SELECT entity_id, name, kind, location, first_seen, last_seen, n_articles, n_cooperations
                              FROM entities ORDER BY entity_id""").fetchall():
        eid, *attrs = row
        g.add_node(eid, **{k: _clean(v) for k, v in zip(
            ("name", "kind", "location", "first_seen", "last_seen", "n_articles", "n_cooperations"), attrs)})
    for a, b, coops, reports, articles, types, first, last in con.execute("""
            SELECT p.entity_id, q.entity_id, list(DISTINCT c.cooperation_id ORDER BY c.cooperation_id),
                   sum(c.n_reports), sum(c.n_articles), list_sort(list_distinct(flatten(list(c.types)))),
                   min(c.first_date), max(c.last_date)
            FROM cooperation_partners p JOIN cooperation_partners q
                 ON q.cooperation_id = p.cooperation_id AND p.entity_id < q.entity_id
            JOIN cooperations c ON c.cooperation_id = p.cooperation_id
            GROUP BY 1, 2 ORDER BY 1, 2""").fetchall():
        g.add_edge(a, b, cooperations=_clean(coops), weight=int(reports), n_articles=int(articles),
                   types=_clean(types), first_date=_clean(first), last_date=_clean(last))
    return g


def graphml(con: duckdb.DuckDBPyConnection, folder: Path) -> list[Path]:
    import networkx as nx

    path = folder / "archive.graphml"
    nx.write_graphml(graph(con), path)
    return [path]


def _write_csv(path: Path, header: list[str], rows: Iterable[tuple]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for row in rows:
            w.writerow([" ".join(v.split()) if isinstance(v, str) else _clean(v) for v in row])
    return path


def neo4j(con: duckdb.DuckDBPyConnection, folder: Path) -> list[Path]:
    """Node and relationship files with typed headers for `neo4j-admin database import full`."""
    out = [
        _write_csv(folder / "entities.csv",
                   ["entityId:ID(Entity)", "name", "kind", "location", "first_seen", "last_seen", "n_articles:long",
                    "n_cooperations:long", "variants:string[]", ":LABEL"],
                   con.execute("""SELECT e.entity_id, e.name, e.kind, e.location, e.first_seen, e.last_seen, e.n_articles,
                                         e.n_cooperations, list(v.variant ORDER BY v.count DESC, v.variant), 'Organisation'
                                  FROM entities e LEFT JOIN entity_variants v USING (entity_id) GROUP BY ALL
                                  ORDER BY e.entity_id""").fetchall()),
        _write_csv(folder / "cooperations.csv",
                   ["cooperationId:ID(Cooperation)", "name", "types:string[]", "status", "first_date", "last_date",
                    "n_reports:long", "n_articles:long", "n_outlets:long", ":LABEL"],
                   con.execute("""SELECT cooperation_id, name, types, status, first_date, last_date, n_reports, n_articles,
                                         n_outlets, 'Cooperation' FROM cooperations ORDER BY 1""").fetchall()),
        _write_csv(folder / "sources.csv",
                   ["recordId:ID(Source)", "url", "outlet", "title", "published", ":LABEL"],
                   con.execute("""SELECT record_id, url, outlet, title, published, 'Source' FROM sources
                                  WHERE record_id IN (SELECT record_id FROM cooperation_events) ORDER BY 1""").fetchall()),
        _write_csv(folder / "partner_of.csv", [":START_ID(Entity)", ":END_ID(Cooperation)", ":TYPE"],
                   con.execute("SELECT entity_id, cooperation_id, 'PARTNER_IN' FROM cooperation_partners ORDER BY 1, 2")
                   .fetchall()),
        _write_csv(folder / "reported_in.csv",
                   [":START_ID(Cooperation)", ":END_ID(Source)", "event", "date", "date_source", "evidence",
                    "confidence:double", ":TYPE"],
                   # a source reporting a cooperation twice: the values of its most confident report
                   con.execute("""WITH ranked AS (
                                      SELECT *, (coalesce(confidence, -1), record_cooperation_id) AS rank
                                      FROM cooperation_events)
                                  SELECT cooperation_id, record_id, arg_max(event, rank), arg_max(date, rank),
                                         arg_max(date_source, rank), arg_max(evidence, rank), max(confidence),
                                         'REPORTED_IN'
                                  FROM ranked GROUP BY 1, 2 ORDER BY 1, 2""").fetchall()),
    ]
    (folder / "import.sh").write_text("#!/bin/sh\n# run inside this folder, with Neo4j stopped\n" + NEO4J_IMPORT,
                                      encoding="utf-8")
    return out + [folder / "import.sh"]


def export(con: duckdb.DuckDBPyConnection, fmt: str, folder: Path) -> list[Path]:
    """Write the store in format `fmt` (graphml, neo4j, parquet, csv) into `folder`; the files."""
    if fmt not in ("graphml", "neo4j", "parquet", "csv"):
        raise CoopxError(f"unknown export format {fmt!r} (graphml, neo4j, parquet or csv)")
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "graphml":
        return graphml(con, folder)
    if fmt == "neo4j":
        return neo4j(con, folder)
    return tables(con, folder, fmt)
