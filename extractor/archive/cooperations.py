"""Rebuild the cooperation tables: every article's cooperation reports -> cooperations across
articles, each with its timeline of events.

A report's partners become entities (`entity_members`). Reports of the same partner set are one
cooperation when they are compatible: equal names when both are named, else overlapping types,
and no two start or signing dates more than a year apart. Python decides that per distinct
signature (partner set, name, types, start year), never per report; DuckDB does the joins.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

import duckdb
import pyarrow as pa

from extractor.archive.store import replace_table

# the event a report adds to its cooperation's timeline: by the date's kind, else its status
EVENT = """CASE
    WHEN date_kind = 'announced' THEN 'announced'
    WHEN date_kind = 'planned' OR (date_kind IS NULL AND status = 'planned') THEN 'planned'
    WHEN date_kind = 'ended' OR status = 'ended' THEN 'ended'
    WHEN date_kind = 'joined' THEN 'joined'
    WHEN status = 'extended' THEN 'extended'
    WHEN date_kind = 'signed' THEN 'signed'
    WHEN date_kind = 'start' OR status = 'started' THEN 'started'
    ELSE 'reported' END"""
EVENTS = ("announced", "planned", "signed", "started", "joined", "extended", "ended", "reported")


def _compatible(a: tuple, b: tuple) -> bool:
    (_, name_a, types_a, year_a), (_, name_b, types_b, year_b) = a, b
    if name_a and name_b:
        return name_a == name_b
    if year_a and year_b and abs(int(year_a) - int(year_b)) > 1:
        return False
    return bool(set(types_a.split(",")) & set(types_b.split(",")))


def _cluster(signatures: list[tuple]) -> dict[tuple, int]:
    """Signatures of one partner set -> cluster number (connected compatible signatures;
    a named one never joins a differently named one)."""
    parent = list(range(len(signatures)))
    names: dict[int, set] = {i: ({s[1]} if s[1] else set()) for i, s in enumerate(signatures)}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(len(signatures)), key=lambda i: (not signatures[i][1], signatures[i]))
    for x, i in enumerate(order):
        for j in order[x + 1:]:
            ri, rj = find(i), find(j)
            if ri != rj and len(names[ri] | names[rj]) <= 1 and _compatible(signatures[i], signatures[j]):
                parent[rj] = ri
                names[ri] |= names.pop(rj)
    return {s: find(i) for i, s in enumerate(signatures)}


def _assign(rows: list[tuple]) -> pa.Table:
    """(partners, name, types, year, first report) rows -> signature to cooperation id."""
    groups: dict[str, list[tuple]] = defaultdict(list)
    first: dict[tuple, str] = {}
    for partners, name, types, year, report in rows:
        sig = (partners, name or "", types or "", year or "")
        groups[partners].append(sig)
        first[sig] = report
    out: dict[str, list] = {"partners_key": [], "name_key": [], "types_key": [], "start_year": [], "cooperation_id": []}
    for partners, sigs in groups.items():
        clusters = _cluster(sigs)
        anchor: dict[int, str] = {}
        for sig, c in clusters.items():
            anchor[c] = min(anchor.get(c, first[sig]), first[sig])
        for sig, c in clusters.items():
            out["partners_key"].append(sig[0])
            out["name_key"].append(sig[1])
            out["types_key"].append(sig[2])
            out["start_year"].append(sig[3])
            out["cooperation_id"].append("K" + hashlib.sha1(f"{partners}|{anchor[c]}".encode()).hexdigest()[:10])
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
               a.url, a.outlet, a.title, a.published
        FROM record_cooperations c JOIN ents USING (record_id, cooperation_id) JOIN articles a USING (record_id)
        WHERE len(ents.partners) >= 2""")
    rows = con.execute("""SELECT partners_key, name_key, types_key, start_year, min(record_id || ':' || cooperation_id)
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
