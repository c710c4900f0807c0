"""Rebuild the cooperation tables: every article's cooperation reports -> cooperations across
articles, each with its timeline of events.

A report's partners become entities (`entity_members`). Reports of the same partner set are one
cooperation when they are compatible: equal names when both are named, else overlapping types,
and no two start or signing dates of the whole cooperation more than `MAX_YEARS_APART` years
apart (by year). Python
decides that per distinct signature (partner set, name, types, start year), never per report;
DuckDB does the joins. A cooperation's id is anchored on its earliest ingested report, as an
entity's id on its oldest key, so it survives new reports.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

import duckdb
import pyarrow as pa
from networkx.utils import UnionFind

from extractor.archive.store import replace_table

MAX_YEARS_APART = 2  # the start and signing dates of one cooperation (signed one year, started the next)

# the event a report adds to its cooperation's timeline: the kind of its date when it has one,
# else its status
EVENT = """CASE
    WHEN date IS NOT NULL AND date_kind IS NOT NULL THEN CASE date_kind
        WHEN 'start' THEN 'started' WHEN 'signed' THEN 'signed' WHEN 'joined' THEN 'joined'
        WHEN 'announced' THEN 'announced' WHEN 'planned' THEN 'planned' WHEN 'ended' THEN 'ended'
        ELSE 'reported' END
    ELSE CASE status
        WHEN 'planned' THEN 'planned' WHEN 'started' THEN 'started' WHEN 'extended' THEN 'extended'
        WHEN 'ended' THEN 'ended' ELSE 'reported' END
    END"""


def _compatible(a: tuple, b: tuple) -> bool:
    (_, name_a, types_a, _), (_, name_b, types_b, _) = a, b
    if name_a and name_b:
        return name_a == name_b
    return bool(set(types_a.split(",")) & set(types_b.split(",")))


def _cluster(signatures: list[tuple]) -> dict[tuple, tuple]:
    """Signatures of one partner set -> their cluster (a representative signature): connected
    compatible signatures, where a cluster holds one name at most and start years at most
    `MAX_YEARS_APART` apart (checked against the whole cluster, so no chain runs over years)."""
    uf = UnionFind(signatures)
    names = {s: ({s[1]} if s[1] else set()) for s in signatures}
    years = {s: ((int(s[3]),) * 2 if s[3] else None) for s in signatures}
    order = sorted(signatures, key=lambda s: (not s[1], s))
    for x, a in enumerate(order):
        for b in order[x + 1:]:
            ra, rb = uf[a], uf[b]
            if ra == rb or len(names[ra] | names[rb]) > 1 or not _compatible(a, b):
                continue
            span = [y for y in (years[ra], years[rb]) if y]
            joined = (min(y[0] for y in span), max(y[1] for y in span)) if span else None
            if joined and joined[1] - joined[0] > MAX_YEARS_APART:
                continue
            uf.union(ra, rb)
            root = uf[ra]
            names[root] = names[ra] | names[rb]
            years[root] = joined
    return {s: uf[s] for s in signatures}


def _assign(rows: list[tuple]) -> pa.Table:
    """(partners, name, types, year, ingest id, report) rows -> signature to cooperation id, where anchor
    orders reports by ingest (the earliest ingested report of a cluster names it)."""
    groups: dict[str, list[tuple]] = defaultdict(list)
    first: dict[tuple, tuple] = {}
    for partners, name, types, year, ingest_id, report in rows:
        sig = (partners, name, types, year)
        groups[partners].append(sig)
        first[sig] = (ingest_id or 0, report)
    out: dict[str, list] = {"partners_key": [], "name_key": [], "types_key": [], "start_year": [], "cooperation_id": []}
    for partners, sigs in groups.items():
        clusters = _cluster(sigs)
        anchor: dict[tuple, tuple] = {}
        for sig, c in clusters.items():
            anchor[c] = min(anchor.get(c, first[sig]), first[sig])
        for sig, c in clusters.items():
            out["partners_key"].append(sig[0])
            out["name_key"].append(sig[1])
            out["types_key"].append(sig[2])
            out["start_year"].append(sig[3])
            out["cooperation_id"].append("K" + hashlib.sha1(f"{partners}|{anchor[c][1]}".encode()).hexdigest()[:10])
    return pa.table(out)


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Refill cooperations, cooperation_partners and cooperation_events; count cooperations
    and partners per entity."""
    con.execute("""CREATE OR REPLACE TEMP TABLE reports AS
        WITH p AS (SELECT record_id, cooperation_id, unnest(partner_ids) AS institution_id FROM record_cooperations),
        ents AS (
            SELECT p.record_id, p.cooperation_id, list_sort(list_distinct(list(m.entity_id))) AS partners
            FROM p JOIN entity_members m USING (record_id, institution_id) GROUP BY ALL)
        SELECT c.*, ents.partners, array_to_string(ents.partners, ' ') AS partners_key,
               coalesce(lower(trim(regexp_replace(c.name, '[^[:alnum:]]+', ' ', 'g'))), '') AS name_key,
               coalesce(array_to_string(list_sort(list_distinct(c.types)), ','), '') AS types_key,
               coalesce(CASE WHEN c.date_kind IN ('start', 'signed') THEN left(c.date, 4) END, '') AS start_year,
               a.url, a.outlet, a.title, a.published, a.ingest_id
        FROM record_cooperations c JOIN ents USING (record_id, cooperation_id) JOIN articles a USING (record_id)
        WHERE len(ents.partners) >= 2""")
    rows = con.execute("""SELECT partners_key, name_key, types_key, start_year, min(ingest_id),
               arg_min(record_id || ':' || cooperation_id, (ingest_id, record_id, cooperation_id))
        FROM reports GROUP BY ALL""").fetchall()
    con.register("coop_map", _assign(rows))
    con.execute("""CREATE OR REPLACE TEMP TABLE coop_reports AS
        SELECT m.cooperation_id AS coop, r.* FROM reports r
        JOIN coop_map m USING (partners_key, name_key, types_key, start_year)""")
    con.unregister("coop_map")
    replace_table(con, "cooperation_events", f"""
        SELECT coop AS cooperation_id, {EVENT} AS event, coalesce(date, published) AS date,
               CASE WHEN date IS NOT NULL THEN 'text' WHEN published IS NOT NULL THEN 'published' END AS date_source,
               date_text, status, types, record_id, cooperation_id AS record_cooperation_id, url, outlet, title,
               evidence[1] AS evidence, confidence
        FROM coop_reports""")
    replace_table(con, "cooperation_partners", """
        SELECT DISTINCT coop AS cooperation_id, unnest(partners) AS entity_id FROM coop_reports""")
    replace_table(con, "cooperations", """
        WITH agg AS (
            SELECT coop AS cooperation_id, mode(name) AS name,
                   list_sort(list_distinct(flatten(list(types)))) AS types,
                   arg_max(status, (coalesce(date, published, ''), status <> 'ongoing')) AS status,
                   min(coalesce(date, published)) AS first_date, max(coalesce(date, published)) AS last_date,
                   count(*) AS n_reports, count(DISTINCT record_id) AS n_articles, count(DISTINCT outlet) AS n_outlets
            FROM coop_reports GROUP BY 1),
        names AS (
            SELECT p.cooperation_id, list(e.name ORDER BY e.name) AS partner_names,
                   list(e.entity_id ORDER BY e.name) AS partner_ids
            FROM cooperation_partners p JOIN entities e USING (entity_id) GROUP BY 1)
        SELECT agg.cooperation_id, agg.name, names.partner_ids, names.partner_names, types, status, first_date,
               last_date, n_reports, n_articles, n_outlets
        FROM agg JOIN names USING (cooperation_id)""")
    con.execute("""UPDATE entities SET n_cooperations = s.n_cooperations, n_partners = s.n_partners
        FROM (SELECT p.entity_id, count(DISTINCT p.cooperation_id) AS n_cooperations,
                     count(DISTINCT q.entity_id) AS n_partners
              FROM cooperation_partners p JOIN cooperation_partners q
                   ON q.cooperation_id = p.cooperation_id AND q.entity_id <> p.entity_id
              GROUP BY 1) s
        WHERE entities.entity_id = s.entity_id""")
    for t in ("reports", "coop_reports"):
        con.execute(f"DROP TABLE {t}")
