"""Rebuild the organisation tables: institutions of all articles -> entities.

Python sees only distinct names (with their kinds, locations and other forms aggregated by
DuckDB), links them (`linking.link`), and hands back small mapping tables; DuckDB does every
per-row join and aggregate. So the cost grows with the number of distinct names, not rows.
"""

from __future__ import annotations

import json
from collections import Counter

import duckdb
import pyarrow as pa

from extractor.archive.linking import Correction, Linking, NameStat, entity_id, link
from extractor.archive.names import form
from extractor.archive.store import replace_table


def name_stats(con: duckdb.DuckDBPyConnection) -> list[NameStat]:
    """The distinct (name, qualifier) units of the store with their aggregated evidence."""
    names = [r[0] for r in con.execute("SELECT DISTINCT name FROM institutions WHERE name IS NOT NULL").fetchall()]
    abbr = pa.table({"name": pa.array([n for n in names if form(n).abbreviation], pa.string())})
    con.register("abbr_names", abbr)
    con.execute("""CREATE OR REPLACE TEMP TABLE units AS
        SELECT i.record_id, i.institution_id, i.name,
               CASE WHEN a.name IS NOT NULL THEN nullif(trim(i.location), '') END AS qualifier,
               i.kind, i.location, i.abbreviation, i.mentions, r.ingest_id
        FROM institutions i JOIN articles r USING (record_id) LEFT JOIN abbr_names a ON a.name = i.name
        WHERE i.name IS NOT NULL""")
    con.unregister("abbr_names")
    stats: dict[tuple, NameStat] = {}
    for name, qual, count, kinds, locations, first in con.execute("""
            SELECT name, qualifier, count(*), histogram(kind), histogram(location), min(ingest_id)
            FROM units GROUP BY ALL""").fetchall():
        stats[(name, qual)] = NameStat(name, qual, count, Counter(kinds or {}), Counter(locations or {}),
                                       first=first or 0)
    for name, qual, mention, n in con.execute("""
            SELECT name, qualifier, m, count(*) FROM (SELECT name, qualifier, unnest(mentions) AS m FROM units)
            WHERE m IS NOT NULL AND m <> name GROUP BY ALL""").fetchall():
        stats[(name, qual)].mentions[mention] = n
    return list(stats.values())


def corrections(con: duckdb.DuckDBPyConnection) -> list[Correction]:
    """The analysts' corrections in order, without merges that a later split undid."""
    rows = [(a, json.loads(s)) for a, s in con.execute("SELECT action, sides FROM corrections ORDER BY seq").fetchall()]
    kept = []
    for n, (action, sides) in enumerate(rows):
        if action == "merge":
            keys = {k for side in sides for k in side}
            undone = any(a == "split" and sum(1 for side in later if keys & set(side)) > 1 for a, later in rows[n + 1:])
            if undone:
                continue
        kept.append(Correction(action, sides))
    return kept


def _write_mappings(con: duckdb.DuckDBPyConnection, linking: Linking) -> None:
    units = list(linking.key_of.items())
    con.register("unit_map", pa.table({
        "name": [n for (n, _), _ in units], "qualifier": [q for (_, q), _ in units],
        "abbreviation": [bool(linking.infos[k].form.abbreviation) for _, k in units], "key": [k for _, k in units]}))
    replace_table(con, "name_units", "SELECT * FROM unit_map")
    con.unregister("unit_map")
    via = {lk.key: lk for lk in linking.links}
    keys = list(linking.entity_of)
    con.register("key_map", pa.table({
        "key": keys, "entity_id": [linking.entity_of[k] for k in keys], "key_id": [entity_id(k) for k in keys],
        "names": [sorted(set(linking.infos[k].names)) for k in keys],
        "linked_to": [via[k].other if k in via else None for k in keys],
        "rule": [via[k].rule if k in via else "form" for k in keys],
        "score": pa.array([via[k].score if k in via else None for k in keys], pa.float64()),
        "detail": [via[k].detail if k in via else "equal after normalising inflection, case, legal form, word order"
                   for k in keys]}))
    replace_table(con, "entity_keys", "SELECT * FROM key_map")
    con.unregister("key_map")


def rebuild(con: duckdb.DuckDBPyConnection) -> Linking:
    """Refill entity_keys, name_units, entity_members, entities and entity_variants."""
    linking = link(name_stats(con), corrections(con))
    _write_mappings(con, linking)
    replace_table(con, "entity_members", """
        SELECT u.record_id, u.institution_id, k.entity_id FROM units u
        JOIN name_units n ON n.name = u.name AND n.qualifier IS NOT DISTINCT FROM u.qualifier
        JOIN entity_keys k ON k.key = n.key""")
    con.execute("""CREATE OR REPLACE TEMP TABLE member_rows AS
        SELECT m.entity_id, u.*, a.published, n.abbreviation AS is_abbreviation
        FROM entity_members m JOIN units u USING (record_id, institution_id)
        JOIN articles a USING (record_id)
        JOIN name_units n ON n.name = u.name AND n.qualifier IS NOT DISTINCT FROM u.qualifier""")
    replace_table(con, "entity_variants", """
        SELECT entity_id, variant, count(*) AS count FROM (
            SELECT entity_id, unnest(list_distinct(list_concat([name], mentions,
                   CASE WHEN abbreviation IS NULL THEN [] ELSE [abbreviation] END))) AS variant
            FROM member_rows)
        WHERE variant IS NOT NULL AND trim(variant) <> '' GROUP BY ALL""")
    replace_table(con, "entities", """
        WITH names AS (
            SELECT entity_id, name, is_abbreviation, count(*) AS n FROM member_rows GROUP BY ALL),
        best AS (
            SELECT entity_id, arg_max(name, (NOT is_abbreviation, n, length(name), name)) AS name FROM names GROUP BY 1),
        kinds AS (
            SELECT entity_id, arg_max(kind, n) AS kind FROM (
                SELECT entity_id, kind, count(*) AS n FROM member_rows WHERE kind IS NOT NULL AND kind <> 'other'
                GROUP BY ALL) GROUP BY 1),
        places AS (
            SELECT entity_id, arg_max(location, n) AS location FROM (
                SELECT entity_id, location, count(*) AS n FROM member_rows WHERE nullif(trim(location), '') IS NOT NULL
                GROUP BY ALL) GROUP BY 1),
        agg AS (
            SELECT entity_id, min(published) AS first_seen, max(published) AS last_seen,
                   count(DISTINCT record_id) AS n_articles, count(*) AS n_mentions FROM member_rows GROUP BY 1),
        variants AS (SELECT entity_id, count(*) AS n_variants FROM entity_variants GROUP BY 1)
        SELECT agg.entity_id, best.name, coalesce(kinds.kind, 'other') AS kind, places.location, first_seen, last_seen,
               n_articles, n_mentions, coalesce(n_variants, 0) AS n_variants, 0 AS n_cooperations, 0 AS n_partners
        FROM agg JOIN best USING (entity_id) LEFT JOIN kinds USING (entity_id) LEFT JOIN places USING (entity_id)
        LEFT JOIN variants USING (entity_id)""")
    for t in ("units", "member_rows"):
        con.execute(f"DROP TABLE {t}")
    return linking


def resolve(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, str]:
    """Entity ids as the user gives them (current, or an older id of a key now merged into
    another entity) -> the current entity id; a CoopxError naming the unknown ones."""
    from extractor.errors import CoopxError

    found = dict(con.execute("""SELECT q.id, coalesce(e.entity_id, k.entity_id) FROM unnest(?::VARCHAR[]) q(id)
        LEFT JOIN (SELECT DISTINCT entity_id FROM entity_keys) e ON e.entity_id = q.id
        LEFT JOIN entity_keys k ON k.key_id = q.id""", [ids]).fetchall())
    unknown = [i for i in ids if not found.get(i)]
    if unknown:
        raise CoopxError(f"no such entity: {', '.join(unknown)} (list them with `coopx entities list --store ...`)")
    return {i: found[i] for i in ids}


def keys_of(con: duckdb.DuckDBPyConnection, entity: str) -> list[str]:
    return [r[0] for r in con.execute("SELECT key FROM entity_keys WHERE entity_id = ? ORDER BY key", [entity]).fetchall()]

